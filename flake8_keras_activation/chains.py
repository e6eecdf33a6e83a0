"""The layers that explain a finding (what it collapses into, the steps between), for SARIF and the editor."""

from __future__ import annotations

from typing import Sequence

from .catalog import Kind
from .codes import Finding
from .collapse import find_collapses
from .graph import LayerNode, ModelGraph


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
