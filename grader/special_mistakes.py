"""The mistakes that are no single formula, each found by its own test.

Answers copied from the worked example (one answer whatever the case), code
written for the worked example's shapes (right on those shapes alone), and a
fit that takes its batches in another order than the samples'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations

import numpy as np

from . import mutants as M
from .mutant_plans import activation_of
from .result_match import (
    ATOL_FLOOR,
    RTOL,
    Part,
    Trial,
    close,
    leaf_pairs,
    loss_of,
    params_of,
    right,
    whole,
)
from .suite import Case


def hardcoded(trials: list[Trial]) -> bool:
    """One answer for every case, which is a reference answer of one of them (to printed precision)."""
    if len(trials) < 2:
        return False
    first = trials[0].observed
    if not all(close(t.observed, first) for t in trials[1:]):
        return False
    if all(close(t.expected, trials[0].expected) for t in trials[1:]):
        return False  # the cases all want this answer: nothing to tell
    return any(roughly(first, t.expected) for t in trials)


def roughly(observed, expected) -> bool:
    pairs = leaf_pairs(observed, expected)
    if pairs is None:
        return False
    for g, w in pairs:
        if g.size != w.size or not np.allclose(
            g.reshape(w.shape), w, rtol=1e-3, atol=1e-3 * (np.max(np.abs(w), initial=0) + 1e-12)
        ):
            return False
    return True


def example_shapes(figures: dict | None) -> set[tuple[int, ...]]:
    from .cases import canonical_figures, network_of

    net = network_of(figures or canonical_figures())
    return {net.x.shape, net.y.shape, net.x.shape[1:], net.y.shape[1:]} | {
        np.shape(p) for pair in net.params for p in pair
    }


def array_shapes(value) -> list[tuple[int, ...]]:
    if isinstance(value, np.ndarray):
        return [value.shape]
    if isinstance(value, (list, tuple)):
        return [shape for item in value for shape in array_shapes(item)]
    return []


def fixed_shape(trials: list[Trial], errored: Sequence[Case], figures: dict | None, part: Part) -> bool:
    """Right on every case shaped like the worked example, wrong (or crashed) on every other.

    For training results `part` is the parameters, the step's own work: a loss that is
    wrong only off the example comes from another function (a forward pass that returns
    the example's output, say).
    """
    shapes = example_shapes(figures)

    def shaped(case: Case) -> bool:
        return all(shape in shapes for shape in array_shapes(case.args))

    example = [t for t in trials if shaped(t.case)]
    other = [t for t in trials if not shaped(t.case)]
    if not example or not (other or any(not shaped(c) for c in errored)):
        return False
    return all(right(t, whole) for t in example) and not any(right(t, part) for t in other)


def shuffled(trials: list[Trial]) -> bool:
    """Every fit matches some order of the samples in each epoch (and not all in the given order)."""
    return all(reordered_fit(t) for t in trials)


def reordered_fit(trial: Trial, *, most_batches: int = 5000, most_steps: int = 200) -> bool:
    """True when some order of the rows, epoch by epoch, gives these losses and parameters.

    The loss is a sum over the samples, so a batch's loss is the sum of its rows'
    losses: at each step only the sets of rows with the reported loss are followed.
    """
    x, y, params, lr, epochs, batch_size = trial.case.args
    activation = activation_of(trial.case)
    got_params, got_losses = params_of(trial.observed), loss_of(trial.observed)
    if got_params is None or got_losses is None:
        return False
    losses = np.asarray(got_losses, dtype=float).ravel()
    n = len(x)
    per_epoch = M.num_batches(n, batch_size)
    if len(losses) != epochs * per_epoch:
        return False
    budget = [most_steps]

    def follow(t: int, params, remaining: frozenset) -> bool:
        if t == len(losses):
            return close(got_params, [list(pair) for pair in params])
        if t % per_epoch == 0:
            remaining = frozenset(range(n))
        size = min(batch_size, len(remaining))
        if math.comb(len(remaining), size) > most_batches:
            return False
        batches = np.array(list(combinations(sorted(remaining), size)))  # (k, size) row indices
        per_sample = 0.5 * np.sum((M.forward(x, params, activation) - y) ** 2, axis=1)  # (n,)
        sums = per_sample[batches].sum(axis=1)
        allowed = RTOL * abs(losses[t]) + ATOL_FLOOR + RTOL * np.abs(sums)
        for rows in batches[np.abs(sums - losses[t]) <= allowed]:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            new_params, _loss = M.train_step(x[rows], y[rows], params, lr, activation)
            if follow(t + 1, new_params, remaining - set(rows.tolist())):
                return True
        return False

    return follow(0, params, frozenset())
