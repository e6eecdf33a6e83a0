"""Follows how a module's code builds Keras models, without running it, and returns their graphs.

A small abstract interpreter over Python's `ast`: it walks statements in order, keeps what
each name holds (an import, a literal, a layer, a Sequential model or list of layers as the
effects that built it), forks at `if`/`try`, records loops, and joins the paths again.
"""

from __future__ import annotations

import ast
import bisect
import builtins
from collections import Counter
from typing import Iterable, Sequence

from .. import catalog
from ..catalog import Act, Kind
from ..graph import LayerConfig, LayerNode, ModelGraph
from .imports import STAR, import_bindings
from .sequential import sequential_graph
from .values import (
    UNKNOWN,
    AddOp,
    CompileOp,
    Const,
    LayerVal,
    LoopOp,
    Op,
    OpaqueOp,
    Qual,
    Record,
    Value,
    join_values,
    loop_value,
)

# Words without which a piece of code cannot hold a finding: every affine layer's name
# contains one of the first three, KA102 needs one of the input-shape keywords.
TRIGGERS = ("Dense", "Conv", "LocallyConnected", "input_dim", "input_shape", "Sequential")

_BUILTINS = frozenset(dir(builtins))
_TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
_MATCH = getattr(ast, "Match", None)
_LABEL_LIMIT = 24

Env = dict[str, Value]


