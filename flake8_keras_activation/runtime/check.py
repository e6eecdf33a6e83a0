"""check_model: is a built Keras model one affine map, which of its layers collapse, and into what."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .. import backends
from ..catalog import Kind
from ..rules.collapse import collapsed_runs, is_affine
from .compose import compose
from .measure import AFFINE_TOLERANCE, NotFinite, Trials, affine_error, fit_error, probe_kernel, rank_of, trial_rows
from .structure import Application, Trace, flat_outputs, read_graph, trace
from .training import ModelFinding, graph_findings, training_of

DEFAULT_MAX_ELEMENTS = 2**21  # values held at once by the probes and their responses (16 MiB as float64)
MIN_TRIAL_ROWS = 7  # the zero input and the smallest set of trial triples (measure.trial_rows)


def _map_text(inputs: int, outputs: int | None, rank: int | None, lower_bound: bool) -> str:
    """The words every report and message uses for a map: "one affine map 2 -> 100, rank 2"."""
    shown_rank = "unknown" if rank is None else f"{'>= ' if lower_bound else ''}{rank}"
    shown_outputs = "?" if outputs is None else str(outputs)
    return f"one affine map {inputs} -> {shown_outputs}, rank {shown_rank}"


@dataclass(frozen=True)
class CollapsedRun:
    """Two or more affine layers (and the pass-through layers between them) that compose into one map.

    The last layer contributes its pre-activation: a linear hidden layer before a softmax head
    collapses with the head's affine part.
    """

    layers: tuple[str, ...]  # the affine layers, "name (Class)"
    path: tuple[str, ...]  # every layer of the run, pass-throughs included
    input_width: int
    output_width: int | None
    rank: int | None
    rank_is_lower_bound: bool = False
    objects: tuple[Any, ...] = field(default=(), compare=False, repr=False)  # the affine layer objects

    @classmethod
    def along(
        cls, path: Sequence[Any], objects: Iterable[Any], widths: tuple[int, int | None], rank: int | None, lower: bool
    ) -> CollapsedRun:
        """The run over `path` (graph nodes, pass-throughs included), with its affine layers' objects."""
        return cls(
            layers=tuple(node.label for node in path if node.kind is Kind.AFFINE),
            path=tuple(node.label for node in path),
            input_width=widths[0],
            output_width=widths[1],
            rank=rank,
            rank_is_lower_bound=lower,
            objects=tuple(objects),
        )

    def map_text(self) -> str:
        return _map_text(self.input_width, self.output_width, self.rank, self.rank_is_lower_bound)

    def describe(self) -> str:
        return f"{' -> '.join(self.layers)}: {self.map_text()}"


@dataclass(frozen=True)
class Report:
    """What check_model established, and how."""

    is_affine: bool
    kernel: np.ndarray | None  # model(x) ~ x.reshape(len(x), -1) @ kernel + bias, when affine
    bias: np.ndarray | None
    rank: int | None
    collapsed: tuple[CollapsedRun, ...]
    method: str  # "structure", "measurement" or "both"
    input_width: int
    output_width: int
    max_error: float | None = None  # worst relative error measured (affine test, fitted map)
    rank_is_lower_bound: bool = False
    structure_affine: bool | None = None
    measured_affine: bool | None = None
    probes: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    # KA101, KA104 and the output rules, from the real layers, model.loss and the compiled metrics
    findings: tuple[ModelFinding, ...] = ()

    def map_text(self) -> str:
        return _map_text(self.input_width, self.output_width, self.rank, self.rank_is_lower_bound)

    def summary(self) -> str:
        lines = []
        if self.is_affine:
            lines.append(f"affine: {self.map_text()}")
        else:
            lines.append("not affine")
        lines.extend(f"collapsed: {run.describe()}" for run in self.collapsed)
        error = "" if self.max_error is None else f", worst relative error {self.max_error:.1e}"
        lines.append(f"established by {self.method}{error}")
        for finding in self.findings:
            if finding.code == "KA101":
                continue
            how = "" if finding.established == "structure" else f" [established by {finding.established}]"
            lines.append(f"{finding.text}{how}")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, (list, tuple)):
        return np.concatenate([_to_numpy(v).reshape(len(_to_numpy(v)), -1) for v in value], axis=1)
    if isinstance(value, dict):
        return _to_numpy(list(value.values()))
    try:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(value))
    except (ImportError, AttributeError, ValueError, TypeError):
        return np.asarray(value)


