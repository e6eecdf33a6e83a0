"""The abstract values the source interpreter computes, and the effects it records on models."""

from __future__ import annotations

import ast
from typing import Union

from ..catalog import canonical
from ..graph import DimOf, Fit, Labels, LayerNode, Loss, Metric, ModelGraph, ShapeOf


class Value:
    """Something an expression evaluates to, as far as the analysis can tell."""

    __slots__ = ()


class _Unknown(Value):
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


# These classes are written out rather than made with @dataclass: they are created on every
# flake8 run that meets Keras code, and generating dataclass methods at import costs more than
# the whole analysis of a typical file. Values are never mutated after construction.


class _Eq(Value):
    """Equality and hashing by the one field a value class has."""

    __slots__ = ()
    _field = ""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(self, self._field) == getattr(other, self._field)

    def __hash__(self) -> int:
        return hash((type(self).__name__, getattr(self, self._field)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self, self._field)!r})"


class Qual(_Eq):
    """A reference to an importable object by its qualified name (a module, class or function)."""

    __slots__ = ("name",)
    _field = "name"

    def __init__(self, name: str) -> None:
        self.name = name


class Const(_Eq):
    """A literal: None, a string, a number, a bool, or a tuple of these."""

    __slots__ = ("value",)
    _field = "value"

    def __init__(self, value: object) -> None:
        self.value = value


class Tensor(_Eq):
    """A tensor in functional code: the graph nodes that may have produced it."""

    __slots__ = ("producers",)
    _field = "producers"

    def __init__(self, producers: frozenset[int]) -> None:
        self.producers = producers


class LayerVal(Value):
    """A layer object made by a Keras constructor call; `node.key` identifies the call."""

    __slots__ = ("node",)

    def __init__(self, node: LayerNode) -> None:
        self.node = node


class Data(Value):
    """An array the file computes (data, not a model's tensor): which one it is, and what the file
    fixes of it. `origin` stays the same through assignment, slicing along the first axis, `astype`
    and arithmetic with a constant, so that `x.shape` and `model.fit(x, ...)` are known to speak of
    one array."""

    __slots__ = ("origin", "sample", "labels")

    def __init__(self, origin: int, sample: tuple[int | None, ...] | None = None, labels: Labels | None = None) -> None:
        self.origin = origin
        self.sample = sample  # its shape without the first axis, where known
        self.labels = labels  # what it is as labels, where known

    def kept(self, sample: bool = True) -> Data:
        """The same array after a step that keeps its samples (and their shape, unless `sample` is False)."""
        return Data(self.origin, self.sample if sample else None, self.labels if sample else None)


class ShapeVal(Value):
    """`x.shape`, `x.shape[1:]` of an array the file computes."""

    __slots__ = ("shape",)

    def __init__(self, shape: ShapeOf) -> None:
        self.shape = shape


class DimVal(Value):
    """`x.shape[i]` of an array the file computes."""

    __slots__ = ("dim",)

    def __init__(self, dim: DimOf) -> None:
        self.dim = dim


class LossVal(Value):
    """A Keras loss object made by a constructor call, with its literal `from_logits`."""

    __slots__ = ("key", "from_logits", "node")

    def __init__(self, key: str, from_logits: bool | None, node: ast.Call) -> None:
        self.key = key
        self.from_logits = from_logits
        self.node = node


class MetricVal(Value):
    """A Keras metric object made by a constructor call (`keras.metrics.Accuracy()`)."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key


class ModelVal(Value):
    """A model that `compile()` can be called on: `origin` names its construction (a
    `keras.Model(...)` call, a subclassed model's class, or a function of the file that returns
    a model); `graph` is its graph when it is already known. `instance` tells apart the models one
    construction makes (each call of a function that builds one): what is done to one of them is
    not done to the others (0: the one model of a construction that runs once)."""

    __slots__ = ("origin", "graph", "instance")

    def __init__(self, origin: int, graph: ModelGraph | None = None, instance: int = 0) -> None:
        self.origin = origin
        self.graph = graph
        self.instance = instance


class DictVal(Value):
    """A dict display: its literal keys (None where not a literal string) and values."""

    __slots__ = ("items",)

    def __init__(self, items: tuple[tuple[str | None, Value, ast.expr], ...]) -> None:
        self.items = items


class FuncVal(Value):
    """A function defined in the analyzed code (its body is interpreted as a scope of its own)."""

    __slots__ = ("node",)

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.node = node


class ClassVal(Value):
    """A class defined in the analyzed code; `keras` when it derives from keras.Model or Layer."""

    __slots__ = ("node", "keras", "bases")

    def __init__(self, node: ast.ClassDef, keras: bool, bases: tuple[ClassVal, ...] = ()) -> None:
        self.node = node
        self.keras = keras
        self.bases = bases


class Record(Value):
    """A Sequential model or a list of layers, as the ordered effects that built it.

    Records are immutable: every `add`/`append` makes a new version with the same `origin`, so that
    the branches of an `if` can each hold their own version and be joined. A version is the version
    it was made from plus the effects it added (a persistent list): adding costs what is added, and
    two versions of one record find their common part by walking back to their nearest common
    version, which costs what the two arms added, not the record's length (an `add` chain of
    100,000 layers, or a model changed in each of 50,000 `if`s, stays linear).
    """

    __slots__ = ("origin", "kind", "_parent", "_tail", "_length", "_ops")

    def __init__(self, origin: ast.AST, kind: str, ops: tuple[Op, ...] = ()) -> None:
        self.origin = origin
        self.kind = kind  # "sequential" or "list"
        self._parent: Record | None = None
        self._tail: tuple[Op, ...] = tuple(ops)
        self._length = len(self._tail)
        self._ops: tuple[Op, ...] | None = self._tail

    @property
    def ops(self) -> tuple[Op, ...]:
        if self._ops is None:
            tails = []
            version: Record | None = self
            while version is not None and version._ops is None:
                tails.append(version._tail)
                version = version._parent
            ops = list(version._ops) if version is not None and version._ops is not None else []
            for tail in reversed(tails):
                ops.extend(tail)
            self._ops = tuple(ops)
        return self._ops

    def __len__(self) -> int:
        return self._length

    def with_ops(self, *ops: Op) -> Record:
        record = Record.__new__(Record)
        record.origin, record.kind = self.origin, self.kind
        record._parent, record._tail = self, ops
        record._length = self._length + len(ops)
        record._ops = None
        return record

    def since(self, ancestor: Record) -> tuple[Op, ...]:
        """The effects added after `ancestor`, one of this record's earlier versions."""
        tails = []
        version: Record | None = self
        while version is not None and version is not ancestor:
            tails.append(version._tail)
            version = version._parent
        if version is None:  # not an ancestor after all: everything after their common length
            return self.ops[len(ancestor) :]
        return tuple(op for tail in reversed(tails) for op in tail)


