# ruff: noqa - a hostile submission, not the project's code
"""Memory bombs: a growing list of buffers, and one enormous array."""
import numpy as np


def composite(x, w, b):
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))


def composite_grad(x, w, b):
    return np.ones((1 << 20, 1 << 20))
