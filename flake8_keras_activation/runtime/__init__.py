"""The runtime half: check a built Keras model, and confirm static findings by rebuilding literal models.

The only part of the package that imports Keras; nothing on the flake8 path imports it unless
`--keras-confirm` is given.
"""

from __future__ import annotations

import os

from ..backends import choose_for_user

# TensorFlow's C++ start-up chatter is noise in a linter's output; the user's own setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Imported before Keras with no backend chosen, where the one Keras would load is not installed
# (the runtime extra installs JAX, and Keras defaults to TensorFlow): an installed one, or else
# the user's next `import keras` fails. A backend chosen by KERAS_BACKEND or keras.json that is
# installed is never changed.
choose_for_user()

from .check import CollapsedRun, Report, check_model  # noqa: E402

__all__ = ["CollapsedRun", "Report", "check_model"]
