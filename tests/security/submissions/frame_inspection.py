# ruff: noqa - a hostile submission, not the project's code
"""Walks the stack and the garbage collector looking for the expected answer, and tampers with the
worker's own functions on the way; returns whatever number it found."""
import gc
import sys


def numbers_near():
    found = []
    frame = sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for name, value in list(scope.items()):
                if isinstance(value, float):
                    found.append(value)
                if name == "changed" and callable(value):
                    scope[name] = lambda *args, **kwargs: False
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and ("expected" in obj or "want" in obj):
            found.append(obj.get("expected", obj.get("want")))
    return found


def composite(x, w, b):
    found = [v for v in numbers_near() if isinstance(v, float) and 0 < v < 1]
    return found[0] if found else 0.0
