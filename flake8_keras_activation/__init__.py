"""Find Keras models whose layers collapse into one affine map."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["CODES", "Finding", "analyze_source", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so that flake8 loading the plugin imports almost nothing until a file needs it.
    if name == "analyze_source":
        from .source import analyze_source

        return analyze_source
    if name in ("CODES", "Finding"):
        from . import codes

        return getattr(codes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
