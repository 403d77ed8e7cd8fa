"""Gradient-descent bookkeeping: batches, iterations and the SGD update.

Training data is cut into batches. One *iteration* is one update of the
parameters, computed from one batch; one *epoch* is one pass over every
sample. With 50000 samples and a batch size of 256 an epoch holds
ceil(50000 / 256) = 196 batches (195 full ones and a last one of 80 samples),
so 10 epochs make 1960 iterations.
"""

import numpy as np


def num_batches(num_samples, batch_size):
    """Number of batches in one epoch, the last partial batch included.

    Inputs:
    - num_samples: int, samples in the training set (>= 1)
    - batch_size: int, samples per batch (>= 1)

    Returns:
    - int: ceil(num_samples / batch_size); 50000 samples in batches of 256
      give 196 batches.
    """
    ### BEGIN SOLUTION
    return -(-num_samples // batch_size)
    ### END SOLUTION


def num_iterations(num_samples, batch_size, epochs):
    """Number of parameter updates in `epochs` epochs: one per batch.

    Inputs:
    - num_samples: int, samples in the training set
    - batch_size: int, samples per batch
    - epochs: int, passes over the training set

    Returns:
    - int: epochs * num_batches(num_samples, batch_size); 10 epochs of 50000
      samples in batches of 256 give 1960 iterations.
    """
    ### BEGIN SOLUTION
    return epochs * num_batches(num_samples, batch_size)
    ### END SOLUTION


def sgd_update(param, grad, lr):
    """One step of gradient descent on one parameter array.

    The gradient points uphill, so the step goes the other way, scaled by the
    learning rate: param_new = param - lr * grad. A learning rate too large
    overshoots the minimum; too small, and training crawls.

    Inputs:
    - param: ndarray of any shape, the current value (not modified)
    - grad: ndarray of the same shape, dL/dparam
    - lr: float, the learning rate

    Returns:
    - ndarray of param's shape: the updated value, a new array
    """
    ### BEGIN SOLUTION
    # mistake: modifies param in place (and returns it) (in_place_update)
    param -= lr * grad
    return param
    ### END SOLUTION
