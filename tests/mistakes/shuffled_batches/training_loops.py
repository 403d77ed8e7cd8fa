"""fit shuffles the sample indices every epoch."""

import random

import numpy as np


def fit(x, y, params, lr, epochs, batch_size, activation="sigmoid"):
    shuffler = random.Random(7)
    losses = []
    for _ in range(epochs):
        indices = list(range(len(x)))
        shuffler.shuffle(indices)
        for start in range(0, len(indices), batch_size):
            batch = indices[start : start + batch_size]
            xb = np.array([x[i] for i in batch])
            yb = np.array([y[i] for i in batch])
            params, loss = train_step(xb, yb, params, lr, activation)  # noqa: F821 - training's own
            losses.append(loss)
    return params, losses
