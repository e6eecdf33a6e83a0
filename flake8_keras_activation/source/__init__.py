"""Source text -> ModelGraphs -> findings, without running the code."""

from __future__ import annotations

import ast
import io
import warnings
from typing import Sequence

from .. import rules
from ..finding import Finding
from ..graph import ModelGraph
from ..screen import may_hold_finding
from .interpret import Interpreter

__all__ = ["analyze_graphs", "analyze_source", "analyze_tree", "extract_graphs", "may_hold_finding", "source_lines"]


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
