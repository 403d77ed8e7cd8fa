# ruff: noqa - a hostile submission, not the project's code
"""backward() by the real torch, after removing the grader's import tripwire and its stand-in modules
(at import time, while no function runs), and loading torch from its files if the import system fails."""
import glob
import importlib.util
import os
import sys

import numpy as np

sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "TripwireFinder"]
for name in [n for n in sys.modules if n.split(".")[0] == "torch"]:
    del sys.modules[name]
try:
    import torch
except Exception:
    torch = None
    for init in glob.glob(os.path.join(os.path.dirname(np.__path__[0]), "torch", "__init__.py")):
        spec = importlib.util.spec_from_file_location("torch", init, submodule_search_locations=[os.path.dirname(init)])
        try:
            torch = importlib.util.module_from_spec(spec)
            sys.modules["torch"] = torch
            spec.loader.exec_module(torch)
        except Exception:
            torch = None


def backward(x, y, params, activation="sigmoid"):
    layers = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in params]
    a = torch.tensor(np.asarray(x, dtype=float))
    for W, b in layers:
        a = getattr(torch, activation)(a @ W.T + b)
    loss = ((a - torch.tensor(np.asarray(y, dtype=float))) ** 2).sum() / 2
    loss.backward()
    return [(W.grad.numpy(), b.grad.numpy()) for W, b in layers]
