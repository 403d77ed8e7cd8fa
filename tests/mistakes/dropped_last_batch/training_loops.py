"""fit takes only batches that are full."""

import numpy as np


def fit(x, y, params, lr, epochs, batch_size, activation="sigmoid"):
    losses = []
    for _ in range(epochs):
        start = 0
        while start + batch_size <= len(x):
            xb = np.array([x[i] for i in range(start, start + batch_size)])
            yb = np.array([y[i] for i in range(start, start + batch_size)])
            params, loss = train_step(xb, yb, params, lr, activation)  # noqa: F821 - training's own
            losses.append(loss)
            start += batch_size
    return params, losses
