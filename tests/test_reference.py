"""The NumPy reference solution against independent answers.

The grader trusts `reference/` to say what every exercise must compute, so
here it is checked against answers derived another way:
- PyTorch autograd (`reference.torch_oracle`, and `reference.torch_net`) on
  generated networks: depth 1-4, widths 1-8, batches 1-16, every activation,
  relu pre-activations exactly 0, and pre-activations of 500 and more;
- central differences of the reference's own loss (`grader.gradcheck`);
- the canonical 2-2-2 figures, computed with PyTorch, to 1e-12.

Two correct float64 implementations still differ by rounding, and where a
network amplifies it (large weights, saturated units, sums that cancel) by
far more than eps times the result. `error_scales` bounds that difference
from the network itself, so the comparisons are as tight as float64 allows
without failing on legitimate round-off; cases where rounding could decide which side of relu's kink
a pre-activation lies on are assumed away (their gradients legitimately
differ), while exact zeros, which every implementation computes alike, are
generated on purpose.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from grader.gradcheck import numerical_gradient, rel_error
from grader.strategies import (
    Network,
    batch_counts,
    chain_points,
    fit_settings,
    learning_rates,
    networks,
    pre_activations,
    values,
)
from reference import activations, chain_rule, gradient_descent, torch_oracle, training
from reference import backward as bw
from reference import forward as fw
from reference.torch_net import make_net, torch_train_step

EPS = np.finfo(np.float64).eps
ROUNDOFF = 1e4 * EPS  # allowed difference per unit of error scale: eps with room for sums of up to 16 terms
UNDERFLOW = 1e-300  # allowed difference on top: near the subnormals, one side may flush to 0 (sigmoid(-720))
H = 1e-6  # central-difference step

CANONICAL = json.loads((importlib.resources.files("reference") / "canonical-2-2-2.json").read_text())
SHARED_CANONICAL = Path(__file__).resolve().parents[1].parent / "shared" / "canonical-2-2-2.json"


def examples(n: int):
    return settings(max_examples=n, deadline=None, database=None)


# Error analysis -----------------------------------------------------------------


class ErrorScales(NamedTuple):
    """What the rounding errors of one forward and backward pass scale with, in units of eps."""

    zs: list  # each layer's pre-activation z (values, for the kink check)
    z: list  # the error scale of each z
    output: np.ndarray
    loss: float
    grads: list  # (scale of dW, scale of db) per layer


def error_scales(x, y, params, activation, param_scales=None) -> ErrorScales:
    """First-order error analysis of the forward and backward pass.

    Each result of a correct float64 implementation is within a small multiple
    of eps * scale of the exact one. The scales are carried through the
    network as errors travel: a sum contributes the sum of its |terms| (it may
    cancel), an error in a layer's input moves its output by |W| and its
    activation by |f'(z)|, and an error in z moves f'(z) by |f''(z)| <= 1 (0
    for relu away from its kink), on top of f'(z)'s own round-off.
    `param_scales` are error scales the parameters already carry (during fit).
    """
    f, df = fw.ACTIVATIONS[activation], bw.ACTIVATION_GRADS[activation]
    curvature = 0.0 if activation == "relu" else 1.0
    if param_scales is None:
        param_scales = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    a, ea, layers = np.asarray(x, dtype=float), np.zeros_like(x, dtype=float), []
    for (W, b), (eW, eb) in zip(params, param_scales):
        z = a @ W.T + b
        ez = (np.abs(a) + ea) @ np.abs(W).T + np.abs(a) @ eW.T + np.abs(b) + eb
        layers.append((a, ea, z, ez, df(z), W, eW))
        a = f(z)
        ea = np.abs(df(z)) * ez + np.abs(a)
    d, ed = a - y, ea + np.abs(a) + np.abs(y)
    output, loss = ea, float(np.sum(np.abs(d) * ed) + np.sum(d * d))
    grads = []
    for a_in, ea_in, _z, ez, fp, W, eW in reversed(layers):
        dz = d * fp
        edz = ed * np.abs(fp) + np.abs(d) * (curvature * ez + 1)
        edW = edz.T @ np.abs(a_in) + np.abs(dz).T @ (ea_in + np.abs(a_in))
        grads.append((edW, np.sum(edz + np.abs(dz), axis=0)))
        d, ed = dz @ W, (edz + np.abs(dz)) @ np.abs(W) + np.abs(dz) @ eW
    zs, z_scales = [layer[2] for layer in layers], [layer[3] for layer in layers]
    return ErrorScales(zs, z_scales, output, loss, grads[::-1])


def assume_kinks_are_unambiguous(scales: ErrorScales, activation: str) -> None:
    """Skip relu cases where rounding alone could put a z on the other side of 0.

    A z computed exactly (error scale 0: every term and the bias are 0) is
    kept, whatever its value; that is how exact zeros are tested.
    """
    if activation == "relu":
        for z, ez in zip(scales.zs, scales.z):
            assume(np.all((ez == 0) | (np.abs(z) > ROUNDOFF * ez)))


def network_scales(net: Network) -> ErrorScales:
    scales = error_scales(net.x, net.y, net.params, net.activation)
    assume_kinks_are_unambiguous(scales, net.activation)
    return scales


def fit_scales(net: Network, lr, epochs, batch_size):
    """Error scales of fit's final parameters and of each loss, following the reference step by step."""
    params, param_scales, loss_scales = net.params, None, []
    for _ in range(epochs):
        for start in range(0, len(net.x), batch_size):
            x, y = net.x[start : start + batch_size], net.y[start : start + batch_size]
            scales = error_scales(x, y, params, net.activation, param_scales)
            assume_kinks_are_unambiguous(scales, net.activation)
            grads = bw.backward(x, y, params, net.activation)
            param_scales = step_scales(params, grads, scales.grads, lr, param_scales)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
            loss_scales.append(scales.loss)
    return param_scales, loss_scales


