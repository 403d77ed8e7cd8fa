"""The reference solution again, with the contract's classic mistakes switchable.

Every function computes what reference/ computes unless `mistakes` switches
on a mistake that lives in it. Each mistake is made in one place, where a
student makes it, so that two mistakes combine as they do in a student's
code (stale weights propagate through whatever update the student wrote).

A mistake is named by a key: its contract id, or "id:variant" where one
mistake comes in several forms (a loss averaged over every element or over
the outputs). Where the value of the loss and its gradient live in
different functions of a student's code, they are separate keys:
`loss_missing_half` makes half_sse's value twice too large,
`loss_missing_half:gradient` backward's gradients.

diagnose.py compares a student's results with these mutants. Pure NumPy,
float64, arguments never modified; the unstable variants overflow on
purpose, so callers silence NumPy's floating-point warnings.
"""

from __future__ import annotations

import math

import numpy as np

NONE: frozenset[str] = frozenset()
FD_STEPS = {"numerical_gradient": 1e-6, "numerical_gradient:coarse": 1e-3}  # central-difference steps


def fd_step(mistakes: frozenset[str]) -> float | None:
    """The central-difference step when gradients come from finite differences, else None."""
    return next((FD_STEPS[key] for key in mistakes if key in FD_STEPS), None)


def first_rows(mistakes: frozenset[str], *arrays):
    """The arguments as the function sees them: only their first row under `batch_one_only`."""
    if "batch_one_only" in mistakes or "batch_one_only:row" in mistakes:
        arrays = tuple(np.asarray(a, dtype=float) for a in arrays)
    if "batch_one_only" in mistakes:
        arrays = tuple(a[:1] for a in arrays)  # (1, n): the batch cut to its first sample
    elif "batch_one_only:row" in mistakes:
        arrays = tuple(a[0] for a in arrays)  # (n,): the first sample as a vector
    return arrays if len(arrays) > 1 else arrays[0]


# Activations ------------------------------------------------------------------------------


def sigmoid(z, mistakes=NONE):
    z = np.asarray(z, dtype=float)
    if "unstable_sigmoid:exp-ratio" in mistakes:
        return np.exp(z) / (1 + np.exp(z))  # inf / inf = nan once exp(z) overflows (z > 709)
    return np.exp(-np.logaddexp(0.0, -z))  # 1 / (1 + exp(-z)) without overflow, to a few ulps


def activate(name: str, z, mistakes=NONE):
    if name == "sigmoid":
        return sigmoid(z, mistakes)
    if name == "tanh":
        return np.tanh(np.asarray(z, dtype=float))
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def a_formula(name: str, a):
    """The derivative written with the activation's output a (what a-formulas take)."""
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a**2
    return (a > 0).astype(float)


def activation_grad(name: str, z, mistakes=NONE):
    """d activation / dz, as sigmoid_grad, tanh_grad and relu_grad compute it."""
    z = np.asarray(z, dtype=float)
    h = fd_step(mistakes)
    if h is not None:
        plus, minus = z + h, z - h
        return (activate(name, plus) - activate(name, minus)) / (plus - minus)
    if "derivative_of_activation:a-formula-on-z" in mistakes:
        return a_formula(name, z)
    if "derivative_of_activation:z-formula-on-a" in mistakes:
        z = activate(name, z, mistakes)  # the derivative called with a = activation(z)
    if name == "sigmoid":
        if "unstable_sigmoid:grad-exp" in mistakes:
            e = np.exp(-z)
            return e / (1 + e) ** 2  # inf / inf = nan once exp(-z) overflows (z < -709)
        s = sigmoid(z, mistakes)
        return s * (1 - s)
    if name == "tanh":
        if "tanh_grad_is_tanh" in mistakes:
            return np.tanh(z)
        if "tanh_grad_missing_square" in mistakes:
            return 1 - np.tanh(z)
        return 1 - np.tanh(z) ** 2
    return (z >= 0 if "relu_grad_at_zero" in mistakes else z > 0).astype(float)


