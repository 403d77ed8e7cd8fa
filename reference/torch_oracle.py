"""The reference maths again, through torch.autograd in float64: the tests' oracle.

The NumPy reference derives every gradient by hand, and so does a student;
nothing in it can show that the hand derivation is right. This module asks
PyTorch instead: the same forward pass and loss, written as plainly as
possible, differentiated by `.backward()` and stepped by `torch.optim.SGD`.
`tests/test_reference.py` checks the NumPy reference against it on generated
networks, so the grader's answers rest on two independent implementations.
It is test tooling, not an exercise: the grader never runs it on a student's
behalf.

Arguments are NumPy arrays (or anything `numpy.asarray` takes) and are copied,
never modified; results are NumPy float64 arrays and Python floats.
"""

from __future__ import annotations

import numpy as np
import torch

ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def _tensor(a, requires_grad: bool = False) -> torch.Tensor:
    """A float64 tensor holding a copy of `a` (the caller's array is never shared)."""
    return torch.tensor(np.array(a, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().clone().numpy()


def _leaves(params) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Trainable copies of `params`: (W, b) tensors that collect .grad."""
    return [(_tensor(W, requires_grad=True), _tensor(b, requires_grad=True)) for W, b in params]


def _forward(x: torch.Tensor, leaves, activation: str) -> torch.Tensor:
    a = x
    for W, b in leaves:
        a = ACTIVATIONS[activation](a @ W.T + b)
    return a


def _half_sse(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.sum((y_hat - y) ** 2) / 2


def _as_params(leaves) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(_numpy(W), _numpy(b)) for W, b in leaves]


# Activations ------------------------------------------------------------------


def activation(z, name: str) -> np.ndarray:
    """`name`(z) elementwise: torch.sigmoid, torch.tanh or torch.relu."""
    return _numpy(ACTIVATIONS[name](_tensor(z)))


def activation_grad(z, name: str) -> np.ndarray:
    """d `name`(z) / dz elementwise, by autograd.

    The activation is elementwise, so the gradient of the sum of its outputs
    holds each output's derivative with respect to its own input.
    """
    z = _tensor(z, requires_grad=True)
    (dz,) = torch.autograd.grad(ACTIVATIONS[name](z).sum(), z)
    return _numpy(dz)


# Forward and loss ---------------------------------------------------------------


def linear_forward(x, W, b) -> np.ndarray:
    """z = x @ W.T + b."""
    return _numpy(_tensor(x) @ _tensor(W).T + _tensor(b))


def forward(x, params, activation: str = "sigmoid") -> np.ndarray:
    """The network's output, the activation after every layer."""
    return _numpy(_forward(_tensor(x), _leaves(params), activation))


def half_sse(y_hat, y) -> float:
    """0.5 * sum((y_hat - y) ** 2)."""
    return _half_sse(_tensor(y_hat), _tensor(y)).item()


def loss(x, y, params, activation: str = "sigmoid") -> float:
    """The network's half-SSE loss on the batch (x, y)."""
    return half_sse(forward(x, params, activation), y)


# Gradients ----------------------------------------------------------------------


def linear_backward(dz, x, W) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dL/dx, dL/dW, dL/db) of z = x @ W.T + b, given dL/dz, by autograd."""
    x, W = _tensor(x, requires_grad=True), _tensor(W, requires_grad=True)
    b = torch.zeros(W.shape[0], dtype=torch.float64, requires_grad=True)
    (x @ W.T + b).backward(_tensor(dz))
    return _numpy(x.grad), _numpy(W.grad), _numpy(b.grad)


def activation_backward(da, z, activation: str = "sigmoid") -> np.ndarray:
    """dL/dz from dL/da through a = activation(z), by autograd."""
    z = _tensor(z, requires_grad=True)
    ACTIVATIONS[activation](z).backward(_tensor(da))
    return _numpy(z.grad)


def grads(x, y, params, activation: str = "sigmoid") -> list[tuple[np.ndarray, np.ndarray]]:
    """(dL/dW, dL/db) for every layer, input layer first, by loss.backward()."""
    leaves = _leaves(params)
    _half_sse(_forward(_tensor(x), leaves, activation), _tensor(y)).backward()
    return [(_numpy(W.grad), _numpy(b.grad)) for W, b in leaves]


# Training -----------------------------------------------------------------------


def _sgd_step(optimizer, x: torch.Tensor, y: torch.Tensor, leaves, activation: str) -> float:
    """One torch.optim.SGD step of the half-SSE loss; the loss before the step."""
    optimizer.zero_grad()
    batch_loss = _half_sse(_forward(x, leaves, activation), y)
    batch_loss.backward()
    optimizer.step()
    return batch_loss.item()


def sgd_update(param, grad, lr: float) -> np.ndarray:
    """param - lr * grad, as torch.optim.SGD applies it."""
    param = _tensor(param, requires_grad=True)
    param.grad = _tensor(grad)
    torch.optim.SGD([param], lr=lr).step()
    return _numpy(param)


def train_step(x, y, params, lr: float, activation: str = "sigmoid"):
    """One torch.optim.SGD step on every weight and bias: (new_params, loss before)."""
    leaves = _leaves(params)
    optimizer = torch.optim.SGD([t for pair in leaves for t in pair], lr=lr)
    batch_loss = _sgd_step(optimizer, _tensor(x), _tensor(y), leaves, activation)
    return _as_params(leaves), batch_loss


def fit(x, y, params, lr: float, epochs: int, batch_size: int, activation: str = "sigmoid"):
    """Mini-batch SGD over the rows in order, the last partial batch included.

    Returns (params after the last step, each step's batch loss before it).
    """
    x, y, leaves = _tensor(x), _tensor(y), _leaves(params)
    optimizer = torch.optim.SGD([t for pair in leaves for t in pair], lr=lr)
    losses = []
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            rows = slice(start, start + batch_size)
            losses.append(_sgd_step(optimizer, x[rows], y[rows], leaves, activation))
    return _as_params(leaves), losses


# Chain rule ---------------------------------------------------------------------

# f(x; w, b) = 1 / (exp(-(w * x + b)) + 1) as the elementary steps h1..h6; each
# takes the previous value (w for the first) and the inputs x and b.
_CHAIN_STEPS = (
    lambda h, x, b: h * x,  # h1 = w * x
    lambda h, x, b: h + b,  # h2 = h1 + b
    lambda h, x, b: -h,  # h3 = -h2
    lambda h, x, b: torch.exp(h),  # h4 = exp(h3)
    lambda h, x, b: h + 1,  # h5 = h4 + 1
    lambda h, x, b: 1 / h,  # f = h6 = 1 / h5
)


def _composite(x: float, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    h = w
    for step in _CHAIN_STEPS:
        h = step(h, _tensor(x), b)
    return h


def composite(x: float, w: float, b: float) -> float:
    """f(x; w, b) = 1 / (exp(-(w * x + b)) + 1), through h1..h6."""
    return _composite(x, _tensor(w), _tensor(b)).item()


def local_derivatives(x: float, w: float, b: float) -> list[float]:
    """[dh1/dw, dh2/dh1, dh3/dh2, dh4/dh3, dh5/dh4, df/dh5], each by autograd of its own step."""
    derivatives, h = [], _tensor(w)
    for step in _CHAIN_STEPS:
        h_in = h.detach().requires_grad_(True)
        h = step(h_in, _tensor(x), _tensor(b))
        (d,) = torch.autograd.grad(h, h_in)
        derivatives.append(d.item())
    return derivatives


def composite_grad(x: float, w: float, b: float) -> tuple[float, float]:
    """(df/dw, df/db) by autograd through the whole composite."""
    w, b = _tensor(w, requires_grad=True), _tensor(b, requires_grad=True)
    dw, db = torch.autograd.grad(_composite(x, w, b), (w, b))
    return dw.item(), db.item()
