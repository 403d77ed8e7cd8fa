"""The same network in PyTorch: nn.Linear layers, autograd and torch.optim.SGD.

Here automatic differentiation is the point: loss.backward() fills every
parameter's .grad, and the optimiser's step() applies param -= lr * grad.
"""

import torch


### BEGIN SOLUTION
class Net(torch.nn.Module):
    """Linear layers with an activation after each, the output layer included."""

    def __init__(self, params, activation):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for W, b in params:
            W = torch.as_tensor(W, dtype=torch.float64)
            layer = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                layer.weight.copy_(W)
                layer.bias.copy_(torch.as_tensor(b, dtype=torch.float64))
            self.layers.append(layer)
        self.activation = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]

    def forward(self, x):
        for layer in self.layers:
            x = self.activation(layer(x))
        return x
### END SOLUTION


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
    ### BEGIN SOLUTION
    return Net(params, activation)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    optimizer.zero_grad()
    loss = torch.sum((net(x) - y) ** 2) / 2
    loss.backward()
    optimizer.step()
    return loss.item()
    ### END SOLUTION
