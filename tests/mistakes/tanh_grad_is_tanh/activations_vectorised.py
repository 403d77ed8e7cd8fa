"""tanh_grad returns tanh(z)."""

import numpy as np


def tanh_grad(z):
    return np.tanh(np.asarray(z, dtype=float))
