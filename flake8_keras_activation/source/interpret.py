"""Follows how a module's code builds Keras models, without running it, and returns their graphs.

A small abstract interpreter over Python's `ast`: it walks statements in order, keeps what
each name holds (an import, a literal, a layer, a Sequential model or list of layers as the
effects that built it), forks at `if`/`try`, records loops, and joins the paths again. It
knows Python only: what a call, a model's method or arithmetic on tensors means is asked of
the Keras semantics (`keras.py`).
"""

from __future__ import annotations

import ast
import bisect
import builtins
import re
import contextlib
from collections import Counter, deque
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from .. import catalog
from ..graph import Fit, LayerNode, Loss, Metric, ModelGraph
from ..screen import KERAS_DEFINITION_WORDS, TORCH_DEFINITION_WORDS
from ..catalog import Kind
from .calls import bindable, call_binding, pure
from .env import Env, Fork
from ..catalog.torch import RETURNS_SELF, TENSOR_ACTIVATIONS, TENSOR_IDENTITIES, TENSOR_RESHAPES
from .functional import Dataflow
from .imports import STAR, import_bindings
from .keras import CALL_METHODS, INIT_METHODS, KerasSemantics, tensorish
from .text import SourceText, dotted_name
from .values import (
    UNKNOWN,
    AddOp,
    ClassVal,
    Const,
    Data,
    DictVal,
    FuncVal,
    LayerVal,
    LoopOp,
    ModelVal,
    Op,
    OpaqueOp,
    Qual,
    Record,
    ShapeVal,
    Tensor,
    Value,
    join_values,
    loop_value,
)


_BUILTINS = frozenset(dir(builtins))
TENSOR_METHODS = frozenset(TENSOR_ACTIVATIONS) | TENSOR_RESHAPES | TENSOR_IDENTITIES
_TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
_MATCH = getattr(ast, "Match", None)

# A name no identifier can be: present in a state that left the block by continue or break.
_DEAD = "\0dead"
# What _DEAD holds on a path that raised: a `with` block's context manager may suppress it.
_RAISED = Const("raised")


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


# Methods of a subclassed model that replace what compile()'s loss is applied to.
_CUSTOM_TRAINING = frozenset({"train_step", "compute_loss", "test_step"})


class _LastIndex(NamedTuple):
    """A loop variable, how to recognize its last value, and what the current pass knows of it."""

    name: str
    is_last_index: Callable[[ast.expr], bool]
    mode: str  # "probe" (either pass: note the test), "earlier" or "last"
    seen: list[bool]  # one new list per loop: the probe met a last-index test


def _last_index(target: ast.expr, iterated: ast.expr) -> tuple[str, Callable[[ast.expr], bool]] | None:
    """For `for i in range(n)` and `for i, v in enumerate(xs)`: the loop variable, and a test of
    whether an expression is `n - 1` (`len(xs) - 1`), the variable's value on the last pass."""
    if not (isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Name) and not iterated.keywords):
        return None
    if iterated.func.id == "range" and len(iterated.args) == 1 and isinstance(target, ast.Name):
        bound = ast.dump(iterated.args[0])
    elif iterated.func.id == "enumerate" and len(iterated.args) == 1 and isinstance(target, ast.Tuple):
        if not (target.elts and isinstance(target.elts[0], ast.Name)):
            return None
        bound = ast.dump(ast.Call(ast.Name("len", ast.Load()), [iterated.args[0]], []))
        target = target.elts[0]
    else:
        return None
    assert isinstance(target, ast.Name)

    def is_last_index(expr: ast.expr) -> bool:
        return (
            isinstance(expr, ast.BinOp)
            and isinstance(expr.op, ast.Sub)
            and isinstance(expr.right, ast.Constant)
            and expr.right.value == 1
            and ast.dump(expr.left) == bound
        )

    return target.id, is_last_index


_UNROLL_LIMIT = 32
_PASS_LIMIT = 3  # loops nested deeper than this get no second pass


class Interpreter:
    """Interprets one module; `run()` returns the graph of every model and scope it builds."""

    def __init__(
        self,
        tree: ast.Module,
        lines: Sequence[str],
        bindings: Mapping[int, Mapping[str, Value]] | None = None,
        record_calls: bool = False,
    ) -> None:
        self.tree = tree
        self.lines = lines
        self.text = SourceText(lines)
        self.keras = KerasSemantics(self, self.text)
        self.records: dict[int, Record] = {}  # the latest version of each Sequential model
        self.globals: dict[str, Value] | None = None  # the module's names, as functions see them
        self.counts: Counter[str] = Counter()  # module-level bindings per name
        self.stars: list[tuple[str, frozenset[str]]] = []
        self.functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, bool]] = []
        self.classes: list[ClassVal] = []
        self.graphs: list[ModelGraph] = []
        self.flow = Dataflow()
        self.returns: list[tuple[Value, ast.expr]] | None = None
        self.exits: list[Env] | None = None  # the states at a function body's returns, while it runs
        # a model's origin -> the losses and metrics of its compile() calls
        self.compiles: dict[int, tuple[Loss | Metric | Fit, ...]] = {}
        self.made_by: dict[int, int] = {}  # a function of the file -> the origin of the model it returns
        self.passed: dict[int, set[int]] = {}  # a function's parameter -> the models calls pass to it
        self.parameters: dict[int, int] = {}  # a parameter's input node -> the parameter's origin
        self.own_training: set[int] = set()  # subclassed models whose train_step decides the loss
        self.loop_depth = 0
        self.loop_exits: list[tuple[list[Env], list[Env]]] = []  # continue and break states, innermost last
        self.last_iteration: list[_LastIndex] = []  # the loops whose pass knows its last-index tests
        self.instance = 0  # nonzero while a loop's later pass constructs new layer objects
        self._imports_keras = self._imports_tf_keras = self.imports_torch = False
        # the output nodes of models applied to data (`model(x)`): their model's origin and instance
        self.outputs_of: dict[int, tuple[int, int]] = {}
        self._instances = 0
        self._trigger_lines: list[int] | None = None
        self._aliases: tuple[str, ...] = ()
        # confirm only (source/calls.py): literal values bound to a function's parameters, by
        # the function's id, and the calls of the file's functions, recorded when asked
        self.bindings = bindings
        self.bound: set[int] = set()  # the functions a literal was bound in
        self.calls: dict[int, list[tuple[dict[str, Value], int]]] | None = {} if record_calls else None

    # ---- driver -------------------------------------------------------------------------

    def run(self) -> list[ModelGraph]:
        module_env = Env()
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
        self._aliases = self.keras.aliases(module_env, self.imports_torch)
        index = 0
        while index < len(self.functions) or self.classes:  # nested definitions are appended as met
            if self.classes:
                cls = self.classes.pop(0)
                lineage = _lineage(cls)
                if lineage is not None and any(self._relevant(c.node) for c in lineage):
                    self.exec_class(cls, lineage)
                continue
            function, method = self.functions[index]
            index += 1
            if self._relevant(function):
                self.exec_function(function, method)
        graphs = self.graphs + [self.keras.sequential_graph(record) for record in self.records.values()]
        # which constructions each function's returns and each parameter's calls stand for, indexed
        # once (looking them up per graph cost the number of functions times the number of models)
        makers: dict[int, list[int]] = {}
        for maker, origin in self.made_by.items():
            makers.setdefault(origin, []).append(maker)
        receivers: dict[int, list[int]] = {}
        for parameter, origins in self.passed.items():
            for origin in origins:
                for made in {origin, self.made_by.get(origin, origin)}:
                    receivers.setdefault(made, []).append(parameter)
        return [self._compiled(graph, makers, receivers) for graph in graphs]

    def _compiled(
        self, graph: ModelGraph, makers: dict[int, list[int]], receivers: dict[int, list[int]]
    ) -> ModelGraph:
        """The graph with the losses its model is compiled with where that happened apart from its
        construction (a functional model's `compile`, a subclassed model compiled where it is made,
        a model returned by a function of the file, a model given to a function that compiles it)."""
        if graph.origin in self.own_training:
            return graph.with_training(())
        training = self.compiles.get(graph.origin, ())
        for function in makers.get(graph.origin, ()):
            training += self.compiles.get(function, ())
        for parameter in dict.fromkeys(receivers.get(graph.origin, ())):
            training += self.compiles.get(parameter, ())
        return graph.with_training(graph.training + training) if training else graph

    def note_outputs(self, keys: frozenset[int], origin: int, instance: int) -> None:
        """The nodes that make the output of the model `origin` where the code applies it to data."""
        for key in keys:
            self.outputs_of[key] = (origin, instance)

    def models_behind(self, producers: frozenset[int]) -> list[tuple[int, int, str]]:
        """The models whose output a tensor is, with the activation applied to it on the way (""
        for none): `model(x)`, or `F.log_softmax(model(x), dim=1)`."""
        found = []
        for key in producers:
            if key in self.outputs_of:
                found.append((*self.outputs_of[key], ""))
                continue
            node = self.flow.nodes.get(key)
            before = self.flow.predecessors.get(key, set())
            if node is not None and node.act_name and not node.layer and before and before <= self.outputs_of.keys():
                found += [(*self.outputs_of[b], node.act_name) for b in before]
        return list(dict.fromkeys(found))

    def _spelling(self, qualified: str) -> None:
        root = qualified.split(".", 1)[0]
        if root == "torch":
            if not self.imports_torch:
                self._trigger_lines = None  # the definitions worth reading now include PyTorch's words
            self.imports_torch = True
        if root == "tf_keras" or qualified.startswith(("keras._tf_keras", "keras.api._v2")):
            self._imports_tf_keras = True
        elif root == "keras":
            self._imports_keras = True

    @property
    def keras3(self) -> bool:
        """The file spells Keras 3: it imports keras itself, and not tf_keras (Keras 2)."""
        return self._imports_keras and not self._imports_tf_keras

    def _relevant(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
        """Whether the definition's text names an affine layer, an input shape or a model, or
        compiles one (a function that compiles the model it is given)."""
        if self._trigger_lines is None:
            # PyTorch's words only where the file imports torch (Keras's sources say `Loss(`)
            torch_words = [TORCH_DEFINITION_WORDS] if self.imports_torch else []
            words = re.compile("|".join([KERAS_DEFINITION_WORDS, *torch_words, *map(re.escape, self._aliases)]))
            self._trigger_lines = [number for number, line in enumerate(self.lines, 1) if words.search(line)]
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
        env = Env()
        arguments = function.args
        positional = arguments.posonlyargs + arguments.args
        first_default = len(positional) - len(arguments.defaults)
        for index, arg in enumerate(positional):
            if (method and index == 0) or not tensors or index >= first_default:
                env[arg.arg] = UNKNOWN
            else:
                node = LayerNode(key=id(arg), kind=Kind.INPUT, label=arg.arg, line=arg.lineno, col=arg.col_offset)
                env[arg.arg] = Tensor(self.flow.apply(node, frozenset()))
                self.parameters[id(arg)] = _parameter_origin(function, index)
        for arg in arguments.kwonlyargs:
            env[arg.arg] = UNKNOWN
        for star in (arguments.vararg, arguments.kwarg):
            if star is not None:
                env[star.arg] = UNKNOWN
        if self.bindings is not None and not method:
            self._bind_literals(function, env)
        return env

    def _bind_literals(self, function: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> None:
        """For confirm: the parameters a call of the file gives a literal hold it; those it does
        not give hold their default where that is a literal (read without calling anything)."""
        assert self.bindings is not None
        given = self.bindings.get(id(function), {})
        arguments = function.args
        positional = arguments.posonlyargs + arguments.args
        defaults: list[tuple[ast.arg, ast.expr | None]] = [
            *zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults),
            *zip(arguments.kwonlyargs, arguments.kw_defaults),
        ]
        values: dict[str, Value] = {}
        for arg, default in defaults:
            if default is not None and pure(default):
                value = self.eval(default, Env())
                if bindable(value):
                    values[arg.arg] = value
        for name, value in given.items():
            if value is UNKNOWN:
                values.pop(name, None)  # the call gives something else: not the default
            else:
                values[name] = value
        for name, value in values.items():
            env[name] = value
        if values:
            self.bound.add(id(function))

    def exec_function(self, function: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> None:
        env = self._parameters(function, method, tensors=True)
        self.returns = []
        self._run_body(function.body, env)
        returned, self.returns = self.returns, None
        made = {
            value.origin if isinstance(value, ModelVal) else id(value.origin)
            for value, _ in returned
            if isinstance(value, ModelVal) or (isinstance(value, Record) and value.kind == "sequential")
        }
        if len(made) == 1:
            self.made_by[id(function)] = made.pop()
        self._close_scope(function.name)

    def _run_body(self, body: list[ast.stmt], env: Env) -> None:
        """A function's body on `env`, which becomes the state where the function ends: the paths
        that return are joined there, and those that raise are not."""
        saved, self.exits = self.exits, []
        start = env.freeze()
        try:
            self.exec_block(body, env)
        finally:
            exits, self.exits = self.exits, saved
        if exits:
            self._join_into(env, [*exits, env], start)

    def exec_class(self, cls: ClassVal, lineage: list[ClassVal]) -> None:
        """A subclassed model or layer: layers made in __init__/build, data flow through call()."""
        attributes: dict[str, Value] = {}
        for ancestor in reversed(lineage):  # base classes first, so that subclasses override
            for member in ancestor.node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name in INIT_METHODS:
                    env = self._parameters(member, True, tensors=False)
                    self_name = _self_name(member)
                    env.update(_rename(attributes, "self", self_name))
                    self._run_body(member.body, env)
                    attributes.update(_rename(_attributes(env, self_name), self_name, "self"))
        call = next(
            (
                member
                for ancestor in lineage
                for member in ancestor.node.body
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name in CALL_METHODS
            ),
            None,
        )
        outputs: frozenset[int] = frozenset()
        if call is not None:
            env = self._parameters(call, True, tensors=True)
            env.update(_rename(attributes, "self", _self_name(call)))
            self.returns = []
            self._run_body(call.body, env)
            returned, self.returns = self.returns, None
            if returned:
                outputs = frozenset().union(*(self.keras.producers(v, e) for v, e in returned))
        node = cls.node
        if any(
            isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name in _CUSTOM_TRAINING
            for ancestor in lineage
            for member in ancestor.node.body
        ):
            self.own_training.add(id(node))
        if outputs:
            self.graphs.append(
                self.flow.model_graph(
                    outputs,
                    f"Subclassed model {node.name}",
                    node.lineno,
                    self.text.column(node),
                    "subclassed",
                    origin=id(node),
                )
            )
        self._close_scope(node.name)

    # ---- statements ---------------------------------------------------------------------

    def exec_block(self, statements: Iterable[ast.stmt], env: Env) -> None:
        for statement in statements:
            if _DEAD in env:
                return  # after a continue or break
            self.exec_stmt(statement, env)

    def exec_stmt(self, node: ast.stmt, env: Env) -> None:
        if isinstance(node, ast.Expr):
            self.eval(node.value, env)
        elif isinstance(node, ast.Assign):
            self.keras.binding = _binding(node)
            try:
                value = self.eval(node.value, env)
            finally:
                self.keras.binding = None
            for target in node.targets:
                self.assign(target, value, env)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, env), env)
        elif isinstance(node, ast.AugAssign):
            self.exec_augassign(node, env)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, qualified in import_bindings(node):
                self._spelling(qualified)
                if local == STAR:
                    key = catalog.canonical(qualified)
                    if key is not None:
                        self.stars.append((qualified, catalog.star_members(key)))
                else:
                    self.bind(local, Qual(qualified), env)
        elif isinstance(node, ast.If):
            # an `elif` chain is nested in the syntax tree, one level per arm: read it as one
            # statement with many arms, so that ten thousand arms need no ten thousand frames
            bodies: list[list[ast.stmt]] = []
            current = node
            while True:
                self.eval(current.test, env)
                known = self._on_last_iteration(current.test)
                if known is not False:
                    bodies.append(current.body)
                if known is True:
                    break
                orelse = current.orelse
                if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                    current = orelse[0]
                    continue
                bodies.append(orelse)
                break
            if len(bodies) == 1:
                self.exec_block(bodies[0], env)
            else:
                self.exec_branches(bodies, env)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterated = self.eval(node.iter, env)
            self.exec_for(node, iterated, env)
        elif isinstance(node, ast.While):
            self.eval(node.test, env)
            self.exec_loop(node.body, env, None, UNKNOWN, True, node.orelse)
        elif isinstance(node, (ast.Continue, ast.Break)) and self.loop_exits:
            # The rest of the body does not run on this path: the state goes to the loop's head
            # (continue) or past the loop (break).
            continues, breaks = self.loop_exits[-1]
            (continues if isinstance(node, ast.Continue) else breaks).append(env.fork())
            env[_DEAD] = UNKNOWN
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.eval(item.context_expr, env)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, UNKNOWN, env)
            self.exec_block(node.body, env)
            if env.get(_DEAD) == _RAISED:  # `with pytest.raises(...)`, `contextlib.suppress(...)`
                del env[_DEAD]
        elif isinstance(node, _TRY):
            start = env.freeze()
            self.exec_block(node.body, env)
            self.exec_block(node.orelse, env)
            arms = [env]
            for handler in node.handlers:
                arm = Env(start)
                if handler.name:
                    arm[handler.name] = UNKNOWN
                self.exec_block(handler.body, arm)
                arms.append(arm)
            self._join_into(env, arms, start)
            self.exec_block(node.finalbody, env)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions.append((node, False))
            self.bind(node.name, FuncVal(node), env)
        elif isinstance(node, ast.ClassDef):
            self.exec_classdef(node, env)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                value = self.eval(node.value, env)
                if self.returns is not None:
                    self.returns.append((value, node.value))
            if self.exits is not None:  # the rest of the block does not run on this path
                self.exits.append(env.fork())
                env[_DEAD] = UNKNOWN
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.eval(node.exc, env)
            if self.exits is not None:
                env[_DEAD] = _RAISED
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self.assign(target, UNKNOWN, env)
        elif _MATCH is not None and isinstance(node, _MATCH):
            self.eval(node.subject, env)
            self.exec_branches([case.body for case in node.cases] + [[]], env)

    def exec_classdef(self, node: ast.ClassDef, env: Env) -> None:
        bases = [self.eval(base, env) for base in node.bases]
        keras = self.keras.is_keras_class(bases)
        cls = ClassVal(node, keras, tuple(b for b in bases if isinstance(b, ClassVal)))
        self.bind(node.name, cls, env)
        if keras:
            self.classes.append(cls)
        for member in node.body:
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not (keras and member.name in INIT_METHODS + CALL_METHODS):
                    self.functions.append((member, True))

    def exec_branches(self, bodies: list[list[ast.stmt]], env: Env) -> None:
        start = env.freeze()
        arms = []
        for body in bodies:
            arm = Env(start)
            self.exec_block(body, arm)
            arms.append(arm)
        self._join_into(env, arms, start)

    def _join_into(self, env: Env, arms: list[Env], start: Fork) -> None:
        """The state after paths that meet again; paths that left by continue, break, return or raise
        do not. Every arm descends from the state frozen as `start`, so only the names some arm wrote
        since can differ (the cost of a join is what the arms changed, not what the scope holds)."""
        live = [arm for arm in arms if _DEAD not in arm]
        if not live:
            env.become(arms[0])
            return
        names: set[str] = set()
        for arm in (*live, env):
            names |= arm.written_since(start)
        for name in names:
            joined = live[0].get(name) or self._outer_model(name)
            for arm in live[1:]:
                b = arm.get(name) or self._outer_model(name)
                if joined is not None and b is not None:
                    joined, b = self._alike(joined, b)
                    joined = join_values(joined, b)
                elif b is not None:
                    joined = b
            if joined is not None:
                env[name] = joined
                if isinstance(joined, Record):
                    self.note(joined)
            elif name in env:
                del env[name]

    def _alike(self, a: Value, b: Value) -> tuple[Value, Value]:
        """A keras.Input bound to a name and a tensor computed from it meet as two tensors."""
        if isinstance(a, Tensor) and isinstance(b, LayerVal) and b.node.kind is Kind.INPUT:
            return a, Tensor(self.flow.apply(b.node, frozenset()))
        if isinstance(b, Tensor) and isinstance(a, LayerVal) and a.node.kind is Kind.INPUT:
            return Tensor(self.flow.apply(a.node, frozenset())), b
        return a, b

    def _outer_model(self, name: str) -> Value | None:
        """A module-level model that a function changes keeps its history in the function."""
        value = self.globals.get(name) if self.globals is not None else None
        return value if isinstance(value, Record) else None

    def exec_for(self, node: ast.For | ast.AsyncFor, iterated: Value, env: Env) -> None:
        if isinstance(iterated, Record) and iterated.kind == "list":
            ops = iterated.ops
            if len(ops) <= _UNROLL_LIMIT and all(isinstance(op, AddOp) for op in ops):
                # `for layer in [d1, d2, d3]: x = layer(x)`: each pass with its own element, and
                # a layer made in the body is a new layer on each pass
                breaks: list[Env] = []
                start = env.freeze()
                for op in ops:
                    assert isinstance(op, AddOp)
                    self.assign(node.target, op.value, env)
                    with self._new_instances():
                        breaks += self._iteration(node.body, env)
                    if _DEAD in env:
                        break
                self.exec_block(node.orelse, env)
                self._join_into(env, [env, *breaks], start)
                return
            if len(ops) == 1 and isinstance(ops[0], LoopOp) and len(ops[0].body) == 1:
                # `for block in [Dense(64) for _ in range(n)]`: the same kind of element each pass
                element = ops[0].body[0]
                if isinstance(element, AddOp):
                    self.exec_loop(node.body, env, node.target, element.value, ops[0].repeats, node.orelse)
                    return
        last = _last_index(node.target, node.iter)
        self.exec_loop(node.body, env, node.target, UNKNOWN, not _runs_at_most_once(node.iter), node.orelse, last)

    def _iteration(self, body: list[ast.stmt], env: Env) -> list[Env]:
        """One pass of a loop body on `env`, which becomes the state at the end of the pass
        (joined with every `continue`); returns the states that left by `break`."""
        self.loop_exits.append(([], []))
        start = env.freeze()
        try:
            self.exec_block(body, env)
        finally:
            continues, breaks = self.loop_exits.pop()
        if continues:
            self._join_into(env, [env, *continues], start)
        return breaks

    @contextlib.contextmanager
    def _new_instances(self) -> Iterator[None]:
        """Layers constructed meanwhile are other objects than those of the pass before."""
        saved = self.instance
        self._instances += 1
        self.instance = self._instances
        try:
            yield
        finally:
            self.instance = saved

    def exec_loop(
        self,
        body: list[ast.stmt],
        env: Env,
        target: ast.expr | None,
        element: Value,
        repeats: bool,
        orelse: Sequence[ast.stmt] = (),
        last: tuple[str, Callable[[ast.expr], bool]] | None = None,
    ) -> None:
        """One pass records the body's effects; a second pass, from where the first ended, draws
        the back edges of the tensors the body rebinds (`x = Dense(64)(x)`). The second pass is
        the loop's last iteration: the layers it constructs are new objects, and the tensors
        leave the loop from it (or from any `break`)."""
        self.loop_depth += 1
        start = env.freeze()  # `env` itself is not written until the loop's paths are joined into it
        first = Env(start)
        if target is not None:
            self.assign(target, element, first)
        # The first pass stands for any iteration (a loop may run once); it only notes whether the
        # body tests for the last iteration. If it does, an earlier iteration is run apart, and the
        # last one starts from where an earlier one ends: `if i == n - 1: x = Dense(1)(x)` then
        # does not feed the next iteration.
        probe = _LastIndex(*last, "probe", []) if last is not None else None
        breaks = self._pass(body, first, probe)
        seed = first
        if probe is not None and probe.seen and repeats and self.loop_depth <= _PASS_LIMIT:
            seed = Env(start)
            if target is not None:
                self.assign(target, element, seed)
            breaks += self._pass(body, seed, probe._replace(mode="earlier"))
        looped = {
            name: value
            for name in seed.written_since(start)
            for value in [seed.get(name)]
            if isinstance(value, Tensor) and value != env.get(name)
        }
        end = first
        if repeats and looped and _DEAD not in seed and self.loop_depth <= _PASS_LIMIT:
            second = Env(start)
            second.update(looped)
            if target is not None:
                self.assign(target, element, second)
            with self._new_instances():
                breaks += self._pass(body, second, probe._replace(mode="last") if probe is not None else None)
            if _DEAD not in second:
                end = first.fork()
                for name in first.written_since(start) | second.written_since(start):
                    value = second.get(name)
                    if isinstance(value, Tensor):
                        end[name] = value
            else:
                end = second
        self.loop_depth -= 1
        self.exec_block(orelse, end)  # `for ... else` runs when no break left the loop
        exits = [self._after_loop(start, env, state, repeats) for state in (end, *breaks)]
        self._join_into(env, exits, start)

    def _pass(self, body: list[ast.stmt], env: Env, facts: _LastIndex | None) -> list[Env]:
        if facts is None:
            return self._iteration(body, env)
        self.last_iteration.append(facts)
        try:
            return self._iteration(body, env)
        finally:
            self.last_iteration.pop()

    def _after_loop(self, start: Fork, before: Env, state: Env, repeats: bool) -> Env:
        """What the names hold after the loop, on a path that left it in `state` (`before`, frozen
        as `start`, is the state the loop began in)."""
        out = Env(start)
        if _DEAD in state:
            out[_DEAD] = UNKNOWN
        for name in state.written_since(start):
            if name == _DEAD or name not in state:
                continue
            value = state[name]
            previous = before.get(name) or self._outer_model(name)
            if previous is None:
                out[name] = value
            else:
                previous, value = self._alike(previous, value)
                out[name] = loop_value(previous, value, repeats)
        return out

    def _on_last_iteration(self, test: ast.expr) -> bool | None:
        """The value of `i == n - 1` (and the like) on the last pass of `for i in range(n)`, or on
        an earlier one, or None where the pass may be either."""
        if not self.last_iteration or not isinstance(test, ast.Compare) or len(test.ops) != 1:
            return None
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(right, ast.Name) and isinstance(op, (ast.Eq, ast.NotEq)):
            left, right = right, left
        if not isinstance(left, ast.Name) or not isinstance(op, (ast.Eq, ast.NotEq, ast.Lt)):
            return None
        for facts in reversed(self.last_iteration):  # the innermost loop of that name
            if facts.name != left.id:
                continue
            if not facts.is_last_index(right):
                return None
            if facts.mode == "probe":
                facts.seen.append(True)
                return None
            on_last = isinstance(op, ast.Eq)
            return on_last if facts.mode == "last" else not on_last
        return None

    def exec_augassign(self, node: ast.AugAssign, env: Env) -> None:
        current = self.eval(node.target, env)
        value = self.eval(node.value, env)
        if type(node.op) is ast.Add and isinstance(current, Record) and current.kind == "list":
            self.assign(node.target, current.with_ops(*self._ops_of(value, node.value)), env)
        elif tensorish(current) or tensorish(value):
            self.assign(
                node.target, self.keras.tensor_binop(node, node.op, current, value, node.target, node.value), env
            )
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

    def note(self, value: Value) -> None:
        if isinstance(value, Record) and value.kind == "sequential":
            self.records[id(value.origin)] = value

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
            if isinstance(base, Data):
                return self.keras.data_attribute(node, base)
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
        if isinstance(node, ast.Dict):
            items = []
            for key, item in zip(node.keys, node.values):
                written = self.eval(key, env) if key is not None else UNKNOWN
                text = written.value if isinstance(written, Const) and isinstance(written.value, str) else None
                items.append((text, self.eval(item, env), item))
            return DictVal(tuple(items))
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
            index = self.eval(node.slice, env)
            if tensorish(base):
                return self.keras.subscript(node, base)
            if isinstance(base, (Data, ShapeVal)):
                return self.keras.data_subscript(node, base, index)
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
            if tensorish(operand):
                return self.keras.unary(node, operand)
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
        inner = env.fork()
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
        if tensorish(left) or tensorish(right):
            return self.keras.tensor_binop(node, node.op, left, right, node.left, node.right)
        if isinstance(left, Data) and isinstance(right, Const):
            return left.kept()  # `x / 255.0`: the same samples
        if isinstance(right, Data) and isinstance(left, Const):
            return right.kept()
        return UNKNOWN

    def eval_call(self, node: ast.Call, env: Env) -> Value:
        func = node.func
        callee: Value
        if isinstance(func, ast.Attribute) and dotted_name(func) not in env:
            base = self.eval(func.value, env)
            if isinstance(base, Record):
                return self.call_method(node, func.attr, base, dotted_name(func.value), env)
            if isinstance(base, Tensor) and self.imports_torch and func.attr in TENSOR_METHODS:
                args = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
                kwargs = {kw.arg: self.eval(kw.value, env) for kw in node.keywords}
                return self.keras.torch.tensor_method(node, func.attr, base, args, kwargs)
            if isinstance(base, Tensor) and len(base.producers) == 1:
                # a parameter that calls of the function give models: `def train(model): model.compile(...)`
                parameter = self.parameters.get(next(iter(base.producers)))
                if parameter is not None and parameter in self.passed:
                    base = ModelVal(parameter)
            if isinstance(base, ModelVal):
                args = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
                kwargs = {kw.arg: self.eval(kw.value, env) for kw in node.keywords}
                return self.keras.model_method(node, func.attr, base, args, kwargs)
            if isinstance(base, Data):
                args = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
                for keyword in node.keywords:
                    self.eval(keyword.value, env)
                # a method of an object we do not know may change the models it is given
                self._escape([*node.args, *(kw.value for kw in node.keywords)], env)
                return self.keras.data_method(node, func.attr, base, args)
            callee = Qual(f"{base.name}.{func.attr}") if isinstance(base, Qual) else UNKNOWN
        else:
            callee = self.eval(func, env)
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
        kwargs = {kw.arg: self.eval(kw.value, env) for kw in node.keywords}
        if isinstance(callee, FuncVal):
            if self.calls is not None:
                binding = call_binding(callee.node, node, args, kwargs)
                self.calls.setdefault(id(callee.node), []).append((binding, node.lineno))
            # a function of the file may change the models it receives, and may compile them
            self._escape([*node.args, *(kw.value for kw in node.keywords)], env)
            self._pass_models(callee, args)
        meaning = self.keras.call(node, callee, args, kwargs)
        if meaning is not None:
            return meaning
        if isinstance(callee, Qual) and callee.name.startswith("builtins."):
            return UNKNOWN
        self._escape([*node.args, *(kw.value for kw in node.keywords)], env)
        return self.keras.unknown_call(node, args, kwargs)

    def _pass_models(self, function: FuncVal, args: list[Value]) -> None:
        """Models handed to a function of the file: a compile() on its parameter compiles them."""
        for index, value in enumerate(args):
            if isinstance(value, ModelVal):
                self.passed.setdefault(_parameter_origin(function.node, index), set()).add(value.origin)

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
                self.note(updated)

    def call_method(self, node: ast.Call, method: str, record: Record, name: str | None, env: Env) -> Value:
        args = [self.eval(a.value if isinstance(a, ast.Starred) else a, env) for a in node.args]
        kwargs = {kw.arg: self.eval(kw.value, env) for kw in node.keywords}
        if record.kind == "sequential" and self.imports_torch and method in RETURNS_SELF:
            return record  # `nn.Sequential(...).to(device)` is the same model
        single = len(node.args) == 1 and not isinstance(node.args[0], ast.Starred)
        added: tuple[Op, ...] = (AddOp(args[0], node.args[0]),) if single else (OpaqueOp(node),)
        ops: tuple[Op, ...] = ()
        if record.kind == "sequential":
            ops = self.keras.sequential_method(node, method, added, args, kwargs)
        elif method == "append":
            ops = added
        elif method == "extend":
            ops = self._ops_of(args[0], node.args[0]) if single else (OpaqueOp(node),)
        elif method in ("insert", "pop", "remove", "clear", "reverse", "sort"):
            ops = (OpaqueOp(node),)
        if ops and name is not None:
            updated = record.with_ops(*ops)
            env[name] = updated
            self.note(updated)
        return UNKNOWN


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


def _binding(node: ast.Assign) -> tuple[ast.expr, str] | None:
    """`code = Dense(32)(x)`, `self.bottleneck = Dense(32)`: the value and the one name it is given."""
    if len(node.targets) != 1:
        return None
    target = node.targets[0]
    if isinstance(target, ast.Name):
        return node.value, target.id
    if isinstance(target, ast.Attribute):
        return node.value, target.attr
    return None


# Real class hierarchies are a few levels deep; a file's chain of thousands of subclasses would make
# every class re-read all its ancestors (quadratic work). A deeper lineage is not followed at all.
_LINEAGE_LIMIT = 64


def _lineage(cls: ClassVal) -> list[ClassVal] | None:
    """The class and its ancestors defined in the same file, nearest first; None when there are
    more than _LINEAGE_LIMIT of them (then the class is not interpreted: nothing is guessed)."""
    out: list[ClassVal] = []
    seen: set[int] = set()
    queue = deque([cls])
    while queue:
        current = queue.popleft()
        if id(current) in seen:
            continue
        if len(out) == _LINEAGE_LIMIT:
            return None
        seen.add(id(current))
        out.append(current)
        queue.extend(current.bases)
    return out


def _parameter_origin(function: ast.FunctionDef | ast.AsyncFunctionDef, index: int) -> int:
    """A key for the `index`-th positional parameter of a function, as compile() targets are keyed."""
    return hash(("parameter", id(function), index))


def _self_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    positional = function.args.posonlyargs + function.args.args
    return positional[0].arg if positional else "self"


def _attributes(env: Env, self_name: str) -> dict[str, Value]:
    prefix = self_name + "."
    return {name: value for name, value in env.items() if name.startswith(prefix)}


def _rename(env: dict[str, Value], old: str, new: str) -> dict[str, Value]:
    if old == new:
        return dict(env)
    return {new + name[len(old) :]: value for name, value in env.items()}
