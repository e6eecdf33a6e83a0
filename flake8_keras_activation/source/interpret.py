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
from ..screen import TRIGGERS
from ..catalog import Act, Kind
from ..graph import LayerConfig, LayerNode, ModelGraph
from .functional import Dataflow
from .imports import STAR, import_bindings
from .sequential import sequential_graph
from .values import (
    UNKNOWN,
    AddOp,
    ClassVal,
    CompileOp,
    Const,
    LayerVal,
    LoopOp,
    Op,
    OpaqueOp,
    Qual,
    Record,
    Tensor,
    Value,
    join_values,
    loop_value,
)


_BUILTINS = frozenset(dir(builtins))
_TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
_MATCH = getattr(ast, "Match", None)
_LABEL_LIMIT = 24

Env = dict[str, Value]


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


_KERAS_BASES = frozenset({"models.Model", "models.Functional", "layers.Layer"})
_INIT_METHODS = ("__init__", "build")
# Functions that add or join tensors: pass-through when every input is affine.
_MERGE_FUNCTIONS = frozenset(
    {
        "ops.add", "ops.subtract", "ops.concatenate", "ops.stack", "ops.average",
        "tf.add", "tf.subtract", "tf.concat", "tf.add_n", "tf.stack",
        "tf.math.add", "tf.math.subtract", "tf.math.add_n",
    }
)
_UNROLL_LIMIT = 32
_PASS_LIMIT = 3  # loops nested deeper than this get no second pass


