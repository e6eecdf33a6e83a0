"""The runtime check on real Keras models, built here: structure, measurement, the equivalent map."""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras", reason="the runtime half needs Keras: pip install '.[runtime]'")
layers = keras.layers

from flake8_keras_activation.runtime import check_model  # noqa: E402
from flake8_keras_activation.testing import assert_not_affine  # noqa: E402

keras.utils.set_random_seed(0)  # the models' weights; the check itself must hold for any


def seed_model(activation: str | None = None) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=(2,)),
            layers.Dense(20, activation=activation),
            layers.Dense(100, activation=activation),
            layers.Dense(1000, activation=activation),
            layers.Dense(100),
        ]
    )


def reproduces(model: keras.Model, report, shape: tuple[int, ...]) -> float:
    x = np.random.default_rng(1).standard_normal((16,) + shape).astype("float32")
    expected = np.asarray(keras.ops.convert_to_numpy(model(x, training=False))).reshape(16, -1)
    return float(np.abs(x.reshape(16, -1) @ report.kernel + report.bias - expected).max())


def test_seed_model_is_one_affine_map_of_rank_at_most_two() -> None:
    model = seed_model()
    report = check_model(model)
    assert report.is_affine and report.structure_affine and report.measured_affine
    assert report.method == "both"
    assert report.kernel.shape == (2, 100) and report.bias.shape == (100,)
    assert report.rank <= 2
    assert reproduces(model, report, (2,)) < 1e-4
    [run] = report.collapsed
    assert len(run.layers) == 4 and run.input_width == 2 and run.output_width == 100 and run.rank <= 2


def test_seed_model_with_relu_is_not_affine_and_nothing_collapses() -> None:
    report = check_model(seed_model("relu"))
    assert not report.is_affine
    assert report.kernel is None and report.rank is None
    assert report.collapsed == ()
    assert report.max_error > 1e-2


def test_linear_hidden_layer_before_a_softmax_head_is_one_collapsed_run() -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(8,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(6),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Dense(3, activation="softmax"),
        ]
    )
    report = check_model(model)
    assert not report.is_affine
    [run] = report.collapsed
    assert [name.split(" ")[1] for name in run.layers] == ["(Dense)", "(Dense)"]
    assert any("BatchNormalization" in step for step in run.path) and any("Dropout" in step for step in run.path)
    assert (run.input_width, run.output_width, run.rank) == (16, 3, 3)


def test_batch_normalization_is_folded_with_its_moving_statistics() -> None:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(5), layers.BatchNormalization(), layers.Dense(3)])
    bn = model.layers[1]
    rng = np.random.default_rng(0)
    bn.set_weights([rng.uniform(0.5, 2, 5), rng.normal(size=5), rng.normal(size=5), rng.uniform(0.5, 2, 5)])
    report = check_model(model)
    assert report.is_affine and report.rank == 3
    assert reproduces(model, report, (4,)) < 1e-4


def test_functional_linear_model_is_affine_and_the_map_reproduces_it() -> None:
    inputs = keras.Input(shape=(5,))
    a = layers.Dense(7)(inputs)
    b = layers.Dense(7)(inputs)
    outputs = layers.Dense(2)(layers.Add()([a, b]))
    model = keras.Model(inputs, outputs)
    report = check_model(model)
    assert report.is_affine and report.structure_affine
    assert reproduces(model, report, (5,)) < 1e-4


