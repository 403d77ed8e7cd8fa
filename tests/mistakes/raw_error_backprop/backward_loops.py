"""The raw output error, not the output delta, goes back through the weights (Rashid's code)."""

import numpy as np
from activations import relu_grad, sigmoid_grad, tanh_grad
from forward import ACTIVATIONS


def backward(x, y, params, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    grads = [(np.zeros(np.shape(W)), np.zeros(np.shape(b))) for W, b in params]
    for s in range(len(x)):
        acts, zs = [list(x[s])], []
        for W, b in params:
            z = [sum(W[j][i] * acts[-1][i] for i in range(len(acts[-1]))) + b[j] for j in range(len(b))]
            zs.append(z)
            acts.append([float(act(v)) for v in z])
        errors = [acts[-1][k] - y[s][k] for k in range(len(y[s]))]
        for l in reversed(range(len(params))):
            W = params[l][0]
            dW, db = grads[l]
            for j in range(len(errors)):
                delta = errors[j] * float(grad(zs[l][j]))
                db[j] += delta
                for i in range(len(acts[l])):
                    dW[j][i] += delta * acts[l][i]
            errors = [sum(W[j][i] * errors[j] for j in range(len(errors))) for i in range(len(acts[l]))]
    return grads
