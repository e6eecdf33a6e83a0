"""Find Keras models whose layers collapse into one affine map."""

from __future__ import annotations

__version__ = "0.1.0"

from .codes import CODES, Finding
from .source import analyze_source

__all__ = ["CODES", "Finding", "analyze_source", "__version__"]
