"""The output rules: what a model's output applies, against the loss it is compiled with (KA201-KA206).

One pure function over a ModelGraph, shared by the source and runtime halves, like the collapse
analysis. A question the graph cannot answer (an unknown activation, a width that is not
literal, an output made on several paths) is never answered with a finding.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from . import catalog, codes
from .catalog import Kind
from .codes import Finding
from .graph import LayerNode, Loss, ModelGraph

_CROSS_ENTROPIES = frozenset({"binary", "categorical", "sparse", "crossentropy"})
_RESHAPING = frozenset({"layers.Flatten", "layers.Reshape", "layers.Permute"})


class Step(NamedTuple):
    """What an output applies last: the activation's name ("" when unknown), the size of the axis
    it applies over (None when unknown), and the node that applies it."""

    act: str
    channels: int | None
    node: LayerNode


def _only_predecessor(graph: ModelGraph, key: int) -> int | None:
    predecessors = graph.predecessors(key)
    return predecessors[0] if len(predecessors) == 1 else None


def _is_activation(node: LayerNode) -> bool:
    """An activation layer or call: it applies a function and keeps the shape of what it receives."""
    return node.kind is not Kind.AFFINE and bool(node.act_name)


def _first_before(graph: ModelGraph, node: LayerNode, through: Callable[[LayerNode], bool]) -> LayerNode | None:
    """The first node before `node`, along single predecessors, that `through` does not pass;
    None where a node has several inputs (or none) first."""
    seen = {node.key}
    key = node.key
    while True:
        before = _only_predecessor(graph, key)
        if before is None or before in seen:
            return None
        seen.add(before)
        previous = graph.node(before)
        if not through(previous):
            return previous
        key = before


def _keeps_width(node: LayerNode) -> bool:
    if node.kind in (Kind.AFFINE, Kind.INPUT):
        return False
    return node.layer in catalog.WIDTH_PRESERVING or _is_activation(node)


def channels_into(graph: ModelGraph, node: LayerNode) -> int | None:
    """The size of the last axis of what `node` receives, where the layer that sets it says it."""
    source = _first_before(graph, node, _keeps_width)
    return source.channels if source is not None and source.kind in (Kind.AFFINE, Kind.INPUT) else None


def applied(graph: ModelGraph, node: LayerNode) -> Step | None:
    """The activation a node applies to its last axis, or None when it applies none we know of."""
    if node.kind is Kind.AFFINE:
        return Step(node.act_name, node.channels, node)
    if _is_activation(node):
        return Step(node.act_name, channels_into(graph, node), node)
    return None


def output_step(graph: ModelGraph, key: int) -> Step | None:
    """What the output made by `key` applies last, through dropout and noise (which keep it) and
    reshaping (which keeps the activation but not the width)."""
    seen: set[int] = set()
    reshaped = False
    while key not in seen:
        seen.add(key)
        node = graph.node(key)
        step = applied(graph, node)
        if step is not None:
            return step._replace(channels=None) if reshaped else step
        if node.layer not in catalog.TRANSPARENT_LAYERS and node.layer not in _RESHAPING:
            return None
        reshaped = reshaped or node.layer in _RESHAPING
        before = _only_predecessor(graph, key)
        if before is None:
            return None
        key = before
    return None


def _heads_of(graph: ModelGraph, loss: Loss) -> list[int]:
    """The output nodes a loss applies to: each single-node output it names (all, by index, by name)."""
    heads = [head[0] for head in graph.heads if len(head) == 1]
    if loss.output is None:
        return heads if len(heads) == len(graph.heads) else []
    if isinstance(loss.output, int):
        if len(graph.heads) > loss.output and len(graph.heads[loss.output]) == 1:
            return [graph.heads[loss.output][0]]
        return []
    return [key for key in heads if graph.node(key).name == loss.output]


def _loss_findings(graph: ModelGraph, loss: Loss) -> list[Finding]:
    family = catalog.loss_family(loss.key)
    if family is None:
        return []
    found: dict[str, Finding] = {}
    for key in _heads_of(graph, loss):
        step = output_step(graph, key)
        if step is None:
            continue
        layer = step.node.label
        if loss.from_logits is True and step.act in catalog.PROBABILITY_ACTIVATIONS:
            fixable = ("from_logits",) if loss.inline else ()
            message = codes.ka202(loss.label, layer, step.act)
            found.setdefault("KA202", Finding(loss.line, loss.col, "KA202", message, loss.key or "", fixable))
        if loss.from_logits is False and family in _CROSS_ENTROPIES and step.act in catalog.NOT_PROBABILITY_ACTIVATIONS:
            linear = step.act in catalog.LINEAR_ACTIVATIONS
            fixable = ("from_logits",) if loss.inline and linear and family != "crossentropy" else ()
            message = codes.ka203(loss.label, layer, step.act, family, loss.inline)
            found.setdefault("KA203", Finding(loss.line, loss.col, "KA203", message, loss.key or "", fixable))
        if family in ("categorical", "sparse") and step.channels == 1:
            found.setdefault("KA204", Finding(loss.line, loss.col, "KA204", codes.ka204(loss.label, layer)))
        if family == "binary" and step.act == "softmax" and step.channels is not None and step.channels > 2:
            message = codes.ka205(loss.label, layer, step.channels)
            found.setdefault("KA205", Finding(loss.line, loss.col, "KA205", message))
    return list(found.values())


def _positionwise(node: LayerNode) -> bool:
    if node.layer in catalog.SPATIAL_LAYERS:
        return False
    return node.layer in catalog.POSITIONWISE_LAYERS or _is_activation(node)


def _spatial_source(graph: ModelGraph, node: LayerNode) -> LayerNode | None:
    """The convolution or pooling layer whose feature map reaches `node` through layers that act on
    each position alone, or None when something flattens, pools globally or is unknown first."""
    source = _first_before(graph, node, _positionwise)
    return source if source is not None and source.layer in catalog.SPATIAL_LAYERS else None


def _unflattened_heads(graph: ModelGraph) -> list[Finding]:
    """KA206: a Dense output head that receives a feature map, so it predicts once per position."""
    found = []
    for head in graph.heads:
        if len(head) != 1:
            continue
        key: int | None = head[0]
        seen: set[int] = set()
        while key is not None and key not in seen:
            seen.add(key)
            node = graph.node(key)
            if node.kind is Kind.AFFINE or not (_is_activation(node) or node.layer in catalog.TRANSPARENT_LAYERS):
                break
            key = _only_predecessor(graph, key)
        if key is None:
            continue
        dense = graph.node(key)
        if dense.layer != "layers.Dense":
            continue
        source = _spatial_source(graph, dense)
        if source is not None:
            message = codes.ka206(dense.label, source.label, source.line)
            found.append(Finding(dense.line or 0, dense.col or 0, "KA206", message, dense.layer))
    return found


def softmax_over_one_unit(graph: ModelGraph) -> list[Finding]:
    """KA201, wherever a softmax is applied to a last axis of size one, compiled or not."""
    found = []
    for node in graph.nodes:
        if node.act_name != "softmax":
            continue
        step = applied(graph, node)
        if step is not None and step.channels == 1:
            found.append(Finding(node.line or 0, node.col or 0, "KA201", codes.ka201(node.label), node.layer))
    return found


def analyze(graph: ModelGraph) -> list[Finding]:
    """All output findings for one model graph, in source order."""
    findings = softmax_over_one_unit(graph) + _unflattened_heads(graph)  # a scope's graph has no heads
    for loss in graph.losses:
        findings += _loss_findings(graph, loss)
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return findings