class Interpreter:
    """Interprets one module; `run()` returns the graph of every model and scope it builds."""

    def __init__(self, tree: ast.Module, lines: Sequence[str]) -> None:
        self.tree = tree
        self.lines = lines
        self.records: dict[int, Record] = {}  # the latest version of each Sequential model
        self.globals: Env | None = None  # the module's names, as functions see them
        self.counts: Counter[str] = Counter()  # module-level bindings per name
        self.stars: list[tuple[str, frozenset[str]]] = []
        self.functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, bool]] = []
        self.classes: list[ClassVal] = []
        self.graphs: list[ModelGraph] = []
        self.flow = Dataflow()
        self.returns: list[tuple[Value, ast.expr]] | None = None
        self.loop_depth = 0
        self._trigger_lines: list[int] | None = None
        self._aliases: tuple[str, ...] = ()

    # ---- driver -------------------------------------------------------------------------

    def run(self) -> list[ModelGraph]:
        module_env: Env = {}
        self.exec_block(self.tree.body, module_env)
        self._close_scope("<module>")
        # Functions see a module-level name when it is bound once (or is an import or class);
        # module-level tensors belong to the module's data flow, not to theirs.
        self.globals = {
            name: value
            if (self.counts[name] <= 1 or isinstance(value, (Qual, ClassVal))) and not isinstance(value, Tensor)
            else UNKNOWN
            for name, value in module_env.items()
        }
        self._aliases = self._find_aliases(module_env)
        index = 0
        while index < len(self.functions) or self.classes:  # nested definitions are appended as met
            if self.classes:
                cls = self.classes.pop(0)
                if any(self._relevant(c.node) for c in _lineage(cls)):
                    self.exec_class(cls)
                continue
            function, method = self.functions[index]
            index += 1
            if self._relevant(function):
                self.exec_function(function, method)
        return self.graphs + [self._sequential(record) for record in self.records.values()]

    def _find_aliases(self, env: Env) -> tuple[str, ...]:
        """Module-level names that functions may use to build a model without a trigger word:
        aliases of affine layers or Sequential, and layers, models and layer lists made at module level."""
        out = []
        for name, value in env.items():
            if any(word in name for word in TRIGGERS):
                continue
            if isinstance(value, LayerVal) or (isinstance(value, Record) and _holds_layers(value)):
                out.append(name)
            elif isinstance(value, Qual):
                key = catalog.canonical(value.name)
                info = catalog.layer_info(key) if key else None
                if key == catalog.SEQUENTIAL or (info is not None and info.kind is Kind.AFFINE):
                    out.append(name)
        return tuple(out)

    def _relevant(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
        """Whether the definition's text names an affine layer, an input shape or a model."""
        if self._trigger_lines is None:
            words = TRIGGERS + self._aliases
            self._trigger_lines = [
                number for number, line in enumerate(self.lines, 1) if any(w in line for w in words)
            ]
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        end = node.end_lineno or len(self.lines)
        at = bisect.bisect_left(self._trigger_lines, start)
        return at < len(self._trigger_lines) and self._trigger_lines[at] <= end

    def _close_scope(self, label: str) -> None:
        if self.flow.nodes:
            self.graphs.append(self.flow.scope_graph(label))
        self.flow = Dataflow()

    def _parameters(self, function: ast.FunctionDef | ast.AsyncFunctionDef, method: bool, tensors: bool) -> Env:
        """Parameters are unknown; those without a default may also be the tensors a block receives."""
        env: Env = {}
        arguments = function.args
        positional = arguments.posonlyargs + arguments.args
        first_default = len(positional) - len(arguments.defaults)
        for index, arg in enumerate(positional):
            if (method and index == 0) or not tensors or index >= first_default:
                env[arg.arg] = UNKNOWN
            else:
                node = LayerNode(key=id(arg), kind=Kind.INPUT, label=arg.arg, line=arg.lineno, col=arg.col_offset)
                env[arg.arg] = Tensor(self.flow.apply(node, frozenset()))
        for arg in arguments.kwonlyargs:
            env[arg.arg] = UNKNOWN
        for star in (arguments.vararg, arguments.kwarg):
            if star is not None:
                env[star.arg] = UNKNOWN
        return env

    def exec_function(self, function: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> None:
        env = self._parameters(function, method, tensors=True)
        self.exec_block(function.body, env)
        self._close_scope(function.name)

    def exec_class(self, cls: ClassVal) -> None:
        """A subclassed model or layer: layers made in __init__/build, data flow through call()."""
        lineage = _lineage(cls)
        attributes: Env = {}
        for ancestor in reversed(lineage):  # base classes first, so that subclasses override
            for member in ancestor.node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name in _INIT_METHODS:
                    env = self._parameters(member, True, tensors=False)
                    self_name = _self_name(member)
                    env.update(_rename(attributes, "self", self_name))
                    self.exec_block(member.body, env)
                    attributes.update(_rename(_attributes(env, self_name), self_name, "self"))
        call = next(
            (
                member
                for ancestor in lineage
                for member in ancestor.node.body
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name == "call"
            ),
            None,
        )
        outputs: frozenset[int] = frozenset()
        if call is not None:
            env = self._parameters(call, True, tensors=True)
            env.update(_rename(attributes, "self", _self_name(call)))
            self.returns = []
            self.exec_block(call.body, env)
            returned, self.returns = self.returns, None
            if returned:
                outputs = frozenset().union(*(self.producers(v, e) for v, e in returned))
        node = cls.node
        if outputs:
            self.graphs.append(
                self.flow.model_graph(
                    outputs, f"Subclassed model {node.name}", node.lineno, self.column(node), "subclassed"
                )
            )
        self._close_scope(node.name)

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
            iterated = self.eval(node.iter, env)
            self.exec_for(node, iterated, env)
            self.exec_block(node.orelse, env)
        elif isinstance(node, ast.While):
            self.eval(node.test, env)
            self.exec_loop(node.body, env, None, UNKNOWN, True)
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
            self.functions.append((node, False))
            self.bind(node.name, UNKNOWN, env)
        elif isinstance(node, ast.ClassDef):
            self.exec_classdef(node, env)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                value = self.eval(node.value, env)
                if self.returns is not None:
                    self.returns.append((value, node.value))
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self.assign(target, UNKNOWN, env)
        elif _MATCH is not None and isinstance(node, _MATCH):
            self.eval(node.subject, env)
            self.exec_branches([case.body for case in node.cases] + [[]], env)

    def exec_classdef(self, node: ast.ClassDef, env: Env) -> None:
        bases = [self.eval(base, env) for base in node.bases]
        keras = any(
            (isinstance(b, Qual) and catalog.canonical(b.name) in _KERAS_BASES) or (isinstance(b, ClassVal) and b.keras)
            for b in bases
        )
        cls = ClassVal(node, keras, tuple(b for b in bases if isinstance(b, ClassVal)))
        self.bind(node.name, cls, env)
        if keras:
            self.classes.append(cls)
        for member in node.body:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not (keras and member.name in _INIT_METHODS + ("call",)):
                    self.functions.append((member, True))

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

    def exec_for(self, node: ast.For | ast.AsyncFor, iterated: Value, env: Env) -> None:
        if isinstance(iterated, Record) and iterated.kind == "list":
            ops = iterated.ops
            if len(ops) <= _UNROLL_LIMIT and all(isinstance(op, AddOp) for op in ops):
                # `for layer in [d1, d2, d3]: x = layer(x)`: each pass with its own element
                for op in ops:
                    assert isinstance(op, AddOp)
                    self.assign(node.target, op.value, env)
                    self.exec_block(node.body, env)
                return
            if len(ops) == 1 and isinstance(ops[0], LoopOp) and len(ops[0].body) == 1:
                # `for block in [Dense(64) for _ in range(n)]`: the same kind of element each pass
                element = ops[0].body[0]
                if isinstance(element, AddOp):
                    self.exec_loop(node.body, env, node.target, element.value, ops[0].repeats)
                    return
        self.exec_loop(node.body, env, node.target, UNKNOWN, not _runs_at_most_once(node.iter))

    def exec_loop(self, body: list[ast.stmt], env: Env, target: ast.expr | None, element: Value, repeats: bool) -> None:
        """One pass records the body's effects; a second pass, from where the first ended, draws
        the back edges of tensors the body rebinds unconditionally (`x = Dense(64)(x)`)."""
        self.loop_depth += 1
        first = dict(env)
        if target is not None:
            self.assign(target, element, first)
        self.exec_block(body, first)
        looped = {
            name: value
            for name, value in first.items()
            if isinstance(value, Tensor) and len(value.producers) == 1 and value != env.get(name)
        }
        if repeats and looped and self.loop_depth <= _PASS_LIMIT:
            second = dict(env)
            second.update(looped)
            if target is not None:
                self.assign(target, element, second)
            self.exec_block(body, second)
        self.loop_depth -= 1
        for name, value in first.items():
            before = env.get(name) or self._outer_model(name)
            env[name] = value if before is None else loop_value(before, value, repeats)
        self._note_all(env)

    def exec_augassign(self, node: ast.AugAssign, env: Env) -> None:
        current = self.eval(node.target, env)
        value = self.eval(node.value, env)
        if type(node.op) is ast.Add and isinstance(current, Record) and current.kind == "list":
            self.assign(node.target, current.with_ops(*self._ops_of(value, node.value)), env)
        elif self._tensorish(current) or self._tensorish(value):
            self.assign(node.target, self.tensor_binop(node, node.op, current, value, node.target, node.value), env)
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
            elif isinstance(value, Tensor):  # `a, b = tf.split(x, 2)`: each part from the same producers
                parts = [value] * len(target.elts)
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
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value, env)
            self.eval(node.slice, env)
            if self._tensorish(base):  # slicing: not followed, the chain ends here
                return Tensor(self.flow.apply(self.unknown_node(node), self.producers(base, node.value)))
            return UNKNOWN
        if isinstance(node, (ast.Starred, ast.Await)):
            self.eval(node.value, env)
            return UNKNOWN
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand, env)
            if isinstance(operand, Const):
                try:
                    return Const(ast.literal_eval(node))
                except ValueError:
                    return UNKNOWN
            if self._tensorish(operand) and isinstance(node.op, (ast.USub, ast.UAdd)):
                return self._op_node(node, Kind.PASS, self.producers(operand, node.operand))
            if self._tensorish(operand):
                return self._op_node(node, Kind.UNKNOWN, self.producers(operand, node.operand))
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
        # `a + b + c + ...` is a left-deep tree: walk its spine in a loop, not by recursion,
        # so that a long sum cannot exhaust the stack.
        spine = [node]
        while isinstance(spine[-1].left, ast.BinOp):
            spine.append(spine[-1].left)
        left = self.eval(spine[-1].left, env)
        for step in reversed(spine):
            left = self._binop(step, left, self.eval(step.right, env))
        return left

    def _binop(self, node: ast.BinOp, left: Value, right: Value) -> Value:
        op = type(node.op)
        if isinstance(left, Const) and isinstance(right, Const):
            return _fold(op, left.value, right.value)
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
        if self._tensorish(left) or self._tensorish(right):
            return self.tensor_binop(node, node.op, left, right, node.left, node.right)
        return UNKNOWN

    def tensor_binop(
        self, node: ast.AST, op: ast.operator, left: Value, right: Value, left_expr: ast.expr, right_expr: ast.expr
    ) -> Value:
        """Arithmetic on tensors: a sum of tensors merges them; scaling or shifting by a constant
        keeps a chain affine; a product of tensors (gating) or a power is nonlinear."""
        both = self._tensorish(left) and self._tensorish(right)
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
        return self._op_node(node, kind, inputs)

    def _op_node(self, node: ast.AST, kind: Kind, inputs: frozenset[int]) -> Tensor:
        label = self._text(node) if isinstance(node, ast.expr) else "?"
        line = getattr(node, "lineno", None)
        col = self.column(node) if isinstance(node, (ast.expr, ast.stmt)) else None
        return Tensor(self.flow.apply(LayerNode(key=id(node), kind=kind, label=label, line=line, col=col), inputs))

    @staticmethod
    def _tensorish(value: Value) -> bool:
        return isinstance(value, Tensor) or (isinstance(value, LayerVal) and value.node.kind is Kind.INPUT)

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

    def eval_call(self, node: ast.Call, env: Env) -> Value:
        func = node.func
        callee: Value
        if isinstance(func, ast.Attribute) and dotted_name(func) not in env:
            base = self.eval(func.value, env)
            if isinstance(base, Record):
                return self.call_method(node, func.attr, base, dotted_name(func.value), env)
            callee = Qual(f"{base.name}.{func.attr}") if isinstance(base, Qual) else UNKNOWN
        else:
            callee = self.eval(func, env)
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
        kwargs = {kw.arg: self.eval(kw.value, env) for kw in node.keywords}
        if isinstance(callee, LayerVal) and callee.node.kind is not Kind.INPUT:
            return self.apply_layer(node, callee.node, args, kwargs)
        if isinstance(callee, Record) and callee.kind == "sequential" and node.args:
            graph = self._sequential(callee)
            return Tensor(self.flow.absorb(graph, self.producers(args[0], node.args[0])))
        if isinstance(callee, Qual):
            key = catalog.canonical(callee.name)
            if key is not None:
                return self.call_keras(node, key, args, kwargs)
            if callee.name.startswith("builtins."):
                return UNKNOWN
        self._escape([*node.args, *(kw.value for kw in node.keywords)], env)
        return self.unknown_call(node, args, kwargs)

    def call_keras(self, node: ast.Call, key: str, args: list[Value], kwargs: dict[str | None, Value]) -> Value:
        """A call to something under keras or tensorflow."""
        if key == catalog.SEQUENTIAL:
            return self.new_sequential(node, args, kwargs)
        if key in catalog.MODEL:
            return self.new_model(node, args, kwargs)
        if catalog.is_keras_layer(key) and key[len("layers.") :][:1].islower():
            # layers.add([a, b]), layers.concatenate(...): functions that apply a layer at once
            info = catalog.layer_info(key)
            return self._op_node(node, info.kind if info else Kind.UNKNOWN, self._tensor_inputs(node, args, kwargs))
        if catalog.is_keras_layer(key) or key in catalog.INPUTS:
            return LayerVal(self.make_layer(node, key, args, kwargs))
        activation = catalog.activation_function(key)
        if activation is not None and args:
            kind = Kind.PASS if activation is Act.LINEAR else Kind.NONLINEAR
            return self._op_node(node, kind, self.producers(args[0], node.args[0]))
        if key in _MERGE_FUNCTIONS:
            return self._op_node(node, Kind.MERGE, self._tensor_inputs(node, args, kwargs))
        return self.unknown_call(node, args, kwargs)

    def _tensor_inputs(self, node: ast.Call, args: list[Value], kwargs: dict[str | None, Value]) -> frozenset[int]:
        """The tensors among a call's arguments, as their producers."""
        out: frozenset[int] = frozenset()
        pairs = list(zip(args, node.args)) + [(kwargs[k.arg], k.value) for k in node.keywords if k.arg is not None]
        for value, expr in pairs:
            if self._tensorish(value) or (isinstance(value, Record) and value.kind == "list" and any(
                isinstance(op, AddOp) and self._tensorish(op.value) for op in value.ops
            )):
                out |= self.producers(value, expr)
        return out

    def unknown_call(self, node: ast.Call, args: list[Value], kwargs: dict[str | None, Value]) -> Value:
        """A call we cannot follow: its result is unknown, and a tensor if it took tensors."""
        inputs = self._tensor_inputs(node, args, kwargs)
        if not inputs:
            return UNKNOWN
        return Tensor(self.flow.apply(self.unknown_node(node), inputs))

    def apply_layer(
        self, node: ast.Call, layer: LayerNode, args: list[Value], kwargs: dict[str | None, Value]
    ) -> Value:
        """`layer(x)`: the layer's node joins the scope's data flow after the producers of `x`."""
        if node.args:
            inputs = self.producers(args[0], node.args[0])
        elif "inputs" in kwargs:
            expr = next(k.value for k in node.keywords if k.arg == "inputs")
            inputs = self.producers(kwargs["inputs"], expr)
        else:
            return self.unknown_call(node, args, kwargs)
        return Tensor(self.flow.apply(layer, inputs, site=node))

    def new_model(self, node: ast.Call, args: list[Value], kwargs: dict[str | None, Value]) -> Value:
        """`keras.Model(inputs, outputs)`: the model is every node its outputs depend on."""
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        expr = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "outputs"), None
        )
        if outputs is None or expr is None:
            return UNKNOWN  # a subclass calling super().__init__(), or a dynamic call
        producers = self.producers(outputs, expr)
        graph = self.flow.model_graph(producers, "Functional model", node.lineno, self.column(node), "functional")
        self.graphs.append(graph)
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
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
        for keyword in node.keywords:
            self.eval(keyword.value, env)
        single = len(node.args) == 1 and not isinstance(node.args[0], ast.Starred)
        added: tuple[Op, ...] = (AddOp(args[0], node.args[0]),) if single else (OpaqueOp(node),)
        ops: tuple[Op, ...] = ()
        if record.kind == "sequential":
            if method == "add":
                ops = added
            elif method == "pop":
                ops = (OpaqueOp(node),)
            elif method == "compile":
                ops = (CompileOp(),)
        elif method == "append":
            ops = added
        elif method == "extend":
            ops = self._ops_of(args[0], node.args[0]) if single else (OpaqueOp(node),)
        elif method in ("insert", "pop", "remove", "clear", "reverse", "sort"):
            ops = (OpaqueOp(node),)
        if ops and name is not None:
            updated = record.with_ops(*ops)
            env[name] = updated
            self._note(updated)
        return UNKNOWN

    def new_sequential(self, node: ast.Call, args: list[Value], kwargs: dict[str | None, Value]) -> Record:
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
            width=self._width(node, key, args, kwargs),
            layer=key,
            bias=kwargs.get("use_bias") != Const(False),
            kernel=self._kernel(kwargs.get("kernel_size") or _positional(args, 0 if "Depthwise" in key else 1))
            if key.startswith(("layers.Conv", "layers.Separable", "layers.Depthwise"))
            else None,
        )

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

    def _width(self, node: ast.Call, key: str, args: list[Value], kwargs: dict[str | None, Value]) -> int | None:
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
            label="Sequential model",
            line=origin.lineno,
            col=self.column(origin),
        )


