"""Confirming static findings: literal models rebuilt with Keras (no user code runs), factories on request."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("keras", reason="confirming needs Keras: pip install '.[runtime]'")

from flake8_keras_activation.runtime import check_model  # noqa: E402
from flake8_keras_activation.runtime.confirm import main  # noqa: E402
from tests.conftest import COMMAND, run_flake8  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

LITERAL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(20),
        layers.Dense(100, activation="relu"),
        layers.Dense(30),
        layers.Dropout(0.5),
        layers.Dense(4, activation="softmax"),
    ])

    inputs = keras.Input(shape=(3,))
    outputs = layers.Dense(1)(layers.Dense(2 * 4)(inputs))
    functional = keras.Model(inputs, outputs)
    """
)

NOT_LITERAL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    def build(units):
        return keras.Sequential([keras.Input(shape=(2,)), layers.Dense(units), layers.Dense(1)])

    touched = []
    open_file = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    touched.append(open("side-effect.txt", "w"))
    """
)


def confirm(tmp_path: Path, source: str) -> tuple[int, str]:
    """The exit status and what confirm prints on stdout (errors go to stderr: `confirm_streams`)."""
    status, out, _ = confirm_streams(tmp_path, source)
    return status, out


def confirm_streams(tmp_path: Path, source: str) -> tuple[int, str, str]:
    path = tmp_path / "model.py"
    path.write_text(source)
    out, err = io.StringIO(), io.StringIO()
    return main([str(path)], out=out, err=err), out.getvalue(), err.getvalue()


def test_literal_models_are_rebuilt_and_their_collapses_measured(tmp_path: Path) -> None:
    status, text = confirm(tmp_path, LITERAL)
    assert status == 1
    assert "model.py:4: Sequential model: rebuilt from its literal layers and checked" in text
    assert "collapsed: Dense(30) (line 8) -> Dense(4) (line 10): one affine map 100 -> 4, rank 4" in text
    assert "collapsed: Dense(20) (line 6) -> Dense(100) (line 7): one affine map 2 -> 100, rank 2" in text
    assert "model.py:15: Functional model: rebuilt from its literal layers and checked" in text
    assert "affine end to end: one affine map 3 -> 1, rank 1" in text


def test_models_that_are_not_literal_are_refused_with_a_reason_and_nothing_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, text = confirm(tmp_path, NOT_LITERAL)
    assert status == 0
    assert "model.py:5: Sequential model: not rebuilt: Dense(units) (line 5) is not a Keras layer call" in text
    assert "model.py:8: Sequential model: not rebuilt: the input shape is not in the source" in text
    assert not (tmp_path / "side-effect.txt").exists()


def test_call_runs_the_named_factory_only_on_request(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "factory.py").write_text(
        "import keras\n"
        "def make():\n"
        "    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(5), keras.layers.Dense(2)])\n"
    )
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main([], call="factory:make", out=out) == 1
    assert "affine: one affine map 3 -> 2, rank 2" in out.getvalue()
    assert main([], call="factory", out=io.StringIO()) == 2


def test_flake8_keras_confirm_adds_the_measured_map(tmp_path: Path) -> None:
    result = run_flake8([ROOT / "examples" / "collapsed_mlp.py"], "--select=KA", "--keras-confirm")
    lines = result.stdout.splitlines()
    assert any(" KA103 " in line and line.endswith("(confirmed: one affine map 2 -> 1, rank 1)") for line in lines)
    assert sum(" KA101 " in line and "(confirmed: Dense(20) (line 14) -> " in line for line in lines) == 2
    assert "Traceback" not in result.stderr


def test_flake8_keras_confirm_without_keras_fails_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "seed.py"
    path.write_text(LITERAL)
    hide_keras = (
        "import importlib.abc, sys\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'keras' or name.startswith('keras.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from flake8.main.cli import main\n"
        f"main(['--select=KA', '--keras-confirm', {str(path)!r}])\n"
    )
    result = subprocess.run([sys.executable, "-c", hide_keras], capture_output=True, text=True)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "flake8-keras-activation: --keras-confirm needs Keras: pip install 'flake8-keras-activation[runtime]'"
    ]


# ---- one line per failing model, and the exit status --------------------------------------------

COLLAPSING = "keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3), layers.Dense(1)])"


def test_a_model_keras_refuses_is_one_line_and_the_others_are_still_checked(tmp_path: Path) -> None:
    source = f"import keras\nfrom keras import layers\n\nbad = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(-3), layers.Dense(1)])\ngood = {COLLAPSING}\n"
    status, text, errors = confirm_streams(tmp_path, source)
    assert status == 2
    assert len(errors.splitlines()) == 1
    assert "model.py:4: Sequential model: error: Keras could not build it: ValueError: " in errors
    assert "Traceback" not in text + errors
    assert text.splitlines()[0].endswith("model.py:5: Sequential model: rebuilt from its literal layers and checked")


def test_exit_status_is_two_for_a_missing_file_or_no_file(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main([str(tmp_path / "gone.py")], out=out, err=err) == 2
    assert (out.getvalue(), err.getvalue()) == ("", f"{tmp_path / 'gone.py'}: error: no such file or directory\n")
    err = io.StringIO()
    assert main([], out=io.StringIO(), err=err) == 2
    assert "nothing to confirm" in err.getvalue()
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty")], out=io.StringIO(), err=io.StringIO()) == 2


def test_the_installed_command_prints_errors_on_stderr_and_what_it_measured_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(
        "import keras\nfrom keras import layers\n\n"
        "bad = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(-3), layers.Dense(1)])\n"
        f"good = {COLLAPSING}\n"
    )
    result = subprocess.run(
        [COMMAND, "confirm", "gone.py", "model.py"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert errors[0] == "gone.py: error: no such file or directory"
    assert errors[1].startswith("model.py:4: Sequential model: error: Keras could not build it: ValueError: ")
    assert len(errors) == 2, result.stderr
    assert result.stdout.splitlines() == [
        "model.py:5: Sequential model: rebuilt from its literal layers and checked",
        "  affine end to end: one affine map 2 -> 1, rank 1",
        "  collapsed: Dense(3) (line 5) -> Dense(1) (line 5): one affine map 2 -> 1, rank 1",
    ]
    nothing = subprocess.run([COMMAND, "confirm", "--call", "no_such_module:make"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)
    assert (nothing.returncode, nothing.stdout) == (2, "")
    assert nothing.stderr.startswith("--call no_such_module:make: error: ModuleNotFoundError: "), nothing.stderr


def test_exit_status_is_zero_without_collapse_and_one_with(tmp_path: Path) -> None:
    clean = "import keras\nfrom keras import layers\nm = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3, activation='relu'), layers.Dense(1)])\n"
    assert confirm(tmp_path, clean)[0] == 0
    assert confirm(tmp_path, f"import keras\nfrom keras import layers\nm = {COLLAPSING}\n")[0] == 1


# ---- bounded before anything is allocated ----------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("keras.Sequential([keras.Input(shape=(4,)), layers.Dense(10**9), layers.Dense(1)])",
         "Dense(10**9) (line 3) brings the weights to: 5,000,000,000 values, over the limit of 67,108,864 (max_weights)"),
        ("keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(100000, 3), layers.Dense(1)])",
         "Conv2D(100000) (line 3) holds 90,000,000 values per sample; the trial rows need: 630,000,000 values, over the limit of 2,097,152 (max_elements)"),
        ("keras.Sequential([keras.Input(shape=(1, 1, 512)), layers.Conv2D(100000, 3, padding='same'), layers.Flatten(), layers.Dense(1)])",
         "brings the weights to: 460,900,000 values, over the limit of 67,108,864 (max_weights)"),
        ("keras.Sequential([keras.Input(shape=(100000, 100000)), layers.Dense(4), layers.Dense(1)])",
         "holds 10,000,000,000 values per sample; the trial rows need: 70,000,000,000 values, over the limit of 2,097,152 (max_elements)"),
    ],
)
def test_oversized_models_are_refused_with_the_figure_and_the_limit(tmp_path: Path, model: str, expected: str) -> None:
    import tracemalloc

    tracemalloc.start()
    status, text = confirm(tmp_path, f"import keras\nfrom keras import layers\nm = {model}\n")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert status == 0
    assert "model.py:3: Sequential model: not rebuilt: " in text and expected in text, text
    assert peak < 50 * 2**20, peak  # refused before anything of that size is allocated


def test_check_model_refuses_trial_inputs_beyond_max_elements() -> None:
    import keras

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"one input sample holds 100,000,000 values, so the 7 trial rows would hold "
                       r"700,000,000, over max_elements=2,097,152"):
        check_model(model, input_shape=(10_000, 10_000))


# ---- no file I/O from the analysed source --------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(
    "layer",
    ['layers.StringLookup(vocabulary="{path}")', 'layers.IntegerLookup(vocabulary="{path}")',
     'layers.TextVectorization(vocabulary="{path}")', 'layers.StringLookup(None, 1, None, "[UNK]", "{path}")'],
)
def test_layers_that_read_a_path_are_refused_never_opened(tmp_path: Path, layer: str) -> None:
    fifo = tmp_path / "vocabulary.txt"
    os.mkfifo(fifo)  # opening it to read would block forever
    source = (
        "import keras\nfrom keras import layers\n"
        f"m = keras.Sequential([keras.Input(shape=(1,), dtype='string'), {layer.format(path=fifo)}, "
        "layers.Dense(3), layers.Dense(1)])\n"
    )
    (tmp_path / "model.py").write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", "confirm", str(tmp_path / "model.py")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert "reads a file when given a string (vocabulary=...); it is not rebuilt" in result.stdout, result.stdout
    assert result.returncode == 0 and "Traceback" not in result.stderr


# ---- confirm reads what check reads ---------------------------------------------------------------


def test_confirm_reads_notebooks_walks_like_check_and_honours_pep_263(tmp_path: Path) -> None:
    import json

    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# a model\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": ["import keras\n", "from keras import layers\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
         "source": ["%matplotlib inline\n", f"model = {COLLAPSING}\n"]},
    ]
    (tmp_path / "train.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (tmp_path / "latin.py").write_bytes(
        f"# -*- coding: latin-1 -*-\n# caf\xe9\nimport keras\nfrom keras import layers\nm = {COLLAPSING}\n".encode("latin-1")
    )
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "vendored.py").write_text(f"import keras\nfrom keras import layers\nm = {COLLAPSING}\n")
    out = io.StringIO()
    assert main([str(tmp_path)], out=out) == 1
    text = out.getvalue()
    assert f"{tmp_path / 'train.ipynb'}:cell_3:2: Sequential model: rebuilt from its literal layers and checked" in text
    assert f"{tmp_path / 'latin.py'}:5: Sequential model: rebuilt from its literal layers and checked" in text
    assert "vendored" not in text and "error" not in text


# ---- --call with --input-shape; check_model reads a built model's shape ------------------------

SUBCLASSED = textwrap.dedent(
    """\
    import keras

    class Linear(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = keras.layers.Dense(4)
            self.b = keras.layers.Dense(2)

        def call(self, x):
            return self.b(self.a(x))

    def make():
        return Linear()
    """
)


def test_call_of_a_subclassed_factory_takes_input_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "subclassed_factory.py").write_text(SUBCLASSED)
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    assert main([], call="subclassed_factory:make", out=io.StringIO(), err=err) == 2
    assert "give the shape of one sample with --input-shape" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    out = io.StringIO()
    assert main([], call="subclassed_factory:make", out=out, input_shape=(5,)) == 1
    assert "affine: one affine map 5 -> 2, rank 2" in out.getvalue()
    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", "confirm", "--call", "subclassed_factory:make",
         "--input-shape", "3,2"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )
    # Dense maps the last axis: three rows of 2 through 4 back to 2, one block-diagonal map 6 -> 6
    assert result.returncode == 1 and "affine: one affine map 6 -> 6, rank 6" in result.stdout, result.stdout


def test_check_model_reads_the_input_shape_of_a_called_or_fitted_subclassed_model(tmp_path: Path) -> None:
    import numpy as np

    namespace: dict[str, object] = {}
    exec(compile(SUBCLASSED, "subclassed", "exec"), namespace)  # the test's own model, not a user's file
    called = namespace["make"]()  # type: ignore[operator]
    called(np.zeros((1, 5), dtype="float32"))
    assert check_model(called).map_text() == "one affine map 5 -> 2, rank 2"
    fitted = namespace["make"]()  # type: ignore[operator]
    fitted.compile(optimizer="sgd", loss="mse")
    fitted.fit(np.zeros((4, 7), dtype="float32"), np.zeros((4, 2), dtype="float32"), verbose=0)
    assert check_model(fitted).input_width == 7


def test_multi_input_functional_models_are_checked_over_their_concatenated_inputs(tmp_path: Path) -> None:
    import keras
    import numpy as np

    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(3,), name="b")
    hidden = keras.layers.Dense(4)(keras.layers.Concatenate()([a, b]))  # noqa: KA101  (linear on purpose)
    model = keras.Model([a, b], keras.layers.Dense(1)(hidden))  # noqa: KA103
    report = check_model(model)
    assert report.is_affine and report.map_text() == "one affine map 5 -> 1, rank 1"
    assert "2 inputs, flattened and concatenated in this order: a (2 values, kernel rows 0-1), " \
        "b (3 values, kernel rows 2-4)" in report.notes
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    expected = keras.ops.convert_to_numpy(model([x[:, :2], x[:, 2:]]))
    assert np.abs(x @ report.kernel + report.bias - expected).max() < 1e-4
    relu = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Dense(4, activation="relu")(
        keras.layers.Concatenate()([a, b]))))
    assert not check_model(relu).is_affine
    source = (
        "import keras\nfrom keras import layers\na = keras.Input(shape=(2,))\nb = keras.Input(shape=(3,))\n"
        "m = keras.Model([a, b], layers.Dense(1)(layers.Dense(4)(layers.Concatenate()([a, b]))))\n"
    )
    status, text = confirm(tmp_path, source)
    assert "affine end to end: one affine map 5 -> 1, rank 1" in text, text
    assert status == 1


# ---- the lightest backend -------------------------------------------------------------------------


def test_confirm_loads_the_lightest_backend_unless_keras_backend_is_set(tmp_path: Path) -> None:
    pytest.importorskip("jax", reason="the NumPy backend needs jax")
    probe = (
        "import sys\nfrom flake8_keras_activation.cli import main\n"
        "status = main(['confirm', sys.argv[1]])\n"
        "import keras\nprint(keras.backend.backend(), 'tensorflow' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    example = str(ROOT / "examples" / "collapsed_mlp.py")
    result = subprocess.run([sys.executable, "-c", probe, example], capture_output=True, text=True, env=env, check=False)
    assert result.stdout.splitlines()[-1] == "numpy False", result.stdout + result.stderr
    env["KERAS_BACKEND"] = "jax"
    result = subprocess.run([sys.executable, "-c", probe, example], capture_output=True, text=True, env=env, check=False)
    assert result.stdout.splitlines()[-1] == "jax False", result.stdout + result.stderr


def test_a_model_too_deep_for_keras_is_one_line_and_exit_two(tmp_path: Path) -> None:
    deep = ", ".join(["layers.Dense(2)"] * 2000)
    status, text, errors = confirm_streams(tmp_path, f"import keras\nfrom keras import layers\nm = keras.Sequential([keras.Input(shape=(2,)), {deep}])\ngood = {COLLAPSING}\n")
    assert status == 2
    assert errors.endswith("model.py:3: Sequential model: error: Keras could not build it: too deep for Python's recursion limit\n")
    assert text.splitlines()[0].endswith("model.py:4: Sequential model: rebuilt from its literal layers and checked")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_confirm_skips_a_fifo_without_opening_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "model.py")
    out, err = io.StringIO(), io.StringIO()
    assert main([str(tmp_path / "model.py")], out=out, err=err) == 2
    assert (out.getvalue(), err.getvalue()) == ("", f"{tmp_path / 'model.py'}: error: skipped: a FIFO, not a regular file\n")


def test_the_weight_count_from_the_configuration_is_never_below_what_keras_allocates() -> None:
    import math

    from keras import layers as L

    from flake8_keras_activation.runtime.rebuild import weight_count

    cases = [
        (L.Dense(7), (None, 5)), (L.Conv2D(4, 3), (None, 8, 8, 3)), (L.Conv1D(4, 5), (None, 10, 2)),
        (L.Conv2DTranspose(4, 3), (None, 8, 8, 3)), (L.SeparableConv2D(6, 3, depth_multiplier=2), (None, 8, 8, 3)),
        (L.DepthwiseConv2D(3, depth_multiplier=2), (None, 8, 8, 3)), (L.EinsumDense("ab,bc->ac", 8, bias_axes="c"), (None, 4)),
        (L.Embedding(100, 8), (None, 5)), (L.BatchNormalization(), (None, 6)), (L.LSTM(4), (None, 3, 5)),
        (L.GRU(4), (None, 3, 5)), (L.TimeDistributed(L.Dense(4)), (None, 3, 5)), (L.Conv3D(2, 3), (None, 5, 5, 5, 1)),
    ]
    for layer, shape in cases:
        estimate = weight_count(layer, shape, layer.compute_output_shape(shape))
        layer.build(shape)
        assert estimate >= sum(math.prod(w.shape) for w in layer.weights), type(layer).__name__


def test_confirmed_messages_of_a_deep_model_stay_one_short_line_each(tmp_path: Path) -> None:
    depth = 60
    path = tmp_path / "deep.py"
    path.write_text(
        "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input(shape=(4,)),\n"
        + "".join("    layers.Dense(4),\n" for _ in range(depth))
        + "])\n"
    )
    result = run_flake8([path], "--select=KA101", "--keras-confirm")
    lines = result.stdout.splitlines()
    assert len(lines) == depth - 1
    assert all("(confirmed: Dense(4) (line 6) -> " in line and "... 56 more ..." in line for line in lines)
    assert max(len(line) for line in lines) < 400


def test_embedding_keeps_its_input_dim_which_is_a_vocabulary_size_not_a_shape(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.Input(shape=(20,)),
            layers.Embedding(input_dim=1000, output_dim=16),
            layers.GlobalAveragePooling1D(),
            layers.Dense(8),
            layers.Dense(1),
        ])
        first = keras.Sequential([layers.Embedding(input_dim=1000, output_dim=16), layers.Dense(1)])
        """
    )
    status, out, err = confirm_streams(tmp_path, source)
    assert err == ""
    assert "model.py:4: Sequential model: rebuilt from its literal layers and checked" in out
    assert "collapsed: Dense(8) (line 8) -> Dense(1) (line 9): one affine map 16 -> 1, rank 1" in out
    # the vocabulary size is no input shape: the first layer's input is not in the source
    assert "model.py:11: Sequential model: not rebuilt: the input shape is not in the source" in out


