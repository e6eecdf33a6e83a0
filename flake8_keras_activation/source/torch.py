"""What PyTorch calls mean to the interpreter: modules, `nn.Sequential`, activation functions, losses.

The second front end: it writes the same graph as the Keras semantics (`keras.py`), whose data flow
and helpers it shares, so that every rule family reads a PyTorch model as it reads a Keras one. A
`torch.nn` module becomes a layer node (affine, pass-through, nonlinear or unknown by the catalog),
`nn.Sequential(...)` a Sequential record, a criterion applied to a model's output one of that model's
losses.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .. import catalog
from ..catalog import Act, Kind
from ..catalog import torch as tc
from ..graph import LayerNode, Loss
from .values import (
    UNKNOWN,
    AddOp,
    Const,
    Data,
    DictVal,
    LayerVal,
    LossVal,
    Op,
    OpaqueOp,
    Record,
    Tensor,
    Value,
)

if TYPE_CHECKING:
    from .keras import KerasSemantics, Kwargs

_LABEL_LIMIT = 64


def _int(value: Value | None) -> int | None:
    return value.value if isinstance(value, Const) and type(value.value) is int else None


def _given(args: list[Value], kwargs: Kwargs, name: str, index: int) -> Value | None:
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else None


def _gives_matrix(node: ast.Call, method: str) -> bool:
    """`x.flatten(1)`, `x.view(n, -1)`, `x.reshape((n, -1))`: a reshape known to give (batch, features)."""
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        return False
    if method == "flatten":
        return len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and node.args[0].value == 1
    if method in ("view", "reshape"):
        shape = node.args
        if len(shape) == 1 and isinstance(shape[0], (ast.Tuple, ast.List)):
            shape = shape[0].elts
        return len(shape) == 2 and not any(isinstance(dim, ast.Starred) for dim in shape)
    return False


def softmax_axis(dim: Value | None) -> tuple[bool, int | None]:
    """Whether a softmax's `dim` is known, and the axis (None for the last one): PyTorch's class axis
    is 1 (`(N, C)` and `(N, C, d1, ...)`), the last axis is -1; an implicit dim depends on the rank."""
    if isinstance(dim, Const) and type(dim.value) is int:
        if dim.value == -1:
            return True, None
        if dim.value == 1:
            return True, 1
    return False, None


class TorchSemantics:
    """The meaning of `torch` constructs, writing into the Keras semantics' data flow and records."""

    def __init__(self, keras: KerasSemantics) -> None:
        self.k = keras

    # ---- calls ------------------------------------------------------------------------------

    def call(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> Value:
        """A call to something under `torch`."""
        if key == tc.SEQUENTIAL:
            return self.new_sequential(node, args)
        if key == tc.MODULE_LIST:
            given = args[0] if args else kwargs.get("modules")
            if given is None:
                return Record(node, "list", ())
            if isinstance(given, Record) and given.kind == "list":
                return given
            return Record(node, "list", (OpaqueOp(node),))
        if key == tc.MODULE_DICT:
            given = args[0] if args else kwargs.get("modules")
            return given if isinstance(given, DictVal) else UNKNOWN
        if key in tc.LOSSES:
            if key.startswith("nn."):
                return LossVal(key, tc.LOSSES[key][1], node)
            return self.apply_loss(node, key, args, kwargs)
        if key.startswith("nn.") and key[3:4].isupper() and "." not in key[3:]:
            layer = self.make_module(node, key, args, kwargs)
            if self.k.interpreter.instance:  # a later pass of a loop makes another module object
                layer = layer._replace(key=hash((layer.key, self.k.interpreter.instance)))
            return LayerVal(layer)
        activation = catalog.activation_function(key)
        if activation is not None and args:
            name = key.rsplit(".", 1)[-1]
            axis = None
            if name in tc.DIM_ACTIVATIONS:
                known, axis = softmax_axis(_given(args, kwargs, "dim", 1))
                name = name if known else ""
            kind = Kind.PASS if activation is Act.LINEAR else Kind.NONLINEAR
            # F.glu halves its input: not a step that keeps a declared width (KA306)
            halves = key if name == "glu" else ""
            return self.k.op_node(node, kind, self.k.producers(args[0], node.args[0]), name, axis, "torch", halves)
        if key in tc.MERGES:
            return self.k.op_node(node, Kind.MERGE, self.k.tensor_inputs(node, args, kwargs))
        if not (args and node.args) or isinstance(node.args[0], ast.Starred):
            return self.k.unknown_call(node, args, kwargs)
        inputs = self.k.producers(args[0], node.args[0])
        if key in tc.FUNCTIONAL_IDENTITY:
            return self.k.op_node(node, Kind.PASS, inputs)
        if key in tc.FUNCTIONAL_PASS:
            return self.k.op_node(node, Kind.PASS, inputs, layer_key=tc.RESHAPE)
        if key in tc.RESHAPES:
            start = _given(args[1:], kwargs, "start_dim", 0)
            matrix = key == "torch.flatten" and _int(start) == 1 and len(args) == 2 and "end_dim" not in kwargs
            return self.k.op_node(node, Kind.PASS, inputs, layer_key=tc.MATRIX if matrix else tc.RESHAPE)
        return self.k.unknown_call(node, args, kwargs)

    def tensor_method(self, node: ast.Call, method: str, base: Tensor, args: list[Value], kwargs: Kwargs) -> Value:
        """`x.relu()`, `x.softmax(dim=1)`, `x.view(n, -1)`: an activation, or a reshape that keeps a
        chain affine; any other method of a tensor is not followed."""
        if method in tc.TENSOR_ACTIVATIONS:
            name, axis = tc.TENSOR_ACTIVATIONS[method], None
            if name in tc.DIM_ACTIVATIONS:
                known, axis = softmax_axis(_given(args, kwargs, "dim", 0))
                name = name if known else ""
            label = f"{method}({self._arguments_text(node)})"
            return self.k.op_node(node, Kind.NONLINEAR, base.producers, name, axis, "torch", label=label)
        if method in tc.TENSOR_IDENTITIES:
            return self.k.op_node(node, Kind.PASS, base.producers)
        if method in tc.TENSOR_RESHAPES:
            layer = tc.MATRIX if _gives_matrix(node, method) else tc.RESHAPE
            return self.k.op_node(node, Kind.PASS, base.producers, layer_key=layer)
        return Tensor(self.k.flow.apply(self.k.unknown_node(node), base.producers))

    def new_sequential(self, node: ast.Call, args: list[Value]) -> Record:
        """`nn.Sequential(a, b, c)`, `nn.Sequential(*layers)`, `nn.Sequential(OrderedDict([...]))`."""
        ops: list[Op] = []
        for value, expr in zip(args, node.args):
            if isinstance(expr, ast.Starred):
                ops.extend(value.ops if isinstance(value, Record) and value.kind == "list" else (OpaqueOp(expr),))
            elif isinstance(value, DictVal):
                ops.extend(AddOp(item, item_expr) for _, item, item_expr in value.items)
            else:
                ops.append(AddOp(value, expr))
        if node.keywords:
            ops.append(OpaqueOp(node))
        record = Record(node, "sequential", tuple(ops))
        self.k.interpreter.note(record)
        return record

    def sequential_method(self, node: ast.Call, method: str, args: list[Value]) -> tuple[Op, ...] | None:
        """The effects of `seq.append(m)`, `seq.add_module(name, m)`, `seq.extend([...])` on an
        `nn.Sequential`'s record; None for a method that is not one of these."""
        if method == "append" and len(args) == 1 and not isinstance(node.args[0], ast.Starred):
            return (AddOp(args[0], node.args[0]),)
        if method == "add_module" and len(args) == 2 and not any(isinstance(a, ast.Starred) for a in node.args):
            return (AddOp(args[1], node.args[1]),)
        if method == "extend" and len(args) == 1 and isinstance(args[0], Record) and args[0].kind == "list":
            return args[0].ops
        if method in ("insert", "pop", "__delitem__"):
            return (OpaqueOp(node),)
        return None

    # ---- modules ----------------------------------------------------------------------------

    def make_module(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> LayerNode:
        info = catalog.layer_info(key)
        kind = info.kind if info is not None else Kind.UNKNOWN
        # `*args` moves every position; `**kwargs` cannot give again a keyword written out (Python
        # refuses the duplicate), so what is written stays known and only what is absent is not
        dynamic = any(isinstance(a, ast.Starred) for a in node.args)
        module = tc.AFFINE.get(key)
        width = takes = kernel = axis = None
        act_name = ""
        if module is not None and not dynamic:
            width = _int(_given(args, kwargs, *module.makes))
            takes = _int(_given(args, kwargs, *module.takes)) if module.takes is not None else None
            if module.kernel is not None:
                size = _given(args, kwargs, "kernel_size", module.kernel)
                kernel = self.k._kernel(size)
            act_name = "linear"
        elif key in tc.ACTIVATIONS:
            act_name = tc.ACTIVATIONS[key]
            if act_name in tc.DIM_ACTIVATIONS:
                known, axis = softmax_axis(_given(args, kwargs, "dim", 0))
                act_name = act_name if known else ""
        elif key in tc.WIDTH_DECLARED and not dynamic:
            takes = _int(_given(args, kwargs, *tc.WIDTH_DECLARED[key]))
        bias = _given(args, kwargs, "bias", 2 if key == "nn.Linear" else 7 if key in tc.CONVOLUTIONS else 99)
        groups = _given(args, kwargs, "groups", 6) if key in tc.CONVOLUTIONS else None
        layer_key = key
        if key == "nn.Flatten" and not (node.args or node.keywords):
            layer_key = tc.MATRIX  # start_dim=1, end_dim=-1: (batch, features)
        return LayerNode(
            key=id(node),
            kind=kind,
            label=f"{key[3:]}({self._arguments_text(node)})",
            activation=Act.LINEAR,
            line=node.lineno,
            col=self.k.text.column(node),
            width=width,
            layer=layer_key,
            bias=bias != Const(False),
            kernel=kernel,
            act_name=act_name,
            # the size of the last axis, as the output rules read it: a convolution's channels are axis 1
            channels=None if key in tc.CONVOLUTIONS else width,
            binding=self.k._bound_name(node),
            in_width=takes,
            axis=axis,
            grouped=groups is not None and groups != Const(1),
        )

    def _arguments_text(self, node: ast.Call) -> str:
        """`20, 100` for `nn.Linear(20, 100)`, `dim=1` for `nn.Softmax(dim=1)`: the first two arguments,
        as the user wrote them."""
        shown = [self.k.text.label(arg, 24) for arg in node.args[:2] if not isinstance(arg, ast.Starred)]
        shown += [
            f"{keyword.arg}={self.k.text.label(keyword.value, 24)}"
            for keyword in node.keywords[: 2 - len(shown)]
            if keyword.arg is not None and keyword.arg not in ("inplace", "bias")
        ]
        return ", ".join(shown)

    # ---- losses -----------------------------------------------------------------------------

    def apply_loss(self, node: ast.Call, key: str, args: list[Value], kwargs: Kwargs) -> Value:
        """`criterion(model(x), y)`, `F.nll_loss(F.log_softmax(out, dim=1), y)`: a loss of the models
        whose output it receives (directly, or through one activation applied to it on the way)."""
        given = args[0] if args else kwargs.get("input")
        if isinstance(given, Tensor):
            from_logits = tc.LOSSES[key][1]
            label = self.k.text.label(node, _LABEL_LIMIT)
            column = self.k.text.column(node)
            for origin, instance, applied in self.k.interpreter.models_behind(given.producers):
                loss = Loss(key, label, node.lineno, column, from_logits, None, False, id(node), instance, applied)
                training = self.k.interpreter.compiles.get(origin, ())
                self.k.interpreter.compiles[origin] = training + (loss,)
        return Data(id(node))


def module_dict(items: Any) -> DictVal | None:
    """`OrderedDict([("fc", nn.Linear(...)), ...])` as a dict display, when every key is a literal."""
    if not (isinstance(items, Record) and items.kind == "list"):
        return None
    out = []
    for op in items.ops:
        pair = op.value if isinstance(op, AddOp) else None
        if not (isinstance(pair, Record) and pair.kind == "list" and len(pair.ops) == 2):
            return None
        name, module = pair.ops
        if not (isinstance(name, AddOp) and isinstance(module, AddOp) and isinstance(name.value, Const)):
            return None
        if not isinstance(name.value.value, str) or not isinstance(module.expr, ast.expr):
            return None
        out.append((name.value.value, module.value, module.expr))
    return DictVal(tuple(out))
