"""The loss without its factor 0.5."""

import numpy as np


def half_sse(y_hat, y):
    return float(np.sum((np.asarray(y_hat) - np.asarray(y)) ** 2))
