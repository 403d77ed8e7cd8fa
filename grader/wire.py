"""What crosses the pipes between the grader and a worker, as plain data.

Arguments go out as JSON (`encode`): arrays as {"nd": entries, "shape"},
tuples as {"tuple"}, torch inputs as {"tensor"}, objects that live in the
worker as {"handle": number} or {"made": k} (the one made k requests
before). A request is framed once (`framed`: a 4-byte length and the body),
so that the cases every submission gets are encoded once per process.
Replies come back through `decode`, which builds float64 arrays and handles
and nothing else: whatever the student's process wrote is checked first.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np


class AsTensor:
    """An argument the worker receives as a float64 torch tensor."""

    def __init__(self, array):
        self.array = np.asarray(array, dtype=np.float64)


@dataclass(frozen=True)
class Handle:
    """An object that lives in the worker (a torch module), by number."""

    number: int


@dataclass(frozen=True)
class Made:
    """An object the worker made for the request `back` requests before this one (a torch_net case's net).

    A case's requests are sent together, before the first reply says which
    number the worker gave it; if that request made nothing, the calls naming
    it fail before any student code runs.
    """

    back: int


def encode(value):
    if isinstance(value, np.ndarray):
        return {"nd": value.ravel().tolist(), "shape": list(value.shape)}
    if isinstance(value, AsTensor):
        return {"tensor": encode(value.array)}
    if isinstance(value, Handle):
        return {"handle": value.number}
    if isinstance(value, Made):
        return {"made": value.back}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


@dataclass(frozen=True)
class Request:
    """One request, framed once: the engine caches the frames of the cases every submission gets."""

    frame: bytes  # the 4-byte length and the JSON body
    module: str | None = None  # the student's module it calls into, if any


def framed(request: dict) -> Request:
    body = json.dumps(request).encode()
    return Request(len(body).to_bytes(4, "big") + body, request.get("module"))


NUMBER_TYPES = frozenset((float, int))  # exactly: a bool is not a number here
INT_TYPE = frozenset((int,))


def decode(value):
    """A reply's value with its arrays as float64 ndarrays; nothing else is built."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "handle" in value:
            return Handle(int(value["handle"]))
        if "nd" in value:
            return array_of(value["shape"], value["nd"])
    raise ValueError(f"an unexpected {type(value).__name__}")


def array_of(shape, data) -> np.ndarray:
    """The float64 array a reply's {"nd": data, "shape": shape} stands for, if it stands for one (checked
    with sets of types: thousands of replies per submission)."""
    if not isinstance(shape, list) or len(shape) > 32 or not INT_TYPE.issuperset(map(type, shape)) \
            or min(shape, default=0) < 0:
        raise ValueError("an array with an impossible shape")
    if not isinstance(data, list) or not NUMBER_TYPES.issuperset(map(type, data)):
        raise ValueError("an array of something other than numbers")
    if math.prod(shape) != len(data):
        raise ValueError("an array whose entries do not fill its shape")
    return np.array(data, dtype=np.float64).reshape(shape)
