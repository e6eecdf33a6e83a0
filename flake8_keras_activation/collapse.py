"""The collapse analysis: one pure function over a ModelGraph, shared by the source and runtime halves."""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

from . import codes
from .catalog import WIDTH_PRESERVING, Kind
from .codes import Finding
from .graph import LayerNode, ModelGraph


class Collapse(NamedTuple):
    """`source` (a linear affine layer) reaches the affine layer `target` through `via` only."""

    source: LayerNode
    target: LayerNode
    via: tuple[LayerNode, ...]


def affine_outputs(graph: ModelGraph) -> frozenset[int]:
    """The nodes whose output is an affine function of the graph's inputs along every path.

    This is what decides whether a merge (Add, Concatenate, ...) keeps a chain affine: it does
    when every one of its inputs is affine. A greatest fixed point, so that a layer applied in
    a loop is decided by its other inputs.
    """
    affine = {
        node.key
        for node in graph.nodes
        if node.kind in (Kind.INPUT, Kind.PASS, Kind.MERGE) or node.is_linear_affine
    }
    queue = deque(node.key for node in graph.nodes if node.key not in affine)
    while queue:
        key = queue.popleft()
        for successor in graph.successors(key):
            if successor in affine and graph.node(successor).kind is not Kind.INPUT:
                affine.discard(successor)
                queue.append(successor)
    return frozenset(affine)


def _keeps_chain(node: LayerNode, affine: frozenset[int]) -> bool:
    return node.kind is Kind.PASS or (node.kind is Kind.MERGE and node.key in affine)


def find_collapses(graph: ModelGraph, affine: frozenset[int] | None = None) -> list[Collapse]:
    """Each linear affine layer all of whose output reaches other affine layers through pass-throughs.

    Every path out of the layer must end at an affine layer after affine steps only: a path that
    meets a nonlinear or unknown step first, or leaves the graph (an output, a returned tensor),
    means the layer also shapes a feature that is used as it is, and it is not reported. Edges
    are may-flow edges, so an extra edge only ever silences a layer. One collapse per source
    layer: the nearest target, in breadth-first order.
    """
    if affine is None:
        affine = affine_outputs(graph)
    found: list[Collapse] = []
    # A layer object applied at several places (shared, or made outside a loop and applied in it)
    # is one layer: it collapses only when each of its applications does.
    applications: dict[int, list[LayerNode]] = {}
    for node in graph.nodes:
        if node.is_linear_affine:
            applications.setdefault(node.layer_object, []).append(node)
    for nodes in applications.values():
        collapses = [_collapse_from(graph, node, affine) for node in nodes]
        if all(collapse is not None for collapse in collapses):
            found.extend(c for c in collapses if c is not None)
    return found


def _collapse_from(graph: ModelGraph, source: LayerNode, affine: frozenset[int]) -> Collapse | None:
    # parent[k]: the node before k on the breadth-first path from `source`
    parent: dict[int, int] = {}
    queue: deque[int] = deque()
    successors = graph.successors(source.key)
    if not successors:
        return None
    for key in successors:
        if key not in parent:
            parent[key] = source.key
            queue.append(key)
    target = None
    while queue:
        key = queue.popleft()
        node = graph.node(key)
        if node.kind is Kind.AFFINE:
            target = target or node
            continue
        if not _keeps_chain(node, affine):
            return None  # this path meets a nonlinear or unknown step first
        following = graph.successors(key)
        if not following:
            return None  # this path leaves the graph with the layer's output unchanged
        for nxt in following:
            if nxt not in parent:
                parent[nxt] = key
                queue.append(nxt)
    if target is None:
        return None
    via = []
    step = parent[target.key]
    while step != source.key:
        via.append(graph.node(step))
        step = parent[step]
    return Collapse(source, target, tuple(reversed(via)))


def affine_applications(graph: ModelGraph) -> int:
    """How many affine maps the model applies: its linear affine layers, a looped one counting twice."""
    count = 0
    for node in graph.nodes:
        if node.kind is Kind.AFFINE:
            count += 2 if (node.key, node.key) in graph.edges else 1
    return count


def is_affine(graph: ModelGraph, affine: frozenset[int] | None = None) -> bool:
    """Every node of a complete graph is affine: the model computes one affine map."""
    if not graph.complete or not graph.nodes:
        return False
    if affine is None:
        affine = affine_outputs(graph)
    return all(node.key in affine for node in graph.nodes)


def is_affine_end_to_end(graph: ModelGraph, affine: frozenset[int] | None = None) -> bool:
    """KA103: the model is one affine map made of at least two affine maps."""
    return is_affine(graph, affine) and affine_applications(graph) >= 2


def collapsed_runs(graph: ModelGraph, collapses: list[Collapse] | None = None) -> list[tuple[LayerNode, ...]]:
    """Chains of collapses, as paths: `Dense -> Dropout -> Dense -> Dense(softmax)` is one run
    of three affine layers when the first two are linear; the last contributes its pre-activation."""
    if collapses is None:
        collapses = find_collapses(graph)
    by_source = {c.source.key: c for c in collapses}
    targets = {c.target.key for c in collapses if c.target.key != c.source.key}
    runs = []
    for collapse in collapses:
        if collapse.source.key in targets:
            continue  # it continues a run that starts earlier
        path: list[LayerNode] = [collapse.source]
        seen = {collapse.source.key}
        step: Collapse | None = collapse
        while step is not None:
            path.extend(step.via)
            if step.target.key in seen:
                break
            path.append(step.target)
            seen.add(step.target.key)
            step = by_source.get(step.target.key)
        runs.append(tuple(path))
    return runs


