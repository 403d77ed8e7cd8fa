# ruff: noqa - a hostile submission, not the project's code
"""backward() by torch's autograd, with a plain `import torch`."""
import numpy as np
import torch


def backward(x, y, params, activation="sigmoid"):
    layers = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in params]
    a = torch.tensor(np.asarray(x, dtype=float))
    for W, b in layers:
        a = getattr(torch, activation)(a @ W.T + b)
    loss = ((a - torch.tensor(np.asarray(y, dtype=float))) ** 2).sum() / 2
    loss.backward()
    return [(W.grad.numpy(), b.grad.numpy()) for W, b in layers]
