"""The named cases every submission is tried on, whatever the seed.

The 2-2-2 example alone hides many mistakes (a batch mean with one sample, a
loss mean with two outputs, a transposed square matrix, a wrong tanh or relu
derivative), so every network exercise also runs on non-square layers with
three outputs and a batch of six, relu with z exactly 0, saturated sigmoids
(|z| >= 500) and zero weights.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .i18n import _
from .network import Network

CANONICAL_FILE = Path(__file__).parent.parent / "reference" / "canonical-2-2-2.json"


@lru_cache(maxsize=1)
def canonical_figures() -> dict:
    return json.loads(CANONICAL_FILE.read_text(encoding="utf-8"))


def network_of(figures: dict) -> Network:
    """The network of a canonical-2-2-2.json-like record (the seed's, or an answer key's)."""
    net = figures["network"]
    params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in net["params"]]
    return Network(np.array(net["x"], dtype=float), np.array(net["y"], dtype=float), params, net["activation"])


def canonical() -> Network:
    """The seed's 2-2-2 sigmoid network: inputs 0.05, 0.10; targets 0.01, 0.99."""
    return network_of(canonical_figures())


def shape_name(net: Network) -> str:
    """'2-2-2' for the seed's network."""
    return "-".join(str(n) for n in [net.params[0][0].shape[1], *(W.shape[0] for W, _b in net.params)])


def random_network(sizes: list[int], batch: int, activation: str, *, seed: int, scale: float = 1.0) -> Network:
    rng = np.random.default_rng(seed)
    params = [
        (rng.uniform(-scale, scale, (n_out, n_in)), rng.uniform(-scale, scale, n_out))
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    return Network(rng.uniform(-1, 1, (batch, sizes[0])), rng.uniform(0, 1, (batch, sizes[-1])), params, activation)


def relu_at_zero() -> Network:
    """A relu network in which some pre-activations are exactly 0, in both layers."""
    W1 = np.array([[1.0, 0.0], [0.0, 0.5], [0.5, -0.5]])
    b1 = np.array([0.0, 0.0, 0.25])
    W2 = np.array([[1.0, 0.0, 0.0], [0.5, -1.0, 0.2]])
    b2 = np.array([0.0, 0.3])
    x = np.array([[0.0, 2.0], [1.0, 0.0]])  # z1 = [[0, 1, -0.75], [1, 0, 0.75]]
    y = np.array([[0.5, 0.2], [0.1, 0.9]])
    return Network(x, y, [(W1, b1), (W2, b2)], "relu")


def saturated() -> Network:
    """A sigmoid network whose pre-activations reach |z| >= 500, past exp's overflow at 709."""
    net = random_network([3, 4, 2], 3, "sigmoid", seed=3)
    params = [(W * 800.0, b * 800.0) for W, b in net.params]  # z from -1828 to 847
    return Network(net.x * 2.0, net.y, params, "sigmoid")


def zero_weights() -> Network:
    """Every weight 0: only the biases reach the output."""
    net = random_network([3, 2, 2], 2, "sigmoid", seed=4)
    return Network(net.x, net.y, [(np.zeros_like(W), b) for W, b in net.params], "sigmoid")


def named_networks(figures: dict) -> list[tuple[str, Network]]:
    """[(check name, network)]: the worked example first; names in the current language."""
    example = network_of(figures)
    return [
        (_("canonical {shape}").format(shape=shape_name(example)), example),
        (
            _("{activation} {shape}, batch of {batch} (non-square, {outputs} outputs)").format(
                activation="tanh", shape="4-5-3", batch=6, outputs=3
            ),
            random_network([4, 5, 3], 6, "tanh", seed=1),
        ),
        (_("relu with z exactly 0"), relu_at_zero()),
        (
            _("{activation} {shape}, batch of {batch}").format(activation="sigmoid", shape="3-4-2-3", batch=4),
            random_network([3, 4, 2, 3], 4, "sigmoid", seed=2),
        ),
        (_("saturated sigmoid (|z| >= {bound})").format(bound=500), saturated()),
        (_("zero weights"), zero_weights()),
    ]


def ambiguous_kink(net: Network) -> bool:
    """True when a relu pre-activation is 0 up to round-off but not exactly.

    There the derivative (0 or 1) depends on the order of a sum, so no
    implementation can be held to the reference's choice.
    """
    if net.activation != "relu":
        return False
    a = net.x
    for W, b in net.params:
        z = a @ W.T + b
        terms = np.abs(a) @ np.abs(W).T + np.abs(b)
        if np.any((np.abs(z) <= 1e-9 * terms) & (z != 0)) or np.any((z == 0) & (terms != 0)):
            return True
        a = np.maximum(z, 0)
    return False
