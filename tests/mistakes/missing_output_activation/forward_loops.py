"""No activation after the output layer, unit by unit."""

import numpy as np
from activations import relu, sigmoid, tanh

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}


def forward(x, params, activation="sigmoid"):
    act = ACTIVATIONS[activation]
    out = []
    for sample in x:
        a = list(sample)
        for layer, (W, b) in enumerate(params):
            z = [sum(W[j][i] * a[i] for i in range(len(a))) + b[j] for j in range(len(b))]
            a = z if layer == len(params) - 1 else [float(act(v)) for v in z]
        out.append(a)
    return np.array(out)
