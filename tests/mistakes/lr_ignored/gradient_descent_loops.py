"""The update made without the learning rate, entry by entry."""

import numpy as np


def sgd_update(param, grad, lr):
    new = np.array(param, dtype=float)
    for index in np.ndindex(new.shape):
        new[index] -= grad[index]
    return new
