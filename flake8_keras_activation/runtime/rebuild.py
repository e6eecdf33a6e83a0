"""Rebuild a model found in source with Keras, from its literal layer calls only: no user code runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog import INPUT_SHAPE_ARGS, INPUTS, Kind
from ..graph import LayerConfig, LayerNode, ModelGraph


class NotRebuildable(Exception):
    """Why a model cannot be rebuilt from its source alone; the message says it to the user."""


@dataclass
class Rebuilt:
    model: Any
    layers: dict[int, Any] = field(default_factory=dict)  # graph node key -> Keras layer object


def _keras() -> Any:
    import keras

    return keras


def _layer_class(key: str) -> Any:
    keras = _keras()
    name = key.split(".", 1)[1]
    cls = getattr(keras.layers, name, None)
    if cls is None:
        raise NotRebuildable(f"keras.layers.{name} does not exist in this Keras")
    return cls


def _value(value: Any) -> Any:
    if isinstance(value, LayerConfig):
        return build_layer(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_value(v) for v in value)
    return value


def build_layer(config: LayerConfig) -> Any:
    """One Keras layer from the literal arguments its call had in the source."""
    kwargs = {name: _value(value) for name, value in config.kwargs if name not in INPUT_SHAPE_ARGS}
    return _layer_class(config.key)(*(_value(a) for a in config.args), **kwargs)


def _input_shape(node: LayerNode) -> tuple[int, ...] | None:
    """The shape a first layer's input-shape argument gives, if any."""
    assert node.config is not None
    kwargs = dict(node.config.kwargs)
    if "input_shape" in kwargs:
        return tuple(kwargs["input_shape"])
    if "batch_input_shape" in kwargs:
        return tuple(kwargs["batch_input_shape"])[1:]
    if "input_dim" in kwargs:
        return (kwargs["input_dim"],)
    return None


def _order(graph: ModelGraph) -> list[LayerNode]:
    """The nodes in an order where every node follows its inputs; refuses cycles."""
    done: set[int] = set()
    order: list[LayerNode] = []
    pending = list(graph.nodes)
    while pending:
        ready = [n for n in pending if all(p in done for p in graph.predecessors(n.key))]
        if not ready:
            raise NotRebuildable("a layer is applied in a loop, so the model's depth is not in the source")
        for node in ready:
            order.append(node)
            done.add(node.key)
        pending = [n for n in pending if n.key not in done]
    return order


def rebuild(graph: ModelGraph) -> Rebuilt:
    """The Keras model a Sequential or functional graph describes, if every layer call is literal."""
    if graph.kind not in ("sequential", "functional"):
        raise NotRebuildable("subclassed models are not rebuilt from source; check them with --call")
    if not graph.complete:
        raise NotRebuildable("code the analysis cannot follow changes the model")
    for node in graph.nodes:
        if node.kind is Kind.UNKNOWN or node.config is None:
            raise NotRebuildable(f"{node.label} (line {node.line}) is not a Keras layer call with literal arguments")
    keras = _keras()
    rebuilt = Rebuilt(model=None)
    tensors: dict[int, Any] = {}
    inputs = []
    for node in _order(graph):
        assert node.config is not None
        predecessors = graph.predecessors(node.key)
        if node.config.key in INPUTS or node.kind is Kind.INPUT:
            tensor = keras.Input(*(_value(a) for a in node.config.args), **dict(node.config.kwargs))
            inputs.append(tensor)
            tensors[node.key] = tensor
            continue
        if not predecessors:
            shape = _input_shape(node)
            if shape is None:
                raise NotRebuildable(
                    f"the input shape is not in the source (no keras.Input, and {node.label} "
                    f"on line {node.line} has no input_shape or input_dim)"
                )
            source = keras.Input(shape=shape)
            inputs.append(source)
            incoming: Any = source
        elif len(predecessors) == 1:
            incoming = tensors[predecessors[0]]
        elif node.kind is Kind.MERGE:
            incoming = [tensors[p] for p in predecessors]
        else:
            raise NotRebuildable(f"{node.label} (line {node.line}) receives several inputs")
        layer = build_layer(node.config)
        rebuilt.layers[node.key] = layer
        tensors[node.key] = layer(incoming)
    outputs = [tensors[key] for key in graph.outputs] or [tensors[order_key] for order_key in list(tensors)[-1:]]
    if not inputs:
        raise NotRebuildable("the model has no input")
    rebuilt.model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, outputs[0] if len(outputs) == 1 else outputs)
    return rebuilt
