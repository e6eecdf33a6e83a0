"""What a compiled Keras model's `loss` and `metrics` say, as the graph's training, and the findings it proves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .. import catalog
from ..catalog import Kind
from ..finding import Finding
from ..graph import LayerNode, Loss, Metric, ModelGraph
from ..rules import collapse, output
from .measure import Squashed, squashing

_KERAS_MODULES = ("keras.", "tf_keras.", "tensorflow.")


@dataclass(frozen=True)
class ModelFinding:
    """A finding about a built model: its code, its message, and how it was established."""

    code: str
    message: str
    # "structure"; "both" when a measurement confirms it; "measurement" when only a measurement of
    # the outputs shows what structure could not read (a softmax applied inside call())
    established: str = "structure"

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"


def _one_loss(value: Any, target: int | str | None) -> Loss | None:
    """A loss as Keras holds it: a string, one of its loss functions, or a loss object."""
    if isinstance(value, str):
        return Loss(value, repr(value), 0, 0, False, target) if catalog.loss_family(value) else None
    cls = type(value)
    if callable(value) and not isinstance(value, type) and cls.__module__.startswith(_KERAS_MODULES):
        if hasattr(value, "get_config"):  # a loss object
            key = "losses." + cls.__name__
            settings = getattr(value, "_fn_kwargs", None) or {}
            from_logits = getattr(value, "from_logits", settings.get("from_logits", False))
            label = f"{cls.__name__}(from_logits={from_logits!r})"
            if catalog.loss_family(key) is None or not isinstance(from_logits, bool):
                return None
            return Loss(key, label, 0, 0, from_logits, target)
    module = getattr(value, "__module__", "") or ""
    name = getattr(value, "__name__", "")
    if module.startswith(_KERAS_MODULES) and catalog.loss_family(name):
        return Loss("losses." + name, name, 0, 0, False, target)
    return None


# Keras applies the loss and the metrics it holds together (a later compile() without metrics leaves
# the earlier ones in place, in Keras 3), so the runtime's losses and metrics are one compile.
COMPILE = 0


def _own_training(model: Any) -> bool:
    return _overrides(model, "train_step") or _overrides(model, "compute_loss")


def losses_of(model: Any) -> tuple[Loss, ...]:
    """The losses a compiled model was given, one per output where it was given a list or dict."""
    given = getattr(model, "loss", None)
    if given is None or _own_training(model):
        return ()
    if isinstance(given, (list, tuple)):
        found = [_one_loss(item, index) for index, item in enumerate(given)]
    elif isinstance(given, dict):
        found = [_one_loss(item, str(key)) for key, item in given.items()]
    else:
        found = [_one_loss(given, None)]
    return tuple(loss for loss in found if loss is not None)


def _one_metric(value: Any, target: int | str | None) -> Metric | None:
    """An accuracy metric as Keras holds what compile() was given: a name, Keras's Accuracy class, or
    an object of it (a subclass of the user's is not Keras's and is left alone)."""
    if isinstance(value, str):
        return Metric(value, repr(value), 0, 0, target, COMPILE) if value in catalog.ACCURACY_METRICS else None
    cls = value if isinstance(value, type) else type(value)
    if cls.__module__.startswith(_KERAS_MODULES) and "metrics." + cls.__name__ in catalog.ACCURACY_METRICS:
        label = cls.__name__ if isinstance(value, type) else f"{cls.__name__}()"
        return Metric("metrics." + cls.__name__, label, 0, 0, target, COMPILE)
    return None


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for entry in value for item in _flat(entry)]
    return [value]


def _metric_targets(given: Any, outputs: int, broadcast: bool) -> list[tuple[Any, int | str | None]]:
    """Each metric compile() was given, with the output it measures (None: every output).

    As Keras 3's CompileMetrics.build reads them: with one output every metric measures it; with
    several, a dict by output name, or a list or tuple with one entry (a metric or a list of them)
    per output. tf_keras's MetricsContainer (`broadcast`) also gives a flat list to every output.
    Another structure, matched to nested outputs, is not read."""
    if given is None:
        return []
    if isinstance(given, dict):
        return [(item, str(key)) for key, entry in given.items() for item in _flat(entry)]
    if not isinstance(given, (list, tuple)) or outputs <= 1:
        return [(item, None) for item in _flat(given)]
    if broadcast and not any(isinstance(entry, (list, tuple, dict)) for entry in given):
        return [(item, None) for item in given]
    if len(given) == outputs and not any(isinstance(entry, dict) for entry in given):
        return [(item, index) for index, entry in enumerate(given) for item in _flat(entry)]
    return []


def metrics_of(model: Any, outputs: int) -> tuple[Metric, ...]:
    """The accuracy metrics a compiled model was given, in `metrics` or `weighted_metrics`, each
    with the output it measures; `outputs` is how many outputs the model returns.

    Read as the user gave them, which Keras keeps untouched (also after fit() has built metric
    objects from them): Keras 3 in `model._compile_metrics` (a CompileMetrics, set by
    Trainer.compile only when metrics are given), tf_keras in `model.compiled_metrics` (a
    MetricsContainer); both hold `_user_metrics` and `_user_weighted_metrics`."""
    if _own_training(model):
        return ()
    container = getattr(model, "_compile_metrics", None)
    broadcast = container is None
    if broadcast:
        container = getattr(model, "compiled_metrics", None)
    if container is None:
        return ()
    found: list[Metric] = []
    for given in (getattr(container, "_user_metrics", None), getattr(container, "_user_weighted_metrics", None)):
        for value, target in _metric_targets(given, outputs, broadcast):
            metric = _one_metric(value, target)
            if metric is not None:
                found.append(metric)
    return tuple(dict.fromkeys(found))


def training_of(model: Any, outputs: int) -> tuple[Loss | Metric, ...]:
    """What a compiled model trains and measures with: its losses and its accuracy metrics."""
    return (*losses_of(model), *metrics_of(model, outputs))


def _overrides(model: Any, method: str) -> bool:
    """Whether the model's own class (not Keras) defines `method`: a model with its own train_step
    or compute_loss decides itself what compile()'s loss is applied to."""
    for cls in type(model).__mro__:
        if method in vars(cls):
            return not cls.__module__.startswith(_KERAS_MODULES)
    return False


