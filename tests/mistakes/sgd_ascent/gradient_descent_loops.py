"""The update adds lr * grad, entry by entry."""

import numpy as np


def sgd_update(param, grad, lr):
    new = np.array(param, dtype=float)
    for index in np.ndindex(new.shape):
        new[index] = new[index] + lr * grad[index]
    return new