def test_tuples_of_names_bound_to_constants_and_folded_arithmetic_are_literal(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import keras
        from keras import layers

        latent_dim = 2
        image_size = (4, 4)
        decoder = keras.Sequential([
            keras.Input(shape=(latent_dim,)),
            layers.Dense(7 * 7 * 2),
            layers.Reshape((7, 7, 2)),
            layers.Conv2DTranspose(3, kernel_size=(latent_dim, latent_dim)),
        ])
        inputs = keras.Input(shape=image_size + (3,))
        flat = layers.Flatten()(inputs)
        classifier = keras.Model(inputs, layers.Dense(2)(layers.Dense(5)(flat)))
        """
    )
    status, out, err = confirm_streams(tmp_path, source)
    assert err == "" and status == 1
    assert "model.py:6: Sequential model: rebuilt from its literal layers and checked" in out
    assert "collapsed: Dense(7 * 7 * 2) (line 8) -> Conv2DTranspose(3) (line 10)" in out
    assert "model.py:14: Functional model: rebuilt from its literal layers and checked" in out
    assert "affine end to end: one affine map 48 -> 2, rank 2" in out


# ---- models built in functions of the file: a call's literals, or the defaults ---------------------

def confirm_command(tmp_path: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    """The installed command on one file of tmp_path, run from tmp_path."""
    (tmp_path / name).write_text(text)
    env = dict(os.environ, KERAS_BACKEND=os.environ.get("KERAS_BACKEND", "jax"))
    return subprocess.run([COMMAND, "confirm", name], cwd=tmp_path, capture_output=True, text=True, env=env)


FACTORIES = textwrap.dedent(
    """\
    import keras
    from keras import layers

    WIDTH = 16
    open("ran.txt", "w")

    def build_model(units=32, rate=0.2, shape=(10,)):
        open("ran.txt", "w")
        return keras.Sequential([
            keras.Input(shape=shape),
            layers.Dense(units),
            layers.Dropout(rate),
            layers.Dense(4),
        ])

    def make(width, features):
        inputs = keras.Input(shape=(features,))
        x = layers.Dense(width)(inputs)
        return keras.Model(inputs, layers.Dense(2)(x))

    def never_called(units=8, shape=(6,)):
        return keras.Sequential([keras.Input(shape=shape), layers.Dense(units), layers.Dense(3)])

    model = build_model(WIDTH, 0.1, shape=(12,))
    a = make(8, 5)
    b = make(features=3, width=6)
    c = make(9, x.shape[1])
    """
)


def test_a_model_built_in_a_function_is_rebuilt_with_the_literals_of_each_call_or_its_defaults(tmp_path: Path) -> None:
    result = confirm_command(tmp_path, "model.py", FACTORIES)
    out = result.stdout
    assert result.stderr == "" and result.returncode == 1, result
    assert not (tmp_path / "ran.txt").exists()  # nothing of the file ran
    # called once, with literals and a name bound to one: those values (12 features, not the default 10)
    assert "model.py:9: Sequential model (build_model as called at line 24): rebuilt from its literal layers" in out
    assert "collapsed: Dense(units) (line 11) -> Dense(4) (line 13): one affine map 12 -> 4, rank 4" in out
    # called with different literals: each call's model, measured with its own values
    assert "model.py:19: Functional model (make as called at line 25): rebuilt from its literal layers" in out
    assert "affine end to end: one affine map 5 -> 2, rank 2" in out
    assert "model.py:19: Functional model (make as called at line 26): rebuilt from its literal layers" in out
    assert "affine end to end: one affine map 3 -> 2, rank 2" in out
    # a call that gives something the source does not say: that model is not rebuilt
    assert ("model.py:19: Functional model (make as called at line 27): not rebuilt: Input(shape=(features,)) "
            "(line 17) is not a Keras layer call with literal arguments") in out
    # never called: its literal defaults
    assert "model.py:22: Sequential model (never_called with its defaults): rebuilt from its literal layers" in out
    assert "affine end to end: one affine map 6 -> 3, rank 3" in out
    assert out.count("model.py:19: Functional model") == 3 and out.count("model.py:9:") == 1


def test_a_parameter_a_call_gives_something_else_does_not_take_its_default(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import keras
        from keras import layers

        def build(units=4, shape=(3,), extra=None):
            return keras.Sequential([keras.Input(shape=shape), layers.Dense(units), layers.Dense(extra)])

        def block(units=4):
            return keras.Sequential([keras.Input(shape=(2,)), layers.Dense(units), layers.Dense(1)])

        m = build(shape=data.shape[1:])
        n = block()
        """
    )
    result = confirm_command(tmp_path, "model.py", source)
    assert result.stderr == "" and result.returncode == 1, result
    # shape is given, but not by a literal: the default (3,) is not what this call builds
    assert "model.py:5: Sequential model (build with its defaults): not rebuilt: Input(shape=shape) (line 5) " \
           "is not a Keras layer call with literal arguments" in result.stdout
    # `block()` gives nothing: its defaults, as that call builds it
    assert "model.py:8: Sequential model (block as called at line 11): rebuilt" in result.stdout
    assert "one affine map 2 -> 1, rank 1" in result.stdout


