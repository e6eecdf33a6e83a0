"""Where a finding's construct starts and ends (the layer's call, KA102's argument), read from the tree."""

from __future__ import annotations

import ast
import re
from typing import Iterable, NamedTuple, Sequence

from .finding import Finding

_WORD = re.compile(r"\w+")


class Span(NamedTuple):
    """Where a construct is in the analysed module: 1-based lines, 0-based columns in characters."""

    line: int
    col: int
    end_line: int
    end_col: int


def _char_col(line: str, byte_col: int) -> int:
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))


def _byte_col(line: str, col: int) -> int:
    return col if line.isascii() else len(line[:col].encode("utf-8"))


def _dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _extent(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def _construct(nodes: list[ast.AST], arguments: tuple[str, ...]) -> ast.AST | list[ast.AST] | None:
    """Which of the nodes that start at a finding's position it names.

    A layer's constructor (`layers.Dense(8)`, not the `(x)` applied to it nor a method called on
    it), then a class, a keyword, or the largest expression; the keywords a finding names
    (KA102's input shape) within a call.
    """
    calls = [n for n in nodes if isinstance(n, ast.Call) and _dotted(n.func)]
    if calls:
        call = max(calls, key=_extent)
        named: list[ast.AST] = [k for k in call.keywords if k.arg in arguments]
        return named or call
    for kind in (ast.ClassDef, ast.keyword):
        found = [n for n in nodes if isinstance(n, kind)]
        if found:
            return found[0]
    expressions = [n for n in nodes if isinstance(n, ast.expr)]
    return max(expressions, key=_extent) if expressions else None


def spans(
    tree: ast.Module, lines: Sequence[str], wanted: Iterable[tuple[int, int, tuple[str, ...]]]
) -> dict[tuple[int, int, tuple[str, ...]], Span]:
    """The range of the construct at each (line, col, arguments), in one walk of the tree."""
    wanted = set(wanted)
    by_start: dict[tuple[int, int], list[ast.AST]] = {}
    starts = set()
    for line, col, _ in wanted:
        if 1 <= line <= len(lines):
            starts.add((line, _byte_col(lines[line - 1], col)))
    for node in ast.walk(tree):
        start = (getattr(node, "lineno", None), getattr(node, "col_offset", None))
        if start in starts:
            by_start.setdefault(start, []).append(node)
    found = {}
    for line, col, arguments in wanted:
        text = lines[line - 1] if 1 <= line <= len(lines) else ""
        nodes = by_start.get((line, _byte_col(text, col)), [])
        construct = _construct(nodes, arguments)
        found[(line, col, arguments)] = _span(construct, lines, line, col)
    return found


def _span(construct: ast.AST | list[ast.AST] | None, lines: Sequence[str], line: int, col: int) -> Span:
    text = lines[line - 1].rstrip("\r\n") if 1 <= line <= len(lines) else ""
    if construct is None:
        if text.startswith("#", col):  # a comment (KA900's `# noqa`): to the end of the line
            return Span(line, col, line, len(text.rstrip()))
        word = _WORD.match(text, col)
        return Span(line, col, line, word.end() if word else min(col + 1, max(len(text), col)))
    if isinstance(construct, ast.ClassDef):  # the `class Name` words, not the whole body
        at = text.find(construct.name, col)
        return Span(line, col, line, at + len(construct.name) if at >= 0 else len(text))
    first, last = (construct[0], construct[-1]) if isinstance(construct, list) else (construct, construct)
    start_line, end_line = first.lineno, last.end_lineno or last.lineno  # type: ignore[attr-defined]
    start = _char_col(lines[start_line - 1], first.col_offset)  # type: ignore[attr-defined]
    end = _char_col(lines[end_line - 1], last.end_col_offset or 0)  # type: ignore[attr-defined]
    return Span(start_line, start, end_line, end)


def highlighted(finding: Finding) -> tuple[str, ...]:
    """The keywords a finding's range covers: KA102's input shapes; a loss finding's `arguments`
    name what its fix edits, and its range is the whole loss argument."""
    return finding.arguments if finding.code == "KA102" else ()
