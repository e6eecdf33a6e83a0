"""Turns the recorded effects on a Sequential model (its layer list, its `add` calls) into a ModelGraph."""

from __future__ import annotations

import ast
from typing import Callable

from ..catalog import Kind
from ..graph import Fit, LayerNode, Loss, Metric, ModelGraph
from .functional import application_key
from .values import AddOp, BranchOp, CompileOp, LayerVal, LoopOp, Op, OpaqueOp, Record


class _State:
    """Where a chain stands on one path (not a dataclass: see values.py)."""

    __slots__ = ("tails", "nonempty", "compiled")

    def __init__(self, tails: frozenset[int], nonempty: bool, compiled: bool) -> None:
        self.tails = tails  # the layers that may have been added last
        self.nonempty = nonempty  # a layer was added on every path so far
        self.compiled = compiled  # compile() was called on every path so far


class _ChainBuilder:
    def __init__(self, unknown_node: Callable[[ast.AST], LayerNode]) -> None:
        self.unknown_node = unknown_node
        self.nodes: dict[int, LayerNode] = {}
        self.edges: set[tuple[int, int]] = set()
        self.heads: set[int] = set()
        self.preceded: dict[int, bool] = {}
        self.complete = True
        self.training: tuple[Loss | Metric | Fit, ...] = ()

    def place(self, node: LayerNode, state: _State, own: bool) -> _State:
        self.nodes.setdefault(node.key, node)
        for tail in state.tails:
            self.edges.add((tail, node.key))
        if own:
            self.preceded[node.key] = self.preceded.get(node.key, True) and state.nonempty
        if not state.nonempty:
            self.heads.add(node.key)
        return _State(frozenset((node.key,)), True, state.compiled)

    def many_paths(self, op: BranchOp, tails: frozenset[int]) -> frozenset[int]:
        """An unknown step where the paths of `tails` meet."""
        node = LayerNode(key=hash(("many paths", id(op))), kind=Kind.UNKNOWN, label="?")
        self.nodes.setdefault(node.key, node)
        for tail in tails:
            self.edges.add((tail, node.key))
        return frozenset((node.key,))

    def run(self, ops: tuple[Op, ...], state: _State, own: bool, depth: int = 0) -> _State:
        for op in ops:
            if isinstance(op, AddOp):
                value = op.value
                if isinstance(value, LayerVal):
                    # one node per place in the model: a layer object added twice is applied twice
                    state = self.place(value.node.with_key(application_key(op.expr, value.node)), state, own)
                elif isinstance(value, Record) and value.kind == "sequential" and depth < 20:
                    # A nested Sequential model used as a layer: its layers join the chain.
                    state = self.run(value.ops, state, False, depth + 1)
                else:
                    state = self.place(self.unknown_node(op.expr), state, own)
            elif isinstance(op, BranchOp):
                ends = [self.run(arm, state, own, depth) for arm in op.arms]
                tails = frozenset().union(*(end.tails for end in ends))
                if len(tails) > _TAIL_LIMIT:
                    tails = self.many_paths(op, tails)
                state = _State(tails, all(end.nonempty for end in ends), all(end.compiled for end in ends))
            elif isinstance(op, LoopOp):
                first = self.run(op.body, state, own, depth)
                if op.repeats and first.tails != state.tails and _straight(op.body):
                    # The next pass starts where the first ended: the body follows itself.
                    first = self.run(op.body, first, own, depth)
                state = first
            elif isinstance(op, OpaqueOp):
                if not state.compiled:
                    self.complete = False
                    state = self.place(self.unknown_node(op.expr), state, own)
            elif isinstance(op, CompileOp):
                state = _State(state.tails, state.nonempty, True)
                if own:  # every compile() is a way to train it
                    self.training += op.training
        return state


# A layer that may follow this many others (one added in each of many `if`s) is not followed: each
# next layer would take an edge from every one of them, and the graph would grow with the square of
# the code. They meet in one unknown step, which ends every chain through it.
_TAIL_LIMIT = 64


def _straight(ops: tuple[Op, ...]) -> bool:
    """A loop body whose adds happen on every pass, so that its back edge is certain."""
    return all(
        isinstance(op, (AddOp, CompileOp)) or (isinstance(op, LoopOp) and _straight(op.body))
        for op in ops
    )


def sequential_graph(
    record: Record,
    unknown_node: Callable[[ast.AST], LayerNode],
    label: str,
    line: int,
    col: int,
) -> ModelGraph:
    """The graph of a Sequential model from the effects recorded on it."""
    builder = _ChainBuilder(unknown_node)
    end = builder.run(record.ops, _State(frozenset(), False, False), True)
    return ModelGraph(
        kind="sequential",
        label=label,
        nodes=tuple(builder.nodes.values()),
        edges=frozenset(builder.edges),
        line=line,
        col=col,
        inputs=tuple(sorted(builder.heads)),
        outputs=tuple(sorted(end.tails)),
        preceded=frozenset(k for k, v in builder.preceded.items() if v),
        complete=builder.complete and all(n.kind is not Kind.UNKNOWN for n in builder.nodes.values()),
        origin=id(record.origin),
    ).with_training(tuple(dict.fromkeys(builder.training)))  # a loop's second pass meets its compile() again