def step_scales(params, grads, grad_scales, lr, param_scales=None):
    """Error scales of p - lr * dp: the parameter's own, lr times the gradient's, and the step's round-off."""
    if param_scales is None:
        param_scales = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    return [
        tuple(e + lr * g + np.abs(p) + lr * np.abs(dp) for p, dp, g, e in zip(pair, grad, grad_scale, scale))
        for pair, grad, grad_scale, scale in zip(params, grads, grad_scales, param_scales)
    ]


# Strategies ---------------------------------------------------------------------


@st.composite
def saturated_networks(draw):
    """Networks with weights and biases scaled up 250 to 500 times; the first
    unit of the first layer has |z| >= 500 in every row."""
    net = draw(networks())
    scale = draw(st.floats(250, 500))
    params = [(W * scale, b * scale) for W, b in net.params]
    W, b = params[0]
    reach = np.max(np.abs(net.x) @ np.abs(W[0]))
    b[0] = draw(st.sampled_from([-1.0, 1.0])) * (501 + reach)
    return net._replace(params=params)


@st.composite
def relu_networks_with_zero_pre_activations(draw):
    """relu networks where some z are exactly 0 however they are computed:
    units whose weights and bias are all 0, or rows of x that are 0 into units
    with bias 0."""
    net = draw(networks(activations=("relu",)))
    x, params = net.x.copy(), [(W.copy(), b.copy()) for W, b in net.params]
    layer = draw(st.integers(0, len(params) - 1)) if draw(st.booleans()) else None
    W, b = params[layer or 0]
    units = draw(st.lists(st.integers(0, len(b) - 1), min_size=1, unique=True))
    if layer is None:  # zero inputs
        x[draw(st.lists(st.integers(0, len(x) - 1), min_size=1, unique=True))] = 0.0
    else:
        W[units] = 0.0
    b[units] = 0.0
    return net._replace(x=x, params=params)


@st.composite
def linear_cases(draw):
    """(dz, x, W) for linear_backward."""
    batch, n_in, n_out = draw(st.integers(1, 16)), draw(st.integers(1, 8)), draw(st.integers(1, 8))
    shapes = ((batch, n_out), (batch, n_in), (n_out, n_in))
    return tuple(draw(arrays(np.float64, shape, elements=values(bound=100.0))) for shape in shapes)


def same_shape_pairs(first, elements):
    """(a, b) with a from `first` and b of a's shape."""
    return first.flatmap(lambda a: st.tuples(st.just(a), arrays(np.float64, a.shape, elements=elements)))


# Comparisons --------------------------------------------------------------------


