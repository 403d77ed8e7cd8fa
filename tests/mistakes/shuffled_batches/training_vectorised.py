"""fit shuffles the samples every epoch."""

import numpy as np


def fit(x, y, params, lr, epochs, batch_size, activation="sigmoid"):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rng = np.random.default_rng(42)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start : start + batch_size]
            params, loss = train_step(x[rows], y[rows], params, lr, activation)  # noqa: F821 - training's own
            losses.append(loss)
    return params, losses
