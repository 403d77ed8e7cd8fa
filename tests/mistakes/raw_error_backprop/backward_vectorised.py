"""The raw output error, not the output delta, goes back through the weights (Rashid's code)."""

import numpy as np
from activations import relu_grad, sigmoid_grad, tanh_grad
from forward import ACTIVATIONS


def backward(x, y, params, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    inputs, zs = [], []
    a = np.asarray(x, dtype=float)
    for W, b in params:
        inputs.append(a)
        zs.append(a @ W.T + b)
        a = act(zs[-1])
    error = a - y
    grads = []
    for i in reversed(range(len(params))):
        dz = error * grad(zs[i])
        grads.insert(0, (dz.T @ inputs[i], dz.sum(axis=0)))
        error = error @ params[i][0]  # the error itself, not dz, is sent back
    return grads