# The forward pass -------------------------------------------------------------------------


def linear_forward(x, W, b, mistakes=NONE):
    x = first_rows(mistakes, x)
    return x @ np.asarray(W, dtype=float).T + b


def forward(x, params, activation="sigmoid", mistakes=NONE):
    a = first_rows(mistakes, x)
    for index, (W, b) in enumerate(params):
        z = a @ np.asarray(W, dtype=float).T + b
        linear = index == len(params) - 1 and "missing_output_activation" in mistakes
        a = z if linear else activate(activation, z, mistakes)
    return a


def half_sse(y_hat, y, mistakes=NONE):
    y_hat, y = first_rows(mistakes, y_hat, y)
    diff = y_hat - y
    loss = np.sum(diff**2) * (1.0 if "loss_missing_half" in mistakes else 0.5)
    if "loss_mean:elements" in mistakes:
        loss = loss / diff.size
    if "loss_mean:outputs" in mistakes:
        loss = loss / diff.shape[-1]
    if "loss_mean:batch" in mistakes:
        loss = loss / len(diff)
    return float(loss)


def reference_loss(x, y, params, activation) -> float:
    return half_sse(forward(x, params, activation), y)


# The backward pass ------------------------------------------------------------------------


def bias_grad(dz, mistakes=NONE):
    if "bias_grad_not_summed:unsummed" in mistakes:
        return dz.copy()  # (batch, n_out)
    if "bias_grad_not_summed:all-axes" in mistakes:
        return dz.sum()  # one number
    if "bias_grad_not_summed:wrong-axis" in mistakes:
        return dz.sum(axis=1)  # (batch,)
    if "bias_grad_not_summed:mean" in mistakes:
        return dz.sum(axis=0) / len(dz)
    return dz.sum(axis=0)


def linear_backward(dz, x, W, mistakes=NONE):
    """[dx, dW, db] through z = x @ W.T + b."""
    dz, x = first_rows(mistakes, dz, x)
    W = np.asarray(W, dtype=float)
    dx = dz @ W
    dW = x.T @ dz if "transposed_weight_grad" in mistakes else dz.T @ x  # (n_in, n_out) or (n_out, n_in)
    db = bias_grad(dz, mistakes)
    batch = len(dz)
    if "batch_mean:parameters" in mistakes:
        dW, db = dW / batch, db / batch
    if "batch_mean:every-gradient" in mistakes:
        dx, dW, db = dx / batch, dW / batch, db / batch
    return [dx, dW, db]


def activation_backward(da, z, activation="sigmoid", mistakes=NONE, *, at_output=False):
    """dL/dz from dL/da; `at_output` for the output layer of a backward pass."""
    da, z = first_rows(mistakes, da, z)
    if at_output and "no_output_derivative" in mistakes:
        return da
    if not at_output and "missing_activation_derivative" in mistakes:
        return da
    if "derivative_at_upstream:times" in mistakes:
        return da * activation_grad(activation, da, mistakes)
    if "derivative_at_upstream:alone" in mistakes:
        return activation_grad(activation, da, mistakes)
    return da * activation_grad(activation, z, mistakes)


def output_error(y_hat, y, mistakes=NONE):
    """dL/dy_hat, as back propagation starts it."""
    error = y - y_hat if "loss_grad_sign" in mistakes else y_hat - y
    if "loss_missing_half:gradient" in mistakes:
        error = 2 * error
    if "loss_mean:gradient-elements" in mistakes:
        error = error / error.size
    if "loss_mean:gradient-outputs" in mistakes:
        error = error / error.shape[-1]
    return error


def forward_layers(x, params, activation, mistakes=NONE) -> list[tuple]:
    """[(input, z, output)] of every layer, as back propagation's forward pass keeps them."""
    linear_output = any(key.startswith("missing_output_activation:in-backward") for key in mistakes)
    layers, a = [], x
    for index, (W, b) in enumerate(params):
        z = a @ np.asarray(W, dtype=float).T + b
        out = z if linear_output and index == len(params) - 1 else activate(activation, z, mistakes)
        layers.append((a, z, out))
        a = out
    return layers


