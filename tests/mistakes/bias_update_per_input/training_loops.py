"""The bias update sits inside the loop over the layer's inputs: n_in updates per step."""

import numpy as np
from backward import backward
from forward import forward, half_sse


def train_step(x, y, params, lr, activation="sigmoid"):
    loss = half_sse(forward(x, params, activation), y)
    grads = backward(x, y, params, activation)
    new_params = []
    for (W, b), (dW, db) in zip(params, grads):
        new_W, new_b = np.array(W, dtype=float), np.array(b, dtype=float)
        for j in range(new_W.shape[0]):
            for i in range(new_W.shape[1]):
                new_W[j, i] -= lr * dW[j, i]
                new_b[j] -= lr * db[j]
        new_params.append((new_W, new_b))
    return new_params, loss
