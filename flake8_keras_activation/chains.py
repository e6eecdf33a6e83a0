"""The layers that explain a finding (what it collapses into, the steps between), for SARIF and the editor."""

from __future__ import annotations

from typing import Sequence

from .catalog import Kind
from .finding import Finding
from .rules.collapse import Collapse, find_collapses
from .graph import LayerNode, ModelGraph

Chain = list[tuple[LayerNode, str]]


def _at(node: LayerNode, line: int, col: int) -> bool:
    return (node.line, node.col) == (line, col)


def chains(findings: Sequence[Finding], graphs: Sequence[ModelGraph]) -> list[Chain]:
    """The layers that explain each finding, each with what it is to it: read from the same analysis.

    Each graph is read once for all the findings (a file may hold thousands of them): where each
    reported layer and model is, and, when a finding needs them, the collapses of every graph.
    """
    models: dict[tuple[int | None, int | None], ModelGraph] = {}
    sequential_layers: dict[tuple[int | None, int | None], ModelGraph] = {}
    for graph in graphs:  # the first graph that holds a place wins, as a search in order would
        models.setdefault((graph.line, graph.col), graph)
        if graph.kind == "sequential":
            for node in graph.nodes:
                sequential_layers.setdefault((node.line, node.col), graph)
    collapses: dict[tuple[int | None, int | None], Collapse] | None = None
    out = []
    for finding in findings:
        where = (finding.line, finding.col)
        layers: Chain = []
        if finding.code in ("KA101", "KA104"):
            if collapses is None:
                collapses = {}
                for graph in graphs:
                    for collapse in find_collapses(graph):
                        collapses.setdefault((collapse.source.line, collapse.source.col), collapse)
            found = collapses.get(where)
            if found is not None:
                layers = [(found.target, f"collapses into {found.target.label}")]
                layers += [(node, f"through {node.label}") for node in found.via]
                layers = [(node, label) for node, label in layers if not _at(node, *where)]
        elif finding.code == "KA103" and where in models:
            affine = [node for node in models[where].nodes if node.kind is Kind.AFFINE]
            layers = [(node, f"affine layer {node.label}") for node in affine]
        elif finding.code == "KA102" and where in sequential_layers:
            graph = sequential_layers[where]
            first = [node for node in graph.nodes if node.key not in graph.preceded and node.line is not None]
            layers = [(node, f"the first layer, {node.label}") for node in first[:1]]
        out.append(layers)
    return out