_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Div: lambda a, b: a / b,
    ast.Mod: lambda a, b: a % b,
}


def _fold(op: type, a: object, b: object) -> Value:
    """`7 * 7 * 256` is a literal too; anything else between constants (or a huge result) is not."""
    numbers = (int, float)
    if type(a) in numbers and type(b) in numbers and op in _ARITHMETIC:
        try:
            result = _ARITHMETIC[op](a, b)
        except (ArithmeticError, ValueError):
            return UNKNOWN
        if abs(result) < 10**15:
            return Const(result)
    if op is ast.Pow and type(a) is int and type(b) is int and 0 <= b <= 64 and abs(a) < 10**6:
        result = a**b
        return Const(result) if abs(result) < 10**15 else UNKNOWN
    return UNKNOWN


def _holds_layers(record: Record) -> bool:
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


def _lineage(cls: ClassVal) -> list[ClassVal]:
    """The class and its ancestors defined in the same file, nearest first."""
    out: list[ClassVal] = []
    stack = [cls]
    while stack:
        current = stack.pop(0)
        if current not in out:
            out.append(current)
            stack.extend(current.bases)
    return out


def _self_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    positional = function.args.posonlyargs + function.args.args
    return positional[0].arg if positional else "self"


def _attributes(env: Env, self_name: str) -> Env:
    prefix = self_name + "."
    return {name: value for name, value in env.items() if name.startswith(prefix)}


def _rename(env: Env, old: str, new: str) -> Env:
    if old == new:
        return dict(env)
    return {new + name[len(old) :]: value for name, value in env.items()}
