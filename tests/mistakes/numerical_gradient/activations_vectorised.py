"""relu's derivative by central differences."""

import numpy as np


def relu_grad(z):
    z = np.asarray(z, dtype=float)
    h = 1e-6
    return (np.maximum(z + h, 0) - np.maximum(z - h, 0)) / (2 * h)
