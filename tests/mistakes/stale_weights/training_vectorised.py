"""Each layer's weights updated before the error goes back through them."""

import numpy as np
from activations import relu_grad, sigmoid_grad, tanh_grad
from forward import ACTIVATIONS, half_sse


def train_step(x, y, params, lr, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    weights = [np.array(W, dtype=float) for W, _ in params]
    biases = [np.array(b, dtype=float) for _, b in params]
    inputs, zs = [], []
    a = np.asarray(x, dtype=float)
    for W, b in zip(weights, biases):
        inputs.append(a)
        zs.append(a @ W.T + b)
        a = act(zs[-1])
    loss = half_sse(a, y)
    dz = (a - y) * grad(zs[-1])
    for i in reversed(range(len(params))):
        weights[i] -= lr * (dz.T @ inputs[i])
        biases[i] -= lr * dz.sum(axis=0)
        if i > 0:
            dz = (dz @ weights[i]) * grad(zs[i - 1])  # through the weights just updated
    return list(zip(weights, biases)), loss
