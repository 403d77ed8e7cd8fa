"""Names the classic mistake a failed exercise's results show, by its contract id.

The student's results on the cases tried are compared with mutants of the
reference (mutants.py): the reference with one mistake switched on, then with
two. A mutant is named when it matches every result to float64 round-off
(where a mistake shows on no case, a mutant that makes it matches too, and
pairs exclude it); several mutants that match alike are all named, single
mistakes before pairs. Results that no mutant explains get no diagnosis: the
engine localises the error instead. A few mistakes are no single formula and
have their own test: answers copied from the worked example, code written for
the worked example's shapes, shuffled batches (special_mistakes.py), changed
arguments.

For the training exercises the parameters and the loss are matched apart, as
a student's train_step takes them from different functions (a wrong half_sse
and a stale-weights update are two mistakes, not a pair to search for).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Sequence
from itertools import combinations

import numpy as np

from . import mutants as M
from .i18n import _
from .mistakes import MESSAGES
from .model import Diagnosis
from .mutant_plans import PLANS, Plan
from .result_match import Part, Trial, close, leaves, loss_of, params_of, right, structure, whole
from .special_mistakes import fixed_shape, hardcoded, shuffled
from .suite import Case

FD_FLOOR = 2e-8  # a finite difference's round-off, eps * loss / h, for steps down to 1e-7

# Keys that replace the same piece of code: never paired (variants of one id never are either).
SLOTS = {
    "no_output_derivative": "output delta",
    "missing_output_activation:in-backward": "output delta",
    "missing_output_activation:in-backward-with-derivative": "output delta",
    "missing_activation_derivative": "hidden delta",
    "raw_error_backprop": "hidden delta",
    "derivative_of_activation": "derivative's argument",
    "derivative_at_upstream": "derivative's argument",
    "tanh_grad_is_tanh": "tanh_grad",
    "tanh_grad_missing_square": "tanh_grad",
    "bias_not_updated": "bias step",
    "bias_update_per_input": "bias step",
    "floor_batches": "batches",
    "extra_empty_batch": "batches",
    "dropped_last_batch": "batches",
    "chain_reciprocal_sign": "df/dh5",
    "chain_reciprocal_square": "df/dh5",
}
UNPAIRED = ("numerical_gradient", "batch_one_only:row")
PREDICTIONS_KEPT = 4096  # cases whose mutant results are kept: about 3 KB each

# (exercise, id(case)) -> (case, {mistakes: result}). A batch diagnoses many submissions on the same case
# objects (the engine's plans and remembered shrinks); the case is held, so its id is not reused.
_predictions: OrderedDict[tuple[str, int], tuple[Case, dict]] = OrderedDict()


def mistake_id(key: str) -> str:
    return key.partition(":")[0]


def slot(key: str) -> str:
    return SLOTS.get(key) or SLOTS.get(mistake_id(key)) or mistake_id(key)


# The search -------------------------------------------------------------------------------


def matches(trial: Trial, mistakes: frozenset, part: Part) -> bool:
    predicted = trial.result(mistakes)
    if predicted is None:
        return False
    slack = None
    if M.fd_step(mistakes) is not None:
        coarse = trial.result(mistakes - {"numerical_gradient"} | {"numerical_gradient:coarse"})
        if coarse is None or structure(part(coarse)) != structure(part(predicted)):
            return False
        slack = [2 * np.abs(c - f) + FD_FLOOR for f, c in zip(leaves(part(predicted)), leaves(part(coarse)))]
    return close(part(trial.observed), part(predicted), slack)


def explained(trials: list[Trial], mistakes: frozenset, part: Part) -> bool:
    return all(matches(trial, mistakes, part) for trial in trials)


def changed_leaves(value, baseline) -> frozenset[int] | None:
    """Which leaves of `value` differ from `baseline`'s (None when they do not pair up)."""
    got, want = leaves(value), leaves(baseline)
    if got is None or want is None or len(got) != len(want):
        return None
    return frozenset(i for i, (g, w) in enumerate(zip(got, want)) if not close(g, w))


def pairable(trials: list[Trial], keys: Sequence[str], part: Part, base: frozenset) -> list[str]:
    """The mistakes worth pairing: each must show on some case, and on the largest case
    where the student's result differs from `base`'s (the least likely to hide a mistake
    by a coincidence of sizes), change only results the student got wrong there. A
    second mistake that exactly undoes the first on that case is not looked for."""
    differing = [t for t in trials if not close(part(t.observed), part(t.result(base)))]
    telling = max(differing, key=lambda t: size_of(t.observed), default=None)
    shown = None if telling is None else changed_leaves(part(telling.observed), part(telling.result(base)))

    def worth(key: str) -> bool:
        if key in UNPAIRED or all(close(t.result(base | {key}), t.result(base)) for t in trials):
            return False
        own = None if shown is None else telling.result(base | {key})
        changed = None if own is None else changed_leaves(part(own), part(telling.result(base)))
        return changed is None or changed <= shown

    return [key for key in keys if worth(key)]


