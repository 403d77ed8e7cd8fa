"""Back propagation: the gradient of the loss for every weight and bias.

The steps, from the output back to the input:
1. forward pass, keeping each layer's input x and pre-activation z;
2. at the output, dL/da = y_hat - y (the derivative of the half-SSE loss);
3. through the activation: dL/dz = dL/da * activation'(z), elementwise
   (the output delta);
4. through the layer: dL/dW = dz.T @ x, dL/db = dz summed over the batch,
   and dL/dx = dz @ W, which is dL/da of the layer below (the hidden delta
   starts from it, through the weights as they were in the forward pass);
5. repeat 3-4 down to the first layer.

On the 2-2-2 example (see forward.py) dL/dW2[0, 0] (dE/dw5 in the lesson) is
0.0822 and dL/dW1[0, 0] (dE/dw1) is 0.000439.

Reuse your own functions (`from forward import linear_forward`,
`from activations import sigmoid_grad, tanh_grad, relu_grad`).
"""

import numpy as np

### BEGIN SOLUTION
from .activations import relu_grad, sigmoid_grad, tanh_grad
from .forward import ACTIVATIONS, linear_forward

ACTIVATION_GRADS = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}
### END SOLUTION


def linear_backward(dz, x, W):
    """Gradients through one layer z = x @ W.T + b, given dL/dz.

    Inputs:
    - dz: ndarray (batch, n_out), dL/dz
    - x: ndarray (batch, n_in), the layer's input in the forward pass
    - W: ndarray (n_out, n_in), the layer's weights in the forward pass

    Returns a tuple of:
    - dx: ndarray (batch, n_in), dL/dx
    - dW: ndarray (n_out, n_in), dL/dW, the shape of W
    - db: ndarray (n_out,), dL/db, summed over the batch
    """
    ### BEGIN SOLUTION
    dz = np.asarray(dz, dtype=float)
    x = np.asarray(x, dtype=float)
    dx = dz @ np.asarray(W, dtype=float)  # (batch, n_out) @ (n_out, n_in)
    dW = dz.T @ x  # (n_out, batch) @ (batch, n_in)
    db = dz.sum(axis=0)  # (n_out,)
    return dx, dW, db
    ### END SOLUTION


def activation_backward(da, z, activation="sigmoid"):
    """dL/dz from dL/da through a = activation(z): da * activation'(z).

    Inputs:
    - da: ndarray of any shape, dL/da (the upstream gradient)
    - z: ndarray of da's shape, the pre-activation in the forward pass
    - activation: "sigmoid", "tanh" or "relu"

    Returns:
    - dz: ndarray of z's shape
    """
    ### BEGIN SOLUTION
    return np.asarray(da, dtype=float) * ACTIVATION_GRADS[activation](z)
    ### END SOLUTION


def backward(x, y, params, activation="sigmoid"):
    """The gradient of half_sse(forward(x, params, activation), y) for every parameter.

    Inputs:
    - x: ndarray (batch, n_in)
    - y: ndarray (batch, n_out)
    - params: list of (W, b) tuples, input layer first
    - activation: "sigmoid", "tanh" or "relu"

    Returns:
    - grads: list of (dW, db) tuples in layer order, each the shape of its (W, b)
    """
    ### BEGIN SOLUTION
    a = np.asarray(x, dtype=float)
    cache = []  # (layer input, pre-activation) per layer
    for W, b in params:
        z = linear_forward(a, W, b)
        cache.append((a, z))
        a = ACTIVATIONS[activation](z)
    da = a - np.asarray(y, dtype=float)  # dL/dy_hat of the half-SSE loss
    grads = []
    for (W, _), (a_in, z) in zip(reversed(params), reversed(cache)):
        dz = activation_backward(da, z, activation)
        da, dW, db = linear_backward(dz, a_in, W)
        grads.append((dW, db))
    return grads[::-1]
    ### END SOLUTION