def test_a_none_default_is_not_bound_so_the_model_is_refused_not_an_error(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import keras
        from keras import layers

        def build(units=None):
            if units is None:
                units = 4
            return keras.Sequential([keras.Input(shape=(2,)), layers.Dense(units), layers.Dense(1)])
        """
    )
    result = confirm_command(tmp_path, "model.py", source)
    assert result.stderr == "" and result.returncode == 0, result
    assert "model.py:7: Sequential model: not rebuilt: Dense(units) (line 7) is not a Keras layer call" in result.stdout


def test_notebook_messages_give_each_layer_s_line_in_its_cell(tmp_path: Path) -> None:
    import json

    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": ["import keras\n", "from keras import layers\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["# models\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
         "source": ["%matplotlib inline\n", "def build(units=5):\n", "    return keras.Sequential([\n",
                    "        keras.Input(shape=(3,)),\n", "        layers.Dense(units),\n",
                    "        layers.Dense(2),\n", "    ])\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 3,
         "source": ["m = build(7)\n", "n = keras.Sequential([layers.Dense(4), layers.Dense(1)])\n"]},
    ]
    notebook = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    result = confirm_command(tmp_path, "train.ipynb", notebook)
    out = result.stdout
    assert result.stderr == "" and result.returncode == 1, result
    assert "train.ipynb:cell_3:3: Sequential model (build as called at cell 4, line 1): rebuilt" in out
    assert "collapsed: Dense(units) (cell 3, line 5) -> Dense(2) (cell 3, line 6): one affine map 3 -> 2" in out
    assert ("train.ipynb:cell_4:2: Sequential model: not rebuilt: the input shape is not in the source "
            "(no keras.Input, and Dense(4) on cell 4, line 2 has no input_shape or input_dim)") in out


def test_a_model_refused_for_the_same_reason_at_every_call_is_one_line_naming_the_calls(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import keras
        from keras import layers

        def make(width, features=4):
            inputs = keras.Input(shape=data.shape[1:])
            return keras.Model(inputs, layers.Dense(1)(layers.Dense(width)(inputs)))

        a = make(8)
        b = make(16)
        """
    )
    result = confirm_command(tmp_path, "model.py", source)
    assert result.stderr == "" and result.returncode == 0, result
    assert result.stdout == (
        "model.py:6: Functional model (make as called at lines 8, 9): not rebuilt: "
        "Input(shape=data.shape[1:]) (line 5) is not a Keras layer call with literal arguments\n"
    )


