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
    raise NotImplementedError


def activation_backward(da, z, activation="sigmoid"):
    """dL/dz from dL/da through a = activation(z): da * activation'(z).

    Inputs:
    - da: ndarray of any shape, dL/da (the upstream gradient)
    - z: ndarray of da's shape, the pre-activation in the forward pass
    - activation: "sigmoid", "tanh" or "relu"

    Returns:
    - dz: ndarray of z's shape
    """
    raise NotImplementedError


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
    raise NotImplementedError
