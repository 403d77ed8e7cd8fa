"""Hypothesis strategies for every kind of case the grader draws.

All generated cases are float64 NumPy arrays and plain Python numbers, so they
cross to the student's process as data. Elements shrink towards 0, which is
also where relu's kink lies: shrunk cases are small and often hit z == 0.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

ACTIVATIONS = ("sigmoid", "tanh", "relu")


class Network(NamedTuple):
    """A batch and a network: the arguments of forward, backward and training."""

    x: np.ndarray  # (batch, n_in)
    y: np.ndarray  # (batch, n_out)
    params: list  # [(W (n_out, n_in), b (n_out,)), ...]
    activation: str


def values(*, bound: float = 2.0) -> st.SearchStrategy[float]:
    """Returns a strategy for finite floats in [-bound, bound], shrinking to 0."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)


def matrices(rows: int, cols: int, *, bound: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """Returns a strategy for float64 arrays of shape (rows, cols) in [-bound, bound]."""
    return arrays(np.float64, (rows, cols), elements=values(bound=bound))


def vectors(n: int, *, bound: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """Returns a strategy for float64 arrays of shape (n,) in [-bound, bound]."""
    return arrays(np.float64, (n,), elements=values(bound=bound))


def layer_sizes(*, max_depth: int = 4, max_width: int = 8) -> st.SearchStrategy[list[int]]:
    """Returns a strategy for [n_in, n_hidden..., n_out]: 1 to max_depth layers.

    - max_depth: most layers (weight matrices)
    - max_width: most units in any layer, the input included
    """
    if max_depth < 1 or max_width < 1:
        raise ValueError(f"need max_depth >= 1 and max_width >= 1, got {max_depth}, {max_width}")
    return st.lists(st.integers(1, max_width), min_size=2, max_size=max_depth + 1)


@st.composite
def networks(
    draw,
    *,
    activations=ACTIVATIONS,
    max_depth: int = 4,
    max_width: int = 8,
    max_batch: int = 16,
    min_batch: int = 1,
    bound: float = 2.0,
) -> Network:
    """Returns a strategy for a Network with its batch.

    - activations: the activations to draw from
    - max_depth, max_width: bounds of layer_sizes
    - min_batch, max_batch: rows of x and y
    - bound: inputs, weights and biases lie in [-bound, bound]; targets in [0, 1]
    """
    sizes = draw(layer_sizes(max_depth=max_depth, max_width=max_width))
    batch = draw(st.integers(min_batch, max_batch))
    params = [
        (draw(matrices(n_out, n_in, bound=bound)), draw(vectors(n_out, bound=bound)))
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    x = draw(matrices(batch, sizes[0], bound=bound))
    y = draw(arrays(np.float64, (batch, sizes[-1]), elements=st.floats(0, 1, width=64)))
    return Network(x, y, params, draw(st.sampled_from(activations)))


def pre_activations(*, bound: float = 1000.0) -> st.SearchStrategy[np.ndarray]:
    """Returns a strategy for z arrays of rank 0 to 3 with entries in [-bound, bound].

    Large entries are drawn often, so saturation (|z| >= 500) is always tried.
    """
    element = st.one_of(values(bound=4.0), values(bound=bound), st.sampled_from([0.0, 500.0, -500.0]))
    shape = st.lists(st.integers(1, 5), min_size=0, max_size=3).map(tuple)
    return shape.flatmap(lambda s: arrays(np.float64, s, elements=element))


@st.composite
def chain_points(draw, *, bound: float = 30.0) -> tuple[float, float, float]:
    """Returns a strategy for (x, w, b) with |w * x + b| <= bound."""
    x, w = draw(values(bound=5.0)), draw(values(bound=5.0))
    limit = max(0.0, bound - abs(w * x))
    return x, w, draw(values(bound=min(5.0, limit)))


def batch_counts() -> st.SearchStrategy[tuple[int, int, int]]:
    """Returns a strategy for (num_samples, batch_size, epochs).

    Batch sizes are drawn both dividing and not dividing the sample count.
    """
    n = st.integers(1, 100_000)
    dividing = n.flatmap(lambda k: st.integers(1, 50).map(lambda m: (k * m, k)))
    any_size = st.tuples(n, st.integers(1, 100_000))
    return st.tuples(st.one_of(dividing, any_size), st.integers(1, 20)).map(lambda t: (*t[0], t[1]))


def learning_rates() -> st.SearchStrategy[float]:
    """Returns a strategy for learning rates in [0.001, 2]."""
    return st.floats(0.001, 2.0, width=64)


@st.composite
def fit_settings(draw) -> tuple[Network, float, int, int]:
    """Returns a strategy for (network, lr, epochs, batch_size) with 1 to 12 samples."""
    net = draw(networks(max_depth=3, max_width=5, max_batch=12))
    batch_size = draw(st.integers(1, len(net.x) + 2))
    return net, draw(st.floats(0.01, 1.0, width=64)), draw(st.integers(1, 3)), batch_size
