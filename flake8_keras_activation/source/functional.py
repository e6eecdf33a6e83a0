"""The data flow of functional code in one scope: which layer's output reaches which layer."""

from __future__ import annotations

import ast

from ..catalog import Kind
from ..graph import LayerNode, ModelGraph


def application_key(site: ast.AST, node: LayerNode) -> int:
    """One key per (place, layer): a loop over a list of layers applies several at one place."""
    return hash((id(site), node.key))


class Dataflow:
    """Nodes and may-flow edges of one scope (a function, a module, a subclassed model)."""

    def __init__(self) -> None:
        self.nodes: dict[int, LayerNode] = {}
        self.edges: set[tuple[int, int]] = set()
        # each node's predecessors and its place in the scope, kept as edges are added, so that a
        # model's graph costs the model's size, not the scope's (a script may build many models)
        self.predecessors: dict[int, set[int]] = {}
        self.order: dict[int, int] = {}

    def _edge(self, a: int, b: int) -> None:
        self.edges.add((a, b))
        self.predecessors.setdefault(b, set()).add(a)

    def _node(self, node: LayerNode) -> None:
        if node.key not in self.nodes:
            self.nodes[node.key] = node
            self.order[node.key] = len(self.order)

    def apply(self, node: LayerNode, inputs: frozenset[int], site: ast.AST | None = None) -> frozenset[int]:
        """`node` applied to tensors produced by `inputs`; returns the producers of its output.

        A graph node is one application of a layer: the same layer object called at two places
        (a shared Dropout, a shared Dense) is two nodes with the same source position, and a call
        repeated by a loop is one node that feeds itself.
        """
        if site is not None:
            node = node.with_key(application_key(site, node))._replace(called=True)
        self._node(node)
        for source in inputs:
            if source in self.nodes:  # a tensor from another scope has no node here
                self._edge(source, node.key)
        return frozenset((node.key,))

    def absorb(self, graph: ModelGraph, inputs: frozenset[int]) -> frozenset[int]:
        """A whole model (a Sequential used as a layer) applied to tensors: its layers join the flow."""
        for node in graph.nodes:
            self._node(node)
        for a, b in graph.edges:
            self._edge(a, b)
        for head in graph.inputs:
            for source in inputs:
                if source in self.nodes:
                    self._edge(source, head)
        return frozenset(graph.outputs)

    def scope_graph(self, label: str) -> ModelGraph:
        """Everything the scope computes; no position, so it yields layer findings only."""
        return ModelGraph("functional", label, tuple(self.nodes.values()), frozenset(self.edges))

    def model_graph(
        self,
        outputs: frozenset[int],
        label: str,
        line: int,
        col: int,
        kind: str,
        heads: list[frozenset[int]] | None = None,
        origin: int = 0,
    ) -> ModelGraph:
        """The model whose outputs are produced by `outputs`: every node they depend on.
        `heads` are the outputs one by one, in order, when the model has several."""
        keep: set[int] = set()
        stack = [key for key in outputs if key in self.nodes]
        while stack:
            key = stack.pop()
            if key in keep:
                continue
            keep.add(key)
            stack.extend(self.predecessors.get(key, ()))
        nodes = tuple(self.nodes[key] for key in sorted(keep, key=self.order.__getitem__))
        edges = frozenset((a, b) for b in keep for a in self.predecessors.get(b, ()) if a in keep)
        inputs = tuple(sorted(n.key for n in nodes if n.kind is Kind.INPUT))
        return ModelGraph(
            kind,
            label,
            nodes,
            edges,
            line=line,
            col=col,
            inputs=inputs,
            outputs=tuple(sorted(outputs)),
            complete=bool(outputs) and all(key in self.nodes for key in outputs),
            heads=tuple(tuple(sorted(head)) for head in heads) if heads is not None else None,
            origin=origin,
        )