def may_hold_finding(text: str) -> bool:
    """The cheap first screen: False means the file cannot hold a finding."""
    return "keras" in text and any(word in text for word in TRIGGERS)


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attribute accesses on a name, else None."""
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _runs_at_most_once(node: ast.expr) -> bool:
    if isinstance(node, (ast.List, ast.Tuple)):
        return len(node.elts) <= 1 and not any(isinstance(e, ast.Starred) for e in node.elts)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
    ):
        bounds = [a.value for a in node.args if isinstance(a, ast.Constant) and type(a.value) is int]
        if len(bounds) == len(node.args):
            try:
                return len(range(*bounds)) <= 1
            except (TypeError, ValueError):
                return False
    return False


class _NotLiteral(Exception):
    pass


class Interpreter:
    """Interprets one module; `run()` returns the graph of every model it builds."""

    def __init__(self, tree: ast.Module, lines: Sequence[str]) -> None:
        self.tree = tree
        self.lines = lines
        self.records: dict[int, Record] = {}  # the latest version of each Sequential model
        self.globals: Env | None = None  # the module's names, as functions see them
        self.counts: Counter[str] = Counter()  # module-level bindings per name
        self.stars: list[tuple[str, frozenset[str]]] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self._trigger_lines: list[int] | None = None

    # ---- driver -------------------------------------------------------------------------

    def run(self) -> list[ModelGraph]:
        module_env: Env = {}
        self.exec_block(self.tree.body, module_env)
        self.globals = {
            name: value if self.counts[name] <= 1 or isinstance(value, Qual) else UNKNOWN
            for name, value in module_env.items()
        }
        aliases = self._aliases(module_env)
        index = 0
        while index < len(self.functions):  # nested functions are appended as they are met
            function = self.functions[index]
            index += 1
            if self._relevant(function, aliases):
                self.exec_function(function)
        return [self._sequential(record) for record in self.records.values()]

    def _aliases(self, env: Env) -> tuple[str, ...]:
        """Local names of affine layers or Sequential that do not contain a trigger word."""
        out = []
        for name, value in env.items():
            if isinstance(value, Qual) and not any(word in name for word in TRIGGERS):
                key = catalog.canonical(value.name)
                info = catalog.layer_info(key) if key else None
                if key == catalog.SEQUENTIAL or (info is not None and info.kind is Kind.AFFINE):
                    out.append(name)
        return tuple(out)

    def _relevant(self, node: ast.FunctionDef | ast.AsyncFunctionDef, aliases: tuple[str, ...]) -> bool:
        if self._trigger_lines is None:
            words = TRIGGERS + aliases
            self._trigger_lines = [
                number for number, line in enumerate(self.lines, 1) if any(w in line for w in words)
            ]
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        end = node.end_lineno or len(self.lines)
        at = bisect.bisect_left(self._trigger_lines, start)
        return at < len(self._trigger_lines) and self._trigger_lines[at] <= end

    def exec_function(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        env: Env = {}
        arguments = function.args
        for arg in arguments.posonlyargs + arguments.args + arguments.kwonlyargs:
            env[arg.arg] = UNKNOWN
        for star in (arguments.vararg, arguments.kwarg):
            if star is not None:
                env[star.arg] = UNKNOWN
        self.exec_block(function.body, env)

    # ---- statements ---------------------------------------------------------------------

    def exec_block(self, statements: Iterable[ast.stmt], env: Env) -> None:
        for statement in statements:
            self.exec_stmt(statement, env)

    def exec_stmt(self, node: ast.stmt, env: Env) -> None:
        if isinstance(node, ast.Expr):
            self.eval(node.value, env)
        elif isinstance(node, ast.Assign):
            value = self.eval(node.value, env)
            for target in node.targets:
                self.assign(target, value, env)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, env), env)
        elif isinstance(node, ast.AugAssign):
            self.exec_augassign(node, env)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, qualified in import_bindings(node):
                if local == STAR:
                    key = catalog.canonical(qualified)
                    if key is not None:
                        self.stars.append((qualified, catalog.star_members(key)))
                else:
                    self.bind(local, Qual(qualified), env)
        elif isinstance(node, ast.If):
            self.eval(node.test, env)
            self.exec_branches([node.body, node.orelse], env)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.eval(node.iter, env)
            self.exec_loop(node.body, env, node.target, not _runs_at_most_once(node.iter))
            self.exec_block(node.orelse, env)
        elif isinstance(node, ast.While):
            self.eval(node.test, env)
            self.exec_loop(node.body, env, None, True)
            self.exec_block(node.orelse, env)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.eval(item.context_expr, env)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, UNKNOWN, env)
            self.exec_block(node.body, env)
        elif isinstance(node, _TRY):
            before = dict(env)
            self.exec_block(node.body, env)
            self.exec_block(node.orelse, env)
            arms = [env]
            for handler in node.handlers:
                arm = dict(before)
                if handler.name:
                    arm[handler.name] = UNKNOWN
                self.exec_block(handler.body, arm)
                arms.append(arm)
            self._join_into(env, arms)
            self.exec_block(node.finalbody, env)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions.append(node)
            self.bind(node.name, UNKNOWN, env)
        elif isinstance(node, ast.ClassDef):
            self.bind(node.name, UNKNOWN, env)
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.functions.append(member)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                self.eval(node.value, env)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self.assign(target, UNKNOWN, env)
        elif _MATCH is not None and isinstance(node, _MATCH):
            self.eval(node.subject, env)
            self.exec_branches([case.body for case in node.cases] + [[]], env)

    def exec_branches(self, bodies: list[list[ast.stmt]], env: Env) -> None:
        arms = []
        for body in bodies:
            arm = dict(env)
            self.exec_block(body, arm)
            arms.append(arm)
        self._join_into(env, arms)

    def _join_into(self, env: Env, arms: list[Env]) -> None:
        joined = dict(arms[0])
        for arm in arms[1:]:
            for name in joined.keys() | arm.keys():
                a = joined.get(name) or self._outer_model(name)
                b = arm.get(name) or self._outer_model(name)
                if a is not None and b is not None:
                    joined[name] = join_values(a, b)
                elif b is not None:
                    joined[name] = b
        env.clear()
        env.update(joined)
        self._note_all(env)

    def _outer_model(self, name: str) -> Value | None:
        """A module-level model that a function changes keeps its history in the function."""
        value = self.globals.get(name) if self.globals is not None else None
        return value if isinstance(value, Record) else None

    def exec_loop(self, body: list[ast.stmt], env: Env, target: ast.expr | None, repeats: bool) -> None:
        inner = dict(env)
        if target is not None:
            self.assign(target, UNKNOWN, inner)
        self.exec_block(body, inner)
        for name, value in inner.items():
            before = env.get(name) or self._outer_model(name)
            env[name] = value if before is None else loop_value(before, value, repeats)
        self._note_all(env)

    def exec_augassign(self, node: ast.AugAssign, env: Env) -> None:
        current = self.eval(node.target, env)
        value = self.eval(node.value, env)
        if type(node.op) is ast.Add and isinstance(current, Record) and current.kind == "list":
            self.assign(node.target, current.with_ops(*self._ops_of(value, node.value)), env)
        else:
            self.assign(node.target, UNKNOWN, env)

    def bind(self, name: str, value: Value, env: Env) -> None:
        env[name] = value
        if self.globals is None:
            self.counts[name] += 1

    def assign(self, target: ast.expr, value: Value, env: Env) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value, env)
        elif isinstance(target, ast.Attribute):
            name = dotted_name(target)
            if name is not None:
                env[name] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            parts: list[Value] = [UNKNOWN] * len(target.elts)
            if isinstance(value, Record) and value.kind == "list" and len(value.ops) == len(target.elts):
                parts = [op.value if isinstance(op, AddOp) else UNKNOWN for op in value.ops]
            for element, part in zip(target.elts, parts):
                self.assign(element, part, env)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, UNKNOWN, env)
        elif isinstance(target, ast.Subscript):
            self._escape([target.value], env)

    def _note(self, value: Value) -> None:
        if isinstance(value, Record) and value.kind == "sequential":
            self.records[id(value.origin)] = value

    def _note_all(self, env: Env) -> None:
        for value in env.values():
            if isinstance(value, Record):
                self._note(value)

    # ---- expressions --------------------------------------------------------------------

    def lookup(self, name: str, env: Env) -> Value:
        if name in env:
            return env[name]
        if self.globals is not None and name in self.globals:
            return self.globals[name]
        for module, members in self.stars:
            if name in members:
                return Qual(f"{module}.{name}")
        if name in _BUILTINS:
            return Qual("builtins." + name)
        return UNKNOWN

    def eval(self, node: ast.expr, env: Env) -> Value:
        if isinstance(node, ast.Name):
            return self.lookup(node.id, env)
        if isinstance(node, ast.Attribute):
            name = dotted_name(node)
            if name is not None and name in env:
                return env[name]
            base = self.eval(node.value, env)
            return Qual(f"{base.name}.{node.attr}") if isinstance(base, Qual) else UNKNOWN
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None or type(value) in (str, int, float, bool):
                return Const(value)
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self.eval_call(node, env)
        if isinstance(node, (ast.List, ast.Tuple)):
            return Record(node, "list", tuple(self._element_ops(node.elts, env)))
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            return self.eval_comprehension(node, env)
        if isinstance(node, ast.BinOp):
            return self.eval_binop(node, env)
        if isinstance(node, ast.IfExp):
            self.eval(node.test, env)
            return join_values(self.eval(node.body, env), self.eval(node.orelse, env))
        if isinstance(node, ast.NamedExpr):
            named = self.eval(node.value, env)
            self.assign(node.target, named, env)
            return named
        if isinstance(node, (ast.Subscript, ast.Starred, ast.Await)):
            self.eval(node.value, env)
            return UNKNOWN
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            try:
                return Const(ast.literal_eval(node))
            except ValueError:
                return UNKNOWN
        return UNKNOWN

    def _element_ops(self, elements: list[ast.expr], env: Env) -> list[Op]:
        ops: list[Op] = []
        for element in elements:
            if type(element) is ast.Starred:
                ops.extend(self._ops_of(self.eval(element.value, env), element))
            else:
                ops.append(AddOp(self.eval(element, env), element))
        return ops

    @staticmethod
    def _ops_of(value: Value, expr: ast.expr) -> tuple[Op, ...]:
        """The layers a list value contributes when spliced into another list."""
        if isinstance(value, Record) and value.kind == "list":
            return value.ops
        return (OpaqueOp(expr),)

    def eval_comprehension(self, node: ast.ListComp | ast.GeneratorExp, env: Env) -> Value:
        inner = dict(env)
        repeats = False
        for generator in node.generators:
            self.eval(generator.iter, inner)
            self.assign(generator.target, UNKNOWN, inner)
            repeats = repeats or not _runs_at_most_once(generator.iter)
        body: tuple[Op, ...] = (AddOp(self.eval(node.elt, inner), node.elt),)
        if any(generator.ifs for generator in node.generators):
            return Record(node, "list", (OpaqueOp(node),))
        return Record(node, "list", (LoopOp(body, repeats),))

    def eval_binop(self, node: ast.BinOp, env: Env) -> Value:
        left = self.eval(node.left, env)
        right = self.eval(node.right, env)
        op = type(node.op)
        if op is ast.Add and isinstance(left, Record) and isinstance(right, Record):
            if left.kind == right.kind == "list":
                return Record(node, "list", left.ops + right.ops)
        if op is ast.Mult:
            items, count = (left, right) if isinstance(left, Record) else (right, left)
            if (
                isinstance(items, Record)
                and items.kind == "list"
                and isinstance(count, Const)
                and type(count.value) is int
            ):
                if count.value <= 0:
                    return Record(node, "list", ())
                return Record(node, "list", (LoopOp(items.ops, count.value > 1),))
        return UNKNOWN

    def eval_call(self, node: ast.Call, env: Env) -> Value:
        func = node.func
        if type(func) is ast.Attribute:
            base = self.eval(func.value, env)
            if isinstance(base, Record):
                return self.call_method(node, func.attr, base, dotted_name(func.value), env)
            callee: Value = Qual(f"{base.name}.{func.attr}") if isinstance(base, Qual) else UNKNOWN
        else:
            callee = self.eval(func, env)
        args = [self.eval(a.value if type(a) is ast.Starred else a, env) for a in node.args]
        kwargs = {kw.arg: self.eval(kw.value, env) for kw in node.keywords}
        if isinstance(callee, Qual):
            key = catalog.canonical(callee.name)
            if key is not None:
                if key == catalog.SEQUENTIAL:
                    return self.new_sequential(node, args, kwargs)
                if catalog.is_keras_layer(key) or key in catalog.INPUTS:
                    return LayerVal(self.make_layer(node, key, args, kwargs))
                return UNKNOWN
            if callee.name.startswith("builtins."):
                return UNKNOWN
        self._escape([*node.args, *(kw.value for kw in node.keywords)], env)
        return UNKNOWN

    def _escape(self, expressions: Iterable[ast.expr], env: Env) -> None:
        """Models handed to code we cannot follow may be changed there."""
        for expr in expressions:
            name = dotted_name(expr)
            if name is None:
                continue
            value = self.lookup(name, env) if "." not in name else env.get(name)
            if isinstance(value, Record):
                updated = value.with_ops(OpaqueOp(expr))
                env[name] = updated
                self._note(updated)

    def call_method(self, node: ast.Call, method: str, record: Record, name: str | None, env: Env) -> Value:
        for arg in node.args:
            self.eval(arg.value if type(arg) is ast.Starred else arg, env)
        for keyword in node.keywords:
            self.eval(keyword.value, env)
        ops: tuple[Op, ...] = ()
        if record.kind == "sequential":
            if method == "add":
                ops = self._added(node, env)
            elif method == "pop":
                ops = (OpaqueOp(node),)
            elif method == "compile":
                ops = (CompileOp(),)
        elif method == "append":
            ops = self._added(node, env)
        elif method == "extend":
            ops = self._ops_of(self.eval(node.args[0], env), node.args[0]) if node.args else (OpaqueOp(node),)
        elif method in ("insert", "pop", "remove", "clear", "reverse", "sort"):
            ops = (OpaqueOp(node),)
        if ops and name is not None:
            updated = record.with_ops(*ops)
            env[name] = updated
            self._note(updated)
        return UNKNOWN

    def _added(self, node: ast.Call, env: Env) -> tuple[Op, ...]:
        if len(node.args) == 1 and type(node.args[0]) is not ast.Starred:
            return (AddOp(self.eval(node.args[0], env), node.args[0]),)
        return (OpaqueOp(node),)

    def new_sequential(self, node: ast.Call, args: list[Value], kwargs: dict[str | None, Value]) -> Record:
        given = args[0] if args else kwargs.get("layers")
        if given is None or given == Const(None):
            ops: tuple[Op, ...] = ()
        elif isinstance(given, Record) and given.kind == "list":
            ops = given.ops
        else:
            ops = (OpaqueOp(node),)
        record = Record(node, "sequential", ops)
        self._note(record)
        return record

    # ---- layers -------------------------------------------------------------------------

    def make_layer(
        self, node: ast.Call, key: str, args: list[Value], kwargs: dict[str | None, Value]
    ) -> LayerNode:
        info = catalog.layer_info(key)
        kind = info.kind if info is not None else Kind.UNKNOWN
        activation, given = Act.LINEAR, False
        dynamic = any(type(a) is ast.Starred for a in node.args) or None in kwargs
        if key in catalog.WRAPPERS:
            inner = args[0] if args else kwargs.get("layer")
            if isinstance(inner, LayerVal):
                return inner.node
            kind = Kind.UNKNOWN
        elif key == catalog.ACTIVATION_LAYER:
            function = args[0] if args else kwargs.get("activation", UNKNOWN)
            kind = {Act.LINEAR: Kind.PASS, Act.NONLINEAR: Kind.NONLINEAR}.get(
                self.classify_activation(function), Kind.UNKNOWN
            )
        elif kind is Kind.AFFINE and info is not None:
            index = info.activation_arg
            chosen: Value | None = kwargs.get("activation")
            if chosen is None and index is not None and len(args) > index and not dynamic:
                chosen = args[index]
            if chosen is not None:
                activation, given = self.classify_activation(chosen), True
            elif dynamic:
                activation = Act.UNKNOWN
        shape_args = tuple(
            kw.arg
            for kw in node.keywords
            if kw.arg in catalog.INPUT_SHAPE_ARGS
            and not (kw.arg == "input_dim" and key in catalog.INPUT_DIM_IS_NOT_A_SHAPE)
        )
        name = key.rsplit(".", 1)[-1]
        units = args[0] if args else kwargs.get("units")
        return LayerNode(
            key=id(node),
            kind=kind,
            label=f"{name}({self._first_argument(node)})",
            activation=activation,
            activation_given=given,
            line=node.lineno,
            col=self.column(node),
            shape_args=shape_args,
            config=self._config(node, key, args, kwargs),
            width=units.value
            if key == "layers.Dense" and isinstance(units, Const) and type(units.value) is int
            else None,
        )

    def classify_activation(self, value: Value) -> Act:
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

    def unknown_node(self, expr: ast.AST) -> LayerNode:
        if not isinstance(expr, ast.expr):
            return LayerNode(key=id(expr), kind=Kind.UNKNOWN, label="?")
        return LayerNode(
            key=id(expr),
            kind=Kind.UNKNOWN,
            label=self._text(expr),
            line=expr.lineno,
            col=self.column(expr),
        )

    def _config(
        self, node: ast.Call, key: str, args: list[Value], kwargs: dict[str | None, Value]
    ) -> LayerConfig | None:
        """The literal arguments of a layer call, or None if any argument is not literal."""
        try:
            literal_args = tuple(self._literal(a, v) for a, v in zip(node.args, args))
            literal_kwargs = tuple(
                (kw.arg, self._literal(kw.value, kwargs[kw.arg]))
                for kw in node.keywords
                if kw.arg is not None
            )
        except _NotLiteral:
            return None
        if any(type(a) is ast.Starred for a in node.args) or None in kwargs:
            return None
        return LayerConfig(key, literal_args, literal_kwargs)

    def _literal(self, expr: ast.expr, value: Value) -> object:
        if isinstance(value, Const):
            return value.value
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

    # ---- positions and labels -----------------------------------------------------------

    def column(self, node: ast.expr | ast.stmt) -> int:
        """The 0-based column in characters (ast's col_offset counts UTF-8 bytes)."""
        col = node.col_offset
        try:
            line = self.lines[node.lineno - 1]
        except IndexError:
            return col
        if line.isascii():
            return col
        return len(line.encode("utf-8")[:col].decode("utf-8", errors="replace"))

    def _text(self, node: ast.expr) -> str:
        """A short rendering of an expression for messages: its own text when it is short."""
        name = dotted_name(node)
        if name is not None:
            return name
        if type(node) is ast.Call:
            return f"{self._text(node.func)}({self._first_argument(node)})"
        if node.lineno == node.end_lineno:
            try:
                line = self.lines[node.lineno - 1]
            except IndexError:
                return "..."
            if line.isascii():
                text = line[node.col_offset : node.end_col_offset]
            else:
                text = line.encode("utf-8")[node.col_offset : node.end_col_offset].decode(
                    "utf-8", errors="replace"
                )
            if len(text) <= _LABEL_LIMIT:
                return text
        return "..."

    def _first_argument(self, node: ast.Call) -> str:
        if node.args:
            return self._text(node.args[0])
        if node.keywords:
            keyword = node.keywords[0]
            if keyword.arg is not None:
                return f"{keyword.arg}={self._text(keyword.value)}"
        return ""

    def _sequential(self, record: Record) -> ModelGraph:
        origin = record.origin
        assert isinstance(origin, ast.expr)
        return sequential_graph(
            record,
            self.unknown_node,
            label="Sequential",
            line=origin.lineno,
            col=self.column(origin),
        )
