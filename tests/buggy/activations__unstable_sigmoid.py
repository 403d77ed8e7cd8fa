"""Activations and their derivatives with respect to the pre-activation z.

Every function is elementwise: z may have any shape, and the result has the
same shape. Each must stay finite for every finite z (|z| up to 1000).
"""

import numpy as np


def sigmoid(z):
    """sigmoid(z) = 1 / (1 + exp(-z)), without overflow for large |z|.

    exp(-z) overflows for z < -709; exp(z) / (1 + exp(z)) is the same number
    written for negative z and never overflows there.

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values in [0, 1]
    """
    ### BEGIN SOLUTION
    # mistake: exp(z) overflows to inf for z > 709: inf / inf is nan (unstable_sigmoid)
    return np.exp(z) / (1 + np.exp(z))
    ### END SOLUTION


def tanh(z):
    """tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)).

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values in [-1, 1]
    """
    ### BEGIN SOLUTION
    return np.tanh(np.asarray(z, dtype=float))
    ### END SOLUTION


def relu(z):
    """relu(z) = max(z, 0).

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape
    """
    ### BEGIN SOLUTION
    return np.maximum(np.asarray(z, dtype=float), 0.0)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1 - s)
    ### END SOLUTION


def tanh_grad(z):
    """d tanh(z) / dz = 1 - tanh(z)**2.

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values in [0, 1]
    """
    ### BEGIN SOLUTION
    return 1 - np.tanh(np.asarray(z, dtype=float)) ** 2
    ### END SOLUTION


def relu_grad(z):
    """d relu(z) / dz: 1 where z > 0, else 0 (0 at z = 0 exactly, as in PyTorch).

    Inputs:
    - z: ndarray of any shape

    Returns:
    - ndarray of z's shape, values 0.0 or 1.0
    """
    ### BEGIN SOLUTION
    return (np.asarray(z, dtype=float) > 0).astype(float)
    ### END SOLUTION
