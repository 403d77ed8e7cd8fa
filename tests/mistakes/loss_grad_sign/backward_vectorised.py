"""dL/dy_hat taken as y - y_hat: every gradient negated."""

import numpy as np
from activations import relu_grad, sigmoid_grad, tanh_grad
from forward import ACTIVATIONS


def backward(x, y, params, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    inputs, zs, outs = [], [], []
    a = np.asarray(x, dtype=float)
    for W, b in params:
        inputs.append(a)
        zs.append(a @ W.T + b)
        a = act(zs[-1])
        outs.append(a)
    dz = (y - a) * grad(zs[-1])
    grads = []
    for i in reversed(range(len(params))):
        grads.insert(0, (dz.T @ inputs[i], dz.sum(axis=0)))
        if i > 0:
            dz = (dz @ params[i][0]) * grad(zs[i - 1])
    return grads
