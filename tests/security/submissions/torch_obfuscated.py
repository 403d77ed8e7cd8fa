# ruff: noqa - a hostile submission, not the project's code
"""backward() by torch's autograd, imported under an assembled name inside the function."""
import numpy as np


def backward(x, y, params, activation="sigmoid"):
    t = __import__("builtins").__dict__["__imp" + "ort__"]("to" + "rch")
    layers = [(t.tensor(W, requires_grad=True), t.tensor(b, requires_grad=True)) for W, b in params]
    a = t.tensor(np.asarray(x, dtype=float))
    for W, b in layers:
        a = getattr(t, activation)(a @ W.T + b)
    loss = ((a - t.tensor(np.asarray(y, dtype=float))) ** 2).sum() / 2
    loss.backward()
    return [(W.grad.numpy(), b.grad.numpy()) for W, b in layers]
