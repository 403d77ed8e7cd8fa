"""Only the weights move; the biases stay as they were."""

from backward import backward
from forward import forward, half_sse


def train_step(x, y, params, lr, activation="sigmoid"):
    loss = half_sse(forward(x, params, activation), y)
    grads = backward(x, y, params, activation)
    return [(W - lr * dW, b) for (W, b), (dW, _) in zip(params, grads)], loss
