"""The catalog checked against Keras itself: positional activation indices, classes, and inference maps."""

from __future__ import annotations

import importlib
import inspect
import os
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras", reason="the runtime half needs Keras: pip install '.[runtime]'")

from flake8_keras_activation import catalog  # noqa: E402
from flake8_keras_activation.catalog import Act, Kind  # noqa: E402
from flake8_keras_activation.runtime.structure import layer_key  # noqa: E402

# LocallyConnected1D/2D, CuDNNLSTM/GRU and ThresholdedReLU were removed in Keras 3 and live on in
# tf_keras; it is often not installed beside Keras 3, and then those layers are checked nowhere.
try:
    tf_keras: Any = importlib.import_module("tf_keras")
except ImportError:
    tf_keras = None

# Only standalone Keras 2 (2.3 and before) had these; no Keras installable beside Keras 3 has them.
# Their indices were read from Keras 2.3.1's convolutional.py: Conv3DTranspose had no dilation_rate.
KERAS2_ONLY = frozenset({"Deconvolution2D", "Deconv2D", "Deconvolution3D", "Deconv3D"})

# Values for the required parameters, by name; every other position before the activation gets
# its own default, so that the activation lands exactly at the catalog's index.
REQUIRED = {"units": 4, "filters": 4, "kernel_size": 3, "equation": "ab,bc->ac", "output_shape": 4}


def find_class(name: str) -> tuple[Any, str]:
    """The class for a catalog name, from Keras 3 or else tf_keras, and which one gave it."""
    if hasattr(keras.layers, name):
        return getattr(keras.layers, name), "keras"
    if tf_keras is not None:
        # SyncBatchNormalization is public as layers.experimental, the CuDNN layers in the v1 API
        for namespace in (tf_keras.layers, tf_keras.layers.experimental, importlib.import_module("tf_keras.src.layers")):
            if hasattr(namespace, name):
                return getattr(namespace, name), "tf_keras"
    if name in KERAS2_ONLY:
        pytest.skip(f"{name} exists only in standalone Keras 2, which cannot be installed with Keras 3")
    if tf_keras is None:
        pytest.skip(f"{name} is not in Keras 3; tf_keras, where it may be, is not importable")
    pytest.fail(f"{name} is in neither Keras 3 nor tf_keras")


def positional_arguments(cls: Any, index: int, activation: str) -> list[Any]:
    parameters = [
        p for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    args = []
    for parameter in parameters[:index]:
        if parameter.default is inspect.Parameter.empty:
            args.append(REQUIRED[parameter.name])
        else:
            args.append(parameter.default)
    return [*args, activation]


AFFINE = sorted(
    (key[len("layers."):], info)
    for key, info in catalog.LAYERS.items()
    if info.kind is Kind.AFFINE and key.startswith("layers.")  # PyTorch's keys: test_torch_catalog.py
)


@pytest.mark.parametrize(("name", "info"), AFFINE, ids=[name for name, _ in AFFINE])
def test_positional_activation_lands_where_the_catalog_reads_it(name: str, info: catalog.LayerInfo) -> None:
    cls, _ = find_class(name)
    assert info.activation_arg is not None
    layer = cls(*positional_arguments(cls, info.activation_arg, "softsign"))
    assert layer.get_config()["activation"] == "softsign"
    # The runtime half names the object by its class: it must meet the same catalog entry.
    assert catalog.layer_info(layer_key(layer)).kind is Kind.AFFINE


@pytest.mark.parametrize(("name", "info"), AFFINE, ids=[name for name, _ in AFFINE])
def test_default_activation_is_what_the_catalog_assumes(name: str, info: catalog.LayerInfo) -> None:
    cls, _ = find_class(name)
    required = [
        REQUIRED[p.name] for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.default is inspect.Parameter.empty
    ]
    expected = {Act.LINEAR: "linear", Act.NONLINEAR: "tanh"}[info.default_activation]
    assert cls(*required).get_config()["activation"] == expected


NAMED = sorted(key[len("layers."):] for key in catalog.LAYERS if key.startswith("layers."))


@pytest.mark.parametrize("name", NAMED)
def test_every_catalog_name_is_a_keras_layer(name: str) -> None:
    cls, _ = find_class(name)
    assert callable(cls)  # a class, or keras.Input, a function


def affine_error(layer: Any, shape: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> float:
    """How far the layer at inference is from an affine map, on random convex combinations."""
    rng = np.random.default_rng(0)
    x = rng.uniform(low, high, (2,) + shape).astype("float32")
    y = rng.uniform(low, high, (2,) + shape).astype("float32")
    x[:, 0] = 0.0  # some all-zero rows, where Masking acts
    y[:, 1] = 0.5

    def run(value: np.ndarray) -> np.ndarray:
        return np.asarray(keras.ops.convert_to_numpy(layer(value, training=False)))

    a = 0.3
    mixed = run(a * x + (1 - a) * y)
    return float(np.abs(mixed - (a * run(x) + (1 - a) * run(y))).max())


IMAGE_PASS = [
    ("Resizing", (4, 4)),
    ("CenterCrop", (4, 4)),
    ("RandomFlip", ()),
    ("RandomRotation", (0.2,)),
    ("RandomTranslation", (0.2, 0.2)),
    ("RandomZoom", (0.2,)),
    ("RandomCrop", (4, 4)),
    ("RandomContrast", (0.5,)),
    ("RandomBrightness", (0.5,)),
    ("RandomHeight", (0.2,)),
    ("RandomWidth", (0.2,)),
]


@pytest.mark.parametrize(("name", "args"), IMAGE_PASS, ids=[name for name, _ in IMAGE_PASS])
def test_image_layers_the_catalog_passes_are_affine_at_inference(name: str, args: tuple[Any, ...]) -> None:
    assert catalog.layer_info("layers." + name).kind is Kind.PASS
    cls, _ = find_class(name)
    layer = cls(*args)
    # within the value range the brightness and contrast layers clip to during training
    assert affine_error(layer, (8, 8, 3), 0.0, 1.0) < 1e-4


def test_masking_with_its_default_value_changes_nothing_and_another_value_is_nonlinear() -> None:
    assert affine_error(keras.layers.Masking(), (5, 3)) < 1e-6
    # the negative control: the same measurement does see a nonlinear step
    assert affine_error(keras.layers.Masking(0.5), (5, 3)) > 1e-2


def test_spectral_normalization_wraps_a_layer_that_is_affine_at_inference() -> None:
    assert "layers.SpectralNormalization" in catalog.WRAPPERS
    layer = keras.layers.SpectralNormalization(keras.layers.Dense(4))
    layer.build((None, 6))
    assert affine_error(layer, (6,)) < 1e-5
