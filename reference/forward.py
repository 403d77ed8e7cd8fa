"""The forward pass: layer by layer from the input to the output, then the loss.

Each layer computes z = x @ W.T + b (W has shape (n_out, n_in), as in
torch.nn.Linear) and then a = activation(z); the output of one layer is the
input of the next, and the activation is applied after every layer, the
output layer included.

The 2-2-2 example: x = [[0.05, 0.10]], targets y = [[0.01, 0.99]],
W1 = [[0.15, 0.20], [0.25, 0.30]], b1 = [0.35, 0.35],
W2 = [[0.40, 0.45], [0.50, 0.55]], b2 = [0.60, 0.60], sigmoid everywhere.
Its hidden activations are [0.5933, 0.5969], its outputs [0.7514, 0.7729]
and its loss 0.2984.

Reuse your own functions: modules in one folder import each other by name
(`from activations import sigmoid, tanh, relu`); in a single notebook every
function is already defined.
"""

import numpy as np

### BEGIN SOLUTION
from .activations import relu, sigmoid, tanh

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}
### END SOLUTION


def linear_forward(x, W, b):
    """One layer's pre-activation z = x @ W.T + b.

    Inputs:
    - x: ndarray (batch, n_in), one sample per row
    - W: ndarray (n_out, n_in), row j holds the weights into unit j
    - b: ndarray (n_out,)

    Returns:
    - z: ndarray (batch, n_out)
    """
    ### BEGIN SOLUTION
    return np.asarray(x, dtype=float) @ np.asarray(W, dtype=float).T + b
    ### END SOLUTION


def forward(x, params, activation="sigmoid"):
    """The network's output: linear_forward then the activation, layer after layer.

    Inputs:
    - x: ndarray (batch, n_in)
    - params: list of (W, b) tuples, input layer first
    - activation: "sigmoid", "tanh" or "relu", applied after every layer

    Returns:
    - y_hat: ndarray (batch, n_out of the last layer)
    """
    ### BEGIN SOLUTION
    a = np.asarray(x, dtype=float)
    for W, b in params:
        a = ACTIVATIONS[activation](linear_forward(a, W, b))
    return a
    ### END SOLUTION


def half_sse(y_hat, y):
    """Half the sum of squared errors: L = 0.5 * sum((y_hat - y) ** 2).

    Summed over every element of the batch, not averaged; the 0.5 cancels the
    2 of the derivative, so dL/dy_hat = y_hat - y.

    Inputs:
    - y_hat: ndarray (batch, n_out), the network's output
    - y: ndarray (batch, n_out), the targets

    Returns:
    - float: L (0.2984 for the 2-2-2 example)
    """
    ### BEGIN SOLUTION
    diff = np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)
    return float(0.5 * np.sum(diff**2))
    ### END SOLUTION
