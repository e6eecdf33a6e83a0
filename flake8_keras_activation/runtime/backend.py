"""Which Keras 3 backend the confirm command loads: the lightest one installed, unless the user chose."""

from __future__ import annotations

import importlib.util
import os
from typing import Any

# Lightest first, measured by benchmarks/bench_runtime.py on one file: `confirm` costs about
# 1.2 s and 217 MiB cold on the NumPy backend, 2.05 s and 312 MiB on JAX (its first call of
# each operation compiles it) and 3.1 s and 624 MiB on TensorFlow. Keras's NumPy backend needs JAX
# installed (it borrows JAX's convolutions), so it comes with JAX or not at all. Any of them
# rebuilds and measures a literal model alike.
PREFERENCE = (("numpy", "jax"), ("jax", "jax"), ("tensorflow", "tensorflow"), ("torch", "torch"))


def choose_backend() -> str | None:
    """Set KERAS_BACKEND to the lightest installed backend, unless it is set; the backend in force.

    Only for processes of our own (the confirm command, flake8 with --keras-confirm): a user's
    process that imports check_model keeps whatever backend it chose. ~/.keras/keras.json is not
    read as a choice: Keras writes it itself, naming TensorFlow, the first time it is imported.
    """
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        return chosen
    for backend, module in PREFERENCE:
        if importlib.util.find_spec(module) is not None:
            os.environ["KERAS_BACKEND"] = backend
            return backend
    return None


def prepare_process() -> str | None:
    """Set up a process of our own for Keras: the lightest backend, and one BLAS thread.

    The models confirm rebuilds are small and their arrays bounded by max_elements, where
    OpenBLAS's worker threads only spin: on a busy two-core machine one 25 x 100 @ 100 x 1000
    product took 12 ms with them and 0.2 ms without. The user's own settings win.
    """
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    return choose_backend()


def load_keras() -> Any:
    """Import Keras, which imports the backend it is set to (keras/src/backend/__init__.py imports
    the backend's package, and the NumPy backend imports jax for its convolutions).

    Called inside `installed.installed_only()`, before anything of the user's could import a
    module of the same name: later imports get these from sys.modules.
    """
    import keras

    return keras
