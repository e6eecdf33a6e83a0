"""What Keras calls mean to the interpreter: layers, models, merges, activations, tensor arithmetic.

The interpreter knows Python (statements, scopes, branches, loops); when it meets a call, a
method of a model, or arithmetic on tensors, it asks this module what that means, and this
module records it in the scope's data flow or in a Sequential model's record.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from .. import catalog
from ..catalog import Act, Kind
from ..catalog.shape_rules import NOT_LITERAL, PARAMETERS
from ..graph import DimOf, Fit, Labels, LayerConfig, LayerNode, Loss, Metric, ModelGraph, NestedLayer, ShapeOf
from ..screen import DEFINITION_WORDS
from .sequential import sequential_graph
from .text import SourceText
from ..catalog import torch as tc
from .torch import TorchSemantics, module_dict
from .values import (
    UNKNOWN,
    AddOp,
    ClassVal,
    CompileOp,
    Const,
    Data,
    DictVal,
    DimVal,
    FuncVal,
    LayerVal,
    LossVal,
    LoopOp,
    MetricVal,
    ModelVal,
    Op,
    OpaqueOp,
    Qual,
    Record,
    ShapeVal,
    Tensor,
    Value,
)

_DEFINITION = re.compile(DEFINITION_WORDS)

if TYPE_CHECKING:
    from .env import Env
    from .functional import Dataflow
    from .interpret import Interpreter

Kwargs = dict[str | None, Value]

_KERAS_BASES = frozenset({"models.Model", "models.Functional", "layers.Layer", "nn.Module"})
# The methods of a subclassed model or layer that make its layers, and the one that applies them
# (Keras's `call`, PyTorch's `forward`).
INIT_METHODS = ("__init__", "build")
CALL_METHODS = ("call", "forward")
# Functions that add or join tensors: pass-through when every input is affine.
_LOSS_LABEL_LIMIT = 64  # a loss is named in its message as written, up to this length
_MERGE_FUNCTIONS = frozenset(
    {
        "ops.add", "ops.subtract", "ops.concatenate", "ops.stack", "ops.average",
        "tf.add", "tf.subtract", "tf.concat", "tf.add_n", "tf.stack",
        "tf.math.add", "tf.math.subtract", "tf.math.add_n",
    }
)


class _NotLiteral(Exception):
    pass


def _argument(value: Value) -> Any:
    """An argument as the shape rules read it: a literal, a tuple of them, an array's shape, a layer
    given to a wrapper, or NOT_LITERAL."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, ShapeVal):
        return value.shape
    if isinstance(value, DimVal):
        return value.dim
    if isinstance(value, LayerVal):
        inner = value.node
        return NestedLayer(inner.layer, inner.arguments, inner.line, inner.col, inner.label)
    if isinstance(value, Record) and value.kind == "list":
        items = [_argument(op.value) if isinstance(op, AddOp) else NOT_LITERAL for op in value.ops]
        return NOT_LITERAL if any(item is NOT_LITERAL for item in items) and len(items) > 8 else tuple(items)
    return NOT_LITERAL


def _given(node: ast.Call, args: list[Value], kwargs: Kwargs, name: str, index: int) -> tuple[Value, ast.expr] | None:
    """A call's argument, by keyword or at its position (a position after a `*args` is unknown)."""
    for keyword in node.keywords:
        if keyword.arg == name:
            return kwargs[name], keyword.value
    if len(node.args) > index and not any(isinstance(a, ast.Starred) for a in node.args[: index + 1]):
        return args[index], node.args[index]
    return None


def _elements(value: Value) -> list[tuple[Value, ast.expr]] | None:
    """The elements of a list or tuple display, or None when it cannot be indexed."""
    if not (isinstance(value, Record) and value.kind == "list"):
        return None
    elements = [(op.value, op.expr) for op in value.ops if isinstance(op, AddOp) and isinstance(op.expr, ast.expr)]
    return elements if len(elements) == len(value.ops) else None


def _per_output(
    value: Value, expr: ast.expr, nested: bool
) -> list[tuple[Value, ast.expr, int | str | None]] | None:
    """What a compile() argument gives each output: one value for all, a list (by position; for metrics,
    a list of names for all outputs, or a list of lists by position), or a dict by output name."""
    if isinstance(value, DictVal):
        out: list[tuple[Value, ast.expr, int | str | None]] = []
        for key, item, item_expr in value.items:
            if key is not None:
                inner = _elements(item) if nested else None
                out += [(v, e, key) for v, e in inner] if inner is not None else [(item, item_expr, key)]
        return out
    elements = _elements(value)
    if elements is None:
        return None if isinstance(value, Record) else [(value, expr, None)]
    if not nested:
        return [(item, item_expr, index) for index, (item, item_expr) in enumerate(elements)]
    out = []
    for index, (item, item_expr) in enumerate(elements):
        inner = _elements(item)
        out += [(v, e, index) for v, e in inner] if inner is not None else [(item, item_expr, None)]
    return out


def _metric_key(value: Value) -> str:
    """An accuracy metric as written (its name, its class, or an object of it); "" for any other."""
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value if value.value in catalog.ACCURACY_METRICS else ""
    if isinstance(value, Qual):
        key = catalog.canonical(value.name) or ""
        return key if key in catalog.ACCURACY_METRICS else ""
    return value.key if isinstance(value, MetricVal) else ""