def _to_tensor(array: np.ndarray) -> Any:
    """A backend tensor, so that the first layer receives the very object we pass (the trace needs it)."""
    try:
        import keras

        return keras.ops.convert_to_tensor(array)
    except (ImportError, AttributeError):
        return array


class NeedsInputShape(ValueError):
    """The model does not say the shape of its input, and none was given."""


def _classes(attribute: str) -> tuple[type, ...]:
    """`keras.Model` (or `keras.Layer`) of the Keras packages this process has imported: a model of
    yours is an instance of one of them, so a package not yet imported cannot have made it."""
    found = []
    for package in ("keras", "tf_keras"):
        module = sys.modules.get(package)
        cls = getattr(module, attribute, None) if module is not None else None
        if cls is None and module is not None:
            cls = getattr(getattr(module, "layers", None), attribute, None)
        if isinstance(cls, type):
            found.append(cls)
    return tuple(found)


def _require_model(model: Any) -> None:
    """A TypeError naming what was given, when it is not a Keras model (a path, None, a layer)."""
    if _classes("Model") and isinstance(model, _classes("Model")):
        return
    if isinstance(model, (str, bytes)) or type(model).__name__.endswith("Path"):
        raise TypeError(
            f"check_model takes a Keras model, not the path {str(model)[:80]!r}: "
            "load it first, e.g. check_model(keras.saving.load_model(path))"
        )
    if _classes("Layer") and isinstance(model, _classes("Layer")):
        raise TypeError(
            f"check_model takes a Keras model, not a layer ({type(model).__name__} {getattr(model, 'name', '')!r}): "
            "put it in one, e.g. keras.Sequential([keras.Input(shape=...), layer])"
        )
    shown = "None" if model is None else f"a {type(model).__module__}.{type(model).__qualname__}"
    raise TypeError(
        "check_model takes a Keras model (Sequential, functional or a subclass of keras.Model) "
        f"or a PyTorch nn.Module with an example input, not {shown}"
    )


def not_finite(
    values: np.ndarray, where: str, arrays: Iterable[tuple[str, np.ndarray]], owner: str = "model", part: str = "weight"
) -> NotFinite:
    """Why a model's outputs are inf or NaN, in one line: one of its `arrays` (name, values) that
    is, or the largest one."""
    what = "NaN" if np.isnan(values).any() else "inf"
    largest, largest_name, cause = 0.0, "", ""
    for name, array in arrays:
        if not np.isfinite(array).all():
            cause = f"the {part} {name} holds {'NaN' if np.isnan(array).any() else 'inf'}"
            break
        if array.size and float(np.abs(array).max()) > largest:
            largest, largest_name = float(np.abs(array).max()), name
    if not cause:
        cause = f"no {part} is inf or NaN, so the forward pass makes them (an overflow, or an operation like log(0))"
        if largest_name:
            cause += f"; the largest {part} is {largest:.1e}, in {largest_name}"
    return NotFinite(f"check_model: the {owner}'s outputs are {what} on {where}, so nothing can be measured: {cause}")


def finite_trials(
    trials: Trials, measured: np.ndarray, fail: Callable[[np.ndarray, str], NotFinite], first: str, rest: str,
    notes: list[str],
) -> tuple[Trials, np.ndarray]:
    """The trial triples whose outputs are finite, noted when some are left out; `fail` says why
    nothing can be measured when the first row's output (at `first`) is not finite, or fewer than
    two triples (at `rest`) are."""
    if not np.isfinite(measured[0]).all():
        raise fail(measured[0], first)
    trials, out = trials.finite(measured)
    if trials.count < 2:  # too few triples left to test anything
        raise fail(measured, rest)
    if len(out) < len(measured):
        notes.append(
            f"{(len(measured) - len(out)) // 3} of {(len(measured) - 1) // 3} trial triples gave outputs that "
            "are not finite (inf or NaN) and were left out of the affine test"
        )
    return trials, out


def _weights(model: Any) -> Iterator[tuple[str, np.ndarray]]:
    for variable in list(getattr(model, "weights", None) or []):
        name = getattr(variable, "path", None) or getattr(variable, "name", "?")
        try:
            array = np.asarray(_to_numpy(variable), dtype=np.float64)
        except (TypeError, ValueError):
            continue
        yield str(name), array


