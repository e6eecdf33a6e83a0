"""Canonical names: every spelling of a Keras name meets the same catalog entry."""

from __future__ import annotations

import pytest

from flake8_keras_activation import catalog
from flake8_keras_activation.catalog import Act, Kind


@pytest.mark.parametrize(
    "qualified",
    [
        "keras.layers.Dense",
        "keras.layers.core.Dense",
        "keras.layers.core.dense.Dense",
        "keras.src.layers.core.dense.Dense",
        "tensorflow.keras.layers.Dense",
        "tensorflow.python.keras.layers.core.Dense",
        "tensorflow.compat.v1.keras.layers.Dense",
        "tf_keras.layers.Dense",
        "keras.api.layers.Dense",
    ],
)
def test_every_spelling_of_dense_is_affine(qualified: str) -> None:
    key = catalog.canonical(qualified)
    assert key == "layers.Dense"
    assert catalog.layer_info(key).kind is Kind.AFFINE


@pytest.mark.parametrize(
    ("qualified", "key"),
    [
        ("keras.Sequential", "models.Sequential"),
        ("keras.models.Sequential", "models.Sequential"),
        ("tensorflow.keras.models.Sequential", "models.Sequential"),
        ("keras.engine.sequential.Sequential", "models.Sequential"),
        ("keras.Model", "models.Model"),
        ("keras.Input", "models.Input"),
        ("tensorflow.nn.relu", "tf.nn.relu"),
        ("keras.activations.linear", "activations.linear"),
    ],
)
def test_model_constructors_and_functions(qualified: str, key: str) -> None:
    assert catalog.canonical(qualified) == key


@pytest.mark.parametrize("qualified", ["mylib.Dense", "mylib.Linear", "torchx.nn.Linear", "kerasx.layers.Dense", "numpy"])
def test_other_libraries_are_neither_keras_nor_torch(qualified: str) -> None:
    assert catalog.canonical(qualified) is None


@pytest.mark.parametrize(
    ("qualified", "key"),
    [
        ("torch.nn.Linear", "nn.Linear"),
        ("torch.nn.modules.linear.Linear", "nn.Linear"),
        ("torch.nn.modules.conv.Conv2d", "nn.Conv2d"),
        ("torch.nn.functional.relu", "F.relu"),
        ("torch.nn.functional.cross_entropy", "F.cross_entropy"),
        ("torch.relu", "torch.relu"),
        ("torch.nn.CrossEntropyLoss", "nn.CrossEntropyLoss"),
    ],
)
def test_every_spelling_of_a_torch_name_has_one_key(qualified: str, key: str) -> None:
    assert catalog.canonical(qualified) == key


def test_activation_classification() -> None:
    assert catalog.activation_string("linear") is Act.LINEAR
    assert catalog.activation_string("relu") is Act.NONLINEAR
    assert catalog.activation_string("my_custom") is Act.UNKNOWN
    assert catalog.activation_function("tf.nn.relu") is Act.NONLINEAR
    assert catalog.activation_function("activations.linear") is Act.LINEAR
    assert catalog.activation_function("tf.matmul") is None


def test_kinds_of_common_layers() -> None:
    kinds = {name: catalog.layer_info("layers." + name).kind for name in
             ("Conv2DTranspose", "Dropout", "BatchNormalization", "MaxPooling2D", "Add", "Multiply", "Embedding")}
    assert kinds == {
        "Conv2DTranspose": Kind.AFFINE,
        "Dropout": Kind.PASS,
        "BatchNormalization": Kind.PASS,
        "MaxPooling2D": Kind.NONLINEAR,
        "Add": Kind.MERGE,
        "Multiply": Kind.NONLINEAR,
        "Embedding": Kind.NONLINEAR,
    }