def assert_close(actual, expected, scale, what):
    """|actual - expected| <= ROUNDOFF * scale + UNDERFLOW, entry by entry, and the same shape."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, expected {expected.shape}"
    excess = np.abs(actual - expected) - (ROUNDOFF * np.asarray(scale) + UNDERFLOW)
    worst = np.unravel_index(np.argmax(excess), excess.shape) if excess.size else ()
    assert not np.any(excess > 0), f"{what}: {actual[worst]!r} against {expected[worst]!r} at {worst}"


def assert_params_close(actual, expected, scales, what):
    assert len(actual) == len(expected), f"{what}: {len(actual)} layers, expected {len(expected)}"
    for layer, (got, want, scale) in enumerate(zip(actual, expected, scales)):
        for name, g, w, s in zip(("W", "b"), got, want, scale):
            assert_close(g, w, s, f"{what}: layer {layer} {name}")


def torch_net_parameters(net: torch.nn.Module):
    """make_net's parameters back as (W, b) arrays, in layer order."""
    tensors = [p.detach().numpy().copy() for p in net.parameters()]
    return list(zip(tensors[::2], tensors[1::2]))


def assert_matches_torch_forward(net: Network):
    x, _, params, activation = net
    scales = network_scales(net)
    expected = fw.forward(x, params, activation)
    assert np.all(np.isfinite(expected))
    assert_close(torch_oracle.forward(x, params, activation), expected, scales.output, "torch_oracle.forward")
    with torch.no_grad():
        by_torch_net = make_net(params, activation)(torch.tensor(x)).numpy()
    assert_close(by_torch_net, expected, scales.output, "torch_net.make_net")


def assert_matches_torch_loss(net: Network):
    x, y, params, activation = net
    expected = fw.half_sse(fw.forward(x, params, activation), y)
    assert_close(torch_oracle.loss(x, y, params, activation), expected, network_scales(net).loss, "loss")


def assert_matches_torch_grads(net: Network):
    x, y, params, activation = net
    scales = network_scales(net)
    expected = bw.backward(x, y, params, activation)
    assert_params_close(torch_oracle.grads(x, y, params, activation), expected, scales.grads, "grads")


def assert_matches_torch_train_step(net: Network, lr: float):
    x, y, params, activation = net
    scales = network_scales(net)
    new_params, loss = training.train_step(x, y, params, lr, activation)
    new_scales = step_scales(params, bw.backward(x, y, params, activation), scales.grads, lr)
    by_oracle, oracle_loss = torch_oracle.train_step(x, y, params, lr, activation)
    assert_params_close(by_oracle, new_params, new_scales, "torch_oracle.train_step")
    assert_close(oracle_loss, loss, scales.loss, "torch_oracle.train_step loss")
    torch_net = make_net(params, activation)
    torch_loss = torch_train_step(torch_net, torch.tensor(x), torch.tensor(y), lr)
    assert_params_close(torch_net_parameters(torch_net), new_params, new_scales, "torch_net.torch_train_step")
    assert_close(torch_loss, loss, scales.loss, "torch_net.torch_train_step loss")


def assert_matches_torch_fit(net: Network, lr: float, epochs: int, batch_size: int):
    x, y, params, activation = net
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging fit may overflow: assumed away below
        param_scales, loss_scales = fit_scales(net, lr, epochs, batch_size)
        new_params, losses = training.fit(x, y, params, lr, epochs, batch_size, activation)
    assume(all(np.all(np.isfinite(s)) for pair in param_scales for s in pair))
    assert len(losses) == gradient_descent.num_iterations(len(x), batch_size, epochs)
    by_oracle, oracle_losses = torch_oracle.fit(x, y, params, lr, epochs, batch_size, activation)
    assert_params_close(by_oracle, new_params, param_scales, "torch_oracle.fit")
    assert_close(oracle_losses, losses, loss_scales, "torch_oracle.fit losses")


def assert_matches_central_differences(net: Network):
    """backward against numerical_gradient of the reference loss, every parameter at once.

    Central differences err by round-off, eps * (the loss's error scale) / h,
    and by truncation, about h**2: allowed on top of a relative 1e-6.
    """
    x, y, params, activation = net

    def loss_with(layer, which):
        def loss(value):
            changed = [list(pair) for pair in params]
            changed[layer][which] = value
            return fw.half_sse(fw.forward(x, changed, activation), y)

        return loss

    analytic = np.concatenate([g.ravel() for pair in bw.backward(x, y, params, activation) for g in pair])
    numeric = np.concatenate(
        [
            numerical_gradient(loss_with(layer, which), params[layer][which], h=H).ravel()
            for layer in range(len(params))
            for which in (0, 1)
        ]
    )
    noise = 1e-9 + 10 * EPS * error_scales(x, y, params, activation).loss / H
    error = rel_error(analytic, numeric)
    assert error <= 1e-6 or np.max(np.abs(analytic - numeric)) <= noise, f"rel_error {error:.3g}"