def _not_finite(model: Any, values: np.ndarray, where: str) -> NotFinite:
    return not_finite(values, where, _weights(model))


def _known(shape: Any) -> tuple[int, ...] | None:
    try:
        dims = tuple(shape)[1:]
    except TypeError:
        return None
    return dims if dims and all(isinstance(d, int) for d in dims) else None


def _input_shapes(model: Any, input_shape: Sequence[int] | None) -> list[tuple[int, ...]]:
    """The shape of one sample of each input, in the model's order."""
    if input_shape is not None:
        return [tuple(int(d) for d in input_shape)]
    try:
        inputs = getattr(model, "inputs", None)
    except (AttributeError, ValueError):  # a subclassed model never called raises here in some versions
        inputs = None
    if inputs:
        shapes = [_known(getattr(tensor, "shape", None)) for tensor in inputs]
        if all(shape is not None for shape in shapes):
            return [shape for shape in shapes if shape is not None]
    # A model Keras has built by calling or fitting it (a subclassed one too) keeps the shapes
    # it was built for; one positional input is what check_model can feed.
    built = getattr(model, "_build_shapes_dict", None)
    if isinstance(built, dict) and len(built) == 1:
        shape = _known(next(iter(built.values())))
        if shape is not None:
            return [shape]
    raise NeedsInputShape(
        "check_model needs the shape of one input sample: pass input_shape=(...), "
        "for example input_shape=(2,) (a subclassed model says it only once it has been called or fitted)"
    )


def _feed(shapes: Sequence[tuple[int, ...]]) -> Callable[[np.ndarray], Any]:
    """Flat rows -> what the model takes: one tensor, or one per input (the rows' columns in order)."""
    sizes = [math.prod(shape) for shape in shapes]

    def feed(rows: np.ndarray) -> Any:
        rows = rows.astype("float32")
        if len(shapes) == 1:
            return _to_tensor(rows.reshape((-1,) + tuple(shapes[0])))
        parts = np.split(rows, np.cumsum(sizes)[:-1], axis=1)
        return [_to_tensor(part.reshape((-1,) + tuple(shape))) for part, shape in zip(parts, shapes)]

    return feed


def _call_model(model: Any) -> Callable[[Any], Any]:
    def call(batch: Any) -> Any:
        return model(batch, training=False)

    return call


def _flat(f: Callable[[Any], Any], feed: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], np.ndarray]:
    """`f` on rows of flat float64 probes, as flat float64 outputs."""

    def call(rows: np.ndarray) -> np.ndarray:
        return _to_numpy(f(feed(rows))).reshape(len(rows), -1).astype(np.float64)

    return call


def _identity(x: Any) -> Any:
    return x


def _apply_path(applications: Sequence[Application]) -> Callable[[np.ndarray], Any]:
    """Apply a run's layers in order; the last affine layer without its activation."""
    last = applications[-1].layer

    def call(batch: Any) -> Any:
        saved = getattr(last, "activation", None)
        if saved is not None:
            last.activation = _identity
        try:
            for application in applications:
                batch = application.layer(batch, training=False)
        finally:
            if saved is not None:
                last.activation = saved
        return batch

    return call


def _width(tensor: Any) -> int:
    try:
        return math.prod(int(d) for d in tuple(tensor.shape)[1:])
    except (TypeError, ValueError):
        return 0


def is_torch_module(model: Any) -> bool:
    """An instance of `torch.nn.Module`, told from its class's MRO without importing torch."""
    return any(
        cls.__name__ == "Module" and cls.__module__ == "torch.nn.modules.module" for cls in type(model).__mro__
    )


