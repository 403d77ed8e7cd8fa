"""Names the classic mistake a failed exercise's results show, by its contract id.

The student's results on the cases tried are compared with mutants of the
reference (mutants.py): the reference with one mistake switched on, then with
two. A mutant is named when it matches every result to float64 round-off
(where a mistake shows on no case, a mutant that makes it matches too, and
pairs exclude it); several mutants that match alike are all named, single
mistakes before pairs. Results that no mutant explains get no diagnosis: the
engine localises the error instead. A few mistakes are no single formula and
have their own test: answers copied from the worked example, code written for
the worked example's shapes, shuffled batches, changed arguments.

For the training exercises the parameters and the loss are matched apart, as
a student's train_step takes them from different functions (a wrong half_sse
and a stale-weights update are two mistakes, not a pair to search for).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from . import mutants as M
from .compare import tolerance
from .compare import largest_magnitude
from .i18n import N_, _
from .model import Diagnosis
from .suite import Case

# What the student reads, by contract id, in the contract's order. A message
# names the mistake and the lesson step to reread; it never shows the solution.
# Marked here, translated when a diagnosis is made (grader/i18n.py).
MESSAGES = {
    "loss_grad_sign": N_(
        "the derivative of the loss has the wrong sign (target minus output instead of output minus "
        "target), so every gradient points the wrong way (back propagation, step 2)"
    ),
    "no_output_derivative": N_(
        "the output delta lacks the activation's derivative: output minus target alone is the cross-"
        "entropy delta, but this loss is half the sum of squared errors (back propagation, step 3)"
    ),
    "missing_activation_derivative": N_(
        "a hidden layer's delta lacks its activation's derivative: after going back through the "
        "weights, the error still passes through the activation at that layer's z (back propagation, "
        "steps 3 and 5)"
    ),
    "raw_error_backprop": N_(
        "the raw output error, not the output delta, is sent back to the hidden layer: what goes back "
        "through the weights is dL/dz, after the activation's derivative (back propagation, steps 3 and"
        " 4)"
    ),
    "stale_weights": N_(
        "a layer's weights are updated before the error goes back through them: take every gradient "
        "with the weights of the forward pass, then update (training, train_step)"
    ),
    "derivative_of_activation": N_(
        "the activation's derivative is applied to the wrong quantity: its formula in z applied to the "
        "activation's output a, or its formula in a applied to z (activations; back propagation, step "
        "3)"
    ),
    "derivative_at_upstream": N_(
        "the activation's derivative is evaluated at the upstream gradient da instead of at the pre-"
        "activation z (back propagation, step 3)"
    ),
    "transposed_weight_grad": N_(
        "the weight gradient is transposed: dW has the shape of W, (n_out, n_in), one row per unit of "
        "the layer (back propagation, step 4)"
    ),
    "wrong_layer_input": N_(
        "the weight gradient is built from the wrong values: it takes the layer's input in the forward "
        "pass, not the layer's own output (back propagation, steps 1 and 4)"
    ),
    "bias_grad_not_summed": N_(
        "the bias gradient is not summed over the batch: db has the shape of b, one number per unit, "
        "adding up every sample's share (back propagation, step 4)"
    ),
    "batch_mean": N_(
        "the gradients are divided by the batch size: the loss is a sum over the batch, so its gradient"
        " is a sum too, not a mean (back propagation, step 4)"
    ),
    "tanh_grad_is_tanh": N_("tanh_grad returns tanh itself, not its derivative (activations, tanh_grad)"),
    "tanh_grad_missing_square": N_("tanh_grad lacks a square: its derivative uses tanh(z) squared (activations, tanh_grad)"),
    "relu_grad_at_zero": N_(
        "relu's derivative at z = 0 is taken as 1; here, as in PyTorch, it is 0 (activations, relu_grad)"
    ),
    "loss_mean": N_(
        "the loss is averaged instead of summed: it is half the sum of the squared errors over every "
        "element, divided by nothing (forward, half_sse)"
    ),
    "loss_missing_half": N_(
        "the loss lacks its factor 1/2, or its gradient is twice too large: with the 1/2, the "
        "derivative of the loss is simply output minus target (forward, half_sse; back propagation, "
        "step 2)"
    ),
    "missing_output_activation": N_(
        "the output layer has no activation: the activation comes after every layer, the output layer "
        "included (the forward pass)"
    ),
    "unstable_sigmoid": N_(
        "sigmoid overflows to nan or inf for large |z|: exp of a large positive number overflows, so "
        "use a form that never takes one (activations, sigmoid)"
    ),
    "sgd_ascent": N_(
        "the update adds the step instead of subtracting it: the gradient points uphill, and gradient "
        "descent goes the other way (gradient descent, sgd_update)"
    ),
    "bias_not_updated": N_(
        "the biases are left as they were: a training step moves every weight and every bias (training,"
        " train_step)"
    ),
    "bias_update_per_input": N_(
        "each bias is updated once per input of its layer (n_in times) instead of once per step "
        "(training, train_step)"
    ),
    "lr_ignored": N_(
        "the update does not use the learning rate: the step is the gradient scaled by lr (gradient "
        "descent, sgd_update)"
    ),
    "in_place_update": N_(
        "the arguments are changed in place: build new arrays and leave the caller's as they were "
        "(conventions: no function modifies its arguments)"
    ),
    "floor_batches": N_(
        "the number of batches is rounded down, so the last partial batch is lost: an epoch includes it"
        " (gradient descent, num_batches)"
    ),
    "extra_empty_batch": N_(
        "one batch too many when the batch size divides the number of samples: the count rounds up, it "
        "does not add one (gradient descent, num_batches)"
    ),
    "dropped_last_batch": N_("fit skips the last, partial batch: every sample is used in every epoch (training, fit)"),
    "shuffled_batches": N_(
        "fit reorders the samples: batch k holds rows k*batch_size to (k+1)*batch_size, in their given "
        "order (training, fit)"
    ),
    "chain_missing_inner": N_(
        "the chain rule leaves out the derivative of the first step, h1 = w * x, with respect to w "
        "(chain rule, step h1)"
    ),
    "chain_exp_sign": N_(
        "a sign is lost at h3 = -h2 or at h4 = exp(h3): dh3/dh2 is negative, and exp is its own "
        "derivative (chain rule, steps h3 and h4)"
    ),
    "chain_reciprocal_sign": N_("the derivative of f = 1/h5 has the wrong sign: 1/h5 falls as h5 grows (chain rule, step f)"),
    "chain_reciprocal_square": N_("the derivative of f = 1/h5 lacks its square (chain rule, step f)"),
    "fixed_shape": N_(
        "the code only works for the shape of the worked example: take the sizes from the arrays "
        "(x.shape, W.shape), never write them in (conventions)"
    ),
    "batch_one_only": N_(
        "only the first sample of the batch is used: a batch is rows, and every row counts "
        "(conventions: a batch is rows)"
    ),
    "hardcoded_answers": N_(
        "the same answer comes back whatever the input: the worked example's figures are written in "
        "instead of computed from the arguments (the exercise's Inputs and Returns)"
    ),
    "numerical_gradient": N_(
        "the gradients are finite differences, not derived with the chain rule: differences lose "
        "precision and miss relu's kink at 0 (back propagation, steps 1 to 5)"
    ),
}

RTOL = 1e-9  # a mutant matches to float64 round-off: every real mistake is far larger
ATOL_SCALE = 1e-9  # of the largest entry of the same result, for sums that cancel
ATOL_FLOOR = 1e-15
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


def mistake_id(key: str) -> str:
    return key.partition(":")[0]


def slot(key: str) -> str:
    return SLOTS.get(key) or SLOTS.get(mistake_id(key)) or mistake_id(key)


# Which mutants each exercise is compared with --------------------------------------------

ACTIVATION_FAULTS = (
    "tanh_grad_is_tanh",
    "tanh_grad_missing_square",
    "relu_grad_at_zero",
    "unstable_sigmoid:exp-ratio",
    "unstable_sigmoid:grad-exp",
    "derivative_of_activation:z-formula-on-a",
    "derivative_of_activation:a-formula-on-z",
)
DELTA_FAULTS = (*ACTIVATION_FAULTS, "derivative_at_upstream:times", "derivative_at_upstream:alone")
LAYER_FAULTS = (
    "transposed_weight_grad",
    "bias_grad_not_summed:unsummed",
    "bias_grad_not_summed:all-axes",
    "bias_grad_not_summed:wrong-axis",
    "bias_grad_not_summed:mean",
    "batch_mean:parameters",
    "batch_mean:every-gradient",
    "batch_one_only",
)
LOSS_GRAD_FAULTS = (
    "loss_grad_sign",
    "loss_missing_half:gradient",
    "loss_mean:gradient-elements",
    "loss_mean:gradient-outputs",
)
BACKWARD_FAULTS = (
    *LOSS_GRAD_FAULTS,
    "no_output_derivative",
    "missing_output_activation:in-backward",
    "missing_output_activation:in-backward-with-derivative",
    "missing_activation_derivative",
    "raw_error_backprop:every-layer",
    "raw_error_backprop:output-layer",
    "wrong_layer_input:own-output",
    "wrong_layer_input:pre-activation",
    *DELTA_FAULTS,
    *LAYER_FAULTS,
    "numerical_gradient",
)
SGD_FAULTS = ("sgd_ascent", "lr_ignored", "bias_not_updated", "bias_update_per_input", "stale_weights")
LOSS_FAULTS = ("loss_mean:elements", "loss_mean:outputs", "loss_mean:batch", "loss_missing_half")
LOSS_VALUE_FAULTS = (
    *LOSS_FAULTS,
    "missing_output_activation",
    "batch_one_only",
    "unstable_sigmoid:exp-ratio",
)
# In fit an extra empty batch changes only the losses, so these are tried on both parts.
BATCH_FAULTS = ("floor_batches", "extra_empty_batch", "dropped_last_batch")
CHAIN_FAULTS = (
    "chain_missing_inner",
    "chain_exp_sign:exp",
    "chain_exp_sign:negation",
    "chain_reciprocal_sign",
    "chain_reciprocal_square",
)
GRAD_OF_ACTIVATION = (
    "derivative_of_activation:z-formula-on-a",
    "derivative_of_activation:a-formula-on-z",
    "numerical_gradient",
)


@dataclass(frozen=True)
class Plan:
    """How to compute an exercise's result with mistakes, and which mistakes to try.

    - predict(case, mistakes): the result in the form the engine decodes
    - faults: keys tried on the result (on the parameters, for training forms)
    - loss_faults: keys tried on the loss of a params+loss(es) result
    - loss_follows_params: the losses depend on the parameters' path (fit)
    - fixed_shape: the exercise takes a network, so code can be written for one shape
    - anchors: when given, a pair tried on the result holds one of these keys
      (fit's pairs of two train_step mistakes are named on train_step, faster)
    """

    predict: Callable[[Case, frozenset], object]
    faults: tuple[str, ...] = ()
    loss_faults: tuple[str, ...] = ()
    loss_follows_params: bool = False
    fixed_shape: bool = False
    anchors: tuple[str, ...] = ()


def activation_of(case: Case) -> str:
    return case.kwargs.get("activation", "sigmoid")


PLANS = {
    "gradient_descent.num_batches": Plan(
        lambda c, m: M.num_batches(*c.args, m), ("floor_batches", "extra_empty_batch")
    ),
    "gradient_descent.num_iterations": Plan(
        lambda c, m: M.num_iterations(*c.args, m), ("floor_batches", "extra_empty_batch")
    ),
    "gradient_descent.sgd_update": Plan(
        lambda c, m: M.sgd_update(*c.args, m), ("sgd_ascent", "lr_ignored"), fixed_shape=True
    ),
    "chain_rule.composite": Plan(lambda c, m: M.composite(*c.args)),
    "chain_rule.local_derivatives": Plan(
        lambda c, m: np.array(M.local_derivatives(*c.args, m)), CHAIN_FAULTS
    ),
    "chain_rule.composite_grad": Plan(
        lambda c, m: np.array(M.composite_grad(*c.args, m)), (*CHAIN_FAULTS, *GRAD_OF_ACTIVATION)
    ),
    "activations.sigmoid": Plan(lambda c, m: M.sigmoid(c.args[0], m), ("unstable_sigmoid:exp-ratio",)),
    "activations.tanh": Plan(lambda c, m: M.activate("tanh", c.args[0], m)),
    "activations.relu": Plan(lambda c, m: M.activate("relu", c.args[0], m)),
    "activations.sigmoid_grad": Plan(
        lambda c, m: M.activation_grad("sigmoid", c.args[0], m),
        ("unstable_sigmoid:exp-ratio", "unstable_sigmoid:grad-exp", *GRAD_OF_ACTIVATION),
    ),
    "activations.tanh_grad": Plan(
        lambda c, m: M.activation_grad("tanh", c.args[0], m),
        ("tanh_grad_is_tanh", "tanh_grad_missing_square", *GRAD_OF_ACTIVATION),
    ),
    "activations.relu_grad": Plan(
        lambda c, m: M.activation_grad("relu", c.args[0], m), ("relu_grad_at_zero", "numerical_gradient")
    ),
    "forward.linear_forward": Plan(
        lambda c, m: M.linear_forward(*c.args, m), ("batch_one_only", "batch_one_only:row"), fixed_shape=True
    ),
    "forward.forward": Plan(
        lambda c, m: M.forward(*c.args, activation_of(c), m),
        ("missing_output_activation", "unstable_sigmoid:exp-ratio", "batch_one_only", "batch_one_only:row"),
        fixed_shape=True,
    ),
    "forward.half_sse": Plan(
        lambda c, m: M.half_sse(*c.args, m), (*LOSS_FAULTS, "batch_one_only"), fixed_shape=True
    ),
    "backward.linear_backward": Plan(
        lambda c, m: M.linear_backward(*c.args, m), LAYER_FAULTS, fixed_shape=True
    ),
    "backward.activation_backward": Plan(
        lambda c, m: M.activation_backward(*c.args, activation_of(c), m),
        (*DELTA_FAULTS, "missing_activation_derivative", "numerical_gradient", "batch_one_only"),
    ),
    "backward.backward": Plan(
        lambda c, m: M.backward(*c.args, activation_of(c), m), BACKWARD_FAULTS, fixed_shape=True
    ),
    "training.train_step": Plan(
        lambda c, m: M.train_step(*c.args, activation_of(c), m),
        (*BACKWARD_FAULTS, *SGD_FAULTS),
        LOSS_VALUE_FAULTS,
        fixed_shape=True,
    ),
    "training.fit": Plan(
        lambda c, m: M.fit(*c.args, activation_of(c), m),
        (*BACKWARD_FAULTS, *SGD_FAULTS, *BATCH_FAULTS),
        (*LOSS_VALUE_FAULTS, *BATCH_FAULTS),
        loss_follows_params=True,
        fixed_shape=True,
        anchors=(*BATCH_FAULTS, "batch_one_only"),
    ),
    "torch_net.make_net": Plan(
        lambda c, m: M.forward(c.args[0], c.args[2], activation_of(c), m),
        ("missing_output_activation", "batch_one_only"),
        fixed_shape=True,
    ),
    "torch_net.torch_train_step": Plan(
        lambda c, m: M.train_step(*c.args, activation_of(c), m),
        (
            *LOSS_GRAD_FAULTS,
            "missing_output_activation:in-backward",
            "batch_mean:parameters",
            "batch_one_only",
            *SGD_FAULTS[:3],
        ),
        LOSS_VALUE_FAULTS,
        fixed_shape=True,
    ),
}


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


def passes(observed, expected, scale: float = 1.0) -> bool:
    """True when `observed` passes the grader's own tolerance (compare.py) against `expected`;
    `scale` is the case's input scale, as the engine judges it."""
    if structure(observed) != structure(expected):
        return False
    got, want = leaves(observed), leaves(expected)
    if got is None or want is None:
        return False
    for g, w in zip(got, want):
        g = same_shape(g, w)
        if g is None:
            return False
        if not (np.all(np.isfinite(g)) and np.all(np.abs(g - w) <= tolerance(w, scale))):
            return False
    return True


# The search -------------------------------------------------------------------------------


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


# Mistakes that are not one formula ---------------------------------------------------------


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
    if structure(observed) != structure(expected):
        return False
    got, want = leaves(observed), leaves(expected)
    if got is None or want is None:
        return False
    for g, w in zip(got, want):
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
            trials = [Trial(case, value, plan.predict) for case, value in observations]
            trials = [t for t in trials if t.expected is not None]
            if trials:
                found += mistakes_shown(exercise, plan, trials, errored, figures)
    return tuple(Diagnosis(key, _(MESSAGES[key])) for key in MESSAGES if key in found)


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