def tensorish(value: Value) -> bool:
    return isinstance(value, Tensor) or (isinstance(value, LayerVal) and value.node.kind is Kind.INPUT)


def holds_layers(record: Record) -> bool:
    if record.kind == "sequential":
        return True
    for op in record.ops:
        if isinstance(op, LoopOp) and any(isinstance(o, AddOp) and isinstance(o.value, LayerVal) for o in op.body):
            return True
        if isinstance(op, AddOp) and isinstance(op.value, (LayerVal, Record)):
            return True
    return False


def _positional(args: list[Value], index: int) -> Value | None:
    return args[index] if len(args) > index else None


# How Bidirectional merges its two directions into one output (None: it returns both).
_MERGES = frozenset(Const(mode) for mode in ("concat", "sum", "ave", "mul"))


def _is_identity_function(expr: ast.expr | None) -> bool:
    """`lambda x: x`: a Lambda layer that returns what it receives."""
    return (
        isinstance(expr, ast.Lambda)
        and len(expr.args.args) == 1
        and not (expr.args.posonlyargs or expr.args.kwonlyargs or expr.args.vararg or expr.args.kwarg)
        and isinstance(expr.body, ast.Name)
        and expr.body.id == expr.args.args[0].arg
    )


def _last_axis(axis: Value | None) -> bool:
    """A softmax's `axis` that is the last one: not given, -1, or None (tf.nn.softmax's default)."""
    return axis is None or axis in (Const(-1), Const(None))


def activation_name(value: Value) -> str:
    """The name of an activation given as an argument ("softmax", "linear"), or "" when unknown."""
    if isinstance(value, Const):
        if value.value is None:
            return "linear"
        return value.value if isinstance(value.value, str) else ""
    if isinstance(value, Qual):
        key = catalog.canonical(value.name)
        if key and catalog.activation_function(key) is not None:
            return key.rsplit(".", 1)[-1]
    return ""


