"""dW built from the layer's own output instead of its input."""

from activations import relu_grad, sigmoid_grad, tanh_grad
from forward import ACTIVATIONS


def backward(x, y, params, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    acts, zs, deltas = [], [], []  # per sample: every layer's activations, pre-activations, deltas
    for s in range(len(x)):
        acts.append([list(x[s])])
        zs.append([])
        for W, b in params:
            z = [sum(W[j][i] * acts[s][-1][i] for i in range(len(acts[s][-1]))) + b[j] for j in range(len(b))]
            zs[s].append(z)
            acts[s].append([float(act(v)) for v in z])
        delta = [(acts[s][-1][k] - y[s][k]) * float(grad(zs[s][-1][k])) for k in range(len(y[s]))]
        deltas.append([delta])
        for l in reversed(range(1, len(params))):
            W = params[l][0]
            delta = [
                sum(W[j][i] * delta[j] for j in range(len(delta))) * float(grad(zs[s][l - 1][i]))
                for i in range(len(acts[s][l]))
            ]
            deltas[s].insert(0, delta)
    grads = []
    for l, (W, b) in enumerate(params):
        units = range(len(b))
        dW = [[sum(deltas[s][l][j] * acts[s][l + 1][i] for s in range(len(x))) for i in units] for j in units]
        db = [sum(deltas[s][l][j] for s in range(len(x))) for j in units]
        grads.append((dW, db))
    return grads
