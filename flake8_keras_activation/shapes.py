"""The shape engine: one sample's shape at each node of a model graph, where the source fixes it.

Shapes start where the code gives them (a `keras.Input`, the first layer's `input_shape`,
`input_dim` or `batch_input_shape`, an array of known shape the model is fitted on) and flow along
the graph's edges through each layer's rule (`catalog.shape_rules`). A node that may receive
tensors of several shapes (the arms of an `if`) gets what they agree on; a loop's back edge is
followed until nothing changes. What a node cannot take (a rank it refuses, a window larger than
its axis) is a problem of that node, decided once the shapes are final.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .catalog import Kind
from .catalog.shape_rules import NOT_LITERAL, Shape, ShapeError, given_input, join, output_shape
from .graph import DimOf, LayerNode, ModelGraph, NestedLayer, ShapeOf


class Problem(NamedTuple):
    """A layer that cannot take what it receives."""

    kind: str  # "rank" or "window"
    detail: str
    received: Shape  # one sample's shape that it receives
    expected: int | None  # the rank of one sample it needs ("rank")
    feeder: LayerNode | None  # the node it receives it from, when there is one


class Shapes(NamedTuple):
    """One sample's output shape per node key (None where unknown), and the nodes that cannot take
    their input."""

    output: dict[int, Shape | None]
    received: dict[int, Shape | None]
    problems: dict[int, Problem]


def literal(value: Any) -> Any:
    """A shape argument's value for the rules: data shapes resolved where the data's shape is known."""
    if isinstance(value, ShapeOf):
        if value.sample is None:
            return NOT_LITERAL
        return value.sample[value.start - 1 :] if value.start >= 1 else NOT_LITERAL
    if isinstance(value, DimOf):
        return value.value if value.value is not None else NOT_LITERAL
    if isinstance(value, NestedLayer):
        inner = {"*": NOT_LITERAL} if value.arguments is None else {k: literal(v) for k, v in value.arguments}
        return (value.key, inner)
    if isinstance(value, tuple):
        items = [literal(item) for item in value]
        return NOT_LITERAL if any(item is NOT_LITERAL for item in items) else tuple(items)
    return value


def arguments(node: LayerNode) -> dict[str, Any]:
    """A node's literal arguments by name ({"*": ...} when the call unpacks arguments)."""
    if node.arguments is None:
        return {"*": NOT_LITERAL}
    return {name: literal(value) for name, value in node.arguments}


def _own(node: LayerNode, received: Shape | None) -> Shape | None:
    """What a node makes of one sample of shape `received` (None when unknown); ShapeError when it
    cannot take it."""
    if node.kind is Kind.INPUT:
        return output_shape(node.layer, arguments(node), [])
    if not node.layer:
        # an activation call or arithmetic with a constant keeps the shape; a merge call
        # (ops.concatenate, tf.stack) or an unknown call does not say
        if node.act_name or node.kind is Kind.PASS:
            return received
        return None
    args = arguments(node)
    if node.wrapper == "layers.TimeDistributed":
        args = {"layer": (node.layer, args)}
        return output_shape(node.wrapper, args, [received], node.label)
    return output_shape(node.layer, args, [received], node.label)


def _entry(graph: ModelGraph, node: LayerNode) -> Shape | None:
    """The shape a first layer receives from the model's input, where its own arguments give it."""
    if graph.kind == "sequential" and node.key in graph.inputs and node.arguments is not None:
        return given_input(arguments(node))
    return None


_BOTTOM: Any = object()  # a node not computed yet: it tells its successors nothing


def infer(graph: ModelGraph, fitted: Shape | None = None) -> Shapes:
    """Every node's output shape; `fitted` is one sample's shape of the data the model is fitted on,
    the model's input where nothing in the source declares it.

    A fixed point from "nothing known yet": each pass recomputes every node from what its computed
    predecessors agree on, until no shape changes. A shape only ever loses dimensions along a loop,
    so this ends; a graph that has not settled after a generous bound gets no shapes at all."""
    output: dict[int, Any] = {}
    received: dict[int, Shape | None] = {}
    order = _order(graph)
    for _ in range(4 * len(order) + 8):
        changed = False
        for key in order:
            node = graph.node(key)
            shape_in = _received(graph, node, output, fitted)
            try:
                shape_out = _own(node, shape_in)
            except ShapeError:
                shape_out = None
            if output.get(key, _BOTTOM) != shape_out or received.get(key) != shape_in:
                changed = True
                output[key], received[key] = shape_out, shape_in
        if not changed:
            break
    else:
        return Shapes({key: None for key in order}, {key: None for key in order}, {})
    problems: dict[int, Problem] = {}
    for key in order:
        node = graph.node(key)
        shape_in = received.get(key)
        if shape_in is None or node.kind is Kind.INPUT or not node.layer:
            continue
        try:
            _own(node, shape_in)
        except ShapeError as error:
            feeders = graph.predecessors(key)
            feeder = graph.node(feeders[0]) if len(feeders) == 1 else None
            problems[key] = Problem(error.kind, error.detail, shape_in, error.expected, feeder)
    return Shapes(output, received, problems)


def _received(graph: ModelGraph, node: LayerNode, output: dict[int, Any], fitted: Shape | None) -> Shape | None:
    predecessors = graph.predecessors(node.key)
    if not predecessors:
        entry = _entry(graph, node)
        if entry is None and node.kind is not Kind.INPUT and node.key in graph.inputs and graph.kind == "sequential":
            entry = fitted
        return entry
    known = [output[key] for key in predecessors if output.get(key, _BOTTOM) is not _BOTTOM]
    return join(known) if known else None


def _order(graph: ModelGraph) -> list[int]:
    """The nodes, each after its predecessors where the graph has no cycle through them."""
    seen: set[int] = set()
    order: list[int] = []
    for start in graph.nodes:
        if start.key in seen:
            continue
        stack: list[tuple[int, int]] = [(start.key, 0)]
        seen.add(start.key)
        while stack:
            key, index = stack[-1]
            predecessors = graph.predecessors(key)
            if index < len(predecessors):
                stack[-1] = (key, index + 1)
                before = predecessors[index]
                if before not in seen:
                    seen.add(before)
                    stack.append((before, 0))
            else:
                stack.pop()
                order.append(key)
    return order


def fitted_sample(graph: ModelGraph) -> Shape | None:
    """One sample's shape of the data the model is fitted on, where every fit agrees."""
    samples = [fit.sample for fit in graph.fits]
    return join(samples) if samples and all(sample is not None for sample in samples) else None


def of(graph: ModelGraph) -> Shapes:
    """The engine's shapes for a graph, computed once per graph (the rule families share them)."""
    cached = graph.cache.get("shapes")
    if cached is None:
        cached = graph.cache["shapes"] = infer(graph, fitted_sample(graph))
    return cached
