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


class NotFinite(ValueError):
    """A measured map holds inf or NaN (NumPy's SVD would raise LinAlgError on it); the message says where."""


def rank_of(matrix: np.ndarray) -> int:
    """Numerical rank, counting singular values above RANK_TOLERANCE of the largest."""
    if matrix.size == 0:
        return 0
    if not np.isfinite(matrix).all():
        raise NotFinite("the map holds values that are not finite (inf or NaN), so it has no measurable rank")
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

    def finite(self, out: np.ndarray) -> tuple[Trials, np.ndarray]:
        """These trials and their outputs without the triples where any output is inf or NaN
        (a float32 forward pass that overflows at the larger scales); the zero row stays first."""
        c = self.count
        ok = np.isfinite(out).all(axis=1)
        keep = ok[1 : 1 + c] & ok[1 + c : 1 + 2 * c] & ok[1 + 2 * c :]
        if keep.all():
            return self, out
        kept = np.flatnonzero(keep)
        rows = np.concatenate([[0], 1 + kept, 1 + c + kept, 1 + 2 * c + kept])
        return Trials(self.rows[rows], self.a[keep]), out[rows]


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
    if not np.isfinite(responses).all():
        raise NotFinite(
            "the responses to unit probes are not finite (inf or NaN): the map overflows its dtype, "
            "so its kernel cannot be measured"
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


# Fewer rows than the smallest trial batch (the zero input and two triples) are too few to call an
# output a softmax or a sigmoid.
MIN_PROBES = 7


@dataclass(frozen=True)
class Squashed:
    """An activation measured on a model's outputs: its name, and what the measurement showed."""

    act: str  # "softmax" or "sigmoid"
    evidence: str


def _sum_tolerance(dtype: np.dtype) -> float:
    """How far from 1 a softmax's outputs may sum: 1e-3 for 32 and 64-bit floats, 8 epsilons for
    narrower ones (0.0625 for bfloat16).

    A softmax divides by its own sum, so its outputs sum to 1 up to a few roundings of the output
    dtype (float32: about 1e-7; the sum itself is taken here in float64), whatever the number of
    classes; 1e-3 leaves four orders of magnitude for the exponentials and the division, and an
    output that is not normalized does not land within it on every row of every probe by chance.
    """
    try:
        eps = float(np.finfo(dtype).eps)
    except (TypeError, ValueError):  # bfloat16 and other ml_dtypes types numpy does not describe
        eps = 2.0**-7 if dtype.itemsize <= 2 else 1e-7
    return max(1e-3, 8 * eps)


def squashing(values: np.ndarray) -> Squashed | None:
    """Whether one output of a model, measured on the trial rows (`values`: one row per probe, in
    the output's own shape and dtype), is a softmax or a sigmoid; None when the probes do not show
    it or are too few or degenerate to tell.

    A softmax: every value in [0, 1], every row summing to 1 over the last axis (within
    `_sum_tolerance`), at least two units on that axis (a softmax over one unit is 1.0 everywhere:
    KA201's case), and outputs that change from one probe to another. A sigmoid: every value in
    [0, 1], some strictly inside, changing between probes, and summing to 1 over no axis (a
    softmax over the time steps of a sequence, or over the batch, is not independent units).
    The interval is closed because a float32 sigmoid rounds to exactly 1.0 from an input of about
    17 on, which the probes at the larger scales reach. Any value that is not finite, or an output
    without a batch axis, is not judged.
    """
    # floats, ml_dtypes' bfloat16 included (a structured kind to numpy); an integer output is a label
    floating = values.dtype.kind == "f" or values.dtype.name.startswith(("bfloat", "float"))
    if values.ndim < 2 or len(values) < MIN_PROBES or values.size == 0 or not floating:
        return None
    tolerance = _sum_tolerance(values.dtype)
    v = values.astype(np.float64)
    if not np.isfinite(v).all() or v.min() < 0.0 or v.max() > 1.0:
        return None
    if float(np.abs(v - v[:1]).max()) <= tolerance:
        return None  # the same output for every probe: nothing is measured
    if v.shape[-1] >= 2 and float(np.abs(v.sum(axis=-1) - 1.0).max()) <= tolerance:
        return Squashed("softmax", "the outputs are non-negative and sum to 1 over the last axis on every probe")
    for axis in range(v.ndim - 1):
        if v.shape[axis] >= 2 and float(np.abs(v.sum(axis=axis) - 1.0).max()) <= tolerance:
            return None  # a softmax over another axis
    if not ((v > 0.0) & (v < 1.0)).any():
        return None  # only 0s and 1s: a step, not a squashing
    return Squashed("sigmoid", "the outputs lie between 0 and 1 on every probe without summing to 1 over any axis")