def test_a_name_that_is_not_literal_is_left_to_keras(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import keras
        from keras import layers

        def gen(units=3, name="g"):
            inputs = keras.Input(shape=(4,), name=name + "_input")
            x = inputs
            for i in range(2):
                x = layers.Dense(units, name=f"dense_{i}")(x)
            return keras.Model(inputs, x, name=name)
        """
    )
    result = confirm_command(tmp_path, "model.py", source)
    assert result.stderr == "" and result.returncode == 1, result
    assert "model.py:9: Functional model (gen with its defaults): rebuilt from its literal layers" in result.stdout
    assert "affine end to end: one affine map 4 -> 3, rank 3" in result.stdout


def test_a_default_thousands_of_operations_deep_is_read_without_recursion(tmp_path: Path) -> None:
    deep = " + ".join(["1"] * 2900)
    source = (
        "import keras\nfrom keras import layers\n"
        f"def f(units={deep}):\n"
        "    return keras.Sequential([keras.Input(shape=(2,)), layers.Dense(units), layers.Dense(1)])\n"
    )
    result = confirm_command(tmp_path, "model.py", source)
    assert result.stderr == "" and result.returncode == 1, result
    assert "model.py:4: Sequential model (f with its defaults): rebuilt from its literal layers" in result.stdout
    assert "collapsed: Dense(units) (line 4) -> Dense(1) (line 4): one affine map 2 -> 1, rank 1" in result.stdout
