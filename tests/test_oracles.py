"""The three oracles: the reference, central differences of the student's own forward, and PyTorch autograd.

Autograd is the third oracle here only, in the tests: it must equal the
reference on every case the oracles judge, and central differences of a
correct forward must agree with both. `FakeStudent` (test_divergence.py)
stands in for the student's worker.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader import oracles
from grader.cases import canonical, random_network
from grader.divergence import by_layer, lesson_pass
from grader.engine import Trial
from grader.sandbox import Outcome
from grader.suite import Case
from grader.verdict import Verdict
from reference import backward, forward, torch_oracle, training
from test_divergence import FakeStudent

NETWORKS = {
    "2-2-2": canonical(),
    "tanh 3-4-2, batch of 3": random_network([3, 4, 2], 3, "tanh", seed=11),
    "relu 2-3-2, no kink": random_network([2, 3, 2], 2, "relu", seed=12),
}


def grads(net) -> dict:
    return by_layer(backward.backward(net.x, net.y, net.params, net.activation), ("dW", "db"))


def reference_loss(net):
    return lambda params: forward.half_sse(forward.forward(net.x, params, net.activation), net.y)


def every_entry(net) -> list:
    return [(key, index) for key, value in grads(net).items() for index in np.ndindex(value.shape)]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_autograd_the_reference_and_central_differences_agree(name):
    net = NETWORKS[name]
    reference = grads(net)
    by_autograd = by_layer(torch_oracle.grads(net.x, net.y, net.params, net.activation), ("dW", "db"))
    for key, value in reference.items():
        np.testing.assert_allclose(by_autograd[key], value, rtol=1e-12, atol=1e-15)
    numeric = oracles.central_differences(reference_loss(net), net, every_entry(net))
    assert all(oracles.agree(reference[key], numeric, key) for key in reference)


def test_central_differences_tell_apart_a_one_percent_error_and_stale_weights():
    net = canonical()
    numeric = oracles.central_differences(reference_loss(net), net, every_entry(net))
    reference = grads(net)
    assert not oracles.agree(reference["dW1"] * 1.01, numeric, "dW1")
    stale = (np.asarray(net.params[0][0]) - training.train_step(*canonical()[:3], 0.5)[0][0][0]) / 0.5
    assert oracles.agree(stale, numeric, "dW1")  # the reference's step: not stale
    assert not oracles.agree(stale + 7.4e-5 / 0.5, numeric, "dW1")  # stale weights move W1 by 7.4e-5


def test_a_train_steps_gradient_is_its_step_over_the_learning_rate():
    net = NETWORKS["tanh 3-4-2, batch of 3"]
    new_params, loss = training.train_step(net.x, net.y, net.params, 0.3, net.activation)
    implied = oracles.gradient_of([new_params, loss], net.params, 0.3)
    for key, value in grads(net).items():
        np.testing.assert_allclose(implied[key], value, rtol=1e-9, atol=1e-12)
    assert oracles.gradient_of([new_params[:1], loss], net.params, 0.3) is None
    assert oracles.gradient_of([[(W.T, b) for W, b in new_params], loss], net.params, 0.3) is None


def test_entries_come_in_turn_from_each_array_most_wrong_first():
    reference = {"dW1": np.zeros((2, 3)), "db1": np.zeros(2)}
    mine = {"dW1": np.array([[0.0, 5.0, 1.0], [0.0, 0.0, 2.0]]), "db1": np.array([0.0, 9.0])}
    assert oracles.chosen_entries(mine, reference, 3) == [("db1", (1,)), ("dW1", (0, 1)), ("db1", (0,))]
    assert len(oracles.chosen_entries(mine, reference, 100)) == 8


def trial(net, value, *extra) -> Trial:
    case = Case((net.x, net.y, net.params, *extra), {"activation": net.activation})
    return Trial(case, Verdict("failed", ""), Outcome("ok", value=value))


def triangulate(student, net, value, name="backward.backward", *extra):
    return oracles.triangulate(name, student, trial(net, value, *extra), place="the example", lesson=False)


def twice_the_output_delta(x, y, params, activation="sigmoid"):
    return [(2 * dW, 2 * db) for dW, db in backward.backward(x, y, params, activation)]


def linear_output(x, params, activation="sigmoid"):
    a = np.asarray(x, dtype=float)
    for k, (W, b) in enumerate(params, start=1):
        z = forward.linear_forward(a, W, b)
        a = forward.ACTIVATIONS[activation](z) if k < len(params) else z
    return a


def backward_of_linear_output(x, y, params, activation="sigmoid"):
    (W1, b1), (W2, b2) = params
    z1 = forward.linear_forward(x, W1, b1)
    a1 = forward.ACTIVATIONS[activation](z1)
    dz2 = linear_output(x, params, activation) - y
    da1, dW2, db2 = backward.linear_backward(dz2, a1, W2)
    dz1 = backward.activation_backward(da1, z1, activation)
    _, dW1, db1 = backward.linear_backward(dz1, x, W1)
    return [(dW1, db1), (dW2, db2)]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_a_right_forward_and_a_wrong_backward(name):
    net = NETWORKS[name]
    lines = triangulate(FakeStudent(), net, twice_the_output_delta(*net[:3], net.activation))
    assert lines[0].startswith("Oracles on the example: your forward is right and your backward is not: it")
    assert lines[0].endswith("at dW1, db1, dW2, db2.")


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_a_backward_true_to_a_wrong_forward(name):
    net = NETWORKS[name]
    true_to_it = backward_of_linear_output(*net[:3], net.activation)
    lines = triangulate(FakeStudent(forward=linear_output), net, true_to_it)
    assert "your backward matches your own forward, but your forward is wrong" in lines[0]
    assert lines[1].startswith("  ") and ", central differences of your forward " in lines[1]


def test_a_backward_true_to_a_loss_without_its_half():
    net = NETWORKS["tanh 3-4-2, batch of 3"]
    student = FakeStudent(half_sse=lambda y_hat, y: float(np.sum((np.asarray(y_hat) - y) ** 2)))
    lines = triangulate(student, net, twice_the_output_delta(*net[:3], net.activation))
    assert "your backward matches your own forward, but your half_sse is wrong" in lines[0]
    assert "Fix forward.half_sse first." in lines[0]


def test_a_backward_wrong_with_a_wrong_forward():
    net = canonical()
    lines = triangulate(FakeStudent(forward=linear_output), net, twice_the_output_delta(*net[:3]))
    assert "your backward disagrees with your own forward" in lines[0]
    assert "your forward is wrong too" in lines[0]


def test_a_train_step_that_skips_the_bias_update():
    net = canonical()
    new_params, loss = training.train_step(*net[:3], 0.5)
    unbiased = [(W, b) for (W, _), (_, b) in zip(new_params, net.params)]
    lines = triangulate(FakeStudent(), net, [unbiased, loss], "training.train_step", 0.5)
    assert "(your train_step's gradient is (params - new params) / lr)" in lines[0]
    assert "your forward is right and your train_step's gradient is not" in lines[0]
    assert lines[0].endswith("at db1, db2.")


def test_no_oracle_lines_when_the_gradient_is_right_at_a_relu_kink_or_without_forward():
    net = canonical()
    assert triangulate(FakeStudent(), net, backward.backward(*net)) == []
    kink = random_network([2, 3, 2], 2, "relu", seed=12)
    kink = kink._replace(x=np.zeros_like(kink.x))  # every z of layer 1 is its bias, one of them made 0
    kink.params[0][1][0] = 0.0
    assert triangulate(FakeStudent(), kink, twice_the_output_delta(*kink[:3], "relu")) == []
    assert triangulate(FakeStudent(forward=None), net, twice_the_output_delta(*net[:3])) == []


def test_the_oracles_keep_to_the_calls_left():
    net = NETWORKS["tanh 3-4-2, batch of 3"]  # 26 parameters: more than the budget can cover
    student = FakeStudent(budget=13)
    lines = triangulate(student, net, twice_the_output_delta(*net[:3], net.activation))
    assert student.calls <= 13 and "your forward is right" in lines[0]
    assert triangulate(FakeStudent(budget=2), net, twice_the_output_delta(*net[:3], net.activation)) == []


def test_reference_intermediates_give_the_same_gradients_as_backward():
    net = NETWORKS["relu 2-3-2, no kink"]
    ref = lesson_pass(net)
    for (dW, db), (want_dW, want_db) in zip(ref.grads[1:], backward.backward(*net)):
        np.testing.assert_array_equal(dW, want_dW)
        np.testing.assert_array_equal(db, want_db)
