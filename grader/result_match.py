"""Whether what came back on a case is the reference's result, or a mutant's.

`close` compares with a mutant's prediction to float64 round-off, `passes`
with the reference's result to the grader's own tolerance (compare.py). A
`Trial` is one case: what came back and the mutants' results on it; a `Part`
picks what of a result to compare (all of it, or a training result's
parameters or loss).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import mutants as M
from .compare import largest_magnitude, tolerance
from .suite import Case

RTOL = 1e-9  # a mutant matches to float64 round-off: every real mistake is far larger
ATOL_SCALE = 1e-9  # of the largest entry of the same result, for sums that cancel
ATOL_FLOOR = 1e-15


# Comparing results ------------------------------------------------------------------------


def leaves(value) -> list[np.ndarray] | None:
    """The arrays of a nested result, in order."""
    if isinstance(value, (list, tuple)):
        found = []
        for item in value:
            inner = leaves(item)
            if inner is None:
                return None
            found += inner
        return found
    try:
        return [np.asarray(value, dtype=float)]
    except (TypeError, ValueError):
        return None


def structure(value):
    """The nesting of a result, without its numbers: results of one structure have leaves that pair up."""
    if isinstance(value, (list, tuple)):
        return tuple(structure(item) for item in value)
    return None


def close(observed, predicted, slack=None) -> bool:
    """True when `observed` is `predicted` to round-off (plus `slack`, a list with an
    array per leaf). Non-finite entries must sit where the prediction has them."""
    return predicted is not None and walk_close(observed, predicted, None if slack is None else iter(slack))


def walk_close(observed, predicted, slack) -> bool:
    if isinstance(predicted, (list, tuple)):
        return (
            isinstance(observed, (list, tuple))
            and len(observed) == len(predicted)
            and all(walk_close(o, p, slack) for o, p in zip(observed, predicted))
        )
    if isinstance(observed, (list, tuple)):
        return False
    try:
        got, want = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    except (TypeError, ValueError):
        return False
    return leaf_close(got, want, None if slack is None else next(slack))


def leaf_close(got: np.ndarray, want: np.ndarray, slack) -> bool:
    got = same_shape(got, want)
    if got is None:
        return False
    finite = np.isfinite(want)
    if not np.array_equal(finite, np.isfinite(got)):
        return False
    allowed = RTOL * np.abs(want) + (ATOL_SCALE * np.max(np.abs(want[finite]), initial=0.0) + ATOL_FLOOR)
    if slack is not None:
        allowed = allowed + slack
    return bool(np.all((np.abs(got - want) <= allowed) | ~finite))


def same_shape(got: np.ndarray, want: np.ndarray) -> np.ndarray | None:
    """`got` in the shape of `want`, or None; a number may come back as any one-element array."""
    if got.shape == want.shape:
        return got
    return got.reshape(()) if want.ndim == 0 and got.size == 1 else None


def leaf_pairs(observed, expected) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The leaves of two results side by side, or None when the results are not of one structure."""
    if structure(observed) != structure(expected):
        return None
    got, want = leaves(observed), leaves(expected)
    if got is None or want is None:
        return None
    return list(zip(got, want))


def passes(observed, expected, scale: float = 1.0) -> bool:
    """True when `observed` passes the grader's own tolerance (compare.py) against `expected`;
    `scale` is the case's input scale, as the engine judges it."""
    pairs = leaf_pairs(observed, expected)
    if pairs is None:
        return False
    for g, w in pairs:
        g = same_shape(g, w)
        if g is None:
            return False
        if not (np.all(np.isfinite(g)) and np.all(np.abs(g - w) <= tolerance(w, scale))):
            return False
    return True


# What came back on each case --------------------------------------------------------------


@dataclass
class Trial:
    """One case: what came back, and the mutants' results on it, computed on demand."""

    case: Case
    observed: object
    predict: Callable[[Case, frozenset], object]
    results: dict = field(default_factory=dict, repr=False)  # mistakes -> result (None: the mutant crashed)

    def result(self, mistakes: frozenset):
        if mistakes not in self.results:
            # A mistake may crash on this case, as it would in the student's code: no prediction.
            try:
                self.results[mistakes] = self.predict(self.case, mistakes)
            except (ArithmeticError, ValueError, IndexError, TypeError):
                self.results[mistakes] = None
        return self.results[mistakes]

    @property
    def expected(self):
        return self.result(M.NONE)


Part = Callable[[object], object]


def whole(value):
    return value


def params_of(value):
    return value[0] if isinstance(value, (list, tuple)) and len(value) == 2 else None


def loss_of(value):
    return value[1] if isinstance(value, (list, tuple)) and len(value) == 2 else None


def right(trial: Trial, part: Part) -> bool:
    """True when the grader accepts `part` of what came back on this case."""
    return passes(part(trial.observed), part(trial.expected), largest_magnitude([*trial.case.args, *trial.case.kwargs.values()]))
