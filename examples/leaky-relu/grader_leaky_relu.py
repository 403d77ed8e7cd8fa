"""Leaky relu as two extra exercises of backprop-grader (the worked example of docs/authoring.md).

One module holds everything the grader needs: the reference functions, the
named cases, the strategy for generated cases, the points and the classic
mistakes (mutants) that `grader selfcheck` proves the checks catch.
"""

import numpy as np
from hypothesis import strategies as st

from grader.strategies import pre_activations
from grader.suite import Case, Exercise

SLOPE = 0.01


def leaky_relu(z, slope=SLOPE):
    """leaky_relu(z) = z where z > 0, else slope * z. Shapes: any; elementwise."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, slope * z)


def leaky_relu_grad(z, slope=SLOPE):
    """d leaky_relu(z) / dz: 1 where z > 0, else slope (slope at z = 0, as in PyTorch)."""
    return np.where(np.asarray(z, dtype=float) > 0, 1.0, slope)


def named(figures):
    """Cases every submission meets: the kink at 0, a matrix, saturation-sized values, another slope."""
    return [
        ("z = 0", Case((np.array([0.0]),))),
        ("a (2, 3) matrix of z", Case((np.array([[-2.0, -0.5, 0.0], [0.1, 1.0, 3.0]]),))),
        ("|z| = 1000", Case((np.array([-1000.0, 1000.0]),))),
        ("slope 0.2", Case((np.array([-1.0, 2.0]),), {"slope": 0.2})),
    ]


def generated():
    """Any z array; half the cases with a slope other than the default."""
    slopes = st.one_of(st.just(None), st.floats(0.0, 0.5, width=64))
    return st.tuples(pre_activations(), slopes).map(
        lambda t: Case((t[0],), {} if t[1] is None else {"slope": t[1]})
    )


def exercise(reference, points, mutants):
    """The student writes a function of the reference's name in leaky.py."""
    return Exercise(
        "leaky", reference.__name__, points, "array",
        reference=lambda case: reference(*case.args, **case.kwargs),
        named=named,
        generated=generated,
        mutants=mutants,
    )


EXERCISES = [
    exercise(leaky_relu, 2, mutants=(
        ("relu_instead", lambda z, slope=SLOPE: np.maximum(np.asarray(z, dtype=float), 0)),
        ("slope_ignored", lambda z, slope=SLOPE: leaky_relu(z)),
    )),
    exercise(leaky_relu_grad, 3, mutants=(
        ("grad_at_zero_is_one", lambda z, slope=SLOPE: np.where(np.asarray(z, dtype=float) >= 0, 1.0, slope)),
        ("grad_is_the_activation", lambda z, slope=SLOPE: leaky_relu(z, slope)),
    )),
]
