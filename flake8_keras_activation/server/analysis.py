"""What the language server shows for one buffer: the shared analysis's findings, with ranges and chains."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import re
import warnings
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..catalog import Kind
from ..codes import Finding
from ..collapse import find_collapses
from ..documents import cell_lines
from ..graph import LayerNode, ModelGraph
from ..notebook import Cell, Notebook, mask_cell
from ..screen import may_hold_finding
from ..selection import Selection, reported
from ..source import analyze_graphs, extract_graphs, source_lines

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Span:
    """Where a construct is in the analysed module: 1-based lines, 0-based columns in characters."""

    line: int
    col: int
    end_line: int
    end_col: int


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


@dataclass(frozen=True)
class Analysis:
    """One version of a document, analysed: the module the analysis read and what it found."""

    uri: str
    version: int | None
    module: str
    parts: tuple[Part, ...]
    diagnosed: tuple[Diagnosed, ...]

    def part_at(self, line: int) -> tuple[Part, int]:
        """The part that holds a line of the module, and the 0-based line within it."""
        starts = [part.first_line for part in self.parts]
        part = self.parts[max(bisect.bisect_right(starts, line) - 1, 0)]
        return part, line - part.first_line

    def part(self, uri: str) -> Part | None:
        return next((part for part in self.parts if part.uri == uri), None)

    def in_part(self, uri: str) -> list[Diagnosed]:
        """The findings shown in one part, in source order."""
        return [d for d in self.diagnosed if self.part_at(d.span.line)[0].uri == uri]


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():  # the user's invalid escapes are not ours to report
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def findings_of(module: str, selection: Selection) -> tuple[ast.Module, list[str], list[ModelGraph], list[Finding]]:
    """The module's tree, lines, graphs and reported findings, by the flake8 plugin's own steps."""
    empty: tuple[ast.Module, list[str], list[ModelGraph], list[Finding]] = (ast.Module([], []), [], [], [])
    if not may_hold_finding(module):
        return empty
    tree = _parse(module)
    if tree is None:
        return empty
    lines = source_lines(module)
    graphs = extract_graphs(tree, lines)
    return tree, lines, graphs, reported(analyze_graphs(graphs), module, selection)


# ---- chains ---------------------------------------------------------------------------------


def _at(node: LayerNode, line: int, col: int) -> bool:
    return (node.line, node.col) == (line, col)


def chain(finding: Finding, graphs: Sequence[ModelGraph]) -> list[tuple[LayerNode, str]]:
    """The layers that explain a finding, each with what it is to it: read from the same analysis."""
    if finding.code in ("KA101", "KA104"):
        for graph in graphs:
            for collapse in find_collapses(graph):
                if _at(collapse.source, finding.line, finding.col):
                    layers = [(collapse.target, f"collapses into {collapse.target.label}")]
                    layers += [(node, f"through {node.label}") for node in collapse.via]
                    return [(node, label) for node, label in layers if not _at(node, finding.line, finding.col)]
    elif finding.code == "KA103":
        for graph in graphs:
            if (graph.line, graph.col) == (finding.line, finding.col):
                affine = [node for node in graph.nodes if node.kind is Kind.AFFINE]
                return [(node, f"affine layer {node.label}") for node in affine]
    elif finding.code == "KA102":
        for graph in graphs:
            if graph.kind == "sequential" and any(_at(node, finding.line, finding.col) for node in graph.nodes):
                first = [node for node in graph.nodes if node.key not in graph.preceded and node.line is not None]
                return [(node, f"the first layer, {node.label}") for node in first[:1]]
    return []


# ---- ranges ---------------------------------------------------------------------------------


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


# ---- documents ------------------------------------------------------------------------------


def _highlighted(finding: Finding) -> tuple[str, ...]:
    """The keywords a finding's range covers: KA102's input shapes; a loss finding's `arguments`
    name what its fix edits, and its range is the whole loss argument."""
    return finding.arguments if finding.code == "KA102" else ()


def _diagnose(module: str, selection: Selection) -> list[Diagnosed]:
    tree, lines, graphs, findings = findings_of(module, selection)
    if not findings:
        return []
    chains = [chain(finding, graphs) for finding in findings]
    wanted = {(f.line, f.col, _highlighted(f)) for f in findings}
    wanted |= {(n.line, n.col, ()) for layers in chains for n, _ in layers if n.line is not None and n.col is not None}
    ranges = spans(tree, lines, wanted)
    out = []
    for finding, layers in zip(findings, chains):
        related = tuple(
            Related(ranges[(node.line, node.col, ())], label)
            for node, label in layers
            if node.line is not None and node.col is not None
        )
        out.append(Diagnosed(finding, ranges[(finding.line, finding.col, _highlighted(finding))], related))
    return out


def analyze_python(uri: str, version: int | None, text: str, selection: Selection) -> Analysis:
    """A Python buffer: the analysis of its text as the editor holds it."""
    return Analysis(uri, version, text, (Part(uri, text, 1),), tuple(_diagnose(text, selection)))


@dataclass(frozen=True)
class CellText:
    """A notebook cell as the editor sends it."""

    uri: str
    text: str
    index: int  # position among all the notebook's cells, markdown included
    python: bool  # a code cell in Python


def analyze_notebook(uri: str, version: int | None, cells: Sequence[CellText], selection: Selection) -> Analysis:
    """A notebook: its code cells in order as one module, as `check` reads them."""
    masked: list[Cell] = []
    parts: list[Part] = []
    module: list[str] = []
    line = 1
    for cell_text in cells:
        if cell_text.python:
            cell = mask_cell(cell_text.index, cell_text.text, line)
        else:
            blank = "".join(piece[len(piece.rstrip("\r\n")) :] for piece in source_lines(cell_text.text))
            cell = Cell(cell_text.index, cell_text.text, blank, (), line, python=False)
        masked.append(cell)
        parts.append(Part(cell_text.uri, cell_text.text, line, cell))
        text = cell.masked
        module.append(text if not text or text.endswith(("\n", "\r")) else text + "\n")
        line += cell.line_count
    joined = "".join(module)
    notebook = Notebook("", tuple(masked), joined, {})
    diagnosed = []
    for item in _diagnose(joined, selection):
        cell, _ = notebook.locate(item.span.line)
        message = cell_lines(notebook, item.finding.message, cell.number)
        diagnosed.append(dataclasses.replace(item, finding=dataclasses.replace(item.finding, message=message)))
    return Analysis(uri, version, joined, tuple(parts), tuple(diagnosed))
