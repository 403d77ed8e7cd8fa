"""Every gradient by central differences of the loss, one entry at a time."""

import numpy as np
from forward import forward, half_sse


def backward(x, y, params, activation="sigmoid"):
    h = 1e-5
    grads = []
    for W, b in params:
        pair = []
        for p in (W, b):
            g = np.zeros(p.shape)
            for index in np.ndindex(p.shape):
                old = p[index]
                p[index] = old + h
                plus = half_sse(forward(x, params, activation), y)
                p[index] = old - h
                minus = half_sse(forward(x, params, activation), y)
                p[index] = old
                g[index] = (plus - minus) / (2 * h)
            pair.append(g)
        grads.append(tuple(pair))
    return grads