def weight_input(layers: list[tuple], index: int, mistakes=NONE):
    """What dW of layer `index` is built from: the layer's input in the forward pass."""
    a_in, _, out = layers[index]
    if "wrong_layer_input:own-output" in mistakes:
        return out
    if "wrong_layer_input:pre-activation" in mistakes and index > 0:
        return layers[index - 1][1]
    return a_in


def sends_raw_error(mistakes, at_output: bool) -> bool:
    return "raw_error_backprop:every-layer" in mistakes or (
        at_output and "raw_error_backprop:output-layer" in mistakes
    )


def backward(x, y, params, activation="sigmoid", mistakes=NONE, *, update=None):
    """[[dW, db], ...] in layer order. `update(W, dW)` is the SGD step of a fused
    train step: with stale weights, the error goes back through its result."""
    x, y = first_rows(mistakes, x, y)
    h = fd_step(mistakes)
    if h is not None:
        return numerical_backward(x, y, params, activation, h)
    layers = forward_layers(x, params, activation, mistakes)
    da = output_error(layers[-1][2], y, mistakes)
    grads = []
    for index in reversed(range(len(params))):
        W = np.asarray(params[index][0], dtype=float)
        a_in, z, _ = layers[index]
        at_output = index == len(params) - 1
        if at_output and "missing_output_activation:in-backward" in mistakes:
            dz = da  # no activation at the output, so no derivative either
        else:
            dz = activation_backward(da, z, activation, mistakes, at_output=at_output)
        dx, dW, db = linear_backward(dz, weight_input(layers, index, mistakes), W, mistakes)
        grads.append([dW, db])
        stale = "stale_weights" in mistakes and update is not None
        if stale or sends_raw_error(mistakes, at_output):
            upstream = da if sends_raw_error(mistakes, at_output) else dz
            dx = linear_backward(upstream, a_in, update(W, dW) if stale else W, mistakes)[0]
        da = dx
    return grads[::-1]


def numerical_backward(x, y, params, activation, h: float) -> list[list]:
    """Central differences of the reference loss for every parameter: the gradients an
    unrolled `(L(p + h) - L(p - h)) / 2h` loop gives, every perturbation at once."""
    params = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in params]
    grads = []
    for layer in range(len(params)):
        grads.append([central_differences(x, y, params, activation, layer, which, h) for which in (0, 1)])
    return grads


def central_differences(x, y, params, activation, layer: int, which: int, h: float):
    value = params[layer][which]
    n = value.size
    steps = np.eye(n).reshape((n, *value.shape)) * h
    plus, minus = value + steps, value - steps  # (n, *shape): one perturbed copy per entry
    losses = stacked_losses(x, y, params, activation, layer, which, np.concatenate([plus, minus]))
    taken = (plus - minus).reshape(n, -1).sum(axis=1)  # the step actually taken, 2h up to rounding
    return ((losses[:n] - losses[n:]) / taken).reshape(value.shape)


def stacked_losses(x, y, params, activation, layer: int, which: int, stack):
    """The reference loss for each entry of `stack`, which replaces params[layer][which]."""
    a = np.broadcast_to(x, (len(stack), *x.shape))  # (k, batch, n_in)
    for index, (W, b) in enumerate(params):
        if index == layer and which == 0:
            z = a @ np.swapaxes(stack, -1, -2) + b
        elif index == layer:
            z = a @ W.T + stack[:, None, :]
        else:
            z = a @ W.T + b
        a = activate(activation, z)
    return 0.5 * np.sum((a - y) ** 2, axis=(1, 2))


# Training ---------------------------------------------------------------------------------


