"""A built Keras model -> ModelGraph, read from its real layer objects during one traced call."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import catalog
from ..catalog import Act, Kind
from ..graph import LayerNode, ModelGraph

_KERAS_MODULES = ("keras.", "tf_keras.", "tensorflow.")


def layer_key(layer: Any) -> str:
    """The catalog key of a Keras layer object, or "" for a class that is not Keras's own."""
    cls = type(layer)
    if not cls.__module__.startswith(_KERAS_MODULES):
        return ""
    return "layers." + cls.__name__


def activation_kind(function: Any) -> Act:
    """Classify an activation function object by its name (Keras's own functions only)."""
    if function is None:
        return Act.LINEAR
    name = getattr(function, "__name__", "")
    module = getattr(function, "__module__", "") or ""
    if not module.startswith(_KERAS_MODULES):
        return Act.UNKNOWN
    return catalog.activation_string(name)


def activation_name(function: Any) -> str:
    """The name of one of Keras's activation functions ("softmax", "linear"), or "" for another."""
    if function is None:
        return "linear"
    module = getattr(function, "__module__", "") or ""
    return getattr(function, "__name__", "") if module.startswith(_KERAS_MODULES) else ""


def _last_axis(shape: Any) -> int | None:
    try:
        last = tuple(shape)[-1]
    except (TypeError, IndexError):
        return None
    return last if isinstance(last, int) else None


_IDENTITY_CODE = (lambda x: x).__code__

# How Bidirectional merges its two directions into one output; with merge_mode=None it returns both.
_MERGES = frozenset({"concat", "sum", "ave", "mul"})


def _returns_its_argument(function: Any) -> bool:
    """A function whose code is exactly `lambda x: x` (or `def f(x): return x`): one positional
    parameter, no other, and a body that returns it, read from its code object, never called.

    Its bytecode is compared with that of such a lambda compiled by this interpreter, so that the
    answer does not depend on the Python version's opcodes."""
    code = getattr(function, "__code__", None)
    if code is None or getattr(function, "__self__", None) is not None:  # a bound method takes self first
        return False
    flags = getattr(code, "co_flags", 0)
    return (
        code.co_argcount == 1
        and code.co_kwonlyargcount == 0
        and getattr(code, "co_posonlyargcount", 0) == 0
        and not flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS | inspect.CO_GENERATOR | inspect.CO_COROUTINE)
        and code.co_code == _IDENTITY_CODE.co_code
    )


def _recurrent_activation(layer: Any) -> str:
    """What a recurrent layer's output applies last: its `activation` (tanh unless given); a layer
    without one (CuDNNLSTM, CuDNNGRU) has tanh built in."""
    if not hasattr(layer, "activation"):
        return catalog.RECURRENT_ACTIVATION
    return activation_name(layer.activation)


def _bidirectional_activation(layer: Any) -> str:
    """A Bidirectional layer's output keeps its recurrent layers' activation when it merges the two
    directions into one tensor and both apply the same one; "" otherwise."""
    if getattr(layer, "merge_mode", None) not in _MERGES:
        return ""
    forward, backward = getattr(layer, "forward_layer", None), getattr(layer, "backward_layer", None)
    if forward is None or backward is None:
        return ""
    names = {
        _recurrent_activation(one) if layer_key(one) in catalog.RECURRENT_LAYERS else "" for one in (forward, backward)
    }
    return names.pop() if len(names) == 1 else ""


def layer_node(layer: Any, key: int, output: Any = None) -> LayerNode:
    """What one layer object is, as the catalog sees it; `output` is what it returned, for its width."""
    name = layer_key(layer)
    info = catalog.layer_info(name) if name else None
    kind = info.kind if info is not None else Kind.UNKNOWN
    activation, act_name = Act.LINEAR, ""
    if name in catalog.WRAPPERS and hasattr(layer, "layer"):
        inner = layer_node(layer.layer, key)
        kind, activation, name, act_name = inner.kind, inner.activation, inner.layer, inner.act_name
    elif name in catalog.RECURRENT_LAYERS and kind is not Kind.AFFINE:
        act_name = _recurrent_activation(layer)
    elif name == catalog.BIDIRECTIONAL:
        act_name = _bidirectional_activation(layer)
    elif name == "layers.Lambda" and _returns_its_argument(getattr(layer, "function", None)):
        kind, act_name = Kind.PASS, "linear"  # the identity, as the source half reads `Lambda(lambda x: x)`
    elif name == catalog.ACTIVATION_LAYER:
        kind = {Act.LINEAR: Kind.PASS, Act.NONLINEAR: Kind.NONLINEAR}.get(
            activation_kind(getattr(layer, "activation", None)), Kind.UNKNOWN
        )
        act_name = activation_name(getattr(layer, "activation", None))
    elif name in catalog.ACTIVATION_LAYERS:
        axis = getattr(layer, "axis", -1)
        act_name = catalog.ACTIVATION_LAYERS[name] if axis in (-1, None, [-1], (-1,)) else ""
    elif kind is Kind.AFFINE:
        activation = activation_kind(getattr(layer, "activation", None))
        act_name = activation_name(getattr(layer, "activation", None))
        if activation is not Act.LINEAR and info is not None and info.default_activation is not Act.LINEAR:
            kind = Kind.NONLINEAR  # SimpleRNN: affine only with a linear activation, as in the source half
    units = getattr(layer, "units", None) or getattr(layer, "filters", None)
    return LayerNode(
        key=key,
        kind=kind,
        label=f"{layer.name} ({type(layer).__name__})",
        activation=activation,
        width=units if isinstance(units, int) else None,
        layer=name,
        bias=bool(getattr(layer, "use_bias", True)),
        act_name=act_name,
        channels=_last_axis(getattr(output, "shape", None)),
        name=getattr(layer, "name", None),
    )


