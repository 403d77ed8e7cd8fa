"""The bias step repeated for every input of the layer."""

from backward import backward
from forward import forward, half_sse


def train_step(x, y, params, lr, activation="sigmoid"):
    loss = half_sse(forward(x, params, activation), y)
    grads = backward(x, y, params, activation)
    new_params = []
    for (W, b), (dW, db) in zip(params, grads):
        for _ in range(W.shape[1]):
            b = b - lr * db
        new_params.append((W - lr * dW, b))
    return new_params, loss
