"""Weights updated unit by unit before the error goes back through them."""

import numpy as np
from activations import relu_grad, sigmoid_grad, tanh_grad
from forward import ACTIVATIONS


def train_step(x, y, params, lr, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    weights = [[list(row) for row in W] for W, _ in params]
    biases = [list(b) for _, b in params]
    acts, zs = [[list(row) for row in x]], []
    for W, b in zip(weights, biases):
        z = [[sum(W[j][i] * a[i] for i in range(len(a))) + b[j] for j in range(len(b))] for a in acts[-1]]
        zs.append(z)
        acts.append([[float(act(v)) for v in row] for row in z])
    loss = 0.5 * sum((o - t) ** 2 for row_o, row_t in zip(acts[-1], y) for o, t in zip(row_o, row_t))
    delta = [[(acts[-1][s][k] - y[s][k]) * float(grad(zs[-1][s][k])) for k in range(len(y[s]))] for s in range(len(x))]
    for l in reversed(range(len(params))):
        W, b = weights[l], biases[l]
        for j in range(len(b)):
            b[j] -= lr * sum(delta[s][j] for s in range(len(x)))
            for i in range(len(W[j])):
                W[j][i] -= lr * sum(delta[s][j] * acts[l][s][i] for s in range(len(x)))
        if l > 0:
            delta = [
                [sum(W[j][i] * delta[s][j] for j in range(len(b))) * float(grad(zs[l - 1][s][i])) for i in range(len(W[0]))]
                for s in range(len(x))
            ]
    return [(np.array(W), np.array(b)) for W, b in zip(weights, biases)], loss
