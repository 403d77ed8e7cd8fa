"""Activations and their derivatives with respect to the pre-activation z.

Every function is elementwise: z may have any shape, and the result has the
same shape. Each must stay finite for every finite z (|z| up to 1000).
"""

import numpy as np


def sigmoid(z):
    """sigmoid(z) = 1 / (1 + exp(-z)), without overflow for large |z|.

    Written as exp(z) / (1 + exp(z)), it returns nan for z > 709 (inf / inf);
    written as 1 / (1 + exp(-z)), exp overflows for z < -709 (the result, 0,
    is still right). Choose, for each sign of z, the form whose exp cannot
    overflow.

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values in [0, 1]
    """
    raise NotImplementedError


def tanh(z):
    """tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)).

    Written literally this gives nan for |z| > 710 (inf / inf); np.tanh is
    exact for every z.

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values in [-1, 1]
    """
    raise NotImplementedError


def relu(z):
    """relu(z) = max(z, 0).

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape
    """
    raise NotImplementedError


def sigmoid_grad(z):
    """d sigmoid(z) / dz = sigmoid(z) * (1 - sigmoid(z)).

    The formula takes z, the pre-activation; written with a = sigmoid(z) it
    is a * (1 - a). Applying the a-formula to z, or the z-formula to a, is a
    classic mistake.

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values in [0, 0.25]
    """
    raise NotImplementedError


def tanh_grad(z):
    """d tanh(z) / dz = 1 - tanh(z)**2.

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values in [0, 1]
    """
    raise NotImplementedError


def relu_grad(z):
    """d relu(z) / dz: 1 where z > 0, else 0 (0 at z = 0 exactly, as in PyTorch).

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values 0.0 or 1.0
    """
    raise NotImplementedError
