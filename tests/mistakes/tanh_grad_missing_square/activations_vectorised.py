"""tanh_grad returns 1 - tanh(z)."""

import numpy as np


def tanh_grad(z):
    return 1 - np.tanh(np.asarray(z, dtype=float))
