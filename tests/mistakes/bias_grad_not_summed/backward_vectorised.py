"""db = dz, not summed over the batch."""

import numpy as np


def linear_backward(dz, x, W):
    dz, x = np.asarray(dz, dtype=float), np.asarray(x, dtype=float)
    return dz @ W, dz.T @ x, dz
