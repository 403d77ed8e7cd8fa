"""Training: stochastic gradient descent on every weight and bias.

One step computes the loss and every gradient with the parameters as they
are, then moves each parameter against its gradient: W - lr * dW, b - lr * db.
A fit repeats that step over mini-batches taken in order, epoch after epoch.

On the 2-2-2 example, one step with lr = 0.5 starts from the loss 0.2984
and moves w5 = W2[0, 0] from 0.40 to 0.3589 and w1 = W1[0, 0] from 0.15 to
0.1498.

Reuse your own functions (`from backward import backward`,
`from forward import forward, half_sse`, `from gradient_descent import
num_batches, sgd_update`).
"""

import numpy as np

### BEGIN SOLUTION
from .backward import backward
from .forward import forward, half_sse
from .gradient_descent import num_batches, sgd_update
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
    grads = backward(x, y, params, activation)
    new_params = [
        (sgd_update(W, dW, lr), sgd_update(b, db, lr))
        for (W, b), (dW, db) in zip(params, grads)
    ]
    return new_params, loss
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
