"""The message of each classic mistake that diagnose.py names, by its contract id (CONTRACT.md)."""

from __future__ import annotations

from .i18n import N_

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