class LinearSubclass(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.first = layers.Dense(6)
        self.dropout = layers.Dropout(0.2)
        self.second = layers.Dense(3)

    def call(self, x, training=False):
        return self.second(self.dropout(self.first(x), training=training))


class ReluSubclass(LinearSubclass):
    def call(self, x, training=False):
        return self.second(keras.ops.relu(self.first(x)))


def test_subclassed_linear_model_is_measured_and_traced() -> None:
    model = LinearSubclass()
    report = check_model(model, input_shape=(4,))
    assert report.is_affine and report.rank == 3
    assert reproduces(model, report, (4,)) < 1e-4
    [run] = report.collapsed
    assert len(run.layers) == 2


def test_activation_applied_inside_call_breaks_the_traced_chain() -> None:
    report = check_model(ReluSubclass(), input_shape=(4,))
    assert not report.is_affine and report.collapsed == ()


def test_subclassed_model_without_an_input_shape_asks_for_one() -> None:
    with pytest.raises(ValueError, match="input_shape"):
        check_model(LinearSubclass())


@pytest.mark.parametrize(
    "nonlinearity",
    [lambda: layers.LeakyReLU(0.2), lambda: layers.Activation("relu"), lambda: layers.ReLU(), lambda: layers.PReLU()],
    ids=["leaky-relu", "activation-relu", "relu-layer", "prelu"],
)
def test_activation_layers_make_the_model_nonlinear(nonlinearity) -> None:
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(8), nonlinearity(), layers.Dense(1)])
    report = check_model(model)
    assert not report.is_affine and report.collapsed == ()


def test_conv_stack_without_activations_is_affine() -> None:
    model = keras.Sequential(
        [keras.Input(shape=(6, 6, 1)), layers.Conv2D(4, 3), layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(3)]
    )
    report = check_model(model)
    assert report.is_affine and report.rank == 3
    assert reproduces(model, report, (6, 6, 1)) < 1e-4
    [run] = report.collapsed
    assert run.rank == 3 and run.input_width == 36


def test_huge_input_stays_within_the_memory_budget_and_says_so() -> None:
    width = 20_000
    model = keras.Sequential([keras.Input(shape=(width,)), layers.Dense(50), layers.Dense(50_000), layers.Dense(4)])
    budget = 2**18
    tracemalloc.start()
    report = check_model(model, max_elements=budget)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.is_affine
    assert report.kernel is None and report.rank == 4
    assert any("does not fit the budget" in note for note in report.notes)
    # the probes and their responses are float64: a few copies of the budget at most, far below
    # the 20,000 x 20,000 identity that basis probes would need
    assert peak < 16 * budget * 8


def test_huge_hidden_layer_with_a_small_input_still_gives_the_kernel() -> None:
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(50_000), layers.Dense(1)])
    report = check_model(model)
    assert report.is_affine and report.kernel.shape == (2, 1) and report.rank == 1


def test_assert_not_affine_names_the_layers_and_the_map() -> None:
    with pytest.raises(AssertionError, match=r"affine end to end: one affine map 2 -> 100, rank 2") as raised:
        assert_not_affine(seed_model())
    assert "collapsed: " in str(raised.value) and "(Dense)" in str(raised.value)
    assert_not_affine(seed_model("relu"))


def test_assert_not_affine_can_forbid_partial_collapses() -> None:
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2, activation="softmax")])
    assert_not_affine(model)
    with pytest.raises(AssertionError, match="collapse"):
        assert_not_affine(model, forbid_collapsed_runs=True)


@pytest.mark.parametrize("activation", ["softmax", "sigmoid", "tanh", "relu", "gelu", "softplus"])
def test_saturating_and_piecewise_heads_are_never_taken_for_affine(activation: str) -> None:
    # two-class softmax and sigmoid look linear on small inputs and flat on large ones alike;
    # the affine test must see them on any weights
    for seed in range(12):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.Dense(2, activation=activation)])
        assert not check_model(model, seed=seed).is_affine, seed


def test_linear_models_are_recognized_on_any_weights() -> None:
    for seed in range(12):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(2)])
        assert check_model(model, seed=seed).is_affine, seed


