"""Source text -> ModelGraphs -> findings, without running the code."""

from __future__ import annotations

import ast
import io
import warnings
from typing import NamedTuple, Sequence

from .. import rules
from ..finding import Finding
from ..graph import ModelGraph
from ..screen import may_hold_finding
from .calls import Plan, plans
from .interpret import Interpreter

__all__ = [
    "BoundGraph", "analyze_graphs", "analyze_source", "analyze_tree", "extract_bound_graphs", "extract_graphs",
    "may_hold_finding", "source_lines",
]


def extract_graphs(tree: ast.Module, lines: Sequence[str]) -> list[ModelGraph]:
    """The graph of every Keras model the module builds."""
    interpreter = Interpreter(tree, lines)
    try:
        return interpreter.run()
    finally:
        # The interpreter's scopes and values refer back to it, so it and the whole syntax tree
        # would wait for the cycle collector (98% of what it finds after a file, and its traversal
        # costs a sixth of a check of many files). The graphs hold nothing of it: let it go now.
        interpreter.__dict__.clear()


class BoundGraph(NamedTuple):
    """A model graph for confirm, and the literals its function's parameters were given."""

    graph: ModelGraph
    function: str | None = None  # the function of the file whose parameters hold literals
    call: int | None = None  # the line of the call those come from; None: the defaults


def _run(tree: ast.Module, lines: Sequence[str], interpreter: Interpreter) -> tuple[list[ModelGraph], set[int]]:
    try:
        return interpreter.run(), set(interpreter.bound)
    finally:
        interpreter.__dict__.clear()  # as in extract_graphs


def extract_bound_graphs(tree: ast.Module, lines: Sequence[str]) -> list[BoundGraph]:
    """The graphs confirm rebuilds: those of extract_graphs, where a function of the file builds
    a model with the literals a call of the file gives its parameters, or their literal defaults
    (source/calls.py); one graph per distinct literal call. Nothing of the file runs."""
    first = Interpreter(tree, lines, record_calls=True)
    try:
        first.run()
        calls = dict(first.calls or {})
    finally:
        first.__dict__.clear()
    functions = {
        id(node): node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    planned: dict[int, list[Plan]] = {key: plans(calls.get(key, [])) for key in functions}
    passes = max((len(p) for p in planned.values()), default=1)
    out: list[BoundGraph] = []
    for index in range(passes):
        bindings = {key: (p[index] if index < len(p) else p[0]).values for key, p in planned.items()}
        found, bound = _run(tree, lines, Interpreter(tree, lines, bindings=bindings))
        for graph in found:
            function = _innermost(functions, graph.line)
            if function is None:
                if index == 0:
                    out.append(BoundGraph(graph))
            elif index < len(planned[id(function)]):
                if id(function) in bound:
                    out.append(BoundGraph(graph, function.name, planned[id(function)][index].line))
                else:
                    out.append(BoundGraph(graph))
    # in the file's order; a function's models in the order of the calls that build them
    out.sort(key=lambda bound: (bound.graph.line or 0, bound.graph.col or 0, bound.call or 0))
    return out


def _innermost(
    functions: dict[int, ast.FunctionDef | ast.AsyncFunctionDef], line: int | None
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    if line is None:
        return None
    holding = [f for f in functions.values() if f.lineno <= line <= (f.end_lineno or f.lineno)]
    return max(holding, key=lambda f: f.lineno, default=None)


def analyze_tree(tree: ast.Module, lines: Sequence[str]) -> list[Finding]:
    """Findings for a parsed module; `lines` are its source lines (with or without endings)."""
    return analyze_graphs(extract_graphs(tree, lines))


def analyze_graphs(graphs: Sequence[ModelGraph]) -> list[Finding]:
    """Findings for the graphs of one module, each position reported once."""
    seen = set()
    findings = []
    for graph in graphs:
        for finding in rules.analyze(graph):
            where = (finding.line, finding.col, finding.code)
            if where not in seen:
                seen.add(where)
                findings.append(finding)
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings


def analyze_source(source: str) -> list[Finding]:
    """Findings for Python source text; text that does not parse has none."""
    if not may_hold_finding(source):
        return []
    try:
        with warnings.catch_warnings():  # the user's invalid escapes are not ours to report
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    from ..unused_noqa import with_unused_noqa

    # every finding, as flake8 gets them: KA900 included, before any selection or noqa comment
    return with_unused_noqa(source, analyze_tree(tree, source_lines(source)))


def source_lines(source: str) -> list[str]:
    """The lines, with their endings, as Python's tokenizer counts them (at \\n, \\r\\n and \\r):
    `str.splitlines` also splits at form feeds and other separators, which would shift every
    position after them. Every part of the tool that numbers lines uses this one."""
    return io.StringIO(source, newline="").readlines()