def check_model(
    model: Any,
    example_input: Any = None,
    *,
    input_shape: Sequence[int] | None = None,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    seed: int = 0,
) -> Report:
    """Is this built Keras model (or PyTorch module) one affine map in inference mode? Which of its
    layers collapse?

    A PyTorch `nn.Module` takes `example_input` (a tensor with the batch axis first, or a tuple of
    them): runtime/pytorch.py traces it with forward hooks and measures each collapse in the real
    forward pass (docs/design.md). Only then is torch imported; a Keras model never imports it, and
    a torch module never imports Keras.

    Structure: the real layer objects, recorded during one traced call, go through the same
    catalog and collapse analysis as the static checks (activations read from the layers,
    BatchNormalization affine at inference, Dropout the identity). Measurement: the same call
    carries random inputs for the affine test f(a*x + (1-a)*y) = a*f(x) + (1-a)*f(y); when the
    model is affine its kernel comes from composing the layers' weights where they allow it, else
    from basis probes, and is checked against the measured outputs. Memory is bounded by
    `max_elements` values at once; beyond it the rank is measured from fewer random probes, and
    the report says so.

    Raises TypeError for anything but a Keras model, NeedsInputShape (a ValueError) when the
    input shape is unknown, and NotFinite (a ValueError) when the outputs are inf or NaN on the
    zero input or on all but one trial triple (a NaN weight, an overflow), each in one line.
    """
    if is_torch_module(model):
        if input_shape is not None:
            raise TypeError(
                "check_model: input_shape is for Keras models; a PyTorch module takes an example input, "
                "check_model(module, torch.randn(1, ...))"
            )
        if example_input is None:
            raise TypeError(
                f"check_model needs an example input for a PyTorch module ({type(model).__name__}): "
                "check_model(module, example_input), a tensor with the batch axis first"
            )
        from .pytorch import check_torch

        return check_torch(model, example_input, max_elements=max_elements, seed=seed)
    _require_model(model)
    if example_input is not None:
        raise TypeError(
            "check_model: example_input is for PyTorch modules; a Keras model takes input_shape= "
            "(the shape of one sample) when it does not say it"
        )
    shapes = _input_shapes(model, input_shape)
    shape = shapes[0]
    n = sum(math.prod(one) for one in shapes)
    feed = _feed(shapes)
    if MIN_TRIAL_ROWS * n > max_elements:
        raise ValueError(
            f"one input sample holds {n:,} values, so the {MIN_TRIAL_ROWS} trial rows would hold "
            f"{MIN_TRIAL_ROWS * n:,}, over max_elements={max_elements:,}"
        )
    notes: list[str] = [backends.CHOSEN] if backends.CHOSEN else []  # a backend we chose is said
    if len(shapes) > 1:
        names = [getattr(t, "name", f"input {i + 1}") for i, t in enumerate(getattr(model, "inputs", None) or [])]
        names += [f"input {i + 1}" for i in range(len(names), len(shapes))]
        at, parts = 0, []
        for name, one in zip(names, shapes):
            size = math.prod(one)
            parts.append(f"{name} ({size} values, kernel rows {at}-{at + size - 1})")
            at += size
        notes.append(f"{len(shapes)} inputs, flattened and concatenated in this order: " + ", ".join(parts))
    trials = trial_rows(n, seed, max_elements)
    batch = feed(trials.rows)
    # Sequential and functional models: the structure from Keras's own graph, and a plain call;
    # subclassed ones (and models nesting others, and models not built yet): one traced call gives
    # both, and builds the model when it is not built (Keras then runs call() once symbolically
    # inside it; the trace keeps only the eager run).
    traced: Trace | None = read_graph(model)
    if traced is not None:
        output = model(batch, training=False)
    else:
        try:
            traced = trace(model, batch, _call_model(model))
            output = traced.output
            # a Sequential model the call has just built: Keras's graph of it, as for a built one
            traced = read_graph(model) or traced
        except Exception as failure:  # a layer that does not tolerate being traced: measure only
            notes.append(f"structure not read ({type(failure).__name__}: {failure})")
            output = model(batch, training=False)
    measured = _to_numpy(output).reshape(len(trials.rows), -1).astype(np.float64)
    trials, out = finite_trials(
        trials, measured, lambda values, where: _not_finite(model, values, where), "the zero input",
        "the random trial inputs (scales 1 to 30)", notes,
    )
    error = affine_error(trials, out)
    measured_affine = error <= AFFINE_TOLERANCE
    structure_affine = is_affine(traced.graph) if traced is not None else None
    if structure_affine is not None and structure_affine != measured_affine:
        notes.append(
            f"the structure says {'affine' if structure_affine else 'not affine'} but the measurement "
            "disagrees; the measurement decides"
        )

    kernel = bias = None
    rank, lower, probes = None, False, len(trials.rows)
    weights: dict[Any, Any] = {}
    if measured_affine:
        bias = out[0]
        chain = _chain(traced) if traced is not None and len(shapes) == 1 and len(shape) == 1 else None
        composed = compose(chain, n, max_elements, weights) if chain is not None else None
        if composed is not None and fit_error(trials, out, *composed) <= AFFINE_TOLERANCE:
            kernel, bias = composed[0], out[0]
        else:
            widest = _widest(traced, n) if traced is not None else max(n, out.shape[1])
            try:
                probed = probe_kernel(
                    _flat(_call_model(model), feed),
                    (n,),
                    bias,
                    max_elements=max_elements,
                    width_hint=widest,
                    seed=seed,
                )
            except NotFinite as failure:
                raise NotFinite(f"check_model: {failure}") from None
            kernel, lower, probes = probed.kernel, probed.rank_is_lower_bound, probes + probed.probes
            rank = probed.rank
            if probed.note:
                notes.append(probed.note)
        if kernel is not None:
            error = max(error, fit_error(trials, out, kernel, bias))
            rank = rank_of(kernel)
    runs = _collapsed(traced, max_elements, seed, weights, notes) if traced is not None else []
    findings: tuple[ModelFinding, ...] = ()
    if traced is not None:
        shape = tuple(getattr(output, "shape", ()) or ())
        # each output's values in its own shape and dtype, in the order of the graph's heads
        heads = [_to_numpy(tensor) for tensor in flat_outputs(output, from_graph=traced.output is None)]
        training = training_of(model, len(heads))
        findings = graph_findings(traced.graph.with_training(training), out, shape, heads)
    return Report(
        is_affine=measured_affine,
        kernel=kernel,
        bias=bias,
        rank=rank,
        rank_is_lower_bound=lower,
        collapsed=tuple(runs),
        method="both" if traced is not None else "measurement",
        input_width=n,
        output_width=out.shape[1],
        max_error=error,
        structure_affine=structure_affine,
        measured_affine=measured_affine,
        probes=probes,
        notes=tuple(notes),
        findings=findings,
    )


