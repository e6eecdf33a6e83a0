"""Positions and short labels of source constructs, as messages and flake8 need them."""

from __future__ import annotations

import ast
from typing import Sequence

_LABEL_LIMIT = 24


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attribute accesses on a name, else None."""
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class SourceText:
    """The module's lines, for columns in characters and labels as the user wrote them."""

    __slots__ = ("lines",)

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines

    def column(self, node: ast.expr | ast.stmt | ast.keyword) -> int:
        """The 0-based column in characters (ast's col_offset counts UTF-8 bytes)."""
        col = node.col_offset
        try:
            line = self.lines[node.lineno - 1]
        except IndexError:
            return col
        if line.isascii():
            return col
        return len(line.encode("utf-8")[:col].decode("utf-8", errors="replace"))

    def label(self, node: ast.expr, limit: int = _LABEL_LIMIT) -> str:
        """A short rendering of an expression for messages: its own text when it is short."""
        name = dotted_name(node)
        if name is not None:
            return name
        if type(node) is ast.Call and limit <= _LABEL_LIMIT:
            return f"{self.label(node.func)}({self.first_argument(node)})"
        if node.lineno == node.end_lineno:
            try:
                line = self.lines[node.lineno - 1]
            except IndexError:
                return "..."
            if line.isascii():
                text = line[node.col_offset : node.end_col_offset]
            else:
                text = line.encode("utf-8")[node.col_offset : node.end_col_offset].decode(
                    "utf-8", errors="replace"
                )
            if len(text) <= limit:
                return text
        if type(node) is ast.Call:
            return f"{self.label(node.func)}({self.first_argument(node)})"
        return "..."

    def first_argument(self, node: ast.Call) -> str:
        if node.args:
            return self.label(node.args[0])
        if node.keywords:
            keyword = node.keywords[0]
            if keyword.arg is not None:
                return f"{keyword.arg}={self.label(keyword.value)}"
        return ""
