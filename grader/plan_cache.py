"""Drawn cases kept on disk between runs: a student checks many times a day.

Hypothesis draws the same cases for the same seed every time, but drawing
them (and importing Hypothesis) is most of what `grader check --only MODULE`
costs. The cases an exercise's property draws are kept as JSON in the
user's own folder under the temporary directory, named by a fingerprint of
everything that decides them: the exercise, the seed and the number of
examples, the grader's sources and the exercise's own module, and the
versions of Python, NumPy and Hypothesis. A file that does not read back as
cases is ignored and drawn again.

The folder (and the one holding it) must be the user's own and writable by
no one else: cases planted by another user are never read. A student can still edit their own
folder; their local runs are advisory anyway (docs/security.md), and a
batch or a CI runner starts without it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from .suite import Case, Exercise

FORMAT = 1


def folder() -> Path | None:
    """The user's folder of drawn cases, created if need be; None when it is not safely ours."""
    path = Path(tempfile.gettempdir()) / f"backprop-grader-{os.getuid()}" / "plans"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for place in (path.parent, path):
            info = os.lstat(place)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
                return None
    except OSError:
        return None
    return path


def load(exercise: Exercise, seed_value: int, examples: int) -> list[Case] | None:
    """The cases drawn before for this exercise, seed and number of examples, or None."""
    place = folder()
    if place is None:
        return None
    try:
        data = json.loads((place / file_name(exercise, seed_value, examples)).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("exercise") != exercise.name:
            return None
        cases = [Case(tuple(decode(c["args"])), decode(c["kwargs"])) for c in data["cases"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, MemoryError):
        return None
    return cases if len(cases) <= examples else None


def save(exercise: Exercise, seed_value: int, examples: int, cases: list[Case]) -> None:
    """Keep the drawn cases, if they are plain data (a plugin's cases may not be); never fails."""
    place = folder()
    try:
        body = {"format": FORMAT, "exercise": exercise.name,
                "cases": [{"args": encode(list(c.args)), "kwargs": encode(c.kwargs)} for c in cases]}
    except TypeError:
        return
    if place is None:
        return
    target = place / file_name(exercise, seed_value, examples)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(body), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)


def file_name(exercise: Exercise, seed_value: int, examples: int) -> str:
    key = json.dumps([fingerprint(source_of(exercise)), exercise.name, seed_value, examples])
    return hashlib.sha256(key.encode()).hexdigest()[:32] + ".json"


def source_of(exercise: Exercise) -> str:
    """The file that defines the exercise's strategy (a plugin's module), or ""."""
    try:
        return inspect.getsourcefile(exercise.generated) or ""
    except TypeError:
        return ""


@lru_cache(maxsize=16)
def fingerprint(extra_source: str) -> str:
    """What decides the drawn cases besides the exercise, the seed and the number of examples."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (sys.version, np.__version__, version("hypothesis")):
        digest.update(part.encode() + b"\0")
    sources = sorted(Path(__file__).parent.glob("*.py"))
    for path in [*sources, *([Path(extra_source)] if extra_source else [])]:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()


def encode(value):
    """A case's value as JSON, in wire.encode's form, but only what reads back exactly as it was (the
    reference is run on these): float64 arrays, tuples apart from lists, string-keyed dicts, plain scalars."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return {"nd": value.ravel().tolist(), "shape": list(value.shape)}
    if isinstance(value, tuple) and type(value) is tuple:
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if type(value) in (float, int, str, bool) or value is None:
        return value
    raise TypeError(f"not plain data: {type(value).__name__}")


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "nd" in value:
            return np.array(value["nd"], dtype=np.float64).reshape(value["shape"])
        if "tuple" in value:
            return tuple(decode(v) for v in value["tuple"])
        return {k: decode(v) for k, v in value["dict"].items()}
    return value
