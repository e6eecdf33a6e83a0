"""Literal values for a function's parameters, for `confirm` only: from a call of the file, or defaults.

`confirm` rebuilds a model built in a function of the file (`def build_model(units=64): ...`)
with the values its parameters get where the file calls it with literals (`build_model(32)`),
or with their literal defaults; no code of the file runs, the values are those the static
analysis holds. The check command never binds parameters: its findings do not depend on this.
"""

from __future__ import annotations

import ast
from typing import Any, Mapping, NamedTuple

from .values import UNKNOWN, AddOp, Const, Record, Value

# Distinct literal calls of one function that are each rebuilt (each is one more interpretation
# of the file); the models of later ones are not rebuilt.
CALLS_LIMIT = 4


class _NotLiteral(Exception):
    pass


def python_value(value: Value) -> Any:
    """The Python value of a literal: a constant, or a tuple or list of literals; else _NotLiteral."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Record) and value.kind == "list":
        items = []
        for op in value.ops:
            if not isinstance(op, AddOp):
                raise _NotLiteral
            items.append(python_value(op.value))
        return items if isinstance(value.origin, ast.List) else tuple(items)
    raise _NotLiteral


def bindable(value: Value) -> bool:
    """A literal a parameter is bound to: not None, which a parameter's default mostly is to say
    "decided in the body" (`if units is None: ...`, whose arms the analysis both follows)."""
    if isinstance(value, Const) and value.value is None:
        return False
    try:
        python_value(value)
    except (_NotLiteral, RecursionError):
        return False
    return True


def pure(expr: ast.expr) -> bool:
    """An expression whose evaluation calls nothing: a default the interpreter may read as is.
    Walked with a stack, not by recursion: `1 + 1 + ... + 1` may be thousands of levels deep."""
    pending: list[ast.expr] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Constant, ast.Name)):
            continue
        if isinstance(node, ast.Attribute):
            pending.append(node.value)
        elif isinstance(node, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return False
            pending.extend(node.elts)
        elif isinstance(node, ast.BinOp):
            pending += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            pending.append(node.operand)
        else:
            return False
    return True


def parameter_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    arguments = function.args
    return [arg.arg for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]


def call_binding(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    call: ast.Call,
    args: list[Value],
    kwargs: Mapping[str | None, Value],
) -> dict[str, Value]:
    """What one call gives each parameter it names: its value when literal, else UNKNOWN. A call
    whose arguments cannot be matched (`*args`, `**options`, too many) gives every parameter UNKNOWN."""
    arguments = function.args
    positional = [arg.arg for arg in [*arguments.posonlyargs, *arguments.args]]
    keywords = {arg.arg for arg in [*arguments.args, *arguments.kwonlyargs]}
    unknown: dict[str, Value] = {name: UNKNOWN for name in parameter_names(function)}
    if any(isinstance(a, ast.Starred) for a in call.args) or None in kwargs:
        return unknown
    if len(args) > len(positional) and arguments.vararg is None:
        return unknown
    given: dict[str, Value] = dict(zip(positional, args))
    for name, value in kwargs.items():
        assert name is not None
        if name in given or (name not in keywords and arguments.kwarg is None):
            return unknown
        if name in keywords:
            given[name] = value
    return {name: value if bindable(value) else UNKNOWN for name, value in given.items()}


class Plan(NamedTuple):
    """The values one interpretation of a function binds, and where they come from."""

    values: dict[str, Value]  # parameter -> a literal, or UNKNOWN where the call gives something else
    line: int | None  # the call's line; None: no call of the file gives literals (defaults only)


def plans(sites: list[tuple[dict[str, Value], int]]) -> list[Plan]:
    """The interpretations of one function.

    Each distinct call that gives literals (or nothing: `build_model()`) is one interpretation,
    at most CALLS_LIMIT, named by its line: each builds a model of its own. When every call
    gives something else (`build_model(x.shape[1:])`), one interpretation where what those calls
    give is unknown and the rest takes the defaults; when the file never calls it, its defaults.
    """
    distinct: dict[tuple[tuple[str, str], ...], Plan] = {}
    unknown: dict[str, Value] = {}
    for values, line in sites:
        if values and all(value is UNKNOWN for value in values.values()):
            unknown.update(values)
            continue
        key = tuple(sorted((name, repr(python_value(v)) if v is not UNKNOWN else "?") for name, v in values.items()))
        distinct.setdefault(key, Plan(values, line))
    found = list(distinct.values())
    if not found:
        return [Plan(unknown, None)]
    return found[:CALLS_LIMIT]
