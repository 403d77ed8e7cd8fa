"""The activation's derivative evaluated at the upstream gradient da, times da."""

import numpy as np
from activations import relu_grad, sigmoid_grad, tanh_grad


def activation_backward(da, z, activation="sigmoid"):
    grad = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]
    da = np.asarray(da, dtype=float)
    return da * grad(da)