def assert_matches_torch_activation(z, name: str):
    """The activation and its derivative against torch and autograd: finite, and equal to round-off."""
    for function, by_torch in (
        (fw.ACTIVATIONS[name], torch_oracle.activation(z, name)),
        (bw.ACTIVATION_GRADS[name], torch_oracle.activation_grad(z, name)),
    ):
        expected = function(z)
        assert np.all(np.isfinite(expected)), f"{function.__name__} not finite"
        assert_close(by_torch, expected, 1 + np.abs(expected), function.__name__)


def assert_matches_torch_activation_backward(da, z, name: str):
    expected = bw.activation_backward(da, z, name)
    scale = np.abs(da) + np.abs(expected)
    assert_close(torch_oracle.activation_backward(da, z, name), expected, scale, "activation_backward")


def assert_matches_torch_linear_backward(dz, x, W):
    expected = bw.linear_backward(dz, x, W)
    scales = (np.abs(dz) @ np.abs(W), np.abs(dz).T @ np.abs(x), np.sum(np.abs(dz), axis=0))
    by_torch = torch_oracle.linear_backward(dz, x, W)
    for name, got, want, scale in zip(("dx", "dW", "db"), by_torch, expected, scales):
        assert_close(got, want, scale, f"linear_backward {name}")


def assert_matches_torch_chain_rule(x, w, b):
    """composite, local_derivatives and composite_grad against autograd.

    Each is a product of exp and reciprocals of w * x + b: relative error a
    few eps times (1 + |w * x| + |b|).
    """
    for name in ("composite", "local_derivatives", "composite_grad"):
        expected = np.asarray(getattr(chain_rule, name)(x, w, b), dtype=float)
        by_torch = getattr(torch_oracle, name)(x, w, b)
        assert_close(by_torch, expected, np.abs(expected) * (4 + abs(w * x) + abs(b)), f"chain_rule.{name}")


def assert_chain_rule_matches_central_differences(x, w, b):
    numeric = numerical_gradient(lambda v: chain_rule.composite(x, v[0], v[1]), [w, b], h=H)
    analytic = np.asarray(chain_rule.composite_grad(x, w, b))
    assert rel_error(analytic, numeric) <= 1e-6 or np.max(np.abs(analytic - numeric)) <= 1e-8


def assert_matches_torch_sgd(param, grad, lr):
    expected = gradient_descent.sgd_update(param, grad, lr)
    scale = np.abs(param) + lr * np.abs(grad)
    assert_close(torch_oracle.sgd_update(param, grad, lr), expected, scale, "sgd_update")


def assert_counts_match_ceil(num_samples, batch_size, epochs):
    batches = gradient_descent.num_batches(num_samples, batch_size)
    iterations = gradient_descent.num_iterations(num_samples, batch_size, epochs)
    assert type(batches) is int and type(iterations) is int
    assert (batches, iterations) == (math.ceil(num_samples / batch_size), epochs * batches)


def assert_same(actual, expected, where="argument"):
    """Nested lists, tuples and arrays of equal structure and equal entries."""
    if isinstance(expected, (list, tuple)):
        assert type(actual) is type(expected) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{where}[{i}]")
    else:
        assert np.array_equal(actual, expected), f"{where} modified in place"


def assert_leaves_arguments_alone(function, *args):
    before = copy.deepcopy(args)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging fit may overflow
        function(*args)
    assert_same(args, before, f"{function.__module__}.{function.__name__} argument")


