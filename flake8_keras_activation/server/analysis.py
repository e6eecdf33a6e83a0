"""What the language server shows for one buffer: the shared analysis's findings, with ranges and chains."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

from ..finding import Finding
from ..chains import chains
from ..documents import MAX_FILE_BYTES, cell_lines
from ..graph import ModelGraph
from ..notebook import Cell, Notebook, mask_cells
from ..rules.collapse import DEFAULT_ACTIVATION, with_activation
from ..screen import LIMIT_TEXT, may_hold_finding, too_large
from ..selection import Selection, reported
from ..source import analyze_graphs, extract_graphs, source_lines
from ..spans import Span, highlighted, spans
from .uris import key


@dataclass(frozen=True)
class Related:
    span: Span
    label: str  # "collapses into Dense(100)"


@dataclass(frozen=True)
class Diagnosed:
    """A finding as the editor shows it: the construct's whole range and the layers of its chain."""

    finding: Finding  # its message already speaks of cell lines in a notebook
    span: Span
    related: tuple[Related, ...] = ()


@dataclass(frozen=True)
class Part:
    """One text the editor holds: a Python file, or one cell of a notebook."""

    uri: str
    text: str  # the editor's text
    first_line: int  # where it starts in the analysed module, 1-based
    cell: Cell | None = None  # the notebook cell (its masked text), None for a Python file

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines, split once for all the positions computed in it."""
        return source_lines(self.text)

    def column(self, row: int, col: int) -> int:
        """The column in the editor's text of a column of the analysed text, on the 0-based row."""
        return self.cell.column(row + 1, col) if self.cell is not None else col

    def analysed_column(self, row: int, col: int) -> int:
        """The column in the analysed text of a column of the editor's text, on the 0-based row."""
        return self.cell.masked_column(row + 1, col) if self.cell is not None else col


@dataclass(frozen=True)
class Analysis:
    """One version of a document, analysed: the module the analysis read and what it found."""

    uri: str
    version: int | None
    module: str
    parts: tuple[Part, ...]
    diagnosed: tuple[Diagnosed, ...]
    skipped: str = ""  # why the document was not analysed (beyond the limits), "" when it was

    @cached_property
    def _starts(self) -> list[int]:
        return [part.first_line for part in self.parts]

    def part_at(self, line: int) -> tuple[Part, int]:
        """The part that holds a line of the module, and the 0-based line within it."""
        part = self.parts[max(bisect.bisect_right(self._starts, line) - 1, 0)]
        return part, line - part.first_line

    def part(self, uri: str) -> Part | None:
        """The part a request names, whatever escaping its URI has."""
        wanted = key(uri)
        return next((part for part in self.parts if key(part.uri) == wanted), None)

    def in_part(self, uri: str) -> list[Diagnosed]:
        """The findings shown in one part, in source order."""
        part = self.part(uri)
        return [d for d in self.diagnosed if self.part_at(d.span.line)[0] is part] if part is not None else []


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():  # the user's invalid escapes are not ours to report
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def findings_of(
    module: str, selection: Selection, activation: str = DEFAULT_ACTIVATION
) -> tuple[ast.Module, list[str], list[ModelGraph], list[Finding]]:
    """The module's tree, lines, graphs and reported findings, by the flake8 plugin's own steps; the
    remedies name `activation`, the one the fixes write."""
    empty: tuple[ast.Module, list[str], list[ModelGraph], list[Finding]] = (ast.Module([], []), [], [], [])
    if not may_hold_finding(module):
        return empty
    tree = _parse(module)
    if tree is None:
        return empty
    lines = source_lines(module)
    graphs = extract_graphs(tree, lines)
    found = reported(analyze_graphs(graphs), module, selection)
    return tree, lines, graphs, [with_activation(finding, activation) for finding in found]


# ---- documents ------------------------------------------------------------------------------


def _diagnose(module: str, selection: Selection, activation: str) -> list[Diagnosed]:
    tree, lines, graphs, findings = findings_of(module, selection, activation)
    if not findings:
        return []
    explained = chains(findings, graphs)
    wanted = {(f.line, f.col, highlighted(f)) for f in findings}
    wanted |= {
        (n.line, n.col, ()) for layers in explained for n, _ in layers if n.line is not None and n.col is not None
    }
    ranges = spans(tree, lines, wanted)
    out = []
    for finding, layers in zip(findings, explained):
        related = tuple(
            Related(ranges[(node.line, node.col, ())], label)
            for node, label in layers
            if node.line is not None and node.col is not None
        )
        out.append(Diagnosed(finding, ranges[(finding.line, finding.col, highlighted(finding))], related))
    return out


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def beyond_limits(module: str, size: int | None = None) -> str:
    """Why a document is not analysed, as `check` words it for a file ("" when it is analysed):
    the command's limits, so that a buffer costs the server what its file costs the command.

    `size` is the document's size in UTF-8 bytes, when it is not the module's own (a notebook's
    cells)."""
    if size is None:
        # a string's UTF-8 form is at most four bytes a character: encode only what might be over
        size = _utf8_size(module) if len(module) * 4 > MAX_FILE_BYTES else len(module)
    if size > MAX_FILE_BYTES:
        return f"skipped: {size} bytes, over the limit of {MAX_FILE_BYTES} bytes"
    if may_hold_finding(module) and too_large(module):
        return f"skipped: {LIMIT_TEXT}"
    return ""


def analyze_python(
    uri: str, version: int | None, text: str, selection: Selection, activation: str = DEFAULT_ACTIVATION
) -> Analysis:
    """A Python buffer: the analysis of its text as the editor holds it."""
    part = Part(uri, text, 1)
    skipped = beyond_limits(text)
    if skipped:
        return Analysis(uri, version, text, (part,), (), skipped)
    return Analysis(uri, version, text, (part,), tuple(_diagnose(text, selection, activation)))


@dataclass(frozen=True)
class CellText:
    """A notebook cell as the editor sends it."""

    uri: str
    text: str
    index: int  # position among all the notebook's cells, markdown included
    python: bool  # a code cell in Python


def analyze_notebook(
    uri: str, version: int | None, cells: Sequence[CellText], selection: Selection,
    activation: str = DEFAULT_ACTIVATION,
) -> Analysis:
    """A notebook: its code cells in order as one module, as `check` reads them."""
    size = sum(len(cell.text) for cell in cells)
    if size * 4 > MAX_FILE_BYTES:
        size = sum(_utf8_size(cell.text) for cell in cells)
    if size > MAX_FILE_BYTES:  # before its cells are masked and joined: that would cost as much again
        unread = tuple(Part(cell.uri, cell.text, 1) for cell in cells)
        return Analysis(uri, version, "", unread, (), beyond_limits("", size))
    masked, joined = mask_cells([(cell.index, cell.text, cell.python) for cell in cells])
    parts = [Part(text.uri, text.text, cell.first_line, cell) for text, cell in zip(cells, masked)]
    skipped = beyond_limits(joined, size)
    if skipped:
        return Analysis(uri, version, joined, tuple(parts), (), skipped)
    notebook = Notebook("", masked, joined, {})
    diagnosed = []
    for item in _diagnose(joined, selection, activation):
        cell, _ = notebook.locate(item.span.line)
        message = cell_lines(notebook, item.finding.message, cell.number)
        diagnosed.append(dataclasses.replace(item, finding=item.finding._replace(message=message)))
    return Analysis(uri, version, joined, tuple(parts), tuple(diagnosed))
