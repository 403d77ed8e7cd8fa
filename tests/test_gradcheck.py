"""Properties of grader.gradcheck: central differences and rel_error."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from grader.gradcheck import numerical_gradient, rel_error

EXAMPLES = settings(max_examples=60, deadline=None, database=None)


H = 1e-6
EPS = np.finfo(np.float64).eps
TINY = np.finfo(np.float64).smallest_subnormal  # 5e-324


def finite(bound):
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)


def any_arrays(bound=1e6, elements=None):
    """Arrays of rank 0 to 3 with finite entries in [-bound, bound]."""
    shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
    return arrays(np.float64, shapes, elements=finite(bound) if elements is None else elements)


def tame(bound=1e6):
    """Finite floats that are 0 or at least 1e-100 in size: no ratio of two underflows."""
    return finite(bound).filter(lambda v: v == 0 or abs(v) >= 1e-100)


def array_pairs(elements):
    """(a, b) of the same shape."""
    return any_arrays(elements=elements).flatmap(
        lambda a: st.tuples(st.just(a), arrays(np.float64, a.shape, elements=elements))
    )


@st.composite
def quadratics(draw):
    """(A, c, x) for f(x) = 0.5 * x @ A @ x + c @ x, entries in [-2, 2]."""
    n = draw(st.integers(1, 6))
    A = draw(arrays(np.float64, (n, n), elements=finite(2.0)))
    c, x = (draw(arrays(np.float64, (n,), elements=finite(2.0))) for _ in range(2))
    return A, c, x


def assert_gradients_agree(numeric, analytic, f_size):
    """Central differences of a quadratic are exact but for round-off in f.

    f_size is the sum of |terms| of f: each evaluation errs by at most
    ~n * eps * f_size, and their difference is divided by 2h. Below the
    normal range (a subnormal coefficient times h) a rounding is off by up to
    half the smallest subnormal whatever the size of the result, so each of
    f's n <= 64 terms may add TINY / 2 on top: no relative bound covers
    that (a coefficient of 5e-324 times h is 0).
    """
    assert numeric.shape == analytic.shape
    np.testing.assert_allclose(numeric, analytic, rtol=1e-9, atol=100 * (EPS * f_size + TINY) / H)


@EXAMPLES
@given(quadratics())
@example((np.zeros((1, 1)), np.array([TINY]), np.zeros(1)))  # c * h underflows to 0
def test_numerical_gradient_matches_the_analytic_gradient_of_a_quadratic(case):
    A, c, x = case
    numeric = numerical_gradient(lambda v: 0.5 * v @ A @ v + c @ v, x, h=H)
    f_size = 0.5 * (np.abs(x) + H) @ np.abs(A) @ (np.abs(x) + H) + np.abs(c) @ (np.abs(x) + H)
    assert_gradients_agree(numeric, 0.5 * (A + A.T) @ x + c, f_size)


@EXAMPLES
@given(any_arrays(bound=100.0), st.floats(-3, 3))
@example(np.array(0.0), TINY)  # f(x +- h) = -/+ TINY * h underflows to 0: once 1 run in 16
@example(np.array(0.0), 2.2250738585e-313)  # a subnormal times h keeps a few bits: off by 8e-8 relative
def test_numerical_gradient_of_a_linear_function_is_its_coefficients_in_any_shape(x, k):
    coefficients = np.arange(x.size, dtype=float).reshape(x.shape) - k
    numeric = numerical_gradient(lambda v: np.sum(coefficients * v), x, h=H)
    assert_gradients_agree(numeric, coefficients, np.sum(np.abs(coefficients) * (np.abs(x) + H)))


@EXAMPLES
@given(any_arrays(bound=100.0))
def test_numerical_gradient_leaves_x_alone_and_calls_f_twice_per_entry(x):
    before, calls = x.copy(), []

    def f(v):
        calls.append(v.shape)
        v += 1.0  # f may scribble on what it is given
        return float(np.sum(v**2))

    assert numerical_gradient(f, x).shape == x.shape
    np.testing.assert_array_equal(x, before)
    assert calls == [x.shape] * (2 * x.size)


@pytest.mark.parametrize("h", [0.0, -1e-6, math.nan])
def test_numerical_gradient_rejects_a_step_that_is_not_positive(h):
    with pytest.raises(ValueError):
        numerical_gradient(np.sum, np.ones(2), h=h)


def test_numerical_gradient_rejects_a_step_lost_in_rounding():
    with pytest.raises(ValueError):
        numerical_gradient(np.sum, np.array([1e12]), h=1e-6)


@EXAMPLES
@given(any_arrays())
def test_rel_error_of_an_array_with_itself_is_zero(a):
    assert rel_error(a, a.copy()) == 0.0


@EXAMPLES
@given(array_pairs(tame()))
def test_rel_error_is_symmetric_bounded_and_zero_only_for_equal_arrays(pair):
    a, b = pair
    error = rel_error(a, b)
    assert error == rel_error(b, a)
    assert 0.0 <= error <= 1.0
    assert (error == 0.0) == np.array_equal(a, b)


@EXAMPLES
@given(array_pairs(tame()), st.integers(-60, 60), st.sampled_from([1.0, -1.0, 3.0, -0.1]))
def test_rel_error_does_not_change_when_both_arrays_are_scaled_alike(pair, power, factor):
    a, b = pair
    scale = factor * 2.0**power
    assert math.isclose(rel_error(scale * a, scale * b), rel_error(a, b), rel_tol=1e-12, abs_tol=1e-12)


@EXAMPLES
@given(any_arrays().filter(lambda a: np.any(a != 0)))
def test_rel_error_is_one_for_a_negated_or_zero_gradient(a):
    assert rel_error(a, -a) == 1.0
    assert rel_error(a, np.zeros_like(a)) == 1.0


def test_rel_error_survives_the_largest_floats():
    big = np.finfo(np.float64).max
    assert rel_error([big, -big], [-big, big]) == 1.0
    assert rel_error([big], [big / 2]) == pytest.approx(1 / 3)


def test_rel_error_is_infinite_for_nan_or_inf_unless_equal():
    assert rel_error([1.0, math.nan], [1.0, 2.0]) == math.inf
    assert rel_error([math.inf], [1.0]) == math.inf
    assert rel_error([1.0, math.nan], [1.0, math.nan]) == 0.0


def test_rel_error_rejects_arrays_of_different_shapes():
    with pytest.raises(ValueError):
        rel_error(np.ones((2, 3)), np.ones((3, 2)))