@dataclass
class Application:
    """One call of a layer during the traced forward pass."""

    layer: Any
    inputs: list[Any]  # the tensors it received (kept alive so that their ids stay unique)
    output: Any


@dataclass
class Trace:
    graph: ModelGraph
    applications: dict[int, Application] = field(default_factory=dict)
    output: Any = None


def _leaves(layer: Any) -> list[Any]:
    """The layers to record: catalog layers as units, containers (models, custom layers) opened."""
    if layer_key(layer) and catalog.layer_info(layer_key(layer)) is not None:
        return [layer]
    children = list(layer._flatten_layers(include_self=False, recursive=False))
    if not children:
        return [layer]
    out: list[Any] = []
    for child in children:
        out.extend(_leaves(child))
    return out


def _tensors(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return [value] if hasattr(value, "shape") else []


def _same_values(a: Any, b: Any) -> bool:
    try:
        import numpy as np

        return tuple(a.shape) == tuple(b.shape) and bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError, AttributeError, RuntimeError):
        return False


def _functional(model: Any) -> Any:
    """The Functional graph Keras keeps for a Sequential or functional model, or None (subclassed)."""
    graph = getattr(model, "_functional", None) if type(model).__name__ == "Sequential" else model
    if graph is None or not hasattr(graph, "operations") or not hasattr(graph, "_nodes"):
        return None
    return graph


def read_graph(model: Any) -> Trace | None:
    """The structure of a Sequential or functional model from the graph Keras built for it.

    No call is needed (the forward pass for the measurement runs without wrappers), so this is
    the cheaper way in; None when the model is subclassed, or nests models or custom layers
    (which only a traced call opens).
    """
    graph = _functional(model)
    if graph is None:
        return None
    try:
        inputs, outputs, operations = list(graph.inputs), list(graph.outputs), list(graph.operations)
    except (AttributeError, TypeError, ValueError):
        return None
    if not inputs:
        return None
    producer: dict[int, int] = {id(tensor): 0 for tensor in inputs}  # every input is "the input", as in a trace
    nodes: list[LayerNode] = [_input_node(inputs)]
    edges: set[tuple[int, int]] = set()
    applications: dict[int, Application] = {}
    for layer in operations:
        if layer_key(layer) == "layers.InputLayer":
            continue
        if _leaves(layer) != [layer] or not layer_key(layer):
            return None  # a container: its inside is read by tracing a call
        for inbound in getattr(layer, "_inbound_nodes", ()):
            received = _tensors(list(inbound.input_tensors))
            if not received or any(id(t) not in producer for t in received):
                continue  # the layer applied in another model
            key = len(nodes)
            produced = list(inbound.output_tensors)
            nodes.append(layer_node(layer, key, produced[0] if len(produced) == 1 else None))
            edges.update((producer[id(t)], key) for t in received)
            for tensor in produced:
                producer[id(tensor)] = key
            applications[key] = Application(layer, received, produced[0] if len(produced) == 1 else produced)
    found = [producer.get(id(t)) for t in outputs]
    if any(o is None for o in found):
        return None
    return Trace(_runtime_graph(model, nodes, edges, [o for o in found if o is not None]), applications)