def test_assert_not_affine_without_the_runtime_extra_fails_with_one_line_naming_it() -> None:
    import subprocess
    import sys

    hide = (
        "import importlib.abc, sys\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('numpy', 'keras', 'tensorflow', 'jax'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from flake8_keras_activation.testing import assert_not_affine\n"
        "try:\n"
        "    assert_not_affine(object())\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True, check=False)
    assert result.stdout == (
        "assert_not_affine needs Keras: pip install 'flake8-keras-activation[runtime]' (missing: numpy)\n"
    ), result.stdout + result.stderr


def test_sequential_and_functional_structure_is_read_from_the_keras_graph_as_a_trace_reads_it() -> None:
    from flake8_keras_activation.runtime.check import _call_model, _to_tensor
    from flake8_keras_activation.runtime.structure import read_graph, trace

    inputs = keras.Input(shape=(4,))
    hidden = layers.Dense(8)(inputs)
    merged = layers.Add()([layers.Dense(8)(hidden), hidden])
    functional = keras.Model(inputs, layers.Dense(2)(layers.Dropout(0.1)(merged)))
    for model in (seed_model(), functional):
        read = read_graph(model)
        assert read is not None
        batch = _to_tensor(np.ones((3, model.inputs[0].shape[1]), dtype="float32"))
        traced = trace(model, batch, _call_model(model)).graph

        def shape(graph):  # the same graph up to node numbering: labels along each edge
            label = {node.key: (node.label, node.kind, node.activation) for node in graph.nodes}
            return sorted((label[a], label[b]) for a, b in graph.edges), sorted(label[o] for o in graph.outputs)

        assert shape(read.graph) == shape(traced)


def test_subclassed_models_are_traced_not_read() -> None:
    from flake8_keras_activation.runtime.structure import read_graph

    class Linear(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.a = layers.Dense(3)

        def call(self, x):
            return self.a(x)

    model = Linear()
    model(np.zeros((1, 2), dtype="float32"))
    assert read_graph(model) is None


def test_a_deliberate_factorization_is_reported_as_ka104_not_dropped() -> None:
    # the runtime reports every code, those off by default too: selecting them is for what reports them
    model = keras.Sequential(
        [keras.Input(shape=(6,)), layers.Dense(2, use_bias=False), layers.Dense(6), layers.ReLU()]
    )
    report = check_model(model)
    assert [f.code for f in report.findings] == ["KA104"]
    assert "it has no bias" in report.findings[0].message and "a factorization" in report.findings[0].message
    assert len(report.collapsed) == 1  # the map it composes is measured as before


# ---- bad input: a clear one-line error or a right answer ----------------------------------------


def dense_pair(width: int = 3, activation: str | None = None) -> keras.Model:
    return keras.Sequential([keras.Input(shape=(2,)), layers.Dense(width, activation=activation), layers.Dense(1)])


def with_weights(model: keras.Model, change) -> keras.Model:
    model.set_weights([change(index, np.array(w)) for index, w in enumerate(model.get_weights())])
    return model


def test_nan_weights_are_a_value_error_naming_the_weight_not_a_linalg_error() -> None:
    def one_nan(index: int, w: np.ndarray) -> np.ndarray:
        if index == 2:  # the second Dense's kernel
            w.flat[0] = np.nan
        return w

    model = with_weights(dense_pair(), one_nan)
    second = model.layers[1].kernel.path
    expected = f"outputs are NaN on the zero input, so nothing can be measured: the weight {second} holds NaN"
    with pytest.raises(ValueError, match=expected) as raised:
        check_model(model)
    assert not isinstance(raised.value, np.linalg.LinAlgError) and "\n" not in str(raised.value)
    with pytest.raises(ValueError, match=expected):
        assert_not_affine(model)


@pytest.mark.parametrize("activation", [None, "relu"])
def test_weights_that_overflow_float32_are_a_value_error_not_a_verdict(activation: str | None) -> None:
    model = with_weights(dense_pair(activation=activation), lambda index, w: np.full_like(w, 1e38))
    with pytest.raises(ValueError, match=r"outputs are inf on the zero input, so nothing can be measured: no weight is "
                       r"inf or NaN.*the largest weight is 1\.0e\+38, in sequential\w*/dense\w*/kernel") as raised:
        check_model(model)
    assert "\n" not in str(raised.value)


def test_a_map_that_overflows_on_every_trial_input_is_a_value_error_not_a_rank() -> None:
    # 1e20 * 1e20 = 1e40 is past float32: every random row overflows, while the zero input gives 0
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(4), layers.Dense(4)])
    model = with_weights(model, lambda index, w: np.eye(4, dtype="float32") * 1e20 if w.ndim == 2 else w * 0)
    with pytest.raises(ValueError, match="outputs are inf on the random trial inputs"):
        check_model(model)


