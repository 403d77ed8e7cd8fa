"""Hypothesis strategies for every kind of case the grader draws.

All generated cases are float64 NumPy arrays and plain Python numbers, so they
cross to the student's process as data. Elements shrink towards 0, which is
also where relu's kink lies: shrunk cases are small and often hit z == 0.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .network import ACTIVATIONS, Network


def values(*, bound: float = 2.0) -> st.SearchStrategy[float]:
    """Returns a strategy for finite floats in [-bound, bound], shrinking to 0."""
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=64)


def uniform_arrays(shape: tuple[int, ...], *, bound: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """Returns a strategy for float64 arrays of `shape` in [-bound, bound], rounded to 2 decimals.

    The entries come from a seeded NumPy generator (Hypothesis draws the seed),
    which is a hundred times faster than drawing each entry; shrinking then
    goes to small shapes and seed 0. A quarter of the entries are exactly 0 in
    half of the arrays, so relu's kink and zero weights are met often.
    """
    return st.tuples(st.integers(0, 2**32 - 1), st.booleans()).map(
        lambda t: _uniform(shape, bound, np.random.default_rng(t[0]), t[1])
    )


def _uniform(shape: tuple[int, ...], bound: float, rng: np.random.Generator, sparse: bool) -> np.ndarray:
    values = rng.uniform(-bound, bound, shape).round(2)
    return np.where(rng.random(shape) < 0.25, 0.0, values) if sparse else values


def matrices(rows: int, cols: int, *, bound: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """Returns a strategy for float64 arrays of shape (rows, cols) in [-bound, bound]."""
    return uniform_arrays((rows, cols), bound=bound)


def vectors(n: int, *, bound: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """Returns a strategy for float64 arrays of shape (n,) in [-bound, bound]."""
    return uniform_arrays((n,), bound=bound)


def shapes(*, min_dims: int = 0, max_dims: int = 3, max_side: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """Returns a strategy for array shapes of min_dims to max_dims sides of 1 to max_side."""
    return st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def same_shape_pairs(*, bound: float = 2.0) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Returns a strategy for two arrays of one shape (rank 1 to 3) in [-bound, bound]."""
    return shapes(min_dims=1).flatmap(lambda s: st.tuples(uniform_arrays(s, bound=bound), uniform_arrays(s, bound=bound)))


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
    activation = draw(st.sampled_from(activations))
    # One seed for every array: each Hypothesis draw costs more than the arrays themselves.
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sparse = draw(st.booleans())
    params = [
        (_uniform((n_out, n_in), bound, rng, sparse), _uniform((n_out,), bound, rng, sparse))
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    x = _uniform((batch, sizes[0]), bound, rng, sparse)
    y = (_uniform((batch, sizes[-1]), 1.0, rng, False) + 1) / 2  # targets in [0, 1]
    return Network(x, y, params, activation)


def pre_activations(*, bound: float = 1000.0) -> st.SearchStrategy[np.ndarray]:
    """Returns a strategy for z arrays of rank 0 to 3 with entries in [-bound, bound].

    Entries mix small values, large ones and the specials 0 and +-500, so
    saturation (|z| >= 500) and relu's kink are always tried.
    """
    return st.tuples(shapes(), st.integers(0, 2**32 - 1)).map(lambda t: _mixed(t[0], bound, t[1]))


def _mixed(shape: tuple[int, ...], bound: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, 4, shape)
    small, large = rng.uniform(-4, 4, shape).round(3), rng.uniform(-bound, bound, shape).round(1)
    special = rng.choice([0.0, 500.0, -500.0], shape)
    return np.asarray(np.choose(pick, [small, small, large, special]), dtype=np.float64)


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