def sgd_update(param, grad, lr, mistakes=NONE, *, fan_in=None):
    """One SGD step; `fan_in` is the layer's n_in when `param` is a bias."""
    param, grad = np.asarray(param, dtype=float), np.asarray(grad, dtype=float)
    is_bias = fan_in is not None
    if is_bias and "bias_not_updated" in mistakes:
        return param.copy()
    step = grad if "lr_ignored" in mistakes else lr * grad
    if is_bias and "bias_update_per_input" in mistakes:
        step = fan_in * step  # the bias update sits in the loop over the layer's inputs
    return param + step if "sgd_ascent" in mistakes else param - step


def train_step(x, y, params, lr, activation="sigmoid", mistakes=NONE):
    """[new_params, loss] with new_params [[W, b], ...]."""
    loss = half_sse(forward(x, params, activation, mistakes), y, mistakes)

    def update(W, dW):
        return sgd_update(W, dW, lr, mistakes)

    grads = backward(x, y, params, activation, mistakes, update=update)
    new_params = [
        [update(W, dW), sgd_update(b, db, lr, mistakes, fan_in=np.shape(W)[1])]
        for (W, b), (dW, db) in zip(params, grads)
    ]
    return [new_params, loss]


def num_batches(num_samples, batch_size, mistakes=NONE) -> int:
    if "floor_batches" in mistakes:
        return num_samples // batch_size
    if "extra_empty_batch" in mistakes:
        return num_samples // batch_size + 1
    return -(-num_samples // batch_size)


def num_iterations(num_samples, batch_size, epochs, mistakes=NONE) -> int:
    return epochs * num_batches(num_samples, batch_size, mistakes)


def fit(x, y, params, lr, epochs, batch_size, activation="sigmoid", mistakes=NONE):
    """[params, losses]: train_step on the batches in order, epoch after epoch."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    losses = []
    for _ in range(epochs):
        for k in range(num_batches(len(x), batch_size, mistakes)):
            rows = slice(k * batch_size, (k + 1) * batch_size)
            if "dropped_last_batch" in mistakes and rows.stop > len(x):
                break
            params, loss = train_step(x[rows], y[rows], params, lr, activation, mistakes)
            losses.append(loss)
    return [[list(pair) for pair in params], np.array(losses)]


# The chain rule ---------------------------------------------------------------------------


def composite(x, w, b) -> float:
    return 1 / (math.exp(-(w * x + b)) + 1)


def scalar_sigmoid(t: float) -> float:
    return composite(1.0, t, 0.0)


def local_derivatives(x, w, b, mistakes=NONE) -> list[float]:
    """[dh1/dw, dh2/dh1, dh3/dh2, dh4/dh3, dh5/dh4, df/dh5]."""
    h4 = math.exp(-(w * x + b))
    h5 = h4 + 1
    dh1 = 1.0 if "chain_missing_inner" in mistakes else x
    dh3 = 1.0 if "chain_exp_sign:negation" in mistakes else -1.0
    dh4 = -h4 if "chain_exp_sign:exp" in mistakes else h4
    df = -1 / h5**2
    if "chain_reciprocal_sign" in mistakes:
        df = 1 / h5**2
    if "chain_reciprocal_square" in mistakes:
        df = -1 / h5
    return [dh1, 1.0, dh3, dh4, 1.0, df]


def composite_grad(x, w, b, mistakes=NONE) -> list[float]:
    """[df/dw, df/db]."""
    h = fd_step(mistakes)
    if h is not None:
        return [
            (composite(x, w + h, b) - composite(x, w - h, b)) / ((w + h) - (w - h)),
            (composite(x, w, b + h) - composite(x, w, b - h)) / ((b + h) - (b - h)),
        ]
    dh1, dh2, dh3, dh4, dh5, df = local_derivatives(x, w, b, mistakes)
    df_dh2 = df * dh5 * dh4 * dh3
    if "derivative_of_activation:z-formula-on-a" in mistakes:
        s = scalar_sigmoid(composite(x, w, b))
        df_dh2 = s * (1 - s)  # sigmoid's derivative at f instead of at h2
    if "derivative_of_activation:a-formula-on-z" in mistakes:
        z = w * x + b
        df_dh2 = z * (1 - z)
    return [df_dh2 * dh2 * dh1, df_dh2]
