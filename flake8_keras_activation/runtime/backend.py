"""Keras imported for a process of our own (confirm, --keras-confirm), or one line saying why it cannot be."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from ..backends import PACKAGES, BackendMissing, problem, setting


def load_keras() -> Any:
    """Import Keras, which imports the backend it is set to (keras/src/backend/__init__.py imports
    the backend's package, and the NumPy backend imports jax for its convolutions).

    Called inside `installed.installed_only()`, before anything of the user's could import a
    module of the same name: later imports get these from sys.modules. A backend that is not
    installed (KERAS_BACKEND=tensorflow without TensorFlow) raises BackendMissing, in one line,
    before Keras is imported: Keras itself would fail deep in its imports with a traceback.
    """
    if "keras" in sys.modules:  # its backend is loaded: what the settings say now no longer matters
        return sys.modules["keras"]
    if importlib.util.find_spec("keras") is None:  # Keras itself is missing: that is what to say
        raise ModuleNotFoundError("No module named 'keras'", name="keras")
    current = setting()
    missing = problem(current)
    if missing is not None:
        raise BackendMissing(missing)
    try:
        import keras
    except ModuleNotFoundError as error:
        # the backend's package was found but did not import (a half-removed install)
        if error.name and error.name.split(".", 1)[0] == PACKAGES.get(current.backend):
            raise BackendMissing(
                f"Keras's backend is {current.backend} ({current.source}), whose package {error.name} "
                f"does not import: {error}"
            ) from None
        raise
    return keras
