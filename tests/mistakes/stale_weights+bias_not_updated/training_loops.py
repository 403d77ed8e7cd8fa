"""Weights updated before the error goes back through them, and the biases never updated (CNSASS2's lecture code)."""

import numpy as np
from activations import relu_grad, sigmoid_grad, tanh_grad
from forward import ACTIVATIONS, forward, half_sse


def train_step(x, y, params, lr, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    loss = half_sse(forward(x, params, activation), y)
    weights = [np.array(W, dtype=float) for W, _ in params]
    inputs, zs = [], []
    a = np.asarray(x, dtype=float)
    for (W, b) in params:
        inputs.append(a)
        zs.append(a @ W.T + b)
        a = act(zs[-1])
    delta = (a - y) * grad(zs[-1])
    for l in reversed(range(len(params))):
        W = weights[l]
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                W[j, i] -= lr * np.sum(delta[:, j] * inputs[l][:, i])
        if l > 0:
            delta = (delta @ W) * grad(zs[l - 1])
    return [(W, np.array(b, dtype=float)) for W, (_, b) in zip(weights, params)], loss
