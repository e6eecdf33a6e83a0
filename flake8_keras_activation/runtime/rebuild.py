"""Rebuild a model found in source with Keras, from its literal layer calls only: no user code runs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from ..catalog import DICT_ARGUMENTS, INPUT_DIM_IS_NOT_A_SHAPE, INPUT_SHAPE_ARGS, INPUTS, Kind
from ..graph import LayerConfig, LayerNode, ModelGraph


class NotRebuildable(Exception):
    """Why a model cannot be rebuilt from its source alone; the message says it to the user."""


# Weights a rebuilt model may hold (256 MiB as float32): checked from the source's widths and
# kernel sizes before any layer is built, since building allocates them.
DEFAULT_MAX_WEIGHTS = 2**26

# Keras layers that open a file when a literal argument is a string: the lookup layers take a
# path to a vocabulary file for `vocabulary` (keras/src/layers/preprocessing/index_lookup.py),
# and TextVectorization hands its `vocabulary` to one of them. A string anywhere in their
# arguments is refused, positional ones included: linting never opens a path the code names.
READS_PATHS = frozenset({"StringLookup", "IntegerLookup", "TextVectorization"})


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


def _strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, (list, tuple)):
        return any(_strings(v) for v in value)
    return False


# What a layer documents as an argument value. Anything else is refused before Keras sees it: a
# dict given for an activation, an initializer, a regularizer, a constraint or a dtype is a
# serialized object, which keras/src/saving/serialization_lib.py (deserialize_keras_object)
# resolves, importing the module it names when its package is keras, keras_cv, keras_hub or
# keras_nlp (_retrieve_class_or_fn): the analysed repository's own keras_cv/, when the current
# directory is on sys.path. Strings are looked up in Keras's own tables, never imported.
_SCALARS = (str, int, float, bool, type(None))
# The keys that make a dict a serialized Keras object (serialization_lib.serialize_keras_object).
_SERIALIZED = ("class_name", "module", "registered_name")
_DOCUMENTED = "strings, numbers, booleans, None, and tuples or lists of them"


def _problem(value: Any, takes_dict: bool = False) -> str | None:
    """Why one literal argument value is not handed to Keras, or None when a layer documents it."""
    if isinstance(value, LayerConfig):  # a wrapped layer: TimeDistributed(Dense(...))
        problem = argument_problem(value)
        return None if problem is None else f"(the wrapped {value.key.split('.', 1)[-1]}'s {problem})"
    if type(value) in _SCALARS:
        return None
    if type(value) in (list, tuple):
        for item in value:
            problem = _problem(item)
            if problem is not None:
                return problem
        return None
    if type(value) is dict:
        if not takes_dict:
            return "is a dict, which that argument does not take: Keras would deserialize it as a Keras object"
        return _serialized(value)
    return f"is a {type(value).__name__}; only {_DOCUMENTED} are rebuilt"


def _serialized(value: Any) -> str | None:
    """Inside a dict an argument takes: numbers, strings and nested containers, never a serialized object."""
    if type(value) is dict:
        for key, item in value.items():
            if key in _SERIALIZED:
                return f"holds a serialized Keras object ({key!r}), which Keras would deserialize"
            if type(key) not in _SCALARS:
                return f"has a key that is a {type(key).__name__}"
            problem = _serialized(item)
            if problem is not None:
                return problem
        return None
    if type(value) in (list, tuple):
        for item in value:
            problem = _serialized(item)
            if problem is not None:
                return problem
        return None
    return _problem(value)


def argument_problem(config: LayerConfig) -> str | None:
    """Why a layer call's literal arguments are not handed to Keras, or None when each is a value
    the layer documents (a wrapped layer's own arguments included): `activation= is a dict, ...`."""
    takes_dict = DICT_ARGUMENTS.get(config.key, frozenset())
    for index, value in enumerate(config.args):
        problem = _problem(value)
        if problem is not None:
            return f"argument {index + 1} {problem}"
    for key, value in config.kwargs:
        problem = _problem(value, key in takes_dict)
        if problem is not None:
            return f"{key}= {problem}"
    return None


def _shape_argument(layer: str, keyword: str) -> bool:
    """An input-shape argument, which the rebuilt model's keras.Input takes instead of the layer:
    not Embedding's `input_dim`, which is its vocabulary size (Keras requires it)."""
    return keyword in INPUT_SHAPE_ARGS and not (keyword == "input_dim" and layer in INPUT_DIM_IS_NOT_A_SHAPE)


def build_layer(config: LayerConfig) -> Any:
    """One Keras layer from the literal arguments its call had in the source (nothing is built yet)."""
    name = config.key.split(".", 1)[-1]
    problem = argument_problem(config)
    if problem is not None:
        raise NotRebuildable(f"{name}: {problem}")
    if name in READS_PATHS:
        given = [*config.args, *(value for key, value in config.kwargs if key not in ("name", "dtype"))]
        if any(_strings(value) for value in given):
            raise NotRebuildable(f"{name} reads a file when given a string (vocabulary=...); it is not rebuilt")
    kwargs = {key: _value(value) for key, value in config.kwargs if not _shape_argument(config.key, key)}
    return _layer_class(config.key)(*(_value(a) for a in config.args), **kwargs)


def _count(shape: Any) -> int:
    return math.prod(int(d) for d in shape[1:] if d is not None)


def _last(shape: Any) -> int:
    return int(shape[-1]) if len(shape) > 1 and shape[-1] is not None else 1


def _several(shape: Any) -> bool:
    """A list of shapes (a merge's inputs), not one shape (which some layers give as a list)."""
    return isinstance(shape, list) and bool(shape) and isinstance(shape[0], (list, tuple))


def weight_count(layer: Any, input_shape: Any, output_shape: Any) -> int:
    """How many weights building the layer will allocate, from its configuration alone."""
    name = type(layer).__name__
    if name == "TimeDistributed":
        inner = tuple(input_shape[:1]) + tuple(input_shape[2:])
        return weight_count(layer.layer, inner, layer.layer.compute_output_shape(inner))
    if _several(input_shape) or _several(output_shape):
        return 0  # merges have no weights
    n_in, n_out = _last(input_shape), _last(output_shape)
    kernel = math.prod(getattr(layer, "kernel_size", None) or (1,))
    if "Separable" in name:
        depth = kernel * n_in * layer.depth_multiplier
        return depth + n_in * layer.depth_multiplier * n_out + n_out
    if "Depthwise" in name:
        return kernel * n_in * layer.depth_multiplier + n_out
    if name == "EinsumDense":
        return n_in * _count((None, *output_shape[1:])) + _count((None, *output_shape[1:]))
    if name == "Embedding":
        return int(layer.input_dim) * int(layer.output_dim)
    if "Normalization" in name:
        return 4 * n_in
    if name.startswith("LocallyConnected"):
        return _count(output_shape) * kernel * n_in + _count(output_shape)
    if name in ("LSTM", "GRU", "SimpleRNN"):
        gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[name]
        return gates * (n_in + n_out + 2) * n_out
    if not hasattr(layer, "kernel_size") and not hasattr(layer, "units"):
        return 0  # a layer without a kernel (pooling, dropout, reshaping, activations)
    return kernel * n_in * n_out + n_out  # Dense and the convolutions


def _input_shape(node: LayerNode) -> tuple[int, ...] | None:
    """The shape a first layer's input-shape argument gives, if any."""
    assert node.config is not None
    kwargs = dict(node.config.kwargs)
    if "input_shape" in kwargs:
        return tuple(kwargs["input_shape"])
    if "batch_input_shape" in kwargs:
        return tuple(kwargs["batch_input_shape"])[1:]
    if "input_dim" in kwargs and _shape_argument(node.config.key, "input_dim"):
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


def line_text(line: int | None) -> str:
    """How a layer's line is named in a message: `line 4` (a notebook's confirm says its cell)."""
    return f"line {line}"


def _shape_of_input(node: LayerNode, place: Callable[[int | None], str] = line_text) -> tuple[Any, ...]:
    assert node.config is not None
    args, kwargs = node.config.args, dict(node.config.kwargs)
    shape = kwargs.get("shape", args[0] if args else None)
    if shape is None and "batch_shape" in kwargs:
        shape = tuple(kwargs["batch_shape"])[1:]
    if not isinstance(shape, (tuple, list)) or not all(isinstance(d, int) or d is None for d in shape):
        raise NotRebuildable(f"{node.label} ({place(node.line)}) has no literal shape")
    return (None, *shape)


def _too_large(what: str, figure: int, limit: int, option: str) -> NotRebuildable:
    return NotRebuildable(f"{what}: {figure:,} values, over the limit of {limit:,} ({option})")


def rebuild(
    graph: ModelGraph,
    *,
    max_weights: int = DEFAULT_MAX_WEIGHTS,
    max_elements: int | None = None,
    place: Callable[[int | None], str] = line_text,
) -> Rebuilt:
    """The Keras model a Sequential or functional graph describes, if every layer call is literal.

    Every layer is made and its output shape worked out before any is built, so a model whose
    weights exceed `max_weights`, or one sample of whose activations would keep check_model's
    trial rows over `max_elements`, is refused with the figure and the limit, having allocated
    nothing. `place` names a layer's line in the messages (`line 4`, `cell 3, line 4`).
    """
    from .check import DEFAULT_MAX_ELEMENTS, MIN_TRIAL_ROWS as TRIAL_ROWS

    elements = DEFAULT_MAX_ELEMENTS if max_elements is None else max_elements
    if graph.kind not in ("sequential", "functional"):
        raise NotRebuildable("subclassed models are not rebuilt from source; check them with --call")
    if not graph.complete:
        raise NotRebuildable("code the analysis cannot follow changes the model")
    for node in graph.nodes:
        if node.kind is Kind.UNKNOWN or node.config is None:
            raise NotRebuildable(f"{node.label} ({place(node.line)}) is not a Keras layer call with literal arguments")
    for node in graph.nodes:  # before Keras is imported at all
        assert node.config is not None
        problem = argument_problem(node.config)
        if problem is not None:
            raise NotRebuildable(f"{node.label} ({place(node.line)}): {problem}")
    # the plan: layer objects and shapes, nothing allocated
    order = _order(graph)
    shapes: dict[int, Any] = {}
    layers: dict[int, Any] = {}
    sources: dict[int, tuple[Any, ...]] = {}  # a first layer's own input shape
    weights = 0
    for node in order:
        assert node.config is not None
        predecessors = graph.predecessors(node.key)
        if node.config.key in INPUTS or node.kind is Kind.INPUT:
            shapes[node.key] = _shape_of_input(node, place)
            incoming: Any = shapes[node.key]
        else:
            if not predecessors:
                given = _input_shape(node)
                if given is None:
                    raise NotRebuildable(
                        f"the input shape is not in the source (no keras.Input, and {node.label} "
                        f"on {place(node.line)} has no input_shape or input_dim)"
                    )
                sources[node.key] = (None, *given)
                incoming = sources[node.key]
            elif len(predecessors) == 1:
                incoming = shapes[predecessors[0]]
            elif node.kind is Kind.MERGE:
                incoming = [shapes[p] for p in predecessors]
            else:
                raise NotRebuildable(f"{node.label} ({place(node.line)}) receives several inputs")
            layer = build_layer(node.config)
            layers[node.key] = layer
            try:
                shapes[node.key] = tuple(layer.compute_output_shape(incoming))
            except Exception as error:  # noqa: BLE001 - Keras says why in its own words
                refusal = f"{node.label} ({place(node.line)}): Keras refuses its input shape: {error}"
                raise NotRebuildable(refusal) from None
            weights += weight_count(layer, incoming, shapes[node.key])
            if weights > max_weights:
                raise _too_large(f"{node.label} ({place(node.line)}) brings the weights to", weights, max_weights,
                                 "max_weights")
        for shape in incoming if isinstance(incoming, list) else [incoming]:
            if TRIAL_ROWS * _count(shape) > elements or TRIAL_ROWS * _count(shapes[node.key]) > elements:
                widest = max(_count(shape), _count(shapes[node.key]))
                raise _too_large(
                    f"{node.label} ({place(node.line)}) holds {widest:,} values per sample; the trial rows need",
                    TRIAL_ROWS * widest, elements, "max_elements",
                )
    keras = _keras()
    rebuilt = Rebuilt(model=None)
    tensors: dict[int, Any] = {}
    inputs = []
    for node in order:
        assert node.config is not None
        predecessors = graph.predecessors(node.key)
        if node.key not in layers:
            tensor = keras.Input(*(_value(a) for a in node.config.args), **dict(node.config.kwargs))
            inputs.append(tensor)
            tensors[node.key] = tensor
            continue
        if node.key in sources:
            source = keras.Input(shape=sources[node.key][1:])
            inputs.append(source)
            incoming = source
        elif len(predecessors) == 1:
            incoming = tensors[predecessors[0]]
        else:
            incoming = [tensors[p] for p in predecessors]
        rebuilt.layers[node.key] = layers[node.key]
        tensors[node.key] = layers[node.key](incoming)
    outputs = [tensors[key] for key in graph.outputs] or [tensors[order_key] for order_key in list(tensors)[-1:]]
    if not inputs:
        raise NotRebuildable("the model has no input")
    rebuilt.model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, outputs[0] if len(outputs) == 1 else outputs)
    return rebuilt
