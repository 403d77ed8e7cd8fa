"""Only the weights move, entry by entry; the biases are copied unchanged."""

import numpy as np
from backward import backward
from forward import forward, half_sse


def train_step(x, y, params, lr, activation="sigmoid"):
    loss = half_sse(forward(x, params, activation), y)
    grads = backward(x, y, params, activation)
    new_params = []
    for (W, b), (dW, _) in zip(params, grads):
        new_W = np.array(W, dtype=float)
        for j in range(new_W.shape[0]):
            for i in range(new_W.shape[1]):
                new_W[j, i] -= lr * dW[j, i]
        new_params.append((new_W, np.array(b, dtype=float)))
    return new_params, loss
