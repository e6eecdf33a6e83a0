"""An analysis in the protocol's types: positions in the client's encoding, diagnostics, ranges and edits.

No pygls here, and nothing that needs the protocol loop: a file's diagnostics are built on the
worker thread that analysed it, in one pass over its findings.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from lsprotocol import types

from .analysis import Analysis, Diagnosed, Part, Related
from .edits import Edit, PartEdits
from ..spans import Span

SOURCE = "flake8-keras-activation"


class Columns:
    """Columns in characters (as the analysis counts them) and as the client counts them."""

    def __init__(self, encoding: str | None) -> None:
        self.encoding = encoding or types.PositionEncodingKind.Utf16

    def units(self, text: str, col: int) -> int:
        """A column in characters as the client counts it (UTF-16 code units unless negotiated)."""
        if self.encoding == types.PositionEncodingKind.Utf32 or text.isascii():
            return col
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(text[:col].encode("utf-8"))
        return len(text[:col].encode("utf-16-le", "surrogatepass")) // 2

    def chars(self, text: str, units: int) -> int:
        """A client's column back in characters."""
        if text.isascii() or self.encoding == types.PositionEncodingKind.Utf32:
            return units
        count = 0
        for index, char in enumerate(text):
            count += self.units(char, 1)
            if count > units:
                return index
        return len(text)

    def position(self, lines: Sequence[str], line: int, col: int) -> types.Position:
        text = lines[line] if 0 <= line < len(lines) else ""
        return types.Position(line=line, character=self.units(text, col))

    def span_range(self, analysis: Analysis, span: Span) -> tuple[str, types.Range]:
        """The part that holds a span of the module, and the span's range in it."""
        part, start = analysis.part_at(span.line)
        end = span.end_line - part.first_line
        return part.uri, types.Range(
            start=self.position(part.lines, start, part.column(start, span.col)),
            end=self.position(part.lines, end, part.column(end, span.end_col)),
        )

    def text_edit(self, part: Part, edit: Edit) -> types.TextEdit:
        return types.TextEdit(
            range=types.Range(
                start=self.position(part.lines, edit.line, edit.col),
                end=self.position(part.lines, edit.end_line, edit.end_col),
            ),
            new_text=edit.text,
        )

    def workspace_edit(self, analysis: Analysis, parts: Sequence[PartEdits]) -> types.WorkspaceEdit:
        changes = {}
        for part_edits in parts:
            part = analysis.part(part_edits.uri)
            if part is not None:
                changes[part.uri] = [self.text_edit(part, edit) for edit in part_edits.edits]
        return types.WorkspaceEdit(changes=changes)

    def diagnostic(self, analysis: Analysis, item: Diagnosed, links: Mapping[str, str]) -> types.Diagnostic:
        _, where = self.span_range(analysis, item.span)
        href = links.get(item.finding.code)
        return types.Diagnostic(
            range=where,
            message=item.finding.message,
            severity=types.DiagnosticSeverity.Warning,
            code=item.finding.code,
            code_description=types.CodeDescription(href=href) if href else None,
            source=SOURCE,
            related_information=[self.related(analysis, r) for r in item.related] or None,
        )

    def related(self, analysis: Analysis, related: Related) -> types.DiagnosticRelatedInformation:
        uri, where = self.span_range(analysis, related.span)
        return types.DiagnosticRelatedInformation(location=types.Location(uri=uri, range=where), message=related.label)

    def diagnostics(self, analysis: Analysis, links: Mapping[str, str]) -> dict[str, list[types.Diagnostic]]:
        """Every part's diagnostics (an empty list for a part without any), in one pass."""
        by_part: dict[str, list[types.Diagnostic]] = {part.uri: [] for part in analysis.parts}
        for item in analysis.diagnosed:
            part, _ = analysis.part_at(item.span.line)
            by_part[part.uri].append(self.diagnostic(analysis, item, links))
        return by_part


def is_notebook(analysis: Analysis) -> bool:
    return len(analysis.parts) != 1 or analysis.parts[0].uri != analysis.uri


def publications(analysis: Analysis, columns: Columns, links: Mapping[str, str], converter: Any) -> list[bytes]:
    """The publishDiagnostics notifications of an analysis, serialized: on the worker thread, a
    file of fifty thousand findings costs the protocol loop one write, not seconds of conversion.

    Each diagnostic is serialized on its own: one `json.dumps` of them all would hold the
    interpreter for a third of a second on a big file, and keep the other lane waiting."""
    version = None if is_notebook(analysis) else analysis.version  # a cell's version is not the notebook's
    out = []
    for uri, diagnostics in columns.diagnostics(analysis, links).items():
        items = b",".join(json.dumps(converter.unstructure(d)).encode() for d in diagnostics)
        rest = json.dumps({"uri": uri, **({} if version is None else {"version": version})})  # `{"uri": ...}`
        out.append(_MESSAGE % (items, rest[1:].encode()))
    return out


# a publishDiagnostics message, its diagnostics and the rest of its params (uri, version) to fill in
_MESSAGE = b'{"jsonrpc": "2.0", "method": "%s", "params": {"diagnostics": [%%s], %%s}' % (
    types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS.encode()
)
