"""The derivative's z-formula applied to the activation a (vectorised), its a-formula to z (loops)."""

import numpy as np
from forward import ACTIVATIONS


def backward(x, y, params, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    a_formula = {"sigmoid": lambda v: v * (1 - v), "tanh": lambda v: 1 - v**2, "relu": lambda v: float(v > 0)}[activation]
    grads = [(np.zeros(np.shape(W)), np.zeros(np.shape(b))) for W, b in params]
    for s in range(len(x)):
        acts, zs = [list(x[s])], []
        for W, b in params:
            z = [sum(W[j][i] * acts[-1][i] for i in range(len(acts[-1]))) + b[j] for j in range(len(b))]
            zs.append(z)
            acts.append([float(act(v)) for v in z])
        out = acts[-1]
        delta = [(out[k] - y[s][k]) * a_formula(zs[-1][k]) for k in range(len(out))]
        for l in reversed(range(len(params))):
            W = params[l][0]
            dW, db = grads[l]
            for j in range(len(delta)):
                db[j] += delta[j]
                for i in range(len(acts[l])):
                    dW[j][i] += delta[j] * acts[l][i]
            if l > 0:
                delta = [sum(W[j][i] * delta[j] for j in range(len(delta))) * a_formula(zs[l - 1][i]) for i in range(len(acts[l]))]
    return grads
