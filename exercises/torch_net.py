"""The same network in PyTorch: nn.Linear layers, autograd and torch.optim.SGD.

Here automatic differentiation is the point: loss.backward() fills every
parameter's .grad, and the optimiser's step() applies param -= lr * grad.
"""

import torch


def make_net(params, activation="sigmoid"):
    """A torch.nn.Module computing forward.forward(x, params, activation).

    Write a torch.nn.Module subclass, like the lesson's Net: its __init__
    builds one torch.nn.Linear per (W, b), in float64, and copies W and b into
    layer.weight and layer.bias under torch.no_grad(); its forward applies
    each layer, then the activation.

    Inputs:
    - params: list of (W, b) NumPy arrays, input layer first; each becomes a
      torch.nn.Linear(n_in, n_out) in float64 with that weight and bias
    - activation: "sigmoid", "tanh" or "relu", after every layer

    Returns:
    - net: torch.nn.Module; net(x) for a float64 tensor x of shape
      (batch, n_in) is the output, shape (batch, n_out)
    """
    raise NotImplementedError


def torch_train_step(net, x, y, lr):
    """One torch.optim.SGD step of the half-SSE loss on `net`, in place.

    The loss is torch.sum((net(x) - y) ** 2) / 2; zero the gradients,
    loss.backward(), then optimizer.step().

    Inputs:
    - net: torch.nn.Module from make_net
    - x: float64 tensor (batch, n_in)
    - y: float64 tensor (batch, n_out)
    - lr: float

    Returns:
    - float: the loss before the step
    """
    raise NotImplementedError
