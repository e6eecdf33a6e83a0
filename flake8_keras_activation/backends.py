"""Keras 3's backends: the one Keras will load, the ones installed, and one line saying how to choose."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import NamedTuple

# Each backend Keras 3 knows, and the package it imports: keras/src/backend/__init__.py imports
# the backend's package, and the NumPy backend imports jax for its convolutions.
PACKAGES = {"jax": "jax", "numpy": "jax", "tensorflow": "tensorflow", "torch": "torch", "openvino": "openvino"}
# What a user's own process may be given: backends that train. The NumPy backend cannot, and the
# runtime extra installs JAX, so JAX comes first.
TRAINING = ("jax", "torch", "tensorflow")
# For processes of our own, lightest first, measured by benchmarks/bench_runtime.py on one file:
# `confirm` costs about 1.2 s and 217 MiB cold on the NumPy backend, 2.05 s and 312 MiB on JAX (its
# first call of each operation compiles it) and 3.1 s and 624 MiB on TensorFlow. Any of them
# rebuilds and measures a literal model alike.
LIGHTEST = ("numpy", "jax", "tensorflow", "torch")
# Keras's choice when neither KERAS_BACKEND nor keras.json names one (keras/src/backend/config.py).
KERAS_DEFAULT = "tensorflow"

# What choose_for_user() did, for check_model's report to say: None when it did nothing.
CHOSEN: str | None = None


class BackendMissing(ImportError):
    """Keras cannot load the backend it is set to; the message is one line saying how to choose one."""


class Setting(NamedTuple):
    """The backend Keras will load in this process, and what named it."""

    backend: str
    source: str  # "KERAS_BACKEND", the keras.json file as shown to the user, or "Keras's default"


def keras_json() -> str:
    """The configuration file Keras reads, found as keras/src/backend/config.py finds it: under
    $KERAS_HOME, else ~/.keras, else /tmp/.keras when the home directory is not writable."""
    home = os.environ.get("KERAS_HOME")
    if home is None:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return os.path.expanduser(os.path.join(home, "keras.json"))


def _shown(path: str) -> str:
    home = os.path.expanduser("~")
    return "~" + path[len(home) :] if home not in ("", "/") and path.startswith(home + os.sep) else path


def setting() -> Setting:
    """What Keras will load when imported: a non-empty KERAS_BACKEND, else keras.json's "backend",
    else TensorFlow (Keras writes keras.json itself on its first import, naming TensorFlow)."""
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        return Setting(chosen, "KERAS_BACKEND")
    path = keras_json()
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except FileNotFoundError:
        return Setting(KERAS_DEFAULT, "Keras's default")
    except (OSError, ValueError):  # Keras reads an unreadable file as empty: its default
        return Setting(KERAS_DEFAULT, "Keras's default")
    backend = config.get("backend", KERAS_DEFAULT) if isinstance(config, dict) else KERAS_DEFAULT
    return Setting(str(backend), _shown(path))


def installed(backend: str) -> bool:
    """Whether the package the backend imports can be found (without importing it)."""
    package = PACKAGES.get(backend)
    if package is None:
        return False
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):  # a broken or half-imported package of that name
        return False


def problem(current: Setting | None = None) -> str | None:
    """One line saying that Keras's backend is missing and how to choose an installed one, or None
    when the backend Keras will load is installed: "Keras's backend is tensorflow (Keras's default),
    which is not installed; jax is: set KERAS_BACKEND=jax (or "backend": "jax" in ~/.keras/keras.json)"."""
    current = current or setting()
    if installed(current.backend):
        return None
    if current.backend in PACKAGES:
        what = f"Keras's backend is {current.backend} ({current.source}), which is not installed"
    else:
        what = f"Keras's backend is {current.backend!r} ({current.source}), which is not a Keras backend"
    others = [backend for backend in TRAINING if backend != current.backend and installed(backend)]
    if not others:
        return f"{what}, and no other backend is: pip install 'flake8-keras-activation[runtime]' installs JAX"
    names = " and ".join(others)
    how = f"set KERAS_BACKEND={others[0]}"
    if current.source != "KERAS_BACKEND":
        how += f' (or "backend": "{others[0]}" in {_shown(keras_json())})'
    return f"{what}; {names} {'is' if len(others) == 1 else 'are'}: {how}"


def choose_backend() -> str | None:
    """Set KERAS_BACKEND to the lightest installed backend, unless it is set; the backend in force.

    Only for processes of our own (the confirm command, flake8 with --keras-confirm), before
    `flake8_keras_activation.runtime` is imported: a user's process keeps whatever backend it
    chose (see choose_for_user). ~/.keras/keras.json is not read as a choice: Keras writes it
    itself, naming TensorFlow, the first time it is imported.
    """
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        return chosen
    for backend in LIGHTEST:
        if installed(backend):
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


def choose_for_user() -> str | None:
    """Where Keras would fail to import for want of its backend, set KERAS_BACKEND to an installed one.

    Called when `flake8_keras_activation.runtime` or `.testing` is imported. Only when nothing has
    imported Keras yet, KERAS_BACKEND is not set, and the backend keras.json (or Keras's default,
    TensorFlow) names is not installed: a choice that works is never changed, and where this acts
    `import keras` would otherwise raise `No module named 'tensorflow'`. check_model's report says
    so in a note. Returns the backend set, or None.
    """
    global CHOSEN
    if "keras" in sys.modules or os.environ.get("KERAS_BACKEND"):
        return None
    try:
        if importlib.util.find_spec("keras") is None:
            return None
    except (ImportError, ValueError):
        return None
    current = setting()
    if installed(current.backend):
        return None
    for backend in TRAINING:
        if installed(backend):
            os.environ["KERAS_BACKEND"] = backend
            CHOSEN = (
                f"Keras runs on {backend}: flake8_keras_activation set KERAS_BACKEND={backend} because "
                f"{current.backend} ({current.source}) is not installed; set KERAS_BACKEND to choose"
            )
            return backend
    return None
