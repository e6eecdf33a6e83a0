"""The output rules on real compiled Keras models: check_model reads the layers and model.loss."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras", reason="the runtime half needs Keras: pip install '.[runtime]'")
layers = keras.layers

from flake8_keras_activation.runtime import check_model  # noqa: E402
from flake8_keras_activation.testing import assert_output_fits_loss  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:You are using a softmax over axis -1")


def mlp(*head: keras.layers.Layer, width: int = 4) -> keras.Model:
    return keras.Sequential([keras.Input(shape=(width,)), layers.Dense(8, activation="relu"), *head])


def codes(model: keras.Model, **kwargs: object) -> list[str]:
    return sorted(f.code for f in check_model(model, **kwargs).findings if f.code.startswith("KA2"))


def compiled(model: keras.Model, loss: object) -> keras.Model:
    model.compile(optimizer="adam", loss=loss)
    return model


def test_softmax_over_one_unit_is_measured_at_one_everywhere() -> None:
    model = compiled(mlp(layers.Dense(1, activation="softmax")), "categorical_crossentropy")
    findings = {f.code: f for f in check_model(model).findings}
    assert sorted(findings) == ["KA201", "KA204"]
    assert findings["KA201"].established == "both"
    assert findings["KA201"].message.endswith("(measured: the output is 1.0 on every probe)")


def test_from_logits_on_a_softmax_output_is_reported() -> None:
    inputs = keras.Input(shape=(6,))
    outputs = layers.Dense(3, activation="softmax")(layers.Dense(8, activation="relu")(inputs))
    model = compiled(keras.Model(inputs, outputs), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert codes(model) == ["KA202"]


def test_probability_loss_on_a_linear_output_is_reported() -> None:
    assert codes(compiled(mlp(layers.Dense(1)), "binary_crossentropy")) == ["KA203"]
    assert codes(compiled(mlp(layers.Dense(1)), keras.losses.binary_crossentropy)) == ["KA203"]


def test_binary_loss_on_a_ten_way_softmax_is_reported() -> None:
    assert codes(compiled(mlp(layers.Dense(10, activation="softmax")), keras.losses.BinaryCrossentropy())) == [
        "KA205"
    ]


def test_dense_head_on_a_feature_map_is_measured_by_its_output_shape() -> None:
    model = keras.Sequential(
        [keras.Input(shape=(8, 8, 1)), layers.Conv2D(4, 3, activation="relu"), layers.Dense(3, activation="softmax")]
    )
    (finding,) = [f for f in check_model(model).findings if f.code == "KA206"]
    assert finding.established == "both"
    assert finding.message.endswith("(measured: the output has shape (batch, 6, 6, 3))")


def test_losses_of_a_list_are_matched_to_outputs_in_order() -> None:
    inputs = keras.Input(shape=(5,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    value, policy = layers.Dense(1)(hidden), layers.Dense(4)(hidden)
    model = keras.Model(inputs, [value, policy])
    model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
    (finding,) = [f for f in check_model(model).findings if f.code.startswith("KA2")]
    assert finding.code == "KA203"
    assert "dense_" in finding.message and "'categorical_crossentropy'" in finding.message


class Classifier(keras.Model):
    def __init__(self, units: int = 3) -> None:
        super().__init__()
        self.body = layers.Dense(8, activation="relu")
        self.head = layers.Dense(units, activation="softmax")

    def call(self, x):
        return self.head(self.body(x))


class OwnTraining(Classifier):
    def train_step(self, data):
        return {}


def test_subclassed_model_reports_from_its_layers_and_loss() -> None:
    model = compiled(Classifier(), keras.losses.CategoricalCrossentropy(from_logits=True))
    assert codes(model, input_shape=(4,)) == ["KA202"]


def test_a_model_with_its_own_train_step_is_not_judged_by_compiles_loss() -> None:
    model = compiled(OwnTraining(), keras.losses.CategoricalCrossentropy(from_logits=True))
    assert codes(model, input_shape=(4,)) == []


@pytest.mark.parametrize(
    ("head", "loss"),
    [
        pytest.param(layers.Dense(1, activation="sigmoid"), "binary_crossentropy", id="sigmoid-bce"),
        pytest.param(layers.Dense(5, activation="sigmoid"), keras.losses.BinaryCrossentropy(), id="multi-label"),
        pytest.param(layers.Dense(10), keras.losses.SparseCategoricalCrossentropy(from_logits=True), id="logits"),
        pytest.param(layers.Dense(10, activation="softmax"), "categorical_crossentropy", id="softmax-cce"),
        pytest.param(layers.Dense(1), "mse", id="regression"),
        pytest.param(layers.Dense(2, activation="softmax"), "binary_crossentropy", id="two-way-softmax-bce"),
    ],
)
def test_outputs_that_fit_their_loss_are_silent(head: keras.layers.Layer, loss: object) -> None:
    model = compiled(mlp(head), loss)
    assert codes(model) == []
    assert_output_fits_loss(model)


def test_an_uncompiled_model_is_judged_by_its_layers_only() -> None:
    assert codes(mlp(layers.Dense(1))) == []
    assert codes(mlp(layers.Dense(1, activation="softmax"))) == ["KA201"]


def test_assert_output_fits_loss_lists_the_findings() -> None:
    model = compiled(mlp(layers.Dense(10, activation="softmax")), "binary_crossentropy")
    with pytest.raises(AssertionError, match=r"(?s)does not fit its loss:.*KA205 'binary_crossentropy' on the softmax"):
        assert_output_fits_loss(model)
