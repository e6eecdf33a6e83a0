"""What a compiled Keras model's `loss` says, as the graph's losses, and the findings it proves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import catalog
from ..finding import Finding
from ..graph import Loss, ModelGraph
from ..rules import collapse, output

_KERAS_MODULES = ("keras.", "tf_keras.", "tensorflow.")


@dataclass(frozen=True)
class ModelFinding:
    """A finding about a built model: its code, its message, and how it was established."""

    code: str
    message: str
    established: str = "structure"  # "structure", or "both" when a measurement confirms it

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


def losses_of(model: Any) -> tuple[Loss, ...]:
    """The losses a compiled model was given, one per output where it was given a list or dict."""
    given = getattr(model, "loss", None)
    if given is None or _overrides(model, "train_step") or _overrides(model, "compute_loss"):
        return ()
    if isinstance(given, (list, tuple)):
        found = [_one_loss(item, index) for index, item in enumerate(given)]
    elif isinstance(given, dict):
        found = [_one_loss(item, str(key)) for key, item in given.items()]
    else:
        found = [_one_loss(given, None)]
    return tuple(loss for loss in found if loss is not None)


def _overrides(model: Any, method: str) -> bool:
    """Whether the model's own class (not Keras) defines `method`: a model with its own train_step
    or compute_loss decides itself what compile()'s loss is applied to."""
    for cls in type(model).__mro__:
        if method in vars(cls):
            return not cls.__module__.startswith(_KERAS_MODULES)
    return False


def graph_findings(
    graph: ModelGraph, outputs: Any = None, output_shape: tuple[Any, ...] = ()
) -> tuple[ModelFinding, ...]:
    """The collapse and output findings of a traced model; `outputs` (the measured outputs, as an
    array of rows) confirms a softmax over one unit at the output, and `output_shape` (the shape of
    the model's output) a head that predicts per position."""
    found: list[ModelFinding] = []
    for item in collapse.find_collapses(graph):
        if collapse.deliberate(graph, item) is None:
            found.append(ModelFinding("KA101", collapse.collapse_message(item)))
    for finding in output.analyze(graph):
        found.append(_confirmed(graph, finding, outputs, output_shape))
    return tuple(found)


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
