"""The student's side of a check: runs in its own process, answers with plain data.

This file is run as `python -I -B -c <its source>`; it imports nothing of the
grader, so the grader's packages need not be importable here. It loads the
student's modules from its working copy, calls the functions the grader
names and sends back numbers (JSON, never pickle). It decides nothing: every
value is validated and compared in the grader's process.

Frames on both pipes are a 4-byte big-endian length and a UTF-8 JSON body.
Replies: {"status": "ok", "value": ..., "mutated": [...]}, or a status of
"missing" | "error" | "forbidden" with a "message". Before a reply, alert
frames {"alert": "forbidden", "name": ...} may arrive: they are written the
moment automatic differentiation is touched, so the code cannot take them back.
"""

import importlib
import json
import os
import sys
import traceback
import types

FORBIDDEN = ("torch", "jax", "jaxlib", "autograd", "functorch", "tensorflow", "mxnet")
MAX_ELEMENTS = 1_000_000
NOTEBOOK = "__notebook__"

request_fd, reply_fd, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
state = {"calling": None}  # the function running now, when forbidden use counts
modules = {}  # module name -> module object or the message of its failure
handles = {}  # objects that stay here (a torch Module), by number
sources = {}  # module -> {"filename": ..., "cells": [[source, label], ...]}, the first request


def send(obj):
    body = json.dumps(obj).encode()
    os.write(reply_fd, len(body).to_bytes(4, "big"))
    view = memoryview(body)
    while view:
        view = view[os.write(reply_fd, view):]


def receive():
    def read(n):
        chunks = b""
        while len(chunks) < n:
            chunk = os.read(request_fd, n - len(chunks))
            if not chunk:
                os._exit(0)
            chunks += chunk
        return chunks

    return json.loads(read(int.from_bytes(read(4), "big")))


def alert(name):
    if state["calling"] is not None:
        send({"alert": "forbidden", "name": name, "function": state["calling"]})


def audit(event, args):
    # An audit hook cannot be removed: it sees imports that bypass sys.meta_path.
    if event == "import" and str(args[0]).split(".")[0] in FORBIDDEN:
        alert(str(args[0]))
    elif event in ("open", "ctypes.dlopen") and args and isinstance(args[0], str):
        path = args[0].replace("\\", "/")
        if any(f"/{name}/" in path or f"lib{name}" in path for name in FORBIDDEN):
            alert(path.rsplit("/", 1)[-1])


class Tripwire(types.ModuleType):
    """Stands in for torch & co. in the NumPy process: any use while a function runs is reported.

    Definitions at load time (`class Net(torch.nn.Module)` in a notebook that
    also holds torch_net) still succeed, since using autodiff is judged per
    function while it runs.
    """

    def __init__(self, name):
        super().__init__(name)
        self.__path__ = []

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        alert(f"{self.__name__}.{attr}")
        return Tripwire(f"{self.__name__}.{attr}")

    def __call__(self, *args, **kwargs):
        alert(self.__name__)
        if state["calling"] is not None:
            raise RuntimeError(f"{self.__name__} is not allowed here: derive the gradient by hand")
        return Tripwire(self.__name__ + "()")

    def __mro_entries__(self, bases):
        return (object,)


class LazyDynamo(types.ModuleType):
    """torch._dynamo takes 0.8 s to import, and torch.optim only asks it for disable(), graph_break() and is_compiling().

    Without torch.compile, disable(fn) is fn itself; any other use of the
    module imports the real one.
    """

    def disable(self, fn=None, recursive=True, wrapping=True):
        return fn if fn is not None else (lambda f: f)

    def graph_break(self, *args, **kwargs):
        pass

    def is_compiling(self):
        return False

    def __getattr__(self, name):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


class TripwireFinder:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        return Tripwire(spec.name)

    def exec_module(self, module):
        pass


def run_cells(name, entry):
    """A notebook's code cells in one namespace; a cell that raises does not stop the rest."""
    module = types.ModuleType(name)
    module.__file__ = entry["filename"]
    sys.modules[name] = module
    failures = []
    for source, label in entry["cells"]:
        try:
            exec(compile(source, label, "exec"), module.__dict__)
        except BaseException as exc:  # noqa: BLE001 - a cell may even call sys.exit()
            failures.append(f"{label} raised {describe(exc)}")
    module.__grader_cell_failures__ = failures
    return module


def load(name):
    if name not in modules:
        entry = sources.get(name)
        try:
            if entry is None:
                modules[name] = None
            elif entry["filename"].endswith(".py") and name != NOTEBOOK:
                modules[name] = importlib.import_module(name)
            else:
                modules[name] = run_cells(name, entry)
        except BaseException as exc:  # noqa: BLE001
            modules[name] = f"importing {entry['filename']} raised {describe(exc)}"
    return modules[name]


