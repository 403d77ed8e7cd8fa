"""The update adds lr * grad."""

import numpy as np


def sgd_update(param, grad, lr):
    return np.asarray(param, dtype=float) + lr * np.asarray(grad, dtype=float)