class KerasSemantics:
    """The meaning of Keras constructs, for one interpreter (whose current data flow it writes)."""

    def __init__(self, interpreter: Interpreter, text: SourceText) -> None:
        self.interpreter = interpreter
        self.text = text
        # While an assignment's value is evaluated: the value and the name it is assigned to, so that
        # a layer made there (`code = Dense(32)(x)`) knows the name its author gave it.
        self.binding: tuple[ast.expr, str] | None = None
        self.torch = TorchSemantics(self)

    @property
    def flow(self) -> Dataflow:
        return self.interpreter.flow

    # ---- classes and names ------------------------------------------------------------------

    @staticmethod
    def is_keras_class(bases: list[Value]) -> bool:
        """A class deriving from keras.Model or keras.layers.Layer, directly or through the file's own classes."""
        return any(
            (isinstance(b, Qual) and catalog.canonical(b.name) in _KERAS_BASES) or (isinstance(b, ClassVal) and b.keras)
            for b in bases
        )

    @staticmethod
    def aliases(env: Env, torch: bool = False) -> tuple[str, ...]:
        """Module-level names that functions may use to build a model without a trigger word:
        aliases of affine layers or Sequential, and layers, models and layer lists made at module level;
        in a file that imports PyTorch, criteria (`criterion = nn.CrossEntropyLoss()`) and the
        `nn.Module` classes of the file, which a training function applies and makes."""
        out = []
        for name, value in env.items():
            if _DEFINITION.search(name):
                continue  # the definitions that use it are found by its name already
            if torch and isinstance(value, ClassVal) and value.keras:
                out.append(name)
                continue
            if isinstance(value, LayerVal) or (isinstance(value, Record) and holds_layers(value)):
                out.append(name)
            elif isinstance(value, LossVal) and value.key.startswith("nn."):
                out.append(name)  # a PyTorch criterion: a function that applies it applies it to a model's output
            elif isinstance(value, Qual):
                key = catalog.canonical(value.name)
                info = catalog.layer_info(key) if key else None
                if key == catalog.SEQUENTIAL or (info is not None and info.kind is Kind.AFFINE):
                    out.append(name)
        return tuple(out)

    # ---- calls ------------------------------------------------------------------------------

    def call(self, node: ast.Call, callee: Value, args: list[Value], kwargs: Kwargs) -> Value | None:
        """The value of calling `callee`, or None when Keras gives the call no meaning."""
        if isinstance(callee, LayerVal) and callee.node.kind is not Kind.INPUT:
            return self.apply_layer(node, callee.node, args, kwargs)
        if isinstance(callee, Record) and callee.kind == "sequential" and node.args:
            graph = self.sequential_graph(callee)
            outputs = self.flow.absorb(graph, self.producers(args[0], node.args[0]))
            self.interpreter.note_outputs(outputs, graph.origin, 0)
            return Tensor(outputs)
        if isinstance(callee, LossVal) and callee.key.startswith("nn.") and (args or kwargs):
            return self.torch.apply_loss(node, callee.key, args, kwargs)
        if isinstance(callee, Qual):
            key = catalog.canonical(callee.name)
            if key is not None and (key.startswith(("nn.", "F.", "torch")) or key in ("nn", "F")):
                return self.torch.call(node, key, args, kwargs)
            if key is not None:
                return self.call_keras(node, key, args, kwargs)
            if callee.name in ("collections.OrderedDict", "builtins.dict") and len(args) == 1:
                ordered = module_dict(args[0])
                if ordered is not None:
                    return ordered
            if callee.name.startswith("numpy.") and args and isinstance(args[0], Data):
                return self.numpy_call(node, callee.name[len("numpy.") :], args, kwargs)
        if isinstance(callee, ModelVal) and callee.graph is not None and node.args:
            # a model used as a layer (`keras.Model(inputs, base(inputs))`): its layers join the flow
            return Tensor(self.flow.absorb(callee.graph, self.producers(args[0], node.args[0])))
        if isinstance(callee, Tensor) and self.interpreter.imports_torch and len(callee.producers) == 1:
            # a parameter called on data (`def train(model, loader): output = model(data)`): the output
            # of the models the file's calls give that parameter
            parameter = self.interpreter.parameters.get(next(iter(callee.producers)))
            if parameter is not None and node.args and not isinstance(node.args[0], ast.Starred):
                callee = ModelVal(parameter)
        if isinstance(callee, ModelVal) and node.args and not isinstance(node.args[0], ast.Starred):
            # a model applied to data (`model(x)`, a subclassed model or a function's): its output, which
            # a loss applied to it later speaks of
            output = LayerNode(key=hash(("output", id(node))), kind=Kind.UNKNOWN, label=self.text.label(node))
            produced = self.flow.apply(output, self.producers(args[0], node.args[0]))
            self.interpreter.note_outputs(produced, callee.origin, callee.instance)
            return Tensor(produced)
        if not self.tensor_inputs(node, args, kwargs):
            if isinstance(callee, ClassVal) and callee.keras:
                return ModelVal(id(callee.node), instance=id(node))  # a subclassed model, compiled where it is made
            if isinstance(callee, FuncVal):
                return ModelVal(id(callee.node), instance=id(node))  # whatever the function returns, if a model
        return None

    def model_method(self, node: ast.Call, method: str, model: ModelVal, args: list[Value], kwargs: Kwargs) -> Value:
        """`model.compile(...)` on a functional or subclassed model: what it says about the losses;
        `model.to(device)`, `model.eval()`: the same PyTorch model."""
        if method in tc.RETURNS_SELF and self.interpreter.imports_torch:
            return model
        entries: tuple[Loss | Metric | Fit, ...] = ()
        if method == "compile":
            entries = self.compile_training(node, args, kwargs)
        elif method in catalog.FIT_METHODS:
            entries = (self.fit_entry(node, args, kwargs),)
        if entries:
            if model.instance:  # one of the models a function or a class makes
                entries = tuple(entry._replace(instance=model.instance) for entry in entries)
            self.interpreter.compiles[model.origin] = self.interpreter.compiles.get(model.origin, ()) + entries
        return UNKNOWN

    def fit_entry(self, node: ast.Call, args: list[Value], kwargs: Kwargs) -> Fit:
        """`model.fit(x, y, ...)`: the arrays it is given, where the file knows them."""
        x = _given(node, args, kwargs, "x", 0)
        y = _given(node, args, kwargs, "y", 1)
        data = x[0] if x is not None and isinstance(x[0], Data) else None
        labels = y[0].labels if y is not None and isinstance(y[0], Data) else None
        return Fit(
            data.origin if data is not None else None,
            labels,
            node.lineno,
            self.text.column(node),
            data.sample if data is not None else None,
        )

    # ---- data -------------------------------------------------------------------------------

    def data_call(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> Value | None:
        """`mnist.load_data()`, `to_categorical(y, 10)`, `tf.one_hot(y, 10)`: arrays whose shape or
        labels the file fixes; None for any other call."""
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "datasets" and parts[2] == "load_data" and parts[1] in catalog.DATASETS:
            sample, classes = catalog.DATASETS[parts[1]]
            count: int | None = classes
            if parts[1] == "cifar100" and ("label_mode" in kwargs or args):
                mode = kwargs.get("label_mode") or _positional(args, 0)
                fine = isinstance(mode, Const) and mode.value == "fine"
                count = 100 if fine else 20 if isinstance(mode, Const) and mode.value == "coarse" else None
            labels = Labels("integer", count, f"{parts[1]}.load_data()", node.lineno, self.text.column(node))

            def split(part: str) -> Record:
                x = Data(hash((id(node), part, "x")), sample)
                y = Data(hash((id(node), part, "y")), None, labels)
                return Record(node, "list", (AddOp(x, node), AddOp(y, node)))

            return Record(node, "list", (AddOp(split("train"), node), AddOp(split("test"), node)))
        if key in catalog.ONE_HOT and args:
            given = _positional(args, catalog.ONE_HOT[key]) or kwargs.get(catalog.ONE_HOT_COUNT[key])
            source = args[0].labels if isinstance(args[0], Data) else None
            if given is None:
                count = source.classes if source is not None else None
            else:
                count = given.value if isinstance(given, Const) and type(given.value) is int else None
            label = self.text.label(node, _LOSS_LABEL_LIMIT)
            labels = Labels("one_hot", count, label, node.lineno, self.text.column(node))
            return Data(id(node), (count,), labels)
        return None

    @staticmethod
    def numpy_call(node: ast.Call, name: str, args: list[Value], kwargs: Kwargs) -> Value:
        """`np.asarray(x)` is the same array; `np.expand_dims(x, -1)` gives each sample a last axis."""
        data = args[0]
        assert isinstance(data, Data)
        if name in ("asarray", "array") and len(args) == 1 and not kwargs:
            return data.kept()
        if name == "expand_dims":
            axis = _positional(args, 1) or kwargs.get("axis")
            if axis == Const(-1) and data.sample is not None:
                return Data(id(node), (*data.sample, 1))
        return Data(id(node))

    def data_attribute(self, node: ast.Attribute, base: Data) -> Value:
        """`x.shape`; any other attribute of an array is another object."""
        if node.attr == "shape":
            return ShapeVal(ShapeOf(base.origin, 0, base.sample, self.text.label(node.value, _LOSS_LABEL_LIMIT)))
        return Data(id(node))

    def data_subscript(self, node: ast.Subscript, base: Data | ShapeVal, index: Value) -> Value:
        """Slices of an array along its first axis keep its samples; `x.shape[1:]` and `x.shape[i]`."""
        key = node.slice
        if isinstance(base, ShapeVal):
            shape = base.shape
            if isinstance(key, ast.Slice):
                lower = key.lower
                if key.upper is not None or key.step is not None or shape.start != 0:
                    return UNKNOWN
                if lower is None:
                    return base
                if isinstance(lower, ast.Constant) and type(lower.value) is int and lower.value >= 0:
                    return ShapeVal(shape._replace(start=lower.value))
                return UNKNOWN
            if isinstance(index, Const) and type(index.value) is int and shape.start == 0:
                at = index.value
                sample = shape.sample
                value = sample[at - 1] if sample is not None and 1 <= at <= len(sample) else None
                if sample is not None and at < 0 and -at <= len(sample):
                    value = sample[at]
                return DimVal(DimOf(shape.origin, at, value, shape.array))
            return UNKNOWN
        if isinstance(key, ast.Slice):
            return base.kept()
        if isinstance(key, ast.Tuple) and key.elts and isinstance(key.elts[0], ast.Slice):
            return base.kept(sample=False)
        return Data(id(node))

    def data_method(self, node: ast.Call, method: str, base: Data, args: list[Value]) -> Value:
        """`x.astype(...)` and `x.copy()` keep the array; `x.reshape(-1, 28, 28, 1)` gives one sample
        the literal shape; any other method gives another object."""
        if method in ("astype", "copy"):
            return base.kept()
        if method == "reshape" and args:
            dims = args
            if len(args) == 1 and isinstance(args[0], Record):
                dims = [op.value for op in args[0].ops if isinstance(op, AddOp)]
                if len(dims) != len(args[0].ops):
                    return Data(id(node))
            values = [d.value if isinstance(d, Const) and type(d.value) is int else None for d in dims]
            if len(values) >= 2 and values[0] == -1 and all(v is not None and v > 0 for v in values[1:]):
                return Data(id(node), tuple(values[1:]))
        return Data(id(node))

    def compile_training(self, node: ast.Call, args: list[Value], kwargs: Kwargs) -> tuple[Loss | Metric | Fit, ...]:
        """What `compile(optimizer, loss, ..., metrics=...)` says: its losses and its accuracy metrics."""
        found: list[Loss | Metric | None] = []
        loss = _given(node, args, kwargs, "loss", 1)
        if loss is not None:
            losses = _per_output(*loss, nested=False)
            if losses is not None:
                found += [self._loss(value, expr, output, id(node)) for value, expr, output in losses]
        # metrics come third in tf_keras's compile() and fourth in Keras 3's (after loss_weights): a
        # list at either place counts when it names an accuracy metric
        for index in (2, 3):
            metrics = _given(node, args, kwargs, "metrics", index)
            items = _per_output(*metrics, nested=True) if metrics is not None else None
            for value, expr, output in items or ():
                key = _metric_key(value)
                if key:
                    label = self.text.label(expr, _LOSS_LABEL_LIMIT)
                    found.append(Metric(key, label, expr.lineno, self.text.column(expr), output, id(node)))
        return tuple(dict.fromkeys(item for item in found if item is not None))

    def _loss(self, value: Value, expr: ast.expr, output: int | str | None, compile_id: int) -> Loss | None:
        """One loss as written: a string, a `keras.losses` function or class, or a loss object."""
        from_logits: bool | None = False
        if isinstance(value, Const) and isinstance(value.value, str):
            key: str | None = value.value
        elif isinstance(value, Qual):
            key = catalog.canonical(value.name)
        elif isinstance(value, LossVal):
            key, from_logits = value.key, value.from_logits
        else:
            return None
        if catalog.loss_family(key) is None:
            return None
        inline = isinstance(value, LossVal) and value.node is expr
        label = self.text.label(expr, _LOSS_LABEL_LIMIT)
        return Loss(key, label, expr.lineno, self.text.column(expr), from_logits, output, inline, compile_id)

    def new_loss(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> LossVal:
        """`keras.losses.BinaryCrossentropy(from_logits=True)`: the loss, with `from_logits` when literal."""
        name = key[len("losses.") :]
        index = catalog.FROM_LOGITS_ARG.get(name)
        given: Value | None = kwargs.get("from_logits")
        if given is None and index is not None and len(args) > index:
            given = args[index]
        from_logits: bool | None = False
        if given is not None:
            from_logits = given.value if isinstance(given, Const) and type(given.value) is bool else None
        elif None in kwargs or any(isinstance(a, ast.Starred) for a in node.args):
            from_logits = None
        return LossVal(key, from_logits, node)

    def call_keras(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> Value:
        """A call to something under keras or tensorflow."""
        if key == catalog.SEQUENTIAL:
            return self.new_sequential(node, args, kwargs)
        if key in catalog.MODEL:
            return self.new_model(node, args, kwargs)
        if catalog.is_keras_layer(key) and key[len("layers.") :][:1].islower():
            # layers.add([a, b]), layers.concatenate(...): functions that apply a layer at once
            info = catalog.layer_info(key)
            return self.op_node(node, info.kind if info else Kind.UNKNOWN, self.tensor_inputs(node, args, kwargs))
        if catalog.is_keras_layer(key) or key in catalog.INPUTS:
            layer = self.make_layer(node, key, args, kwargs)
            if self.interpreter.instance:  # a later pass of a loop makes another layer object
                layer = layer._replace(key=hash((layer.key, self.interpreter.instance)))
            return LayerVal(layer)
        if key.startswith("losses.") and key[len("losses.") :][:1].isupper() and catalog.loss_family(key):
            return self.new_loss(node, key, args, kwargs)
        if key in catalog.ACCURACY_METRICS:
            return MetricVal(key)
        data = self.data_call(node, key, args, kwargs)
        if data is not None:
            return data
        activation = catalog.activation_function(key)
        if activation is not None and args:
            kind = Kind.PASS if activation is Act.LINEAR else Kind.NONLINEAR
            name = key.rsplit(".", 1)[-1]
            if name == "softmax" and not _last_axis(_positional(args, 1) or kwargs.get("axis")):
                name = ""
            return self.op_node(node, kind, self.producers(args[0], node.args[0]), name)
        if key in _MERGE_FUNCTIONS:
            return self.op_node(node, Kind.MERGE, self.tensor_inputs(node, args, kwargs))
        return self.unknown_call(node, args, kwargs)

    def unknown_call(self, node: ast.Call, args: list[Value], kwargs: Kwargs) -> Value:
        """A call we cannot follow: its result is unknown, and a tensor if it took tensors."""
        inputs = self.tensor_inputs(node, args, kwargs)
        if not inputs:
            return Data(id(node))  # some object the file computes: known only as itself
        return Tensor(self.flow.apply(self.unknown_node(node), inputs))

    def apply_layer(self, node: ast.Call, layer: LayerNode, args: list[Value], kwargs: Kwargs) -> Value:
        """`layer(x)`: the layer's node joins the scope's data flow after the producers of `x`."""
        if node.args:
            inputs = self.producers(args[0], node.args[0])
        elif "inputs" in kwargs:
            expr = next(k.value for k in node.keywords if k.arg == "inputs")
            inputs = self.producers(kwargs["inputs"], expr)
        else:
            return self.unknown_call(node, args, kwargs)
        return Tensor(self.flow.apply(layer, inputs, site=node))

    def new_model(self, node: ast.Call, args: list[Value], kwargs: Kwargs) -> Value:
        """`keras.Model(inputs, outputs)`: the model is every node its outputs depend on."""
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        expr = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "outputs"), None
        )
        if outputs is None or expr is None:
            return UNKNOWN  # a subclass calling super().__init__(), or a dynamic call
        heads = self._heads(outputs, expr)
        producers = frozenset().union(*heads) if heads else frozenset()
        graph = self.flow.model_graph(
            producers, "Functional model", node.lineno, self.text.column(node), "functional", heads, id(node)
        )
        self.interpreter.graphs.append(graph)
        return ModelVal(id(node), graph)

    def _heads(self, outputs: Value, expr: ast.expr) -> list[frozenset[int]]:
        """A model's outputs in order: one for a tensor, one per element of a list or dict of them."""
        if isinstance(outputs, Record) and outputs.kind == "list" and outputs.ops:
            elements = [op for op in outputs.ops if isinstance(op, AddOp)]
            if len(elements) == len(outputs.ops):
                return [self.producers(op.value, op.expr if isinstance(op.expr, ast.expr) else expr) for op in elements]
        if isinstance(outputs, DictVal):
            return [self.producers(value, value_expr) for _, value, value_expr in outputs.items]
        return [self.producers(outputs, expr)]

    def new_sequential(self, node: ast.Call, args: list[Value], kwargs: Kwargs) -> Record:
        given = args[0] if args else kwargs.get("layers")
        if node.args and isinstance(node.args[0], ast.Starred):
            ops: tuple[Op, ...] = (OpaqueOp(node),)
        elif given is None or given == Const(None):
            ops = ()
        elif isinstance(given, Record) and given.kind == "list":
            ops = given.ops
        else:
            ops = (OpaqueOp(node),)
        record = Record(node, "sequential", ops)
        self.interpreter.note(record)
        return record

    def sequential_method(
        self, node: ast.Call, method: str, added: tuple[Op, ...], args: list[Value], kwargs: Kwargs
    ) -> tuple[Op, ...]:
        """The effects of `model.<method>(...)` on a Sequential model's record."""
        if method == "add":
            return added
        if method == "pop":
            return (OpaqueOp(node),)
        if method == "compile":
            return (CompileOp(self.compile_training(node, args, kwargs)),)
        if method in catalog.FIT_METHODS:
            return (CompileOp((self.fit_entry(node, args, kwargs),)),)
        return self.torch.sequential_method(node, method, args) or ()

    def sequential_graph(self, record: Record) -> ModelGraph:
        origin = record.origin
        assert isinstance(origin, ast.expr)
        return sequential_graph(
            record,
            self.unknown_node,
            label="Sequential model",
            line=origin.lineno,
            col=self.text.column(origin),
        )

    # ---- tensors ----------------------------------------------------------------------------

    def tensor_binop(
        self, node: ast.AST, op: ast.operator, left: Value, right: Value, left_expr: ast.expr, right_expr: ast.expr
    ) -> Value:
        """Arithmetic on tensors: a sum of tensors merges them; scaling or shifting by a constant
        keeps a chain affine; a product of tensors (gating) or a power is nonlinear."""
        both = tensorish(left) and tensorish(right)
        constant = isinstance(left, Const) or isinstance(right, Const)
        if isinstance(op, (ast.Add, ast.Sub)):
            kind = Kind.MERGE if both else Kind.PASS if constant else Kind.MERGE
        elif isinstance(op, (ast.Mult, ast.Div)):
            kind = Kind.PASS if constant and not both else Kind.NONLINEAR
        elif isinstance(op, ast.Pow):
            kind = Kind.NONLINEAR
        else:
            kind = Kind.UNKNOWN
        inputs: frozenset[int] = frozenset()
        for value, expr in ((left, left_expr), (right, right_expr)):
            if not isinstance(value, Const):
                inputs |= self.producers(value, expr)
        return self.op_node(node, kind, inputs)

    def unary(self, node: ast.UnaryOp, operand: Value) -> Value:
        """`-x` keeps a chain affine; any other operator on a tensor is not followed."""
        kind = Kind.PASS if isinstance(node.op, (ast.USub, ast.UAdd)) else Kind.UNKNOWN
        return self.op_node(node, kind, self.producers(operand, node.operand))

    def subscript(self, node: ast.Subscript, base: Value) -> Value:
        """Slicing a tensor: not followed, the chain ends here."""
        return Tensor(self.flow.apply(self.unknown_node(node), self.producers(base, node.value)))

    def op_node(
        self,
        node: ast.AST,
        kind: Kind,
        inputs: frozenset[int],
        act_name: str = "",
        axis: int | None = None,
        framework: str = "",
        layer_key: str = "",
        label: str = "",
    ) -> Tensor:
        label = label or (self.text.label(node) if isinstance(node, ast.expr) else "?")
        line = getattr(node, "lineno", None)
        col = self.text.column(node) if isinstance(node, (ast.expr, ast.stmt)) else None
        layer = LayerNode(
            key=id(node),
            kind=kind,
            label=label,
            line=line,
            col=col,
            act_name=act_name,
            axis=axis,
            framework=framework,
            layer=layer_key,
        )
        return Tensor(self.flow.apply(layer, inputs))

    def producers(self, value: Value, expr: ast.expr) -> frozenset[int]:
        """The nodes that produce a tensor value (or each tensor of a list of them).

        What is not a tensor we follow becomes an unknown source, so that a merge with it is
        never taken for affine.
        """
        if isinstance(value, Tensor):
            return value.producers
        if isinstance(value, LayerVal) and value.node.kind is Kind.INPUT:
            return self.flow.apply(value.node, frozenset())
        if isinstance(value, Record) and value.kind == "list":
            out: frozenset[int] = frozenset()
            for op in value.ops:
                if isinstance(op, AddOp):
                    out |= self.producers(op.value, op.expr if isinstance(op.expr, ast.expr) else expr)
                else:
                    out |= self.flow.apply(self.unknown_node(expr), frozenset())
            return out
        return self.flow.apply(self.unknown_node(expr), frozenset())

    def tensor_inputs(self, node: ast.Call, args: list[Value], kwargs: Kwargs) -> frozenset[int]:
        """The tensors among a call's arguments, as their producers."""
        out: frozenset[int] = frozenset()
        pairs = list(zip(args, node.args)) + [(kwargs[k.arg], k.value) for k in node.keywords if k.arg is not None]
        for value, expr in pairs:
            if tensorish(value) or (isinstance(value, Record) and value.kind == "list" and any(
                isinstance(op, AddOp) and tensorish(op.value) for op in value.ops
            )):
                out |= self.producers(value, expr)
        return out

    def unknown_node(self, expr: ast.AST) -> LayerNode:
        if not isinstance(expr, ast.expr):
            return LayerNode(key=id(expr), kind=Kind.UNKNOWN, label="?")
        return LayerNode(
            key=id(expr),
            kind=Kind.UNKNOWN,
            label=self.text.label(expr),
            line=expr.lineno,
            col=self.text.column(expr),
        )

    # ---- layers -----------------------------------------------------------------------------

    def make_layer(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> LayerNode:
        info = catalog.layer_info(key)
        kind = info.kind if info is not None else Kind.UNKNOWN
        activation = info.default_activation if info is not None else Act.LINEAR
        given, act_name = False, ""
        dynamic = any(type(a) is ast.Starred for a in node.args) or None in kwargs
        if key in catalog.WRAPPERS:
            inner = args[0] if args else kwargs.get("layer")
            if isinstance(inner, LayerVal):
                if key == "layers.TimeDistributed":
                    return inner.node._replace(wrapper=key)
                return inner.node
            kind = Kind.UNKNOWN
        elif key == catalog.ACTIVATION_LAYER:
            function = args[0] if args else kwargs.get("activation", UNKNOWN)
            kind = {Act.LINEAR: Kind.PASS, Act.NONLINEAR: Kind.NONLINEAR}.get(
                self.classify_activation(function), Kind.UNKNOWN
            )
            act_name = activation_name(function)
        elif key in catalog.ACTIVATION_LAYERS:
            act_name = catalog.ACTIVATION_LAYERS[key]
            if key == "layers.Softmax" and not _last_axis(_positional(args, 0) or kwargs.get("axis")):
                act_name = ""
        elif key in catalog.RECURRENT_LAYERS and kind is not Kind.AFFINE:
            position = catalog.RECURRENT_LAYERS[key]
            recurrent = kwargs.get("activation")
            if recurrent is None and position is not None and len(args) > position and not dynamic:
                recurrent = args[position]
            if recurrent is not None:
                act_name = activation_name(recurrent)
            elif not dynamic:
                act_name = catalog.RECURRENT_ACTIVATION
        elif key == catalog.BIDIRECTIONAL:
            inner = args[0] if args else kwargs.get("layer")
            merge = _positional(args, 1) or kwargs.get("merge_mode", Const("concat"))
            if isinstance(inner, LayerVal) and inner.node.layer in catalog.RECURRENT_LAYERS and merge in _MERGES:
                act_name = inner.node.act_name
        elif key == "layers.Lambda" and _is_identity_function(node.args[0] if node.args else None):
            kind, act_name = Kind.PASS, "linear"
        elif key == catalog.MASKING and not dynamic:
            value = args[0] if args else kwargs.get("mask_value", Const(0.0))
            if isinstance(value, Const) and type(value.value) in (int, float) and value.value == 0:
                kind = Kind.PASS
        elif kind is Kind.AFFINE and info is not None:
            index = info.activation_arg
            chosen: Value | None = kwargs.get("activation")
            if chosen is None and index is not None and len(args) > index and not dynamic:
                chosen = args[index]
            if chosen is not None:
                activation, given = self.classify_activation(chosen), True
                act_name = activation_name(chosen)
            elif dynamic:
                activation = Act.UNKNOWN
            elif info.default_activation is Act.LINEAR:
                act_name = "linear"
            elif key in catalog.RECURRENT_LAYERS:
                act_name = catalog.RECURRENT_ACTIVATION
            if activation is not Act.LINEAR and info.default_activation is not Act.LINEAR:
                kind = Kind.NONLINEAR  # a recurrent layer (SimpleRNN) is affine only with a linear activation
        given_name = kwargs.get("name")
        shape_keywords = [
            kw
            for kw in node.keywords
            if kw.arg in catalog.INPUT_SHAPE_ARGS
            and not (kw.arg == "input_dim" and key in catalog.INPUT_DIM_IS_NOT_A_SHAPE)
        ]
        shape_args = tuple(str(kw.arg) for kw in shape_keywords)
        name = key.rsplit(".", 1)[-1]
        return LayerNode(
            key=id(node),
            kind=kind,
            label=f"{name}({self.text.first_argument(node)})",
            activation=activation,
            activation_given=given,
            line=node.lineno,
            col=self.text.column(node),
            shape_args=shape_args,
            config=self._config(node, key, args, kwargs),
            width=self._width(key, args, kwargs),
            layer=key,
            bias=kwargs.get("use_bias") != Const(False),
            kernel=self._kernel(kwargs.get("kernel_size") or _positional(args, 0 if "Depthwise" in key else 1))
            if key.startswith(("layers.Conv", "layers.Separable", "layers.Depthwise"))
            else None,
            act_name=act_name,
            channels=self._channels(key, args, kwargs),
            name=given_name.value if isinstance(given_name, Const) and isinstance(given_name.value, str) else None,
            shape_positions=tuple((kw.lineno, self.text.column(kw)) for kw in shape_keywords),
            keras3=self.interpreter.keras3,
            binding=self._bound_name(node),
            arguments=None if dynamic else self._arguments(node, key, args, kwargs),
            shape_at=self._shape_at(node, key),
        )

    def _arguments(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> tuple[tuple[str, Any], ...]:
        """The arguments a constructor call gives, by parameter name (positional ones by the names
        catalog.shape_rules knows), as the shape rules read them."""
        names = PARAMETERS.get(key, ())
        given = [(names[i], value) for i, value in enumerate(args[: len(names)])]
        given += [(name, value) for name, value in kwargs.items() if name is not None]
        return tuple((name, _argument(value)) for name, value in given)

    def _shape_at(self, node: ast.Call, key: str) -> tuple[int, int] | None:
        """Where the call gives the shape of the model's input: `shape=` (or the first argument) of an
        Input, `input_shape=`/`batch_input_shape=` of a layer."""
        names = ("shape", "batch_shape") if key in catalog.INPUTS else ("input_shape", "batch_input_shape")
        for keyword in node.keywords:
            if keyword.arg in names:
                return keyword.lineno, self.text.column(keyword)
        if key in catalog.INPUTS and node.args and not isinstance(node.args[0], ast.Starred):
            return node.args[0].lineno, self.text.column(node.args[0])
        return None

    def _bound_name(self, node: ast.Call) -> str:
        """The name the layer made by `node`, or its output, is assigned to, if it is assigned at once."""
        if self.binding is None:
            return ""
        value, name = self.binding
        made_here = value is node or (isinstance(value, ast.Call) and value.func is node)
        return name if made_here else ""

    def _channels(self, key: str, args: list[Value], kwargs: Kwargs) -> int | None:
        """The size of a layer's output's last axis, where literals say it: Dense units, the filters
        of a channels-last convolution, an Input's last dimension."""
        if key == "layers.Dense" or key in catalog.INPUTS:
            return self._width(key, args, kwargs)
        if key in catalog.RECURRENT_LAYERS:
            units = args[0] if args else kwargs.get("units")
            return units.value if isinstance(units, Const) and type(units.value) is int else None
        if key == catalog.BIDIRECTIONAL:
            inner = args[0] if args else kwargs.get("layer")
            merge = _positional(args, 1) or kwargs.get("merge_mode", Const("concat"))
            if isinstance(inner, LayerVal) and inner.node.channels is not None and merge in _MERGES:
                return inner.node.channels * (2 if merge == Const("concat") else 1)
            return None
        info = catalog.layer_info(key)
        convolution = key.startswith(("layers.Conv", "layers.Separable", "layers.LocallyConnected", "layers.Deconv"))
        if convolution and info is not None and info.kind is Kind.AFFINE:
            layout = kwargs.get("data_format")
            if layout is not None and layout != Const("channels_last"):
                return None
            filters = args[0] if args else kwargs.get("filters")
            return filters.value if isinstance(filters, Const) and type(filters.value) is int else None
        return None

    @staticmethod
    def _kernel(value: Value | None) -> int | None:
        """The largest dimension of a literal kernel size: 3 for `3` or `(3, 3)`."""
        if isinstance(value, Const) and type(value.value) is int:
            return value.value
        if isinstance(value, Record) and value.ops:
            sizes = [
                op.value.value
                for op in value.ops
                if isinstance(op, AddOp) and isinstance(op.value, Const) and type(op.value.value) is int
            ]
            if len(sizes) == len(value.ops):
                return max(int(size) for size in sizes)
        return None

    @staticmethod
    def _width(key: str, args: list[Value], kwargs: Kwargs) -> int | None:
        """The number of output features, where a literal says it: Dense units, an Input's last dimension."""
        if key == "layers.Dense":
            units = args[0] if args else kwargs.get("units")
            return units.value if isinstance(units, Const) and type(units.value) is int else None
        if key in catalog.INPUTS:
            shape = kwargs.get("shape") or kwargs.get("input_shape") or (args[0] if args else None)
            if isinstance(shape, Record) and shape.ops and isinstance(shape.ops[-1], AddOp):
                last = shape.ops[-1].value
                return last.value if isinstance(last, Const) and type(last.value) is int else None
        return None

    @staticmethod
    def classify_activation(value: Value) -> Act:
        if isinstance(value, Const):
            if value.value is None:
                return Act.LINEAR
            if isinstance(value.value, str):
                return catalog.activation_string(value.value)
            return Act.UNKNOWN
        if isinstance(value, Qual):
            key = catalog.canonical(value.name)
            return (catalog.activation_function(key) if key else None) or Act.UNKNOWN
        if isinstance(value, LayerVal) and value.node.kind is Kind.NONLINEAR:
            return Act.NONLINEAR
        return Act.UNKNOWN

    def _config(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> LayerConfig | None:
        """The literal arguments of a layer call, or None if any argument is not literal."""
        try:
            literal_args = tuple(self._literal(a, v) for a, v in zip(node.args, args))
            given = []
            for kw in node.keywords:
                if kw.arg is None:
                    continue
                try:
                    given.append((kw.arg, self._literal(kw.value, kwargs[kw.arg])))
                except _NotLiteral:
                    if kw.arg != "name":
                        raise
                    # `name=f"dense_{i}"`: a layer's name changes nothing it computes; Keras names it
            literal_kwargs = tuple(given)
        except _NotLiteral:
            return None
        if any(type(a) is ast.Starred for a in node.args) or None in kwargs:
            return None
        return LayerConfig(key, literal_args, literal_kwargs)

    @staticmethod
    def _elements(value: Record) -> object:
        items = []
        for op in value.ops:
            if not isinstance(op, AddOp) or not isinstance(op.expr, ast.expr):
                raise _NotLiteral
            if not isinstance(op.value, (Const, Record)):
                raise _NotLiteral
            items.append(KerasSemantics._literal(op.expr, op.value))
        return items if isinstance(value.origin, ast.List) else tuple(items)

    @staticmethod
    def _literal(expr: ast.expr, value: Value) -> object:
        if isinstance(value, Const):
            return value.value
        if isinstance(value, Record) and value.kind == "list":
            # `(latent_dim,)` with a name bound to a constant, `image_size + (3,)`, a parameter that
            # confirm binds to a literal tuple: the elements' values, where each is a literal; else
            # the text's own literal value (a list holding a dict, which the argument check refuses)
            try:
                return KerasSemantics._elements(value)
            except _NotLiteral:
                pass
        if isinstance(value, Qual):
            key = catalog.canonical(value.name)
            if key and catalog.activation_function(key) is not None:
                return key.rsplit(".", 1)[-1]
            raise _NotLiteral
        if isinstance(value, LayerVal):
            if value.node.config is None:
                raise _NotLiteral
            return value.node.config
        try:
            return ast.literal_eval(expr)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise _NotLiteral from None
