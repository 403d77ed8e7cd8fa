"""dW indexed [input][output]: the transpose of W's shape."""

import numpy as np


def linear_backward(dz, x, W):
    batch, n_out = np.shape(dz)
    n_in = np.shape(x)[1]
    dx = np.zeros((batch, n_in))
    dW = np.zeros((n_in, n_out))
    db = np.zeros(n_out)
    for s in range(batch):
        for j in range(n_out):
            db[j] += dz[s][j]
            for i in range(n_in):
                dx[s][i] += dz[s][j] * W[j][i]
                dW[i][j] += dz[s][j] * x[s][i]
    return dx, dW, db