def input_width(graph: ModelGraph, node: LayerNode) -> int | None:
    """The number of features a layer receives, when its single input says it."""
    seen = {node.key}
    while True:
        predecessors = graph.predecessors(node.key)
        if len(predecessors) != 1 or predecessors[0] in seen:
            return None
        node = graph.node(predecessors[0])
        seen.add(node.key)
        if node.kind in (Kind.AFFINE, Kind.INPUT):
            return node.width
        if node.layer not in WIDTH_PRESERVING:
            return None


def deliberate(graph: ModelGraph, collapse: Collapse) -> str | None:
    """Why a collapse looks like a deliberate factorization (KA104), or None (KA101)."""
    source, target = collapse.source, collapse.target
    inner, outer = source.width, target.width
    outside = input_width(graph, source)
    if inner is not None and outside is not None and outer is not None and inner < outside and inner < outer:
        return f"together a rank-{inner} map ({outside} -> {inner} -> {outer}), a low-rank factorization"
    if not source.bias and not any(node.layer == "layers.BatchNormalization" for node in collapse.via):
        return "it has no bias, which would be redundant before another affine layer: a factorization"
    if source.kernel == 1 and target.kernel is not None and target.kernel > 1:
        return "a pointwise convolution projecting channels before a spatial one: a factorization"
    return None


def _same_layer(a: LayerNode, b: LayerNode) -> bool:
    """Two applications of one layer object (a loop, a shared layer): the same constructor call."""
    return a.key == b.key or (a.line is not None and (a.line, a.col) == (b.line, b.col))


def _has_what(node: LayerNode) -> str:
    return "has a linear activation" if node.activation_given else "has no activation"


def _shape_findings(graph: ModelGraph, node: LayerNode) -> list[Finding]:
    """KA102, at each input-shape argument that Keras ignores (or, in Keras 3, refuses)."""
    assert node.line is not None
    remedy = None
    if graph.kind == "sequential":
        ignored = node.key in graph.preceded
        where = "it is not the first layer of its Sequential model"
    else:
        ignored = node.called  # a layer called on a tensor takes that tensor's shape
        where = "the layer is called on a tensor, whose shape it takes"
        remedy = "remove it; the keras.Input the tensor comes from gives the shape"
    found = []
    positions = node.shape_positions or ((node.line, node.col or 0),) * len(node.shape_args)
    for name, (line, col) in zip(node.shape_args, positions):
        call = (node.line, node.col or 0)
        # Keras 3 takes input_dim and input_shape from a layer's keyword arguments one at a time:
        # input_dim wins and input_shape is left over, as is batch_input_shape, and Layer raises.
        together = name == "input_dim" and "input_shape" in node.shape_args
        if node.keras3 and (name == "batch_input_shape" or together):
            message = codes.ka102_raises(name, node.label, together)
            # the fix removes what Keras would ignore elsewhere; on a first layer batch_input_shape
            # is the model's shape, and only the author can move it to keras.Input(batch_shape=...)
            removable = ignored or together
            found.append(Finding(line, col, "KA102", message, node.layer, (name,) if removable else (), call))
        elif ignored and not (name == "input_shape" and "input_dim" in node.shape_args and node.keras3):
            message = codes.ka102(name, node.label, where) if remedy is None else codes.ka102(
                name, node.label, where, remedy
            )
            found.append(Finding(line, col, "KA102", message, node.layer, (name,), call))
    return found


def collapse_message(collapse: Collapse) -> str:
    """The KA101 message for a collapse, in the source half and the runtime half alike."""
    source = collapse.source
    if _same_layer(collapse.target, source):
        return codes.ka101_loop(source.label, _has_what(source))
    return codes.ka101(
        source.label,
        _has_what(source),
        collapse.target.label,
        collapse.target.line,
        tuple(node.label for node in collapse.via),
    )


def analyze(graph: ModelGraph) -> list[Finding]:
    """All findings for one model graph, in source order."""
    findings = []
    affine = affine_outputs(graph)
    collapses = find_collapses(graph, affine)
    # Several nodes can share a constructor call (its applications, its instances in a loop's
    # passes): the call is reported once, KA101 if any of them is a plain collapse.
    judged = sorted(((c, deliberate(graph, c)) for c in collapses), key=lambda pair: pair[1] is not None)
    reported: set[tuple[int, int]] = set()
    for collapse, why in judged:
        source = collapse.source
        if source.line is None or source.col is None or (source.line, source.col) in reported:
            continue
        reported.add((source.line, source.col))
        if why is not None:
            message = codes.ka104(source.label, collapse.target.label, collapse.target.line, why)
            findings.append(Finding(source.line, source.col, "KA104", message, source.layer))
            continue
        findings.append(Finding(source.line, source.col, "KA101", collapse_message(collapse), source.layer))
    for node in graph.nodes:
        if node.shape_args and node.line is not None and node.kind is not Kind.INPUT:
            findings.extend(_shape_findings(graph, node))
    deliberate_only = bool(judged) and all(why is not None for _, why in judged)
    if graph.line is not None and not deliberate_only and is_affine_end_to_end(graph, affine):
        findings.append(
            Finding(graph.line, graph.col or 0, "KA103", codes.ka103(graph.label, affine_applications(graph)))
        )
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings
