"""check_model for PyTorch: an `nn.Module` and an example input, traced with forward hooks and measured.

Imported only when check_model is given a torch module, so Keras users never import torch; it never
imports Keras. torch is imported inside the functions and typed `Any`.

The structure comes from forward hooks on the leaf modules during one call on the example input;
what happens between modules inside `forward` (`F.relu(x)`, `x.relu_()`) is invisible to hooks,
so nothing is reported from the module list alone: every collapse the structure suggests is
measured on the actual forward pass, with a forward pre-hook putting probe values in at the
first module's input and a forward hook taking the last module's output.
"""

from __future__ import annotations

import contextlib
import copy
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import catalog
from ..catalog import Kind
from ..catalog.torch import ACTIVATIONS, DIM_ACTIVATIONS, torch_key
from ..finding import Finding
from ..graph import LayerNode, ModelGraph
from ..rules import collapse, output
from .check import MIN_TRIAL_ROWS, CollapsedRun, Report, finite_trials, not_finite
from .measure import AFFINE_TOLERANCE, NotFinite, Trials, affine_error, fit_error, probe_kernel, rank_of, trial_rows
from .training import ModelFinding

# A float64 copy of the module is measured when its parameters and buffers hold at most this many
# values (128 MiB as float64); a larger module is measured as it is, in its own dtype.
DOUBLE_COPY_LIMIT = 2**24
LABEL_LIMIT = 80
Function = Callable[[np.ndarray], np.ndarray]


def module_key(module: Any) -> str:
    """The catalog key of one of torch's own modules ("nn.Linear"), "" for a module of yours."""
    cls = type(module)
    if not cls.__module__.startswith("torch.nn."):
        return ""
    return torch_key(f"{cls.__module__}.{cls.__name__}") or ""


def module_label(name: str, module: Any) -> str:
    """`fc1 (Linear(in_features=20, out_features=100, bias=True))`: the module's path in the model and
    its one-line repr, as PyTorch prints it."""
    try:
        shown = f"{type(module).__name__}({module.extra_repr()})"
    except Exception:  # an extra_repr of yours that fails: the class is enough
        shown = type(module).__name__
    if len(shown) > LABEL_LIMIT:
        shown = shown[: LABEL_LIMIT - 4] + "...)"
    return f"{name} ({shown})" if name else shown


@dataclass
class Call:
    """One call of a leaf module during the traced forward pass."""

    name: str  # its path in the model ("encoder.0"), "" for the model itself
    module: Any
    occurrence: int  # which call of this module object it is (a shared module is called several times)
    inputs: list[Any]  # the tensors it received (kept alive, so that their ids stay unique)
    output: Any


class _Stop(Exception):
    """Raised by the hook that took what a measurement needs: the rest of forward is not run."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def tensors(value: Any) -> list[Any]:
    """The tensors in what a module takes or returns (tuples, lists, dicts), in order."""
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in tensors(item)]
    return [value] if is_tensor(value) else []


def is_tensor(value: Any) -> bool:
    """A torch.Tensor (a Parameter or another subclass too), told without importing torch."""
    return any(cls.__name__ == "Tensor" and cls.__module__ == "torch" for cls in type(value).__mro__)


def units(model: Any) -> list[tuple[str, Any]]:
    """The modules to hook: torch's catalog modules as units (MultiheadAttention is one, not its
    out_proj), containers opened, any other module without children taken as it is."""
    found: list[tuple[str, Any]] = []
    seen: set[int] = set()

    def walk(name: str, module: Any) -> None:
        if id(module) in seen:
            return
        seen.add(id(module))
        key = module_key(module)
        children = list(module.named_children())
        if (key and catalog.layer_info(key) is not None) or not children:
            found.append((name, module))
            return
        for child_name, child in children:
            walk(f"{name}.{child_name}" if name else child_name, child)

    walk("", model)
    return found


@contextlib.contextmanager
def inference(model: Any) -> Iterator[None]:
    """Every module in eval mode and autograd off; each module's own training flag put back after."""
    import torch

    modes = [(module, module.training) for module in model.modules()]
    try:
        model.eval()
        with torch.no_grad():
            yield
    finally:
        for module, mode in modes:
            module.training = mode


def run(
    model: Any,
    args: Sequence[Any],
    *,
    watch: Sequence[tuple[str, Any]] = (),
    record: list[Call] | None = None,
    inputs: dict[tuple[int, int], Callable[[Any], Any]] | None = None,
    outputs: dict[tuple[int, int], Callable[[Any], Any]] | None = None,
    stop: tuple[int, int] | None = None,
) -> Any:
    """`model(*args)` with hooks, all removed before it returns or raises.

    `record` collects a Call for each call of the modules in `watch`; `inputs` and `outputs` change
    the first input or the output of a module's nth call, keyed (id(module), n); `stop` ends the
    run at that call's output and returns it in place of the model's output."""
    handles = []
    calls_in: dict[int, int] = {}
    calls_out: dict[int, int] = {}
    watched = {id(module): (name, module) for name, module in watch}
    changed = list(inputs or {}) + list(outputs or {}) + ([stop] if stop else [])
    hooked = set(watched) | {module_id for module_id, _ in changed}

    def pre(module: Any, given: tuple[Any, ...]) -> Any:
        n = calls_in.get(id(module), 0)
        calls_in[id(module)] = n + 1
        change = (inputs or {}).get((id(module), n))
        if change is not None and given:
            return (change(given[0]),) + tuple(given[1:])
        return None

    def post(module: Any, given: tuple[Any, ...], result: Any) -> Any:
        n = calls_out.get(id(module), 0)
        calls_out[id(module)] = n + 1
        change = (outputs or {}).get((id(module), n))
        if change is not None:
            result = change(result)
        if record is not None and id(module) in watched:
            record.append(Call(watched[id(module)][0], module, n, tensors(given), result))
        if stop == (id(module), n):
            raise _Stop(result)
        return result if change is not None else None

    try:
        for module in model.modules():  # each module once, a shared one too
            if id(module) in hooked:
                handles.append(module.register_forward_pre_hook(pre))
                handles.append(module.register_forward_hook(post))
        try:
            return model(*args)
        except _Stop as stopped:
            return stopped.value
    finally:
        for handle in handles:
            handle.remove()


def flat(value: Any, rows: int) -> np.ndarray:
    """The tensors in `value` as one float64 array of `rows` rows (each tensor flattened per row)."""
    parts = [t.detach().to("cpu").double().numpy().reshape(rows, -1) for t in tensors(value)]
    if not parts:
        raise TypeError(f"it returned no tensor ({type(value).__name__}), so there is nothing to measure")
    return np.concatenate(parts, axis=1)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _example(example_input: Any) -> tuple[Any, ...]:
    """The example input as forward's positional arguments: one floating tensor, or a tuple or list
    of them, each with the batch axis first."""
    given = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    if not given:
        raise TypeError("check_model: the example input is empty: give a tensor with the batch axis first")
    for item in given:
        if not is_tensor(item):
            raise TypeError(
                "check_model: the example input of a PyTorch module is a torch.Tensor (or a tuple of them, "
                f"forward's positional arguments), not a {type(item).__module__}.{type(item).__qualname__}"
            )
        if not item.is_floating_point():
            raise TypeError(
                f"check_model: the example input is a tensor of {item.dtype}; the measurement perturbs it, so "
                "it must be floating point (an integer input, token ids for an Embedding, cannot be measured)"
            )
        if item.dim() < 1 or item.shape[0] < 1:
            raise ValueError(
                f"check_model: the example input has shape {tuple(item.shape)}: give it a batch axis first, "
                "with at least one sample, e.g. x.unsqueeze(0)"
            )
    return given


def _parameters(model: Any) -> Iterator[tuple[str, np.ndarray]]:
    for name, parameter in list(model.named_parameters()) + list(model.named_buffers()):
        if parameter.is_floating_point() and parameter.numel():
            yield name, parameter.detach().to("cpu").double().numpy()


def _not_finite(model: Any, values: np.ndarray, where: str) -> NotFinite:
    return not_finite(values, where, _parameters(model), owner="module", part="parameter")


def _double_copy(model: Any, args: tuple[Any, ...], notes: list[str]) -> tuple[Any, tuple[Any, ...]]:
    """A float64 copy of the module and the example, where that works; else the module as it is."""
    size = sum(t.numel() for t in list(model.parameters()) + list(model.buffers()))
    if size > DOUBLE_COPY_LIMIT:
        notes.append(f"measured in the module's own dtype: {size:,} parameter values are too many for a float64 copy")
        return model, args
    try:
        twin = copy.deepcopy(model).double()
        doubled = tuple(a.double() for a in args)
        run(twin, doubled)
        return twin, doubled
    except Exception as failure:  # a module that refuses a copy or float64: measure it as it is
        notes.append(f"measured in the module's own dtype (no float64 copy: {_one_line(failure)})")
        return model, args


def _node(index: int, call: Call, origin: int) -> LayerNode:
    module = call.module
    key = module_key(module)
    info = catalog.layer_info(key) if key else None
    kind = info.kind if info is not None else Kind.UNKNOWN
    out = tensors(call.output)
    shape = tuple(out[0].shape) if len(out) == 1 else ()
    act_name = ACTIVATIONS.get(key, "")
    axis = None
    if act_name in DIM_ACTIVATIONS:
        dim = getattr(module, "dim", None)
        if dim is None or not shape or dim not in (-1, len(shape) - 1):
            act_name, axis = ("", None) if dim is None else (act_name, dim)
    width = getattr(module, "out_features", None) or getattr(module, "out_channels", None)
    kernel_size = getattr(module, "kernel_size", None)
    kernel = max(kernel_size) if isinstance(kernel_size, tuple) and kernel_size else None
    return LayerNode(
        key=index,
        kind=kind,
        label=module_label(call.name, module),
        width=width if isinstance(width, int) else None,
        layer=key,
        bias=getattr(module, "bias", True) is not None,
        kernel=kernel if isinstance(kernel, int) else None,
        act_name=act_name,
        channels=int(shape[-1]) if len(shape) >= 2 else None,
        name=call.name.rsplit(".", 1)[-1] or None,
        origin=origin,
        axis=axis,
        framework="torch",
    )


def _same_data(a: Any, b: Any) -> bool:
    """The same values: a view of the same storage (`x.view(n, -1)`), or an equal tensor (a copy)."""
    import torch

    try:
        if a.numel() != b.numel():
            return False
        shared = a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
        if shared and a.storage_offset() == b.storage_offset():
            return bool(a.is_contiguous() and b.is_contiguous())
        return tuple(a.shape) == tuple(b.shape) and bool(torch.equal(a, b))
    except (RuntimeError, TypeError, AttributeError):
        return False


def build_graph(model: Any, args: tuple[Any, ...], calls: list[Call], result: Any) -> ModelGraph:
    """The traced calls as a ModelGraph: an edge where a call receives the very tensor another call
    returned (or a view of it, or an equal copy of the model's input or of the previous call's
    output); a tensor made between modules (`F.relu(x)`) is an unknown step."""
    given = [t for a in args for t in tensors(a)]
    channels = int(given[0].shape[-1]) if len(given) == 1 and given[0].dim() >= 2 else None
    nodes: list[LayerNode] = [LayerNode(key=0, kind=Kind.INPUT, label="input", channels=channels)]
    edges: set[tuple[int, int]] = set()
    producer: dict[int, int] = {id(t): 0 for t in given}
    made: list[tuple[Any, int]] = [(t, 0) for t in given]
    first_call: dict[int, int] = {}
    unknown = -1
    for index, call in enumerate(calls, start=1):
        origin = first_call.setdefault(id(call.module), index)
        nodes.append(_node(index, call, 0 if origin == index else origin))
        for tensor in call.inputs:
            source = producer.get(id(tensor))
            if source is None:
                near = [(t, k) for t, k in made if k == 0] + ([made[-1]] if made and made[-1][1] != 0 else [])
                source = next((k for t, k in near if _same_data(tensor, t)), None)
            if source is None:
                nodes.append(LayerNode(key=unknown, kind=Kind.UNKNOWN, label="an operation between modules"))
                source, unknown = unknown, unknown - 1
            edges.add((source, index))
        for tensor in tensors(call.output):
            producer[id(tensor)] = index
            made.append((tensor, index))
    found, complete = [], True
    returned = tensors(result)
    for tensor in returned:
        source = producer.get(id(tensor))
        if source is None:
            complete = False
            shape = tuple(tensor.shape)
            label = f"{type(model).__name__}.forward()"
            nodes.append(
                LayerNode(key=unknown, kind=Kind.UNKNOWN, label=label, channels=int(shape[-1]) if shape else None)
            )
            source, unknown = unknown, unknown - 1
        found.append(source)
    outputs = tuple(found)
    return ModelGraph(
        "runtime", type(model).__name__, tuple(nodes), frozenset(edges), inputs=(0,), outputs=outputs,
        complete=complete, heads=tuple((o,) for o in outputs),
    )


class Measurer:
    """Functions of flat float64 rows on the measured module: the whole forward, and a segment of it
    from one call's first input to another call's output, each around the example's first sample."""

    def __init__(self, model: Any, args: tuple[Any, ...], calls: list[Call]) -> None:
        self.model = model
        self.args = args
        self.calls = calls
        self.dtype = args[0].dtype
        self.shapes = [tuple(a.shape[1:]) for a in args]

    def _batch(self, rows: int) -> tuple[Any, ...]:
        return tuple(a[:1].expand((rows,) + tuple(a.shape[1:])).contiguous() for a in self.args)

    def _tensor(self, rows: np.ndarray, shape: tuple[int, ...]) -> Any:
        import torch

        return torch.as_tensor(rows.reshape((-1,) + shape), dtype=self.dtype)

    def center(self) -> np.ndarray:
        return np.concatenate([flat(a[:1], 1)[0] for a in self.args])

    def forward(self, rows: np.ndarray) -> np.ndarray:
        """The model's outputs at the example's first sample plus each row."""
        sizes = [math.prod(shape) for shape in self.shapes]
        parts = np.split(rows, np.cumsum(sizes)[:-1], axis=1)
        batch = tuple(
            a[:1] + self._tensor(part, shape) for a, part, shape in zip(self.args, parts, self.shapes)
        )
        return flat(run(self.model, batch), len(rows))

    def segment(self, first: Call, last: Call) -> tuple[Function, tuple[int, ...], np.ndarray]:
        """The map from `first`'s input to `last`'s output inside the real forward pass, as a function
        of offsets from the traced input (its first sample); that input's shape and its values."""
        entry = first.inputs[0]
        shape = tuple(entry.shape[1:])
        origin = entry[:1].to(self.dtype)
        start, end = (id(first.module), first.occurrence), (id(last.module), last.occurrence)

        def f(rows: np.ndarray) -> np.ndarray:
            probes = origin + self._tensor(rows, shape)
            out = run(self.model, self._batch(len(rows)), inputs={start: lambda _: probes}, stop=end)
            return flat(out, len(rows))

        return f, shape, flat(origin, 1)[0]

    def only_through(self, path: Sequence[Call], seed: int) -> bool:
        """Whether each call's output on `path` reaches the model's output only through the next call:
        the model's output is the same when that output is perturbed as when the next call's input
        is (the same tensor, so a use of it elsewhere, `fc2(h) + h`, makes them differ)."""
        rng = np.random.default_rng(seed + 2)
        for here, there in zip(path, path[1:]):
            out = tensors(here.output)
            if len(out) != 1:
                return False
            shape = tuple(out[0].shape[1:])
            scale = float(out[0].detach().double().pow(2).mean().sqrt()) or 1.0
            delta = self._tensor(rng.standard_normal((2, math.prod(shape))) * scale, shape)
            one = run(self.model, self._batch(2), outputs={(id(here.module), here.occurrence): lambda o: o + delta})
            # the next call may receive a view of it (`x.view(n, -1)` between the modules)
            two = run(
                self.model,
                self._batch(2),
                inputs={(id(there.module), there.occurrence): lambda i: i + delta.reshape(i.shape)},
            )
            a, b = flat(one, 2), flat(two, 2)
            if not (np.isfinite(a).all() and np.isfinite(b).all()):
                return False
            if float(np.abs(a - b).max()) > AFFINE_TOLERANCE * max(float(np.abs(a).max()), 1e-12):
                return False
        return True


def _batches(f: Function, name: str) -> Function:
    """`f`, with a forward that refuses a batch of trial rows (a batch size written into it) made one
    ValueError line."""

    def call(rows: np.ndarray) -> np.ndarray:
        try:
            return f(rows)
        except Exception as failure:
            raise ValueError(
                f"check_model: {name}.forward fails on a batch of {len(rows)} trial inputs around the example, "
                f"so it cannot be measured (it must take any batch size): {_one_line(failure)}"
            ) from None

    return call


def _scaled(trials: Trials, scale: float) -> Trials:
    return Trials(trials.rows * scale, trials.a)


def _rms(values: np.ndarray) -> float:
    value = float(np.sqrt(np.mean(np.square(values)))) if values.size else 0.0
    return value if value > 0 and np.isfinite(value) else 1.0


def check_torch(
    model: Any,
    example_input: Any,
    *,
    max_elements: int,
    seed: int,
) -> Report:
    """check_model for a PyTorch module (see check.check_model)."""
    args = _example(example_input)
    notes: list[str] = []
    name = type(model).__name__
    with inference(model):
        watch = units(model)
        calls: list[Call] = []
        try:
            result = run(model, args, watch=watch, record=calls)
        except Exception as failure:
            shapes = ", ".join(str(tuple(a.shape)) for a in args)
            raise ValueError(
                f"check_model: {name}.forward fails on the example input of shape {shapes}: {_one_line(failure)}"
            ) from None
        try:
            traced = flat(result, int(args[0].shape[0]))
        except TypeError as failure:
            raise TypeError(f"check_model: {name}.forward {failure}") from None
        if not np.isfinite(traced).all():
            raise _not_finite(model, traced, "the example input")
        graph = build_graph(model, args, calls, result)
        modules = [call.module for call in calls]  # the user's own, for the report
        measured_model, measured_args = _double_copy(model, args, notes)
        if measured_model is not model:
            by_name = dict(measured_model.named_modules(remove_duplicate=False))
            by_name[""] = measured_model
            doubled = []
            for call in calls:
                twin = by_name[call.name]
                doubled.append(
                    Call(call.name, twin, call.occurrence, [t.double() for t in call.inputs], call.output)
                )
            calls = doubled
        measurer = Measurer(measured_model, measured_args, calls)
        n = sum(math.prod(shape) for shape in measurer.shapes)
        if MIN_TRIAL_ROWS * n > max_elements:
            raise ValueError(
                f"one input sample holds {n:,} values, so the {MIN_TRIAL_ROWS} trial rows would hold "
                f"{MIN_TRIAL_ROWS * n:,}, over max_elements={max_elements:,}"
            )
        if len(args) > 1:
            at, parts = 0, []
            for index, shape in enumerate(measurer.shapes, start=1):
                size = math.prod(shape)
                parts.append(f"argument {index} ({size} values, kernel rows {at}-{at + size - 1})")
                at += size
            notes.append(f"{len(args)} inputs, flattened and concatenated in this order: " + ", ".join(parts))
        center = measurer.center()
        trials = _scaled(trial_rows(n, seed, max_elements), _rms(center))
        forward = _batches(measurer.forward, name)
        measured = forward(trials.rows)
        trials, out = finite_trials(
            trials, measured, lambda values, where: _not_finite(model, values, where), "the example input",
            "the random trial inputs around the example", notes,
        )
        error = affine_error(trials, out)
        measured_affine = error <= AFFINE_TOLERANCE
        structure_affine = collapse.is_affine(graph)
        if structure_affine and not measured_affine:
            notes.append(
                "the structure says affine but the measurement disagrees (an operation between modules "
                "that hooks do not see, such as x.relu_()); the measurement decides"
            )
        elif measured_affine and not structure_affine:
            notes.append("the structure says not affine but the measurement disagrees; the measurement decides")
        kernel = bias = None
        rank, lower, probes = None, False, len(trials.rows)
        if measured_affine:
            widest = max([n, out.shape[1]] + [t[0].numel() for c in calls for t in [tensors(c.output)] if len(t) == 1])
            try:
                probed = probe_kernel(forward, (n,), out[0], max_elements=max_elements, width_hint=widest,
                                      seed=seed)
            except NotFinite as failure:
                raise NotFinite(f"check_model: {failure}") from None
            rank, lower, probes = probed.rank, probed.rank_is_lower_bound, probes + probed.probes
            if probed.note:
                notes.append(probed.note)
            if probed.kernel is not None:
                kernel = probed.kernel
                error = max(error, fit_error(trials, out, kernel, out[0]))
                rank = rank_of(kernel)
                bias = out[0] - center @ kernel  # model(x) = x @ kernel + bias, not around the example
        runs, findings = _collapses(graph, calls, modules, measurer, max_elements, seed, notes)
        for finding in output.analyze(graph):
            findings.append(_output_finding(graph, finding, out))
    return Report(
        is_affine=measured_affine,
        kernel=kernel,
        bias=bias,
        rank=rank,
        rank_is_lower_bound=lower,
        collapsed=tuple(runs),
        method="both",
        input_width=n,
        output_width=out.shape[1],
        max_error=error,
        structure_affine=structure_affine,
        measured_affine=measured_affine,
        probes=probes,
        notes=tuple(notes),
        findings=tuple(findings),
    )