def trace(model: Any, inputs: Any, call: Callable[[Any], Any]) -> Trace:
    """Run `call(inputs)` once with every leaf layer recording what it receives and returns.

    Edges follow tensor identity: a layer whose input is the very tensor another layer returned
    is fed by it. A tensor made by an operation outside any layer (`tf.nn.relu(x)` in `call`)
    has no producer, so it becomes an unknown source and ends every chain through it.
    """
    records: list[Application] = []
    patched = []
    for layer in {id(leaf): leaf for leaf in _leaves(model) if leaf is not model}.values():
        original = layer.call

        def recorder(*args: Any, __original: Any = original, __layer: Any = layer, **kwargs: Any) -> Any:
            output = __original(*args, **kwargs)
            records.append(Application(__layer, _tensors(args) + _tensors(kwargs.get("inputs")), output))
            return output

        object.__setattr__(layer, "call", recorder)
        patched.append(layer)
    # A model not built yet is built by its first call: Keras runs its call() on symbolic tensors
    # first (Layer._maybe_build, keras/src/layers/layer.py), or a Sequential model's build() calls
    # each layer on them. Only the last run of call() is the eager one that carries the batch, so
    # each run starts the records afresh.
    own_call = "call" in vars(model)
    model_call = model.call
    depth = [0]

    @functools.wraps(model_call)
    def entry(*args: Any, **kwargs: Any) -> Any:
        if depth[0] == 0:
            records.clear()
        depth[0] += 1
        try:
            return model_call(*args, **kwargs)
        finally:
            depth[0] -= 1

    object.__setattr__(model, "call", entry)
    try:
        output = call(inputs)
    finally:
        for layer in patched:
            object.__delattr__(layer, "call")
        if own_call:
            object.__setattr__(model, "call", model_call)
        else:
            object.__delattr__(model, "call")

    given = _tensors(inputs)
    nodes: list[LayerNode] = [_input_node(given)]
    edges: set[tuple[int, int]] = set()
    producer: dict[int, int] = {id(t): 0 for t in given}
    applications: dict[int, Application] = {}
    unknown = -1
    for index, record in enumerate(records, start=1):
        nodes.append(layer_node(record.layer, index, record.output))
        applications[index] = record
        for tensor in record.inputs:
            source = producer.get(id(tensor))
            if source is None and any(_same_values(tensor, original) for original in given):
                source = 0  # the model's input, converted on the way in (a copy, same values)
            if source is None:
                nodes.append(LayerNode(key=unknown, kind=Kind.UNKNOWN, label="an operation outside any layer"))
                source, unknown = unknown, unknown - 1
            edges.add((source, index))
        for tensor in _tensors(record.output):
            producer[id(tensor)] = index
    # An output made outside any layer (`ops.softmax(self.head(x))` in call) is an unknown node of
    # its own: nothing is known of what feeds it, but the output rules see the model's outputs in
    # order, and a measurement may tell what it applies.
    returned = _tensors(output)
    names = _output_names(model, output, len(returned))
    found = []
    for tensor, name in zip(returned, names):
        source = producer.get(id(tensor))
        if source is None:
            shape = getattr(tensor, "shape", None)
            nodes.append(LayerNode(key=unknown, kind=Kind.UNKNOWN, label=name, channels=_last_axis(shape)))
            source, unknown = unknown, unknown - 1
        found.append(source)
    complete = all(id(tensor) in producer for tensor in returned)
    return Trace(_runtime_graph(model, nodes, edges, found, complete), applications, output)


def _output_names(model: Any, output: Any, count: int) -> list[str]:
    """How messages name what a traced model's call() returns: `Classifier.call()`, and for several
    outputs `Classifier.call()[1]` or `Classifier.call()['probs']`."""
    call = f"{type(model).__name__}.call()"
    if count == 1:
        return [call]
    if isinstance(output, dict) and len(output) == count:
        return [f"{call}[{key!r}]" for key in output]
    return [f"{call}[{index}]" for index in range(count)]


def flat_outputs(output: Any, from_graph: bool) -> list[Any]:
    """A model's returned tensors in the order of its graph's heads: for a graph read from Keras,
    Keras's own flattening (a dict by sorted key, as Functional keeps its outputs), else the trace's."""
    if from_graph:
        try:
            from keras import tree

            return list(tree.flatten(output))
        except (ImportError, AttributeError, TypeError, ValueError):
            return []
    return _tensors(output)


def _input_node(inputs: list[Any]) -> LayerNode:
    """Node 0, the model's input: the last axis's size when there is one input tensor."""
    channels = _last_axis(getattr(inputs[0], "shape", None)) if len(inputs) == 1 else None
    return LayerNode(key=0, kind=Kind.INPUT, label="input", channels=channels)


def _runtime_graph(model: Any, nodes: list[LayerNode], edges: set[tuple[int, int]],
                   found: list[int], complete: bool = True) -> ModelGraph:
    """The graph read from a model, given the node that produces each of its outputs; incomplete
    when one of them was made outside any layer (nothing is then claimed about the whole model)."""
    outputs = tuple(found)
    return ModelGraph(
        "runtime",
        getattr(model, "name", "model"),
        tuple(nodes),
        frozenset(edges),
        inputs=(0,),
        outputs=outputs,
        complete=complete,
        heads=tuple((o,) for o in outputs),
    )
