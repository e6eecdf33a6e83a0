"""Assertions for users' own test suites: `assert_not_affine(model)` in pytest, in their CI."""

from __future__ import annotations

from typing import Any, Collection, Sequence

from .backends import choose_for_user
from .screen import OFF_BY_DEFAULT

# As for `flake8_keras_activation.runtime`: imported before Keras, where the backend Keras would
# load is not installed and none is chosen, an installed one is (the runtime extra installs JAX).
choose_for_user()

RUNTIME_HINT = "assert_not_affine needs Keras: pip install 'flake8-keras-activation[runtime]'"
TORCH_HINT = "assert_not_affine on a PyTorch module needs NumPy beside PyTorch: pip install numpy"


def _is_torch(model: Any) -> bool:
    return any(c.__name__ == "Module" and c.__module__ == "torch.nn.modules.module" for c in type(model).__mro__)


def _name(model: Any) -> str:
    """A Keras model's name; a PyTorch module's class."""
    return type(model).__name__ if _is_torch(model) else getattr(model, "name", "the model")


def assert_not_affine(
    model: Any,
    example_input: Any = None,
    *,
    input_shape: Sequence[int] | None = None,
    forbid_collapsed_runs: bool = False,
) -> None:
    """Fail when the built Keras model (or PyTorch module) computes one affine map (in inference mode).

    The AssertionError names the layers that collapse and the map they compute. With
    `forbid_collapsed_runs=True` it also fails when only part of the model collapses (a linear
    hidden layer before a softmax head, say). `input_shape` is the shape of one sample, needed
    for subclassed Keras models; a PyTorch `nn.Module` takes `example_input`, a tensor with the
    batch axis first. Imports Keras for a Keras model, torch for a torch module.
    """
    try:
        from .runtime import check_model
    except ImportError as error:  # the runtime extra is missing: say what to install, not which module
        hint = TORCH_HINT if _is_torch(model) else RUNTIME_HINT
        raise ImportError(f"{hint} (missing: {error.name or error})") from None

    report = check_model(model, example_input, input_shape=input_shape)
    if report.is_affine:
        lines = [f"{_name(model)} is affine end to end: {report.map_text()}"]
    elif forbid_collapsed_runs and report.collapsed:
        lines = [f"{_name(model)} has layers that collapse into one affine map"]
    else:
        return
    lines.extend(f"  collapsed: {run.describe()}" for run in report.collapsed)
    if _is_torch(model):
        lines.append("  add nn.ReLU() (or another nonlinearity) between the layers")
    else:
        lines.append('  add activation="relu" (or another nonlinearity) to the hidden layers')
    raise AssertionError("\n".join(lines))


def assert_output_fits_loss(
    model: Any,
    example_input: Any = None,
    *,
    input_shape: Sequence[int] | None = None,
    extend_select: Collection[str] = (),
) -> None:
    """Fail when a built (and compiled) Keras model's output does not fit its loss or its metrics:
    the KA2xx findings of `check_model` (softmax over one unit, from_logits the wrong way, a
    probability loss on an output that is not one (a linear, relu or recurrent output), a
    categorical loss on one unit or on sigmoid units, a binary loss on a multi-class softmax, a
    Dense head on a feature map, a regression loss on a softmax, a softmax or sigmoid applied
    twice, accuracy on a regression), whether structure or a measurement of the outputs (a softmax
    applied inside `call()`) established them.

    Codes that are off by default (KA210, a bounded activation on a regression's output, often a
    deliberate constraint) fail only when named in `extend_select`, as with flake8's option. The
    AssertionError lists each finding with its code. `input_shape` is the shape of one sample, for
    subclassed models Keras has not built. A PyTorch module (with `example_input`) has no loss at
    run time, so only what its modules show is found (KA201, a softmax over one unit). Imports Keras,
    or torch for a torch module.
    """
    from .runtime import check_model

    report = check_model(model, example_input, input_shape=input_shape)
    found = [
        finding
        for finding in report.findings
        if finding.code.startswith("KA2") and (finding.code not in OFF_BY_DEFAULT or finding.code in extend_select)
    ]
    if found:
        lines = [f"{_name(model)}'s output does not fit its loss:"]
        lines.extend(f"  {finding.text}" for finding in found)
        raise AssertionError("\n".join(lines))
