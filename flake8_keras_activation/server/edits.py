"""Edits the language server offers: the fixer's rewrites as minimal text edits, and noqa comments."""

from __future__ import annotations

import bisect
import dataclasses
import difflib
from dataclasses import dataclass
from typing import Sequence

from ..noqa import insertion, same_tree
from ..notebook import fix_finding, fix_text, unmask
from ..selection import physical_lines, silenced
from ..source import source_lines
from .analysis import Analysis, Diagnosed, Part


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (0-based lines, 0-based columns in characters)."""

    line: int
    col: int
    end_line: int
    end_col: int
    text: str


@dataclass(frozen=True)
class PartEdits:
    uri: str
    edits: tuple[Edit, ...]


class _Positions:
    """Offsets of a text as (line, column), with lines split where ast splits them."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        for piece in source_lines(text):
            self.starts.append(self.starts[-1] + len(piece))
        if self.starts[-1] == len(text) and len(self.starts) > 1 and not text.endswith(("\n", "\r")):
            self.starts.pop()  # the last line has no ending: no empty line after it

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]


def _trimmed(before: str, after: str, offset: int, positions: _Positions) -> Edit | None:
    """One edit replacing `before` (at `offset` of the old text) by `after`, less what they share
    at either end."""
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    if prefix == len(before) == len(after):
        return None
    # never split a \r\n: an editor cannot place a position between the two
    if prefix and before[prefix - 1] == "\r" and before[prefix : prefix + 1] == "\n":
        prefix -= 1
    cut = len(before) - suffix
    if suffix and before[cut - 1 : cut] == "\r" and before[cut : cut + 1] == "\n":
        suffix -= 1
    start = positions.at(offset + prefix)
    end = positions.at(offset + len(before) - suffix)
    return Edit(*start, *end, after[prefix : len(after) - suffix])


def minimal_edits(old: str, new: str) -> list[Edit]:
    """Edits that turn `old` into `new`: changed lines only, each less the characters it keeps."""
    if old == new:
        return []
    a, b = source_lines(old), source_lines(new)
    offsets = [0]
    for piece in a:
        offsets.append(offsets[-1] + len(piece))
    positions = _Positions(old)
    edits = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 - i1 == j2 - j1:  # lines changed in place: one edit per line
            pairs = [(a[i], b[j1 + i - i1], offsets[i]) for i in range(i1, i2)]
        else:
            pairs = [("".join(a[i1:i2]), "".join(b[j1:j2]), offsets[i1])]
        for before, after, offset in pairs:
            edit = _trimmed(before, after, offset, positions)
            if edit is not None:
                edits.append(edit)
    return edits


def apply(text: str, edits: Sequence[Edit]) -> str:
    """The text with non-overlapping edits applied (what an editor does with them): as LSP says,
    insertions at one position keep the order they are given in."""
    positions = _Positions(text)
    out = text
    ordered = sorted(enumerate(edits), key=lambda item: (item[1].line, item[1].col, item[0]), reverse=True)
    for _, edit in ordered:
        start = positions.starts[edit.line] + edit.col
        end = positions.starts[edit.end_line] + edit.end_col if edit.end_line < len(positions.starts) else len(text)
        out = out[:start] + edit.text + out[end:]
    return out


# ---- fixes ----------------------------------------------------------------------------------


def _in_part(analysis: Analysis, diagnosed: Diagnosed) -> tuple[Part, Diagnosed]:
    part, line = analysis.part_at(diagnosed.finding.line)
    local = diagnosed.finding._replace(line=line + 1)
    return part, dataclasses.replace(diagnosed, finding=local)


def fixes(analysis: Analysis, chosen: Sequence[Diagnosed], activation: str) -> list[PartEdits]:
    """The fixer's edits for the chosen findings, part by part; parts it cannot fix are left out."""
    from ..fix import FIXABLE, FixError, fix_source, preferred_quote  # libcst: only when a fix is asked for

    quote = preferred_quote(analysis.module)
    by_part: dict[str, tuple[Part, list[Diagnosed]]] = {}
    for item in chosen:
        if item.finding.code not in FIXABLE:
            continue
        part, _ = analysis.part_at(item.finding.line)
        by_part.setdefault(part.uri, (part, []))[1].append(item)
    out = []
    for uri, (part, items) in by_part.items():
        cell = part.cell
        if cell is not None and not cell.python:
            continue
        # the fixer works in the cell's own lines and columns (a call's line too, for KA102)
        source = fix_text(cell) if cell is not None else part.text
        found = [fix_finding(cell, item.finding) if cell is not None else item.finding for item in items]
        try:
            result = fix_source(source, found, activation, quote)
        except (FixError, ValueError):
            continue
        if not result.changed:
            continue
        new = unmask(part.cell, result.text) if part.cell is not None else result.text
        if new is None:
            continue
        edits = minimal_edits(part.text, new)
        if edits:
            out.append(PartEdits(uri, tuple(edits)))
    return out


def fixable(diagnosed: Diagnosed) -> bool:
    from ..fix import FIXABLE

    return diagnosed.finding.code in FIXABLE


# ---- noqa -----------------------------------------------------------------------------------


def noqa(analysis: Analysis, diagnosed: Diagnosed) -> PartEdits | None:
    """`# noqa: CODE` on the finding's line, joining an existing list; None where a comment cannot go."""
    part, local = _in_part(analysis, diagnosed)
    lines = source_lines(part.text)
    row = local.finding.line - 1
    if not 0 <= row < len(lines):
        return None
    at, text = insertion(lines[row].rstrip("\r\n"), local.finding.code)
    edit = Edit(row, at, row, at, text)
    # the analysed text (IPython lines masked, an indented cell's indentation removed) must keep its meaning
    checked = part.cell.masked if part.cell is not None else part.text
    there = part.analysed_column(row, at)
    new = apply(checked, [Edit(row, there, row, there, text)])
    if not silenced(local.finding, physical_lines(new)) or not same_tree(checked, new):
        return None
    return PartEdits(part.uri, (edit,))
