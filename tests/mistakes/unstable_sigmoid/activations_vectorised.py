"""sigmoid as exp(z) / (1 + exp(z)): nan once exp(z) overflows."""

import numpy as np


def sigmoid(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1 + e)
