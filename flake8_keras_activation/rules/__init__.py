"""The rule families: each a pure function from a ModelGraph to findings, with its own codes and docs."""

from __future__ import annotations

from ..finding import Finding
from ..graph import ModelGraph
from . import collapse, output, shapes

FAMILIES = (collapse, output, shapes)


def analyze(graph: ModelGraph) -> list[Finding]:
    """Every family's findings for one model graph, in source order."""
    findings = [finding for family in FAMILIES for finding in family.analyze(graph)]
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings
