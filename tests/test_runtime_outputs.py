"""The output rules on real compiled Keras models: check_model reads the layers and model.loss."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras", reason="the runtime half needs Keras: pip install '.[runtime]'")
layers = keras.layers

from flake8_keras_activation.runtime import check_model  # noqa: E402
from flake8_keras_activation.runtime.measure import squashing  # noqa: E402
from flake8_keras_activation.runtime.training import ModelFinding, _metric_targets  # noqa: E402
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


def findings_of(model: keras.Model, **kwargs: object) -> dict[str, ModelFinding]:
    """The KA2xx findings of a model by code (each code once in these models)."""
    return {f.code: f for f in check_model(model, **kwargs).findings if f.code.startswith("KA2")}


# ---- KA207-KA211 and recurrent outputs, from the real layers, model.loss and the compiled metrics ----


def test_categorical_loss_on_several_sigmoid_units_is_reported() -> None:
    assert codes(compiled(mlp(layers.Dense(5, activation="sigmoid")), "categorical_crossentropy")) == ["KA207"]


def test_multi_label_sigmoid_with_binary_cross_entropy_is_silent() -> None:
    model = mlp(layers.Dense(5, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    assert codes(model) == []


def test_regression_loss_on_a_softmax_is_reported_with_its_bounded_output() -> None:
    assert codes(compiled(mlp(layers.Dense(10, activation="softmax")), "mse")) == ["KA208", "KA210"]


def test_sigmoid_regression_with_mse_and_accuracy_is_only_a_bounded_output() -> None:
    model = mlp(layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    assert codes(model) == ["KA210"]


def test_softmax_applied_to_a_softmax_is_reported() -> None:
    model = mlp(layers.Dense(10, activation="softmax"), layers.Activation("softmax"))
    (finding,) = check_model(model).findings
    assert finding.code == "KA209"
    assert "applies softmax to the output of dense_" in finding.message


def test_one_softmax_layer_in_float32_after_logits_is_silent() -> None:
    model = mlp(layers.Dense(10), layers.Activation("softmax", dtype="float32"))
    assert codes(compiled(model, "categorical_crossentropy")) == []


def test_relu_regression_is_only_a_bounded_output() -> None:
    (finding,) = check_model(compiled(mlp(layers.Dense(1, activation="relu")), "mse")).findings
    assert finding.code == "KA210"
    assert "can only predict values in [0, inf)" in finding.message


def test_accuracy_on_a_linear_regression_is_reported() -> None:
    model = mlp(layers.Dense(1))
    model.compile(optimizer="adam", loss="mse", metrics=["mae", "accuracy"])
    (finding,) = check_model(model).findings
    assert finding.code == "KA211"
    assert finding.message.startswith("'accuracy' on a regression ('mse')")


@pytest.mark.parametrize(
    ("metrics", "label"),
    [
        pytest.param({"metrics": [keras.metrics.Accuracy()]}, "Accuracy()", id="object"),
        pytest.param({"metrics": ("acc",)}, "'acc'", id="tuple"),
        pytest.param({"weighted_metrics": ["accuracy"]}, "'accuracy'", id="weighted"),
    ],
)
def test_accuracy_is_read_however_compile_is_given_it(metrics: dict[str, object], label: str) -> None:
    model = mlp(layers.Dense(1))
    model.compile(optimizer="adam", loss="mae", **metrics)
    assert [f.message.split(" on ")[0] for f in check_model(model).findings if f.code == "KA211"] == [label]


def test_accuracy_is_still_read_once_the_model_was_fitted() -> None:
    model = mlp(layers.Dense(1), width=3)
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
    model.fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=1, verbose=0)
    assert codes(model) == ["KA211"]


def test_a_gan_discriminator_with_logits_and_from_logits_is_silent() -> None:
    discriminator = keras.Sequential(
        [keras.Input(shape=(6,)), layers.Dense(16), layers.LeakyReLU(0.2), layers.Dropout(0.3), layers.Dense(1)]
    )
    discriminator.compile(
        optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    assert codes(discriminator) == []


def test_a_dict_of_losses_and_metrics_judges_each_output_by_its_own() -> None:
    inputs = keras.Input(shape=(6,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    price = layers.Dense(1, name="price")(hidden)
    kind = layers.Dense(3, activation="softmax", name="kind")(hidden)
    model = keras.Model(inputs, {"price": price, "kind": kind})
    model.compile(
        optimizer="adam",
        loss={"price": "mse", "kind": "categorical_crossentropy"},
        metrics={"price": ["accuracy"], "kind": ["accuracy"]},
    )
    (finding,) = check_model(model).findings
    assert finding.code == "KA211"  # the classifier's accuracy is right
    assert finding.message.startswith("'accuracy' on a regression ('mse'):")


def test_a_list_of_metrics_gives_one_entry_per_output_in_keras_3() -> None:
    inputs = keras.Input(shape=(6,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, [layers.Dense(3, activation="softmax")(hidden), layers.Dense(1)(hidden)])
    model.compile(optimizer="adam", loss=["categorical_crossentropy", "mse"], metrics=["accuracy", "mae"])
    assert codes(model) == []  # accuracy measures the classifier only
    model.compile(optimizer="adam", loss=["categorical_crossentropy", "mse"], metrics=[[], ["accuracy"]])
    assert codes(model) == ["KA211"]


def sequence_model(*top: keras.layers.Layer) -> keras.Model:
    return keras.Sequential([keras.Input(shape=(5, 3)), *top])


@pytest.mark.parametrize(
    "recurrent",
    [
        pytest.param(layers.LSTM(4), id="lstm"),
        pytest.param(layers.GRU(4, return_sequences=True), id="gru-sequences"),
        pytest.param(layers.SimpleRNN(4), id="simple-rnn"),
        pytest.param(layers.Bidirectional(layers.LSTM(4), merge_mode="sum"), id="bidirectional"),
    ],
)
def test_a_recurrent_layer_that_makes_the_output_under_a_cross_entropy_is_reported(
    recurrent: keras.layers.Layer,
) -> None:
    (finding,) = [f for f in check_model(compiled(sequence_model(recurrent), "binary_crossentropy")).findings]
    assert finding.code == "KA203"
    assert "applies tanh" in finding.message and "add a Dense output layer" in finding.message


def test_an_lstm_feeding_a_dense_sigmoid_head_is_silent() -> None:
    model = compiled(sequence_model(layers.LSTM(4), layers.Dense(1, activation="sigmoid")), "binary_crossentropy")
    assert codes(model) == []


def test_a_bidirectional_layer_that_returns_both_directions_is_not_judged() -> None:
    inputs = keras.Input(shape=(5, 3))
    forward, backward = layers.Bidirectional(layers.LSTM(4), merge_mode=None)(inputs)
    model = keras.Model(inputs, [forward, backward])
    model.compile(optimizer="adam", loss=["mse", "mse"], metrics=[["accuracy"], []])
    assert codes(model) == []  # the halves' activation is not read: a regression of unknown range


@pytest.mark.parametrize(
    "identity",
    [
        pytest.param(lambda: layers.Lambda(lambda x: x), id="lambda"),
        pytest.param(lambda: layers.Identity(), id="identity"),
        pytest.param(lambda: layers.Activation("linear", dtype="float32"), id="linear-float32"),
    ],
)
def test_identity_steps_after_the_output_are_looked_through(identity) -> None:
    assert codes(compiled(mlp(layers.Dense(1), identity()), "binary_crossentropy")) == ["KA203"]
    assert codes(compiled(mlp(layers.Dense(1, activation="sigmoid"), identity()), "binary_crossentropy")) == []


def test_a_lambda_that_is_not_the_identity_is_not_looked_through() -> None:
    model = compiled(mlp(layers.Dense(1), layers.Lambda(lambda x: x * 2.0)), "binary_crossentropy")
    assert codes(model) == []


# ---- what structure cannot read, measured on the outputs ----


class SoftmaxInCall(keras.Model):
    """A classifier whose softmax is an operation in call(), outside any layer."""

    def __init__(self, units: int = 10, axis: int = -1) -> None:
        super().__init__()
        self.body = layers.Dense(8, activation="relu")
        self.head = layers.Dense(units)
        self.axis = axis

    def call(self, x):
        return keras.ops.softmax(self.head(self.body(x)), axis=self.axis)


class SigmoidInCall(SoftmaxInCall):
    def call(self, x):
        return keras.ops.sigmoid(self.head(self.body(x)))


class TemperedLogits(SoftmaxInCall):
    def call(self, x):
        return self.head(self.body(x)) / 2.0


def test_from_logits_on_a_softmax_applied_in_call_is_reported_by_measurement() -> None:
    model = compiled(SoftmaxInCall(), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    report = check_model(model, input_shape=(4,))
    (finding,) = report.findings
    assert (finding.code, finding.established) == ("KA202", "measurement")
    assert "the output SoftmaxInCall.call() already applies softmax" in finding.message
    assert finding.message.endswith(
        "(measured: the outputs are non-negative and sum to 1 over the last axis on every probe)"
    )
    assert f"{finding.text} [established by measurement]" in report.summary().splitlines()


def test_a_softmax_applied_in_call_without_from_logits_is_silent() -> None:
    model = compiled(SoftmaxInCall(), keras.losses.SparseCategoricalCrossentropy())
    assert codes(model, input_shape=(4,)) == []
    assert_output_fits_loss(model)


def test_logits_computed_in_call_with_from_logits_are_silent() -> None:
    model = compiled(TemperedLogits(), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert codes(model, input_shape=(4,)) == []


def test_a_softmax_over_the_time_steps_in_call_is_not_taken_for_a_probability() -> None:
    model = compiled(SoftmaxInCall(units=3, axis=1), keras.losses.CategoricalCrossentropy(from_logits=True))
    assert codes(model, input_shape=(6, 4)) == []


def test_a_sigmoid_applied_in_call_under_a_categorical_loss_is_reported_by_measurement() -> None:
    found = findings_of(compiled(SigmoidInCall(units=5), "categorical_crossentropy"), input_shape=(4,))
    assert list(found) == ["KA207"]
    assert found["KA207"].established == "measurement"
    assert "on the sigmoid over 5 units of SigmoidInCall.call()" in found["KA207"].message  # the measured width
    assert "between 0 and 1 on every probe" in found["KA207"].message


def test_a_binary_loss_on_a_ten_way_softmax_applied_in_call_is_reported_by_measurement() -> None:
    found = findings_of(compiled(SoftmaxInCall(), "binary_crossentropy"), input_shape=(4,))
    assert list(found) == ["KA205"] and found["KA205"].established == "measurement"


def test_a_sigmoid_applied_in_call_under_binary_cross_entropy_is_silent() -> None:
    assert codes(compiled(SigmoidInCall(units=5), "binary_crossentropy"), input_shape=(4,)) == []


def test_a_softmax_over_one_unit_applied_in_call_is_never_measured_as_a_softmax() -> None:
    model = compiled(SoftmaxInCall(units=1), keras.losses.BinaryCrossentropy(from_logits=True))
    assert codes(model, input_shape=(4,)) == []  # 1.0 on every probe: nothing to tell it by


def test_a_lambda_after_a_softmax_is_measured() -> None:
    model = mlp(layers.Dense(3, activation="softmax"), layers.Lambda(lambda x: x * 1.0))
    found = findings_of(compiled(model, keras.losses.CategoricalCrossentropy(from_logits=True)))
    assert list(found) == ["KA202"] and found["KA202"].established == "measurement"


def test_assert_output_fits_loss_fails_on_off_by_default_codes_only_when_selected() -> None:
    model = compiled(mlp(layers.Dense(1, activation="relu")), "mse")
    assert_output_fits_loss(model)
    with pytest.raises(AssertionError, match="KA210"):
        assert_output_fits_loss(model, extend_select=("KA210",))


def test_assert_output_fits_loss_lists_measured_findings() -> None:
    model = compiled(SoftmaxInCall(), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(AssertionError, match=r"KA202 .*\(measured: "):
        assert_output_fits_loss(model, input_shape=(4,))


# ---- the measurement itself, on arrays ----


def rows(count: int = 25, shape: tuple[int, ...] = (10,), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((count, *shape)).astype("float32") * 10


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_squashing_tells_a_softmax_from_a_sigmoid() -> None:
    assert squashing(softmax(rows())).act == "softmax"
    assert squashing(1 / (1 + np.exp(-rows()))).act == "sigmoid"
    assert squashing(softmax(rows()).astype("float16")).act == "softmax"


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(softmax(rows(count=6)), id="too-few-probes"),
        pytest.param(softmax(rows(shape=(1,))), id="one-unit"),
        pytest.param(np.full((25, 10), 0.1, dtype="float32"), id="constant"),
        pytest.param(rows(), id="logits"),
        pytest.param(softmax(rows(shape=(6, 3)), axis=1), id="softmax-over-time"),
        pytest.param((rows() > 0).astype("float32"), id="zeros-and-ones"),
        pytest.param(np.where(rows() > 0, np.nan, 0.5).astype("float32"), id="not-finite"),
        pytest.param(rows().argmax(axis=1).reshape(-1, 1), id="integers"),
    ],
)
def test_squashing_claims_nothing_from_too_few_or_degenerate_probes(values: np.ndarray) -> None:
    assert squashing(values) is None


def test_tf_keras_gives_a_flat_list_of_metrics_to_every_output_and_keras_3_one_entry_each() -> None:
    # the two versions' rules for compile(metrics=[...]) on a model of two outputs (tf_keras is not
    # installed here: its container is read the same way, only this rule differs)
    assert _metric_targets(["accuracy", "mae"], 2, broadcast=True) == [("accuracy", None), ("mae", None)]
    assert _metric_targets(["accuracy", "mae"], 2, broadcast=False) == [("accuracy", 0), ("mae", 1)]
    assert _metric_targets([["accuracy"], ["mae", "mse"]], 2, broadcast=True) == [
        ("accuracy", 0), ("mae", 1), ("mse", 1)
    ]
    assert _metric_targets(["accuracy"], 2, broadcast=False) == []  # Keras 3 refuses it at fit()
    assert _metric_targets({"b": ["accuracy"]}, 2, broadcast=False) == [("accuracy", "b")]