def graph_findings(
    graph: ModelGraph,
    outputs: Any = None,
    output_shape: tuple[Any, ...] = (),
    heads: Sequence[np.ndarray] = (),
) -> tuple[ModelFinding, ...]:
    """The collapse and output findings of a traced model, every code (selecting the codes that are
    off by default, KA104 and KA210, is the business of what reports them); `outputs` (the measured
    outputs, as an array of rows) confirms a softmax over one unit at the output, `output_shape`
    (the shape of the model's output) a head that predicts per position, and `heads` (each output's
    measured values, in the order of `graph.heads`) what an output applies where structure cannot
    tell."""
    found: list[ModelFinding] = []
    for item in collapse.find_collapses(graph):
        why = collapse.deliberate(graph, item)
        if why is None:
            found.append(ModelFinding("KA101", collapse.collapse_message(item)))
        else:
            message = collapse.ka104(item.source.label, item.target.label, item.target.line, why)
            found.append(ModelFinding("KA104", message))
    structural = output.analyze(graph)
    for finding in structural:
        found.append(_confirmed(graph, finding, outputs, output_shape))
    found.extend(_measured_findings(graph, structural, heads))
    return tuple(found)


def measured_outputs(graph: ModelGraph, heads: Sequence[np.ndarray]) -> dict[int, Squashed]:
    """The outputs (by their index in `graph.heads`) whose activation structure does not give (an
    unknown operation, a Lambda, a custom activation) and the measurement shows: a softmax or a
    sigmoid. What structure gives is never overruled."""
    if len(heads) != len(graph.heads):
        return {}
    measured = {}
    for index, (head, values) in enumerate(zip(graph.heads, heads)):
        if len(head) != 1:
            continue
        step = output.output_step(graph, head[0])
        if step is not None and step.act:
            continue
        squashed = squashing(np.asarray(values))
        if squashed is not None:
            measured[index] = squashed
    return measured


def with_measured_outputs(
    graph: ModelGraph, measured: dict[int, Squashed], heads: Sequence[np.ndarray]
) -> ModelGraph:
    """The same graph with each measured output made by one more node after it, which applies the
    measured activation to the output's last axis (of the measured width): the output rules then
    judge it as they judge an activation layer, without knowing how it was established."""
    nodes, edges, graph_heads = list(graph.nodes), set(graph.edges), list(graph.heads)
    outputs = list(graph.outputs)
    free = min([node.key for node in graph.nodes] + [0]) - 1
    for index, squashed in measured.items():
        made_by = graph.node(graph_heads[index][0])
        shape = np.shape(heads[index])
        # the output's own label and name: messages name it, and a loss given by output name finds it
        nodes.append(
            LayerNode(
                key=free,
                kind=Kind.NONLINEAR,
                label=made_by.label,
                act_name=squashed.act,
                channels=int(shape[-1]) if len(shape) >= 2 else None,
                name=made_by.name,
            )
        )
        edges.add((made_by.key, free))
        graph_heads[index] = (free,)
        outputs = [free if key == made_by.key else key for key in outputs]
        free -= 1
    return ModelGraph(
        graph.kind, graph.label, tuple(nodes), frozenset(edges), graph.line, graph.col, graph.inputs,
        tuple(outputs), graph.preceded, graph.complete, tuple(graph_heads), graph.losses, graph.origin,
        graph.metrics,
    )


def _measured_findings(
    graph: ModelGraph, structural: list[Finding], heads: Sequence[np.ndarray]
) -> list[ModelFinding]:
    """The output findings that only the measured activations give: the rules run again on the graph
    with them, and what they find beyond what structure found is established by measurement."""
    measured = measured_outputs(graph, heads)
    if not measured:
        return []
    known = {(finding.code, finding.message) for finding in structural}
    labels = [(graph.node(graph.heads[index][0]).label, squashed) for index, squashed in measured.items()]
    found = []
    for finding in output.analyze(with_measured_outputs(graph, measured, heads)):
        if (finding.code, finding.message) in known:
            continue
        # every message of a finding about an output names the node that makes it
        evidence = next((s.evidence for label, s in labels if label in finding.message), labels[0][1].evidence)
        found.append(ModelFinding(finding.code, f"{finding.message} (measured: {evidence})", "measurement"))
    return found


def _confirmed(graph: ModelGraph, finding: Finding, outputs: Any, output_shape: tuple[Any, ...]) -> ModelFinding:
    if finding.code == "KA201" and outputs is not None:
        heads = [graph.node(head[0]) for head in graph.heads if len(head) == 1]
        at_output = any(output.ka201(node.label) == finding.message for node in heads)
        try:
            ones = bool(at_output and outputs.size and abs(outputs - 1.0).max() < 1e-6)
        except (AttributeError, TypeError, ValueError):
            ones = False
        if ones:
            return ModelFinding("KA201", finding.message + " (measured: the output is 1.0 on every probe)", "both")
    if finding.code == "KA206" and len(output_shape) > 2 and len(graph.heads) == 1:
        shown = ", ".join(str(d) for d in ("batch", *output_shape[1:]))
        return ModelFinding("KA206", f"{finding.message} (measured: the output has shape ({shown}))", "both")
    return ModelFinding(finding.code, finding.message)