def _output_finding(graph: ModelGraph, finding: Finding, out: np.ndarray) -> ModelFinding:
    """An output rule's finding; a softmax over one unit at the model's output is confirmed when the
    output is 1.0 on every probe (as the Keras side does)."""
    if finding.code == "KA201":
        heads = [graph.node(head[0]) for head in graph.heads if len(head) == 1]
        at_output = any(output.ka201(node.label, torch=True) == finding.message for node in heads)
        if at_output and out.size and float(np.abs(out - 1.0).max()) < 1e-6:
            return ModelFinding("KA201", finding.message + " (measured: the output is 1.0 on every probe)", "both")
    return ModelFinding(finding.code, finding.message)


def _collapses(
    graph: ModelGraph,
    calls: list[Call],
    modules: list[Any],
    measurer: Measurer,
    max_elements: int,
    seed: int,
    notes: list[str],
) -> tuple[list[CollapsedRun], list[ModelFinding]]:
    """The collapses the structure suggests that the measurement confirms, as runs with their map and
    as KA101 and KA104 findings: the map from the source's input to the target's output in the real
    forward pass is affine, and the source's output reaches the model only through the target."""
    confirmed = []
    for item in collapse.find_collapses(graph):
        path = [calls[node.key - 1] for node in (item.source, *item.via, item.target)]
        f, shape, origin = measurer.segment(path[0], path[-1])
        width = math.prod(shape)
        if width == 0 or MIN_TRIAL_ROWS * width > max_elements:
            notes.append(
                f"{item.source.label} -> {item.target.label} not measured: its input holds {width:,} values, "
                f"and {MIN_TRIAL_ROWS} trial rows of them would pass max_elements={max_elements:,}"
            )
            continue
        try:
            trials = _scaled(trial_rows(width, seed, max_elements), _rms(origin))
            values = f(trials.rows)
            trials, values = trials.finite(values)
            if trials.count < 2 or affine_error(trials, values) > AFFINE_TOLERANCE:
                continue
            if not measurer.only_through(path, seed):
                continue
        except Exception as failure:  # a forward that refuses the probes (a fixed batch size, say)
            notes.append(f"{item.source.label} -> {item.target.label} not measured: {_one_line(failure)}")
            continue
        confirmed.append(item)
    findings = []
    for item in confirmed:
        why = collapse.deliberate(graph, item)
        if why is None and item.source.layer_object == item.target.layer_object:
            # one module applied twice in a row (`self.fc(self.fc(x))`): it feeds itself
            message = collapse.ka101_loop(item.source.label, "has no activation", collapse.remedy_for(item.source))
            findings.append(ModelFinding("KA101", message, "both"))
        elif why is None:
            findings.append(ModelFinding("KA101", collapse.collapse_message(item), "both"))
        else:
            message = collapse.ka104(item.source.label, item.target.label, None, why, collapse.remedy_for(item.source))
            findings.append(ModelFinding("KA104", message, "both"))
    runs = []
    for run_path in collapse.collapsed_runs(graph, confirmed):
        first, last = calls[run_path[0].key - 1], calls[run_path[-1].key - 1]
        f, shape, origin = measurer.segment(first, last)
        width = math.prod(shape)
        out = tensors(last.output)
        out_width = out[0][0].numel() if len(out) == 1 else None
        rank, lower = None, False
        try:
            bias = f(np.zeros((1, width)))[0]
            if not np.isfinite(bias).all():
                raise NotFinite("its output on the traced input is not finite")
            widest = max([width] + [t[0].numel() for node in run_path for t in [tensors(calls[node.key - 1].output)]
                                    if len(t) == 1])
            probed = probe_kernel(f, shape, bias, max_elements=max_elements, width_hint=widest, seed=seed)
            rank, lower = probed.rank, probed.rank_is_lower_bound
        except Exception as failure:  # not finite, or a forward that refuses the basis probes
            labels = [node.label for node in run_path if node.kind is Kind.AFFINE]
            shown = str(failure) if isinstance(failure, NotFinite) else _one_line(failure)
            notes.append(f"no rank for the run {labels[0]} -> {labels[-1]}: {shown}")
        affine = (modules[node.key - 1] for node in run_path if node.kind is Kind.AFFINE)
        runs.append(CollapsedRun.along(run_path, affine, (width, out_width), rank, lower))
    return runs, findings