def common_version(a: Record, b: Record) -> Record | None:
    """The newest version of a record that both `a` and `b` were made from, if any."""
    x: Record | None = a
    y: Record | None = b
    while x is not None and y is not None and x is not y:
        if len(x) >= len(y):
            x = x._parent
        else:
            y = y._parent
    return x if x is y else None


class AddOp:
    __slots__ = ("value", "expr")

    def __init__(self, value: Value, expr: ast.AST) -> None:
        self.value = value
        self.expr = expr  # the expression added, for an unknown node's key and label


class BranchOp:
    __slots__ = ("arms",)

    def __init__(self, arms: tuple[tuple[Op, ...], ...]) -> None:
        self.arms = arms


class LoopOp:
    __slots__ = ("body", "repeats")

    def __init__(self, body: tuple[Op, ...], repeats: bool) -> None:
        self.body = body
        self.repeats = repeats  # False when the loop runs at most once (a one-element literal)


class OpaqueOp:
    """Something we cannot follow received the model (a user function, `pop()`)."""

    __slots__ = ("expr",)

    def __init__(self, expr: ast.AST) -> None:
        self.expr = expr


class CompileOp:
    """`model.compile(...)`: the model is finished; later opaque uses only train or save it."""

    __slots__ = ("training",)

    def __init__(self, training: tuple[Loss | Metric | Fit, ...] = ()) -> None:
        self.training = training  # the losses and metrics it names


Op = Union[AddOp, BranchOp, LoopOp, OpaqueOp, CompileOp]


_PRODUCER_LIMIT = 64


def join_values(a: Value, b: Value) -> Value:
    """What a name holds after two paths that gave it `a` and `b`."""
    if a is b or a == b:
        return a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        producers = a.producers | b.producers
        # A tensor that may come from this many places (an optional layer in each of many `if`s) is
        # not followed: each layer applied to it would take an edge from every one of them, and the
        # graph would grow with the square of the code.
        return Tensor(producers) if len(producers) <= _PRODUCER_LIMIT else UNKNOWN
    if isinstance(a, Qual) and isinstance(b, Qual):
        # `try: from tensorflow import keras` / `except ImportError: import keras`
        key = canonical(a.name)
        if key is not None and key == canonical(b.name):
            return a
    if isinstance(a, Record) and isinstance(b, Record) and a.origin is b.origin:
        common = common_version(a, b)
        if common is not None:
            return common.with_ops(BranchOp((a.since(common), b.since(common))))
        i = common_prefix(a.ops, b.ops)
        return Record(a.origin, a.kind, a.ops[:i] + (BranchOp((a.ops[i:], b.ops[i:])),))
    if isinstance(a, Record) and isinstance(b, Record) and a.kind == b.kind == "list":
        # `layers_ = [...]` in each arm of an if: one list, whichever arm built it
        return Record(a.origin, "list", (BranchOp((a.ops, b.ops)),))
    return UNKNOWN


def loop_value(before: Value, after: Value, repeats: bool) -> Value:
    """What a name holds after a loop whose body took it from `before` to `after`."""
    if before is after or before == after:
        return before
    if isinstance(before, Tensor) and isinstance(after, Tensor):
        return after
    if isinstance(before, Record) and isinstance(after, Record) and before.origin is after.origin:
        if common_version(before, after) is before:
            return before.with_ops(LoopOp(after.since(before), repeats))
        i = common_prefix(before.ops, after.ops)
        if i == len(before.ops):
            return Record(before.origin, before.kind, before.ops + (LoopOp(after.ops[i:], repeats),))
    return UNKNOWN


def common_prefix(a: tuple[Op, ...], b: tuple[Op, ...]) -> int:
    i = 0
    for x, y in zip(a, b):
        if x is not y:
            break
        i += 1
    return i