def _chain(traced: Trace) -> list[Any] | None:
    """The layers of a traced model in order, if its graph is one chain from input to output."""
    graph = traced.graph
    order, key = [], 0
    while True:
        successors = graph.successors(key)
        if not successors:
            break
        if len(successors) != 1 or len(graph.predecessors(successors[0])) != 1:
            return None
        key = successors[0]
        order.append(traced.applications[key].layer)
    return order if tuple(graph.outputs) == (key,) else None


def _widest(traced: Trace, n: int) -> int:
    return max([_width(a.output) for a in traced.applications.values() if hasattr(a.output, "shape")] + [n])


def _collapsed(
    traced: Trace, max_elements: int, seed: int, weights: dict[Any, Any], notes: list[str]
) -> list[CollapsedRun]:
    """Each run of collapsing layers with the map it composes into: from the weights where they
    allow it, else by probing the run's layers with the last one's activation switched off. A run
    whose map is not finite (a pre-activation that overflows) gets no rank, and a note."""
    runs = []
    for path in collapsed_runs(traced.graph):
        applications = [traced.applications[node.key] for node in path]
        first_input = applications[0].inputs[0] if applications[0].inputs else None
        shape = tuple(int(d) for d in tuple(first_input.shape)[1:]) if first_input is not None else ()
        width = math.prod(shape) if shape else 0
        out_width = _width(applications[-1].output) or None
        rank, lower = None, False
        if shape and not any(node.kind is Kind.MERGE for node in path):
            layers = [a.layer for a in applications]
            composed = compose(layers, width, max_elements, weights) if len(shape) == 1 else None
            if composed is not None and np.isfinite(composed[0]).all():
                rank = rank_of(composed[0])
            else:
                f = _apply_path(applications)
                zero = np.zeros((1,) + shape, dtype="float32")
                origin = _to_numpy(f(_to_tensor(zero))).reshape(-1)
                try:
                    if not np.isfinite(origin).all():
                        raise NotFinite("its output on the zero input is not finite")
                    probed = probe_kernel(
                        _flat(f, _feed([shape])),
                        shape,
                        origin,
                        max_elements=max_elements,
                        width_hint=max(_width(a.output) for a in applications),
                        seed=seed,
                    )
                    rank, lower = probed.rank, probed.rank_is_lower_bound
                except NotFinite as failure:
                    labels = [node.label for node in path if node.kind is Kind.AFFINE]
                    notes.append(f"no rank for the run {labels[0]} -> {labels[-1]}: {failure}")
        affine = (a.layer for a, node in zip(applications, path) if node.kind is Kind.AFFINE)
        runs.append(CollapsedRun.along(path, affine, (width, out_width), rank, lower))
    return runs
