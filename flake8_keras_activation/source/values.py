"""The abstract values the source interpreter computes, and the effects it records on models."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Union

from ..catalog import canonical
from ..graph import LayerNode


class Value:
    """Something an expression evaluates to, as far as the analysis can tell."""

    __slots__ = ()


class _Unknown(Value):
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Qual(Value):
    """A reference to an importable object by its qualified name (a module, class or function)."""

    name: str


@dataclass(frozen=True)
class Const(Value):
    """A literal: None, a string, a number, a bool, or a tuple of these."""

    value: object


@dataclass(frozen=True, eq=False)
class LayerVal(Value):
    """A layer object made by a Keras constructor call; `node.key` identifies the call."""

    node: LayerNode


@dataclass(frozen=True)
class Tensor(Value):
    """A tensor in functional code: the graph nodes that may have produced it."""

    producers: frozenset[int]


@dataclass(frozen=True, eq=False)
class ClassVal(Value):
    """A class defined in the analyzed code; `keras` when it derives from keras.Model or Layer."""

    node: ast.ClassDef
    keras: bool
    bases: tuple[ClassVal, ...] = ()


@dataclass(frozen=True, eq=False)
class Record(Value):
    """A Sequential model or a list of layers, as the ordered effects that built it.

    Records are immutable: every `add`/`append` makes a new record with the same `origin`,
    so that the branches of an `if` can each hold their own version and be joined.
    """

    origin: ast.AST
    kind: str  # "sequential" or "list"
    ops: tuple[Op, ...] = ()

    def with_ops(self, *ops: Op) -> Record:
        return Record(self.origin, self.kind, self.ops + ops)


@dataclass(frozen=True, eq=False)
class AddOp:
    value: Value
    expr: ast.AST  # the expression added, for an unknown node's key and label


@dataclass(frozen=True, eq=False)
class BranchOp:
    arms: tuple[tuple[Op, ...], ...]


@dataclass(frozen=True, eq=False)
class LoopOp:
    body: tuple[Op, ...]
    repeats: bool  # False when the loop runs at most once (a one-element literal)


@dataclass(frozen=True, eq=False)
class OpaqueOp:
    """Something we cannot follow received the model (a user function, `pop()`)."""

    expr: ast.AST


@dataclass(frozen=True, eq=False)
class CompileOp:
    """`model.compile(...)`: the model is finished; later opaque uses only train or save it."""


Op = Union[AddOp, BranchOp, LoopOp, OpaqueOp, CompileOp]


def join_values(a: Value, b: Value) -> Value:
    """What a name holds after two paths that gave it `a` and `b`."""
    if a is b or a == b:
        return a
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return Tensor(a.producers | b.producers)
    if isinstance(a, Qual) and isinstance(b, Qual):
        # `try: from tensorflow import keras` / `except ImportError: import keras`
        key = canonical(a.name)
        if key is not None and key == canonical(b.name):
            return a
    if isinstance(a, Record) and isinstance(b, Record) and a.origin is b.origin:
        i = common_prefix(a.ops, b.ops)
        return Record(a.origin, a.kind, a.ops[:i] + (BranchOp((a.ops[i:], b.ops[i:])),))
    return UNKNOWN


def loop_value(before: Value, after: Value, repeats: bool) -> Value:
    """What a name holds after a loop whose body took it from `before` to `after`."""
    if before is after or before == after:
        return before
    if isinstance(before, Tensor) and isinstance(after, Tensor):
        return after
    if isinstance(before, Record) and isinstance(after, Record) and before.origin is after.origin:
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
