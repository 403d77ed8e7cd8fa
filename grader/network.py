"""The record a forward, backward or training case is built from: a batch and a network."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu")


class Network(NamedTuple):
    """A batch and a network: the arguments of forward, backward and training."""

    x: np.ndarray  # (batch, n_in)
    y: np.ndarray  # (batch, n_out)
    params: list  # [(W (n_out, n_in), b (n_out,)), ...]
    activation: str
