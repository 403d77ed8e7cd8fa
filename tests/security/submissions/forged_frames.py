# ruff: noqa - a hostile submission, not the project's code
"""Frames written straight onto the reply pipe: a 2 GiB header, a deeply nested body, NaN and forged "ok"s."""
import json
import os
import sys

REPLY = int(sys.argv[2])


def frame(body):
    os.write(REPLY, len(body).to_bytes(4, "big") + body)


def composite(x, w, b):
    os.write(REPLY, (2**31).to_bytes(4, "big") + b"{")
    return 0.5


def local_derivatives(x, w, b):
    frame(b"[" * 200_000 + b"]" * 200_000)
    return [x, 1.0, -1.0, 1.0, 1.0, -0.25]


def composite_grad(x, w, b):
    frame(b'{"status": "ok", "value": {"nd": [NaN, Infinity], "shape": [2]}}')
    frame(json.dumps({"status": "ok", "value": {"nd": [10**400, 1], "shape": [-1]}}).encode())
    return (0.0, 0.0)
