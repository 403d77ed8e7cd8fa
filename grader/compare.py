"""The tolerance policy: when a student's number counts as the reference's.

An entry passes when |got - expected| <= RTOL * |expected| + atol, where atol
is ATOL_SCALE times the largest |expected| in the same array plus ATOL_FLOOR
times the size of the inputs (their largest |value|, at least 1). The floor
lets float64 round-off and cancellation pass: 1 - s == 0 in a saturated
sigmoid where the true value is 4e-18, or 1 - tanh(z)**2 (exact to about eps
only) multiplied by an upstream gradient of 600. The relative part fails a
finite-difference gradient at a kink, the stale-weights mistake (7e-5 on a
weight of 0.15) and any 1 % error. NaN and inf never pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RTOL = 1e-6
ATOL_SCALE = 1e-10
ATOL_FLOOR = 1e-15


@dataclass(frozen=True)
class Mismatch:
    """Why a value failed: a wrong shape or kind (`problem`), or wrong entries."""

    problem: str = ""
    entries: tuple[tuple[tuple[int, ...], float, float], ...] = ()  # (index, expected, got)
    count: int = 0  # entries out of tolerance
    size: int = 0


def tolerance(expected: np.ndarray, input_scale: float = 1.0) -> np.ndarray:
    """The allowed |got - expected| for each entry of `expected`."""
    size = np.abs(expected)
    scale = float(size.max()) if expected.size else 0.0
    return RTOL * size + (ATOL_SCALE * scale + ATOL_FLOOR * max(1.0, input_scale))


def compare_arrays(got: np.ndarray, expected: np.ndarray, *, input_scale: float = 1.0, show: int = 3) -> Mismatch | None:
    """None when `got` matches `expected` (same shape, every entry in tolerance).

    `input_scale`: the largest |value| among the arguments that produced it.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return Mismatch(problem=f"has shape {got.shape}, expected {expected.shape}")
    if not np.isfinite(got).all():  # methods, not np.all & co.: a grader compares thousands of small arrays
        bad = np.argwhere(~np.isfinite(got))[:show]
        entries = tuple((tuple(int(i) for i in idx), float(expected[tuple(idx)]), float(got[tuple(idx)])) for idx in bad)
        return Mismatch(entries=entries, count=int(np.sum(~np.isfinite(got))), size=got.size)
    error = np.abs(got - expected)
    within = error <= tolerance(expected, input_scale)  # NaN-safe: a NaN error is not within
    if within.all():
        return None
    wrong = ~within
    order = np.argsort(-(error / (np.abs(expected) + ATOL_FLOOR)), axis=None, kind="stable")
    flat = [np.unravel_index(i, got.shape) for i in order[:show] if wrong.flat[i]]
    entries = tuple((tuple(int(i) for i in idx), float(expected[idx]), float(got[idx])) for idx in flat)
    return Mismatch(entries=entries, count=int(wrong.sum()), size=got.size)


def compare_scalar(got: float, expected: float, *, input_scale: float = 1.0) -> Mismatch | None:
    """None when the number `got` matches `expected`."""
    got, expected = float(got), float(expected)
    size = abs(expected)  # `tolerance` in plain floats: the same operations, the same result
    if abs(got - expected) <= RTOL * size + (ATOL_SCALE * size + ATOL_FLOOR * max(1.0, input_scale)):
        return None  # within it, hence finite
    return compare_arrays(np.asarray(got), np.asarray(expected), input_scale=input_scale)


def relative_error(got: float, expected: float) -> float:
    return abs(got - expected) / max(abs(expected), ATOL_FLOOR)


def largest_magnitude(value) -> float:
    """The largest |number| in nested lists, tuples and arrays: the size of a case's inputs."""
    if isinstance(value, np.ndarray):
        return float(np.max(np.abs(value))) if value.size else 0.0
    if isinstance(value, (list, tuple)):
        return max((largest_magnitude(v) for v in value), default=0.0)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return abs(float(value))
    return 0.0