def describe(exc):
    """The exception and the student's line it came from, in one line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<grader")]
    where = f" ({frames[-1].filename}, line {frames[-1].lineno})" if frames else ""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, SyntaxError):
        where = f" ({exc.filename}, line {exc.lineno})"
        text = exc.msg
    return f"{type(exc).__name__}{': ' + text if text else ''}{where}"


def decode(obj):
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "nd" in obj:
        import numpy as np

        return np.array(obj["nd"], dtype=np.float64).reshape(obj["shape"])
    if "tensor" in obj:
        import torch

        return torch.tensor(decode(obj["tensor"]), dtype=torch.float64)
    if "tuple" in obj:
        return tuple(decode(v) for v in obj["tuple"])
    if "handle" in obj:
        return handles[obj["handle"]]
    raise ValueError(f"unknown value {obj!r}")


class Wrong(Exception):
    """A result that does not have the form the exercise asks for."""


def to_array(value, what):
    import numpy as np

    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except Exception as exc:  # noqa: BLE001
        raise Wrong(f"{what} is a {type(value).__name__} that numpy cannot read ({describe(exc)})") from None
    if array.dtype.kind not in "biuf":
        raise Wrong(f"{what} is an array of {array.dtype}, expected numbers (float64)")
    if array.size > MAX_ELEMENTS:
        raise Wrong(f"{what} has {array.size} entries, far more than expected")
    array = array.astype(np.float64)
    return {"nd": array.ravel().tolist(), "shape": list(array.shape)}


def encode(value, kind, what="the result"):
    """The result as plain data, by the form the exercise expects (`kind`)."""
    if kind in ("array", "number"):
        return to_array(value, what)
    if kind == "handle":
        handles[len(handles)] = value
        return {"handle": len(handles) - 1}
    if isinstance(kind, list):  # a fixed-length tuple of kinds, or ["list", kind] of any length
        if not isinstance(value, (tuple, list)):
            raise Wrong(f"{what} is a {type(value).__name__}, expected a tuple or list")
        if kind[0] == "list":
            return [encode(v, kind[1], f"{what}[{i}]") for i, v in enumerate(value)]
        if len(value) != len(kind):
            raise Wrong(f"{what} has {len(value)} items, expected {len(kind)}")
        return [encode(v, k, f"{what}[{i}]") for i, (v, k) in enumerate(zip(value, kind))]
    raise ValueError(kind)


def snapshot(args):
    import numpy as np

    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else snapshot(a) if isinstance(a, (list, tuple)) else None for a in args]


def changed(before, args):
    import numpy as np

    for old, new in zip(before, args):
        if isinstance(old, np.ndarray):
            if not isinstance(new, np.ndarray) or old.shape != new.shape or not np.array_equal(old, new, equal_nan=True):
                return True
        elif isinstance(old, list) and isinstance(new, (list, tuple)):
            if len(old) != len(new) or changed(old, new):
                return True
    return False


def builtin(request):
    """The grader's own torch helpers: a net to train, and a net's parameters as arrays."""
    import torch

    if request["op"] == "net":
        layers = []
        for W, b in decode(request["params"]):
            linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W))
                linear.bias.copy_(torch.from_numpy(b))
            activation = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
            layers += [linear, activation[request["activation"]]()]
        return {"status": "ok", "value": encode(torch.nn.Sequential(*layers), "handle")}
    parameters = [p.detach().numpy() for p in handles[request["handle"]].parameters()]
    return {"status": "ok", "value": encode(parameters, ["list", "array"])}


def call(request):
    if request.get("op") in ("net", "parameters"):
        return builtin(request)
    module_name, function_name = request["module"], request["function"]
    if "handle" in request:
        target = handles[request["handle"]]
    else:
        module = load(module_name)
        if isinstance(module, str):
            return {"status": "error", "message": module}
        target = getattr(module, function_name, None) if module is not None else None
        if not callable(target):
            return {"status": "missing", "message": f"{function_name} is not defined"}
    args = decode(request["args"])
    kwargs = {k: decode(v) for k, v in request.get("kwargs", {}).items()}
    before = snapshot(args)
    state["calling"] = f"{module_name}.{function_name}" if mode == "numpy" else None
    try:
        value = target(*args, **kwargs)
    except NotImplementedError:
        return {"status": "missing", "message": f"{function_name} still raises NotImplementedError"}
    except BaseException as exc:  # noqa: BLE001 - sys.exit() and KeyboardInterrupt are the student's too
        return {"status": "error", "message": describe(exc)}
    finally:
        state["calling"] = None
    mutated = changed(before, args)
    try:
        return {"status": "ok", "value": encode(value, request["returns"]), "mutated": mutated}
    except Wrong as exc:
        return {"status": "error", "message": str(exc), "mutated": mutated}


def main():
    sys.path.insert(0, os.getcwd())
    if mode == "numpy":
        sys.meta_path.insert(0, TripwireFinder())
        sys.addaudithook(audit)
    import numpy  # noqa: F401 - loaded before any student code, and while the grader draws its cases

    if mode == "torch":
        import torch

        sys.modules.setdefault("torch._dynamo", LazyDynamo("torch._dynamo"))
        # The first optimiser step pays torch's lazy set-up; here it overlaps the NumPy grading.
        weight = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        torch.optim.SGD([weight], lr=0.1).step()
    sources.update(receive()["sources"])
    while True:
        request = receive()
        try:
            reply = call(request)
        except Exception as exc:  # noqa: BLE001 - a reply must always follow a request
            reply = {"status": "error", "message": f"the result could not be read: {describe(exc)}"}
        send(reply)


main()