def best_mutants(
    trials: list[Trial],
    keys: Sequence[str],
    part: Part,
    base: frozenset = M.NONE,
    anchors: Sequence[str] = (),
) -> list[frozenset]:
    """Every single mistake (added to `base`) that explains `part` of every trial; failing that,
    every pair (holding one of `anchors`, when given)."""
    singles = [base | {key} for key in keys if explained(trials, base | {key}, part)]
    if singles:
        return singles
    candidates = [(key, slot(key)) for key in pairable(trials, keys, part, base)]
    return [
        base | {a, b}
        for (a, slot_a), (b, slot_b) in combinations(candidates, 2)
        if slot_a != slot_b
        and (not anchors or a in anchors or b in anchors)
        and explained(trials, base | {a, b}, part)
    ]


def failing_first(trials: list[Trial], part: Part) -> list[Trial]:
    """Trials whose part is wrong first, smallest first: most mutants fail on the first one tried."""
    return sorted(trials, key=lambda t: (right(t, part), size_of(t.observed)))


def size_of(value) -> int:
    found = leaves(value)
    return sum(a.size for a in found) if found else 0


def search(plan: Plan, trials: list[Trial]) -> list[frozenset]:
    """The mutants that explain the results: sets of keys, one set per explanation."""
    if not plan.loss_faults:
        return best_mutants(failing_first(trials, whole), plan.faults, whole, anchors=plan.anchors)
    params_right = all(right(t, params_of) for t in trials)
    paths = (
        [M.NONE]
        if params_right
        else best_mutants(failing_first(trials, params_of), plan.faults, params_of, anchors=plan.anchors)
    )
    if plan.loss_follows_params:
        found = []
        for path in paths:
            if explained(trials, path, loss_of):
                found.append(path)
            else:
                found += best_mutants(
                    sorted(trials, key=lambda t: size_of(t.observed)), plan.loss_faults, loss_of, base=path
                )
        return [f for f in found if f]
    losses_right = all(right(t, loss_of) for t in trials)
    values = [] if losses_right else best_mutants(failing_first(trials, loss_of), plan.loss_faults, loss_of)
    return [p for p in paths if p] + values


# The diagnosis ----------------------------------------------------------------------------


def diagnose(
    exercise: str,
    observations: list[tuple[Case, object]],
    *,
    mutated: bool = False,
    errored: Sequence[Case] = (),
    figures: dict | None = None,
) -> tuple[Diagnosis, ...]:
    """The known mistakes that `exercise`'s results show, by contract id.

    - observations: (case, what the student returned, decoded) for every case
      whose call returned
    - mutated: some call changed its arguments in place
    - errored: cases whose call raised or returned the wrong form
    - figures: the worked example the named cases start from (the seed's 2-2-2
      network by default), for code that only works on its shape
    """
    found = ["in_place_update"] if mutated else []
    plan = PLANS.get(exercise)
    if plan is not None and observations:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a mutant's nan is a prediction, not a problem
            trials = [Trial(case, value, plan.predict, predictions(exercise, case)) for case, value in observations]
            trials = [t for t in trials if t.expected is not None]
            if trials:
                found += mistakes_shown(exercise, plan, trials, errored, figures)
    return tuple(Diagnosis(key, _(MESSAGES[key])) for key in MESSAGES if key in found)


def predictions(exercise: str, case: Case) -> dict:
    """The mutants' results on `case` found so far (filled in by result_match.Trial), shared by every
    submission that meets the same case object."""
    key = (exercise, id(case))
    kept = _predictions.get(key)
    if kept is None or kept[0] is not case:
        kept = _predictions[key] = (case, {})
        if len(_predictions) > PREDICTIONS_KEPT:
            _predictions.popitem(last=False)
    else:
        _predictions.move_to_end(key)
    return kept[1]


def mistakes_shown(
    exercise: str, plan: Plan, trials: list[Trial], errored: Sequence[Case], figures: dict | None
) -> list[str]:
    if not all(right(t, whole) for t in trials):
        if hardcoded(trials):
            return ["hardcoded_answers"]
        if exercise == "training.fit" and shuffled(trials):
            return ["shuffled_batches"]
        explanations = search(plan, trials)
        if explanations:
            return [mistake_id(key) for mistakes in explanations for key in mistakes]
    if plan.fixed_shape and fixed_shape(trials, errored, figures, params_of if plan.loss_faults else whole):
        return ["fixed_shape"]
    return []
