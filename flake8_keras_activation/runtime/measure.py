"""Measuring a function on flat inputs: the affine test, the kernel from probes, the rank; within a budget."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

# Relative tolerances for float32 models: the affine test, and singular values counted in a rank.
AFFINE_TOLERANCE = 1e-3
RANK_TOLERANCE = 1e-4
TRIALS = 8


def rank_of(matrix: np.ndarray) -> int:
    """Numerical rank, counting singular values above RANK_TOLERANCE of the largest."""
    if matrix.size == 0:
        return 0
    values = np.linalg.svd(matrix.astype(np.float64), compute_uv=False)
    if values.size == 0 or values[0] == 0:
        return 0
    return int((values > values[0] * RANK_TOLERANCE).sum())


@dataclass(frozen=True)
class Trials:
    """The zero input and random triples (x, y, a*x + (1-a)*y) for the affine test."""

    rows: np.ndarray  # (1 + 3 * count, n)
    a: np.ndarray  # (count, 1)

    @property
    def count(self) -> int:
        return len(self.a)

    def split(self, out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        c = self.count
        return out[0], out[1 : 1 + c], out[1 + c : 1 + 2 * c], out[1 + 2 * c :]

    @property
    def x(self) -> np.ndarray:
        return self.rows[1 : 1 + self.count]


def trial_rows(n: int, seed: int, max_elements: int) -> Trials:
    """The zero input and TRIALS triples (x, y, a*x + (1-a)*y).

    Several scales, because a saturating nonlinearity (sigmoid, softmax, tanh) looks linear on
    small inputs; and half the pairs opposite (y = -x), because on large inputs two random points
    may saturate alike while x and -x never do. `a` stays away from 1/2, where an odd-symmetric
    function (a two-class softmax about its midpoint) would pass the test.
    """
    rng = np.random.default_rng(seed)
    count = TRIALS if (1 + 3 * TRIALS) * n <= max_elements else 2
    scales = np.array([1.0, 1.0, 3.0, 3.0, 10.0, 10.0, 30.0, 30.0][:count]).reshape(-1, 1)
    x = rng.standard_normal((count, n)) * scales
    y = rng.standard_normal((count, n)) * scales
    y[1::2] = -x[1::2]
    a = rng.uniform(0.15, 0.35, size=(count, 1))
    a[1::2] = 1 - a[1::2]
    return Trials(np.concatenate([np.zeros((1, n)), x, y, a * x + (1 - a) * y]), a)


def affine_error(trials: Trials, out: np.ndarray) -> float:
    """Worst deviation from f(a*x + (1-a)*y) = a*f(x) + (1-a)*f(y), relative to the output scale."""
    _, fx, fy, fmix = trials.split(out)
    scale = max(float(np.abs(out).max()), 1e-12)
    return float(np.abs(fmix - (trials.a * fx + (1 - trials.a) * fy)).max()) / scale


def fit_error(trials: Trials, out: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> float:
    """Worst deviation of the fitted map x @ kernel + bias from f on the random inputs."""
    _, fx, _, _ = trials.split(out)
    scale = max(float(np.abs(out).max()), 1e-12)
    return float(np.abs(trials.x @ kernel + bias - fx).max()) / scale


@dataclass(frozen=True)
class Probed:
    kernel: np.ndarray | None  # (n, m) when it fitted the budget
    rank: int
    rank_is_lower_bound: bool  # measured with fewer probes than inputs, and all were independent
    probes: int
    note: str = ""


def probe_kernel(
    f: Callable[[np.ndarray], np.ndarray],
    shape: tuple[int, ...],
    bias: np.ndarray,
    *,
    max_elements: int,
    width_hint: int,
    seed: int = 0,
) -> Probed:
    """The kernel of an affine `f` from basis probes, or its rank from random ones.

    `f` maps a batch of inputs of `shape` to a batch of flat outputs; `bias` is f(0). Every
    array held at once is rows x max(inputs, outputs, widest activation) values, within
    `max_elements`: when the full kernel would not fit, as many random directions as fit give a
    rank, reported as a lower bound when they are all independent.
    """
    n = math.prod(shape)
    m = len(bias)
    per_row = max(n, m, width_hint, 1)
    if (n + 1) * per_row <= max_elements:
        directions, note = np.eye(n), ""
    else:
        count = max(1, min(n, max_elements // per_row - 1))
        directions = np.random.default_rng(seed + 1).standard_normal((count, n))
        note = (
            f"the kernel ({n} x {m}) does not fit the budget of {max_elements} values: "
            f"rank measured from {count} random probes"
        )
    chunk = max(1, max_elements // per_row)
    responses = np.concatenate(
        [f(directions[i : i + chunk]).reshape(-1, m) - bias for i in range(0, len(directions), chunk)]
    )
    rank = rank_of(responses)
    full = len(directions) == n and not note
    return Probed(
        kernel=responses if full else None,
        rank=rank,
        # fewer random directions than inputs bound the rank from below, unless the outputs do
        rank_is_lower_bound=not full and rank == len(directions) < min(n, m),
        probes=len(directions),
        note=note,
    )
