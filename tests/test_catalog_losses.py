"""The catalog's losses, checked against Keras itself: every name it resolves, every from_logits position."""

from __future__ import annotations

import inspect
import os

import pytest

from flake8_keras_activation import catalog

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras", reason="the catalog is checked against Keras: pip install '.[runtime]'")

# Names tf_keras accepts that Keras 3 does not (module-level aliases of tf_keras.losses), and
# compile()'s own "crossentropy"/"ce", which keras.losses.get does not resolve.
_NOT_IN_KERAS_3 = {"huber_loss", "logcosh", "kullback_leibler_divergence", "crossentropy", "ce"}
_FAMILY_OF = {
    "binary_crossentropy": "binary",
    "binary_focal_crossentropy": "binary",
    "categorical_crossentropy": "categorical",
    "categorical_focal_crossentropy": "categorical",
    "sparse_categorical_crossentropy": "sparse",
    "mean_squared_error": "regression",
    "mean_absolute_error": "regression",
    "mean_absolute_percentage_error": "regression",
    "mean_squared_logarithmic_error": "regression",
    "huber": "regression",
    "log_cosh": "regression",
}


def _function_name(loss: object) -> str:
    """The loss function a Keras loss object or function computes."""
    function = getattr(loss, "fn", loss)
    return getattr(function, "__name__", "")


@pytest.mark.parametrize("name", sorted(set(catalog.LOSS_FAMILY) - _NOT_IN_KERAS_3))
def test_every_loss_name_resolves_in_keras_to_its_family(name: str) -> None:
    resolved = keras.losses.get(name)
    assert resolved is not None
    assert catalog.loss_family(name) == _FAMILY_OF.get(_function_name(resolved), "other")


@pytest.mark.parametrize(("name", "index"), sorted(catalog.FROM_LOGITS_ARG.items()))
def test_from_logits_positions_are_keras_constructor_positions(name: str, index: int) -> None:
    parameters = [p for p in inspect.signature(getattr(keras.losses, name)).parameters.values() if p.name != "self"]
    assert parameters[index].name == "from_logits"
    assert parameters[index].default is False


def _resolvable(name: str) -> bool:
    try:
        return keras.losses.get(name) is not None
    except ValueError:
        return False


def test_every_cross_entropy_keras_resolves_by_name_is_in_the_catalog() -> None:
    names = [n for n in dir(keras.losses) if "crossentropy" in n.lower() and not n.startswith("_")]
    assert len([n for n in names if _resolvable(n)]) >= 10
    assert [n for n in names if _resolvable(n) and catalog.loss_family(n) is None] == []


@pytest.mark.parametrize(("layer", "expected"), sorted(catalog.ACTIVATION_LAYERS.items()))
def test_activation_layers_apply_what_the_catalog_says(layer: str, expected: str) -> None:
    import numpy as np

    cls = getattr(keras.layers, layer.split(".", 1)[1], None)
    if cls is None:
        pytest.skip(f"{layer} exists in tf_keras only, which CI does not install")
    x = np.linspace(-2, 2, 12, dtype="float32").reshape(3, 4)
    got = np.asarray(keras.ops.convert_to_numpy(cls()(x)))
    reference = {
        "softmax": lambda v: keras.activations.softmax(v),
        "relu": lambda v: keras.activations.relu(v),
        "leaky_relu": lambda v: keras.activations.leaky_relu(v, negative_slope=0.3),
        "elu": lambda v: keras.activations.elu(v),
        "prelu": lambda v: keras.activations.relu(v),  # alpha starts at zero
    }[expected]
    assert np.allclose(got, np.asarray(keras.ops.convert_to_numpy(reference(x))), atol=1e-6)
