"""The update made without the learning rate."""

import numpy as np


def sgd_update(param, grad, lr):
    return np.asarray(param, dtype=float) - np.asarray(grad, dtype=float)
