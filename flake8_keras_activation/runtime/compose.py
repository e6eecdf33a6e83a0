"""Composing a chain of Dense, BatchNormalization and identity layers into one kernel and bias, in NumPy."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .structure import layer_key

# Layers that are the identity in inference mode.
_IDENTITY = frozenset(
    "layers." + name
    for name in (
        "Dropout AlphaDropout GaussianDropout GaussianNoise SpatialDropout1D SpatialDropout2D "
        "SpatialDropout3D ActivityRegularization Identity InputLayer"
    ).split()
)


def compose(
    layers: Sequence[Any], n: int, max_elements: int, weights: dict[Any, Any] | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Kernel (n x m) and bias of the chain's pre-activation map on flat inputs of width n.

    Exact where the chain holds only layers whose inference map is known from their weights:
    Dense, BatchNormalization on the last axis (folded with its moving statistics), and layers
    that are the identity at inference. None for anything else, and for anything that would hold
    more than `max_elements` values (the caller measures instead). `weights` caches each layer's
    weights as arrays, and each chain it composed, across calls on the same model.
    """
    cache = {} if weights is None else weights
    memo = ("composed", n, *map(id, layers))  # a run that is the whole model was composed already
    if memo in cache:
        return cache[memo]
    result = _compose(layers, n, max_elements, cache)
    cache[memo] = result
    return result


def _compose(
    layers: Sequence[Any], n: int, max_elements: int, cache: dict[Any, Any]
) -> tuple[np.ndarray, np.ndarray] | None:
    def arrays(layer: Any) -> list[np.ndarray]:
        if id(layer) not in cache:
            cache[id(layer)] = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
        return cache[id(layer)]

    kernel: np.ndarray | None = None  # None: the identity, not materialized
    bias = np.zeros(n)
    width = n
    last = len(layers) - 1
    for index, layer in enumerate(layers):
        key = layer_key(layer)
        if key in _IDENTITY:
            continue
        if key == "layers.Activation":
            if getattr(getattr(layer, "activation", None), "__name__", "") != "linear":
                return None
            continue
        if key == "layers.Dense":
            if index != last and getattr(getattr(layer, "activation", None), "__name__", "") != "linear":
                return None
            if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
                return None  # the stored weights are not the map: probe instead
            shape = tuple(getattr(layer.kernel, "shape", ()))
            if len(shape) != 2 or shape[0] != width or max(n, shape[0]) * shape[1] > max_elements:
                return None
            values = arrays(layer)
            matrix = values[0]
            kernel = matrix if kernel is None else kernel @ matrix
            bias = bias @ matrix + (values[1] if getattr(layer, "use_bias", False) else 0.0)
            width = shape[1]
            continue
        if key == "layers.BatchNormalization":
            if getattr(layer, "axis", -1) not in (-1, 1) or _width_of(layer) != width:
                return None
            if kernel is None:
                if n * n > max_elements:
                    return None
                kernel = np.eye(n)
            values = list(arrays(layer))  # [gamma], [beta], moving_mean, moving_variance
            gamma = values.pop(0) if getattr(layer, "scale", True) else np.ones(width)
            beta = values.pop(0) if getattr(layer, "center", True) else np.zeros(width)
            mean, variance = values
            scale = gamma / np.sqrt(variance + layer.epsilon)
            kernel = kernel * scale
            bias = bias * scale + beta - mean * scale
            continue
        return None
    if kernel is None:
        if n * n > max_elements:
            return None
        kernel = np.eye(n)
    return kernel, bias


def _width_of(layer: Any) -> int:
    try:
        return int(layer.moving_mean.shape[0])
    except (AttributeError, TypeError, IndexError):
        return -1
