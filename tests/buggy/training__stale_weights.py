"""Training: stochastic gradient descent on every weight and bias.

One step computes the loss and every gradient with the parameters as they
are, then moves each parameter against its gradient: W - lr * dW, b - lr * db.
A fit repeats that step over mini-batches taken in order, epoch after epoch.
"""

import numpy as np

### BEGIN SOLUTION
from backward import activation_backward, linear_backward
from forward import ACTIVATIONS, forward, half_sse, linear_forward
from gradient_descent import num_batches, sgd_update
### END SOLUTION


def train_step(x, y, params, lr, activation="sigmoid"):
    """One SGD step on every weight and bias, as torch.optim.SGD does.

    Every gradient is computed before any parameter changes: updating a layer
    before propagating the error back through it uses stale weights.

    Inputs:
    - x: ndarray (batch, n_in)
    - y: ndarray (batch, n_out)
    - params: list of (W, b) tuples, input layer first (not modified)
    - lr: float, the learning rate
    - activation: "sigmoid", "tanh" or "relu"

    Returns a tuple of:
    - new_params: list of (W, b) tuples, the updated parameters (new arrays)
    - loss: float, the loss before the update (0.2984 for the 2-2-2 example)
    """
    ### BEGIN SOLUTION
    loss = half_sse(forward(x, params, activation), y)
    a = np.asarray(x, dtype=float)
    cache = []
    for W, b in params:
        z = linear_forward(a, W, b)
        cache.append((a, z))
        a = ACTIVATIONS[activation](z)
    da = a - np.asarray(y, dtype=float)
    new_params = []
    for (W, b), (a_in, z) in zip(reversed(params), reversed(cache)):
        dz = activation_backward(da, z, activation)
        _, dW, db = linear_backward(dz, a_in, W)
        W, b = sgd_update(W, dW, lr), sgd_update(b, db, lr)
        # mistake: propagates the error through the weights already updated (stale_weights)
        da = dz @ W
        new_params.append((W, b))
    return new_params[::-1], loss
    ### END SOLUTION


def fit(x, y, params, lr, epochs, batch_size, activation="sigmoid"):
    """Mini-batch SGD: train_step on each batch, in order, for `epochs` epochs.

    Batch k holds rows k*batch_size to (k+1)*batch_size; the last, partial
    batch is included; samples are never shuffled.

    Inputs:
    - x: ndarray (num_samples, n_in)
    - y: ndarray (num_samples, n_out)
    - params: list of (W, b) tuples (not modified)
    - lr: float
    - epochs: int
    - batch_size: int
    - activation: "sigmoid", "tanh" or "relu"

    Returns a tuple of:
    - params: list of (W, b) tuples after the last iteration
    - losses: list of floats, each iteration's batch loss before its update;
      len(losses) == num_iterations(len(x), batch_size, epochs)
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    losses = []
    for _ in range(epochs):
        for k in range(num_batches(len(x), batch_size)):
            rows = slice(k * batch_size, (k + 1) * batch_size)
            params, loss = train_step(x[rows], y[rows], params, lr, activation)
            losses.append(loss)
    return params, losses
    ### END SOLUTION
