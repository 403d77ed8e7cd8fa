"""Which mutants (mutants.py) each exercise's results are compared with, and how a mutant computes them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import mutants as M
from .suite import Case

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
