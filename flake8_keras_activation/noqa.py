"""Writing `# noqa: CODE` comments: the editor's silence action and `check --add-noqa` share this."""

from __future__ import annotations

import ast
import re
import warnings
from typing import Iterable

from .finding import Finding
from .selection import logical_spans, physical_lines, silenced
from .source import source_lines

# flake8's `# noqa: A1,B2`, whose list a new code joins
_NOQA_CODES = re.compile(r"#\s*noqa\s*:\s?(?P<codes>[A-Z]+[0-9]+(?:(?P<sep>[,\s]+)[A-Z]+[0-9]+)*)", re.IGNORECASE)


def insertion(physical: str, code: str) -> tuple[int, str]:
    """Where on a line (without its ending) `code` goes, and the text inserted there: joined to an
    existing `# noqa:` list in the list's own style, else a new comment after the code."""
    existing = _NOQA_CODES.search(physical)
    if existing is not None:
        separator = existing.group("sep") or ", "
        separator = ", " if "," in separator and " " in separator else "," if "," in separator else " "
        return existing.end("codes"), f"{separator}{code}"
    return len(physical.rstrip()), f"  # noqa: {code}"


def same_tree(old: str, new: str) -> bool:
    """Whether a comment left the module's meaning alone (a line that ends inside a string would take
    it into the string)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(ast.parse(old)) == ast.dump(ast.parse(new))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def with_line(text: str, row: int, line: str) -> str:
    """`text` with its 0-based line `row` replaced by `line` (which has no ending; the old one's is kept)."""
    lines = source_lines(text)
    old = lines[row]
    lines[row] = line + _ending(old)
    return "".join(lines)


def add_noqa(text: str, findings: Iterable[Finding], checked: str | None = None) -> tuple[str, list[Finding]]:
    """`text` with every finding's line silenced for its code, and the findings that could not be.

    `checked` is the text the analysis read, when it differs from `text` only on lines no finding
    is on (a notebook cell with its IPython lines masked) and by the indentation IPython removes
    from the start of lines (an indented cell): the comments must keep its meaning.

    Every comment is written in one pass and the module's meaning checked once; only when that
    check fails (a line ends inside a string) is each comment tried and checked on its own.
    """
    analysed = text if checked is None else checked
    ordered = sorted(findings, key=lambda f: (f.line, f.code))
    at_once = _all_at_once(text, analysed, ordered, checked is not None)
    if at_once is not None:
        return at_once
    return _one_by_one(text, analysed, ordered, checked is not None)


def _comment(
    finding: Finding, physical: list[str], spans: list[tuple[int, int]] | None
) -> tuple[int, int, str] | None:
    """Write the finding's comment into `physical` (lines without their endings, changed in place):
    the row, where on it and what, or None when its line is not there or the comment would not
    silence it. The row is the last of the finding's span (the line a backslash continues onto),
    where a comment can go and flake8 looks for it."""
    if not 1 <= finding.line <= len(physical):
        return None
    row = min(_last_row(finding, spans), len(physical) - 1)
    old = physical[row]
    at, inserted = insertion(old, finding.code)
    physical[row] = old[:at] + inserted + old[at:]
    if not silenced(finding, physical, spans):
        physical[row] = old
        return None
    return row, at, inserted


def _last_row(finding: Finding, spans: list[tuple[int, int]] | None) -> int:
    return spans[finding.line - 1][1] if spans is not None else finding.line - 1


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _all_at_once(text: str, analysed: str, ordered: list[Finding], masked: bool) -> tuple[str, list[Finding]] | None:
    lines = source_lines(analysed)
    physical = [line.rstrip("\r\n") for line in lines]
    spans = logical_spans(analysed)
    shown = source_lines(text) if masked else lines
    left: list[Finding] = []
    changed = False
    for finding in ordered:
        if silenced(finding, physical, spans):
            continue  # two findings of one code on a line
        placed = _comment(finding, physical, spans)
        if placed is None:
            left.append(finding)
            continue
        row, at, inserted = placed
        lines[row] = physical[row] + _ending(lines[row])
        if masked:
            body = shown[row].rstrip("\r\n")
            at += len(body) - (len(physical[row]) - len(inserted))  # the indentation IPython removed
            shown[row] = body[:at] + inserted + body[at:] + _ending(shown[row])
        changed = True
    if not changed:
        return text, left
    if not same_tree(analysed, "".join(lines)):
        return None
    return "".join(shown), left


def _one_by_one(text: str, analysed: str, ordered: list[Finding], masked: bool) -> tuple[str, list[Finding]]:
    left: list[Finding] = []
    for finding in ordered:
        lines = source_lines(analysed)
        if not 1 <= finding.line <= len(lines):
            left.append(finding)
            continue
        spans = logical_spans(analysed)
        if silenced(finding, physical_lines(analysed), spans):
            continue
        row = min(_last_row(finding, spans), len(lines) - 1)
        physical = lines[row].rstrip("\r\n")
        at, inserted = insertion(physical, finding.code)
        new_analysed = with_line(analysed, row, physical[:at] + inserted + physical[at:])
        now = physical_lines(new_analysed)
        if not silenced(finding, now, logical_spans(new_analysed)) or not same_tree(analysed, new_analysed):
            left.append(finding)
            continue
        analysed = new_analysed
        if masked:
            shown = source_lines(text)[row].rstrip("\r\n")
            at += len(shown) - len(physical)  # the indentation IPython removed
            text = with_line(text, row, shown[:at] + inserted + shown[at:])
        else:
            text = analysed
    return text, left