def test_a_linear_model_that_overflows_only_at_the_large_trial_scales_is_still_measured() -> None:
    # 1e18 * 8e18 * (the sum of the inputs): finite at the small scales, past float32 at the large ones
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(4), layers.Dense(2)])
    scale = {0: np.eye(4, dtype="float32") * 1e18, 2: np.full((4, 2), 8e18, dtype="float32")}
    model = with_weights(model, lambda index, w: scale.get(index, w * 0))
    report = check_model(model)
    assert report.is_affine and report.rank == 1
    assert any("trial triples gave outputs that are not finite" in note for note in report.notes), report.notes
    assert np.allclose(report.kernel, 8e36, rtol=1e-5)


def test_an_exponential_that_overflows_at_the_large_scales_is_still_not_affine() -> None:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(4, activation="exponential"), layers.Dense(2)])
    model = with_weights(model, lambda index, w: np.eye(4, dtype="float32") * 3.0 if index == 0 else w)
    report = check_model(model)
    assert not report.is_affine and np.isfinite(report.max_error)


class Counted(keras.Model):
    """A subclassed linear model that counts the runs of its call(): eager ones carry arrays."""

    def __init__(self) -> None:
        super().__init__()
        self.a = layers.Dense(3)
        self.b = layers.Dense(1)
        self.eager = self.symbolic = 0

    def call(self, x):
        try:
            np.asarray(x)
            self.eager += 1
        except Exception:  # noqa: BLE001 - a symbolic tensor has no values
            self.symbolic += 1
        return self.b(self.a(x))


def test_a_subclassed_model_is_called_once() -> None:
    model = Counted()
    report = check_model(model, input_shape=(2,))
    assert report.is_affine and report.rank == 1 and report.method == "both"
    # one call carries the trial batch; Keras builds a model without build() by one symbolic run
    assert (model.eager, model.symbolic) == (1, 1)
    model.eager = model.symbolic = 0
    check_model(model)  # built now: its input shape is known, and the call is plain
    assert (model.eager, model.symbolic) == (1, 0)


@pytest.mark.parametrize("activation", [None, "relu"])
def test_an_unbuilt_sequential_model_gets_the_trial_batch_once(activation: str | None) -> None:
    from flake8_keras_activation.runtime.check import DEFAULT_MAX_ELEMENTS
    from flake8_keras_activation.runtime.measure import trial_rows

    batches = []

    class Counting(layers.Layer):  # a layer of the user's: the model is traced, not read
        def call(self, x):
            try:
                batches.append(len(np.asarray(x)))
            except Exception:  # noqa: BLE001 - a symbolic tensor has no values
                batches.append(None)
            return x

    model = keras.Sequential([layers.Dense(3, activation=activation), Counting(), layers.Dense(1)])
    report = check_model(model, input_shape=(2,))
    trial = len(trial_rows(2, 0, DEFAULT_MAX_ELEMENTS).rows)
    assert batches.count(trial) == 1, batches  # basis probes, when they are needed, are batches of their own
    assert report.is_affine is (activation is None) and report.method == "both"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("model.keras", r"check_model takes a Keras model, not the path 'model.keras': load it first"),
        (
            None,
            r"check_model takes a Keras model \(Sequential, functional or a subclass of keras.Model\) "
            r"or a PyTorch nn.Module with an example input, not None",
        ),
        (42, r"check_model takes a Keras model \(.*\) or a PyTorch nn.Module .*, not a builtins.int"),
        (layers.Dense(3), r"check_model takes a Keras model, not a layer \(Dense 'dense\w*'\): put it in one"),
    ],
    ids=["path", "none", "int", "layer"],
)
def test_check_model_says_what_it_was_given_when_it_is_not_a_model(given, expected: str) -> None:
    with pytest.raises(TypeError, match=expected):
        check_model(given)
    with pytest.raises(TypeError, match=expected):
        check_model(given, input_shape=(2,))  # a shape does not make it a model
    with pytest.raises(TypeError, match=expected):
        assert_not_affine(given)


def test_an_example_input_is_for_pytorch_modules() -> None:
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3), layers.Dense(1)])
    with pytest.raises(TypeError, match="example_input is for PyTorch modules; a Keras model takes input_shape="):
        check_model(model, np.zeros((1, 2), dtype="float32"))