def assert_figure(actual, expected, where="figure"):
    """A canonical figure to a relative 1e-12, whatever its nesting of lists and dicts."""
    if isinstance(expected, dict):
        assert set(actual) == set(expected), where
        for key in expected:
            assert_figure(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_figure(a, e, f"{where}[{i}]")
    else:
        got = float(actual)
        assert abs(got - expected) <= 1e-12 * abs(expected), f"{where}: {got!r} != {expected!r}"


# Canonical figures --------------------------------------------------------------


def canonical_network():
    n = CANONICAL["network"]
    params = [(np.array(W), np.array(b)) for W, b in n["params"]]
    return np.array(n["x"]), np.array(n["y"]), params, n["activation"], n["lr"]


def chain_rule_figure():
    c = CANONICAL["chain_rule"]
    point = c["x"], c["w"], c["b"]
    df_dw, df_db = chain_rule.composite_grad(*point)
    return {
        **c,
        "f": chain_rule.composite(*point),
        "local_derivatives": chain_rule.local_derivatives(*point),
        "df_dw": df_dw,
        "df_db": df_db,
    }


def batches_figure():
    c = CANONICAL["batches"]
    return {
        **c,
        "num_batches": gradient_descent.num_batches(c["num_samples"], c["batch_size"]),
        "num_iterations": gradient_descent.num_iterations(c["num_samples"], c["batch_size"], c["epochs"]),
    }


REFERENCE_FIGURES = {
    "hidden": lambda x, y, params, act, lr: fw.forward(x, params[:1], act),
    "output": lambda x, y, params, act, lr: fw.forward(x, params, act),
    "loss": lambda x, y, params, act, lr: fw.half_sse(fw.forward(x, params, act), y),
    "grads": lambda x, y, params, act, lr: bw.backward(x, y, params, act),
    "params_after_step": lambda x, y, params, act, lr: training.train_step(x, y, params, lr, act)[0],
    "chain_rule": lambda *network: chain_rule_figure(),
    "batches": lambda *network: batches_figure(),
}


@pytest.mark.parametrize("figure", REFERENCE_FIGURES)
def test_reference_reproduces_the_canonical_2_2_2_figure(figure):
    assert_figure(REFERENCE_FIGURES[figure](*canonical_network()), CANONICAL[figure], figure)


def test_train_step_loss_on_the_canonical_network_is_the_canonical_loss():
    x, y, params, activation, lr = canonical_network()
    assert_figure(training.train_step(x, y, params, lr, activation)[1], CANONICAL["loss"], "loss")


def test_every_canonical_figure_is_checked():
    assert set(CANONICAL) - set(REFERENCE_FIGURES) == {"source", "network"}


def test_project_copy_of_the_canonical_figures_equals_the_shared_copy():
    if not SHARED_CANONICAL.exists():
        pytest.skip(f"no shared copy at {SHARED_CANONICAL}")
    assert CANONICAL == json.loads(SHARED_CANONICAL.read_text())


# Against torch autograd -----------------------------------------------------------


@examples(400)
@given(networks())
def test_forward_matches_torch_autograd_and_make_net_on_generated_networks(net):
    assert_matches_torch_forward(net)


@examples(200)
@given(networks())
def test_half_sse_loss_matches_torch_on_generated_networks(net):
    assert_matches_torch_loss(net)


@examples(600)
@given(networks())
def test_backward_matches_torch_autograd_on_generated_networks(net):
    assert_matches_torch_grads(net)


@examples(120)
@given(relu_networks_with_zero_pre_activations())
def test_forward_matches_torch_where_relu_pre_activations_are_exactly_zero(net):
    assert_matches_torch_forward(net)


@examples(400)
@given(relu_networks_with_zero_pre_activations())
def test_backward_matches_torch_autograd_where_relu_pre_activations_are_exactly_zero(net):
    assert_matches_torch_grads(net)


@examples(120)
@given(saturated_networks())
def test_forward_matches_torch_when_pre_activations_reach_500(net):
    assert_matches_torch_forward(net)


@examples(400)
@given(saturated_networks())
def test_backward_matches_torch_autograd_when_pre_activations_reach_500(net):
    assert_matches_torch_grads(net)


@examples(300)
@given(networks(), learning_rates())
def test_train_step_matches_torch_optim_sgd_and_torch_train_step(net, lr):
    assert_matches_torch_train_step(net, lr)


@examples(160)
@given(st.one_of(relu_networks_with_zero_pre_activations(), saturated_networks()), learning_rates())
def test_train_step_matches_torch_optim_sgd_at_relu_kinks_and_in_saturation(net, lr):
    assert_matches_torch_train_step(net, lr)


@examples(300)
@given(fit_settings())
def test_fit_matches_torch_minibatch_sgd_loss_by_loss(setting):
    assert_matches_torch_fit(*setting)


@examples(200)
@given(linear_cases())
def test_linear_backward_matches_torch_autograd(case):
    assert_matches_torch_linear_backward(*case)


@examples(200)
@given(same_shape_pairs(pre_activations(), values(bound=10.0)), st.sampled_from(("sigmoid", "tanh", "relu")))
def test_activation_backward_matches_torch_autograd(pair, activation):
    z, da = pair
    assert_matches_torch_activation_backward(da, z, activation)


@examples(600)
@given(pre_activations(), st.sampled_from(("sigmoid", "tanh", "relu")))
def test_activations_and_derivatives_match_torch_autograd_for_z_up_to_1000(z, activation):
    assert_matches_torch_activation(z, activation)


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_relu_derivative_at_zero_is_zero_as_in_pytorch(zero):
    assert activations.relu_grad(np.array([zero]))[0] == 0.0
    assert torch_oracle.activation_grad([zero], "relu")[0] == 0.0


@pytest.mark.parametrize(
    "function, value",
    [
        (activations.sigmoid, 0.5),
        (activations.sigmoid_grad, 0.25),
        (activations.tanh, 0.0),
        (activations.tanh_grad, 1.0),
        (activations.relu, 0.0),
        (activations.relu_grad, 0.0),
    ],
)
def test_activations_at_zero_take_their_exact_values(function, value):
    assert function(np.zeros((2, 1)))[0, 0] == value and function(0.0) == value


@pytest.mark.parametrize("z", [-1000.0, -745.5, -709.8, -500.0, 500.0, 709.8, 1000.0])
def test_activations_stay_finite_and_match_torch_at_extreme_z(z):
    for name in ("sigmoid", "tanh", "relu"):
        assert_matches_torch_activation(np.array([z, -z]), name)


@examples(200)
@given(chain_points())
def test_chain_rule_matches_torch_autograd_step_by_step(point):
    assert_matches_torch_chain_rule(*point)


@pytest.mark.parametrize("module", [chain_rule, torch_oracle], ids=["reference", "torch_oracle"])
def test_chain_rule_gives_the_contract_example_at_x1_w0_b0(module):
    assert module.composite(1.0, 0.0, 0.0) == 0.5
    assert module.local_derivatives(1.0, 0.0, 0.0) == [1, 1, -1, 1, 1, -0.25]
    assert tuple(module.composite_grad(1.0, 0.0, 0.0)) == (0.25, 0.25)


@examples(120)
@given(same_shape_pairs(pre_activations(bound=100.0), values(bound=100.0)), learning_rates())
def test_sgd_update_matches_torch_optim_sgd(pair, lr):
    assert_matches_torch_sgd(*pair, lr)


# Against central differences ------------------------------------------------------


@examples(160)
@given(networks(activations=("sigmoid", "tanh"), bound=1.0))
def test_backward_matches_central_differences_of_the_reference_loss(net):
    assert_matches_central_differences(net)


@examples(200)
@given(chain_points())
def test_composite_grad_matches_central_differences_of_composite(point):
    assert_chain_rule_matches_central_differences(*point)


# Bookkeeping and purity -----------------------------------------------------------


@examples(400)
@given(batch_counts())
def test_num_batches_and_num_iterations_match_math_ceil(counts):
    assert_counts_match_ceil(*counts)


@examples(80)
@given(fit_settings())
def test_no_reference_function_modifies_its_arguments(setting):
    (x, y, params, activation), lr, epochs, batch_size = setting
    assert_leaves_arguments_alone(fw.forward, x, params, activation)
    assert_leaves_arguments_alone(fw.linear_forward, x, *params[0])
    assert_leaves_arguments_alone(fw.half_sse, fw.forward(x, params, activation), y)
    assert_leaves_arguments_alone(bw.backward, x, y, params, activation)
    assert_leaves_arguments_alone(bw.linear_backward, fw.linear_forward(x, *params[0]), x, params[0][0])
    assert_leaves_arguments_alone(bw.activation_backward, y, y - 0.5, activation)
    assert_leaves_arguments_alone(gradient_descent.sgd_update, params[0][0], params[0][0] + 1, lr)
    assert_leaves_arguments_alone(training.train_step, x, y, params, lr, activation)
    assert_leaves_arguments_alone(training.fit, x, y, params, lr, epochs, batch_size, activation)
    assert_leaves_arguments_alone(fw.ACTIVATIONS[activation], x)
    assert_leaves_arguments_alone(bw.ACTIVATION_GRADS[activation], x)


@examples(40)
@given(fit_settings())
def test_no_torch_oracle_function_modifies_its_arguments(setting):
    (x, y, params, activation), lr, epochs, batch_size = setting
    assert_leaves_arguments_alone(torch_oracle.grads, x, y, params, activation)
    assert_leaves_arguments_alone(torch_oracle.train_step, x, y, params, lr, activation)
    assert_leaves_arguments_alone(torch_oracle.fit, x, y, params, lr, epochs, batch_size, activation)
    assert_leaves_arguments_alone(make_net, params, activation)
