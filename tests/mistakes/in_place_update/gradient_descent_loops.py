"""The parameter updated in place, entry by entry."""

import numpy as np


def sgd_update(param, grad, lr):
    for index in np.ndindex(param.shape):
        param[index] -= lr * grad[index]
    return param
