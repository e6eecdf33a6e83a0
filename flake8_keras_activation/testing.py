"""Assertions for users' own test suites: `assert_not_affine(model)` in pytest, in their CI."""

from __future__ import annotations

from typing import Any, Collection, Sequence

from .backends import choose_for_user
from .screen import OFF_BY_DEFAULT

# As for `flake8_keras_activation.runtime`: imported before Keras, where the backend Keras would
# load is not installed and none is chosen, an installed one is (the runtime extra installs JAX).
choose_for_user()

RUNTIME_HINT = "assert_not_affine needs Keras: pip install 'flake8-keras-activation[runtime]'"


def assert_not_affine(
    model: Any,
    *,
    input_shape: Sequence[int] | None = None,
    forbid_collapsed_runs: bool = False,
) -> None:
    """Fail when the built Keras model computes one affine map (in inference mode).

    The AssertionError names the layers that collapse and the map they compute. With
    `forbid_collapsed_runs=True` it also fails when only part of the model collapses (a linear
    hidden layer before a softmax head, say). `input_shape` is the shape of one sample, needed
    for subclassed models. Imports Keras.
    """
    try:
        from .runtime import check_model
    except ImportError as error:  # the runtime extra is missing: say what to install, not which module
        raise ImportError(f"{RUNTIME_HINT} (missing: {error.name or error})") from None

    report = check_model(model, input_shape=input_shape)
    if report.is_affine:
        lines = [f"{getattr(model, 'name', 'the model')} is affine end to end: {report.map_text()}"]
    elif forbid_collapsed_runs and report.collapsed:
        lines = [f"{getattr(model, 'name', 'the model')} has layers that collapse into one affine map"]
    else:
        return
    lines.extend(f"  collapsed: {run.describe()}" for run in report.collapsed)
    lines.append('  add activation="relu" (or another nonlinearity) to the hidden layers')
    raise AssertionError("\n".join(lines))


def assert_output_fits_loss(
    model: Any, *, input_shape: Sequence[int] | None = None, extend_select: Collection[str] = ()
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
    subclassed models Keras has not built. Imports Keras.
    """
    from .runtime import check_model

    report = check_model(model, input_shape=input_shape)
    found = [
        finding
        for finding in report.findings
        if finding.code.startswith("KA2") and (finding.code not in OFF_BY_DEFAULT or finding.code in extend_select)
    ]
    if found:
        lines = [f"{getattr(model, 'name', 'the model')}'s output does not fit its loss:"]
        lines.extend(f"  {finding.text}" for finding in found)
        raise AssertionError("\n".join(lines))
