"""The runtime check on Keras's other backends, each in a fresh interpreter (Keras picks it at import)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent(
    """
    import json
    import numpy as np
    import keras
    from keras import layers
    from flake8_keras_activation.runtime import check_model

    class Linear(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(6)
            self.b = layers.Dense(3)

        def call(self, x):
            return self.b(self.a(x))

    seed = keras.Sequential([keras.Input((2,)), layers.Dense(20), layers.Dense(100), layers.Dense(1)])
    relu = keras.Sequential([keras.Input((2,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
    x = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    report = check_model(seed)
    error = float(np.abs(x @ report.kernel + report.bias - keras.ops.convert_to_numpy(seed(x))).max())
    subclassed = check_model(Linear(), input_shape=(4,))
    print(json.dumps({
        "backend": keras.backend.backend(),
        "seed": [report.is_affine, report.rank, report.structure_affine, len(report.collapsed), error],
        "relu": [check_model(relu).is_affine],
        "subclassed": [subclassed.is_affine, subclassed.rank, len(subclassed.collapsed)],
    }))
    """
)


@pytest.mark.parametrize("backend", ["jax", "numpy", "tensorflow"])
def test_runtime_check_on_other_backends(backend: str) -> None:
    if importlib.util.find_spec("keras") is None:
        pytest.skip("Keras is not installed")
    if backend == "tensorflow" and importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed (pip install '.[tensorflow]')")
    if backend != "tensorflow" and importlib.util.find_spec("jax") is None:
        pytest.skip("the jax and numpy backends of Keras 3 need jax installed")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["backend"] == backend
    affine, rank, structure_affine, runs, error = data["seed"]
    assert (affine, rank, structure_affine, runs) == (True, 1, True, 1) and error < 1e-4
    assert data["relu"] == [False]
    assert data["subclassed"] == [True, 3, 1]


# ---- a backend that is not installed: one line, or an installed one where Keras would fail -------

NOT_INSTALLED = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is not None or importlib.util.find_spec("jax") is None,
    reason="needs the runtime extra's environment: JAX installed, TensorFlow not",
)


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


# The backends that train and are installed here, as the message names them (torch is in the test extra)
_HERE = [name for name in ("jax", "torch", "tensorflow") if importlib.util.find_spec(name) is not None]
INSTALLED = f"{_HERE[0]} is" if len(_HERE) == 1 else f"{', '.join(_HERE[:-1])} and {_HERE[-1]} are"


@NOT_INSTALLED
@pytest.mark.parametrize(
    ("backend", "line"),
    [
        ("tensorflow", f"Keras's backend is tensorflow (KERAS_BACKEND), which is not installed; {INSTALLED}: set KERAS_BACKEND=jax"),
        ("bogus", f"Keras's backend is 'bogus' (KERAS_BACKEND), which is not a Keras backend; {INSTALLED}: set KERAS_BACKEND=jax"),
    ],
)
def test_confirm_on_a_backend_that_is_not_installed_says_which_is_in_one_line(backend: str, line: str) -> None:
    from tests.conftest import COMMAND

    example = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples", "collapsed_mlp.py")
    result = subprocess.run(
        [COMMAND, "confirm", example], capture_output=True, text=True, env=_env(KERAS_BACKEND=backend), check=False
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"flake8-keras-activation confirm: error: {line}"]
    assert result.stdout == ""


@NOT_INSTALLED
def test_flake8_keras_confirm_on_a_backend_that_is_not_installed_says_which_is_in_one_line() -> None:
    example = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples", "collapsed_mlp.py")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=KA", "--keras-confirm", example],
        capture_output=True,
        text=True,
        env=_env(KERAS_BACKEND="tensorflow"),
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "flake8-keras-activation: --keras-confirm: Keras's backend is tensorflow (KERAS_BACKEND), which is not "
        f"installed; {INSTALLED}: set KERAS_BACKEND=jax"
    ]


USER_PROCESS = textwrap.dedent(
    """
    import os, sys
    from flake8_keras_activation.{module} import {name}
    import keras
    from flake8_keras_activation.runtime import check_model

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    print(keras.backend.backend(), os.environ.get("KERAS_BACKEND"))
    print(check_model(model).notes)
    """
)


@NOT_INSTALLED
@pytest.mark.parametrize(("module", "name"), [("runtime", "check_model"), ("testing", "assert_not_affine")])
def test_imported_before_keras_where_keras_would_fail_an_installed_backend_is_chosen_and_said(
    tmp_path, module: str, name: str
) -> None:
    # a fresh user: no keras.json yet, so Keras would load TensorFlow, which is not installed
    env = _env(KERAS_BACKEND=None, KERAS_HOME=str(tmp_path / "keras-home"))
    alone = subprocess.run([sys.executable, "-c", "import keras"], capture_output=True, text=True, env=env, check=False)
    assert alone.returncode == 1 and "No module named 'tensorflow'" in alone.stderr  # Keras's own error
    code = USER_PROCESS.format(module=module, name=name)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    backend, notes = result.stdout.splitlines()
    assert backend == "jax jax"
    # Keras's failed import above wrote keras.json, naming TensorFlow, as it does on a first import
    assert f"set KERAS_BACKEND=jax because tensorflow ({tmp_path / 'keras-home' / 'keras.json'}) is not installed" in notes


@NOT_INSTALLED
def test_an_installed_backend_the_user_chose_is_never_changed(tmp_path) -> None:
    home = tmp_path / "keras-home"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps({"backend": "numpy"}))
    code = USER_PROCESS.format(module="runtime", name="check_model")
    for env in (_env(KERAS_BACKEND=None, KERAS_HOME=str(home)), _env(KERAS_BACKEND="numpy", KERAS_HOME=str(home))):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
        assert result.returncode == 0, result.stderr
        backend, notes = result.stdout.splitlines()
        assert backend.split()[0] == "numpy" and "set KERAS_BACKEND" not in notes
