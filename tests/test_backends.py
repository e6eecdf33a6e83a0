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
