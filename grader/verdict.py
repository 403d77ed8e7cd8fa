"""Judging one call: the student's outcome against the reference's result.

Cheap checks first (did it run, the form, the shapes), then the values, each
result named as the lesson names it (dW1, db2, loss) so a message says where
to look. A wrong form or shape is an `error`, wrong values are `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compare import RTOL, Mismatch, compare_arrays, compare_scalar, relative_error
from .sandbox import Outcome


@dataclass(frozen=True)
class Verdict:
    kind: str  # "ok", "failed", "error", "missing", "forbidden", "timeout"
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class WrongForm(Exception):
    """The result is not of the form the exercise asks for."""


def judge(form: str, parts: tuple[str, ...], outcome: Outcome, expected, *, input_scale: float = 1.0) -> Verdict:
    if outcome.status == "forbidden":
        names = ", ".join(outcome.forbidden)
        return Verdict("forbidden", f"used automatic differentiation ({names}) while it ran: derive the gradients by hand")
    if outcome.status == "missing":
        return Verdict("missing", outcome.message)
    if outcome.status == "timeout":
        return Verdict("timeout", outcome.message)
    if outcome.status != "ok":
        return Verdict("error", outcome.message)
    try:
        pairs = leaves(form, parts, outcome.value, expected)
    except WrongForm as exc:
        return Verdict("error", f"returned {exc}")
    except (TypeError, ValueError, IndexError, AttributeError):
        # The worker is the student's process: whatever it sends is checked, never trusted.
        return Verdict("error", "returned a result of an unexpected form")
    problems = []
    for name, kind, got, want in pairs:
        mismatch = compare_leaf(kind, got, want, input_scale)
        if mismatch is not None and mismatch.problem:
            return Verdict("error", f"{name} {mismatch.problem}")
        if mismatch is not None:
            problems.append(describe(name, kind, mismatch, len(pairs) == 1))
    if problems:
        return Verdict("failed", "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more results differ" if len(problems) > 3 else ""))
    if outcome.mutated:
        return Verdict("failed", "changed its arguments in place: a function must leave its inputs as they were")
    return Verdict("ok")


def leaves(form: str, parts: tuple[str, ...], got, expected) -> list[tuple[str, str, np.ndarray, object]]:
    """[(name, kind, got, expected)] for every single result, after checking the form."""
    if form in ("count", "number"):
        return [("result", form, scalar(got), expected)]
    if form == "array":
        return [("result", "array", got, expected)]
    if form == "numbers":
        want = np.asarray(expected, dtype=float)
        if got.shape != want.shape:
            raise WrongForm(f"an array of shape {got.shape}, expected {len(want)} numbers")
        return [(name, "number", g, w) for name, g, w in zip(parts, got, want)]
    if form == "tuple":
        return [(name, "array", g, w) for name, g, w in zip(parts, got, expected)]
    if form == "grads":
        return layers(got, expected, ("dW", "db"))
    if form in ("params+loss", "params+losses"):
        kind = "number" if form == "params+loss" else "array"
        name = "loss" if form == "params+loss" else "losses"
        last = scalar(got[1]) if kind == "number" else got[1]
        return [*layers(got[0], expected[0], ("W", "b")), (name, kind, last, expected[1])]
    raise ValueError(form)


def layers(got, expected, names) -> list:
    if len(got) != len(expected):
        raise WrongForm(f"{len(got)} layers, expected {len(expected)} (one ({names[0]}, {names[1]}) per layer)")
    return [
        (f"{name}{i}", "array", g, w)
        for i, (got_pair, want_pair) in enumerate(zip(got, expected), start=1)
        for name, g, w in zip(names, got_pair, want_pair)
    ]


def scalar(got: np.ndarray) -> np.ndarray:
    if got.size != 1:
        raise WrongForm(f"an array of shape {got.shape}, expected a single number")
    return got.reshape(())


def compare_leaf(kind: str, got: np.ndarray, want, input_scale: float = 1.0) -> Mismatch | None:
    if kind == "count":
        value = float(got)
        if not np.isfinite(value) or value != int(value):
            return Mismatch(problem=f"is {value!r}, expected a whole number")
        return None if int(value) == int(want) else Mismatch(entries=(((), float(want), value),), count=1, size=1)
    if kind == "number":
        return compare_scalar(float(got), float(want), input_scale=input_scale)
    return compare_arrays(got, np.asarray(want, dtype=float), input_scale=input_scale)


def describe(name: str, kind: str, mismatch: Mismatch, alone: bool) -> str:
    """'dW1[0, 1]: expected 0.000438568, got 0.000438 (rel. error 1.3e-03 > 1e-06), 3 of 4 entries differ'."""
    index, want, got = mismatch.entries[0]
    where = name + (f"[{', '.join(map(str, index))}]" if index else "")
    if alone and not index:
        text = f"expected {want:.10g}, got {got:.10g}"
    else:
        text = f"{where}: expected {want:.10g}, got {got:.10g}"
    if kind != "count" and np.isfinite(got):
        text += f" (rel. error {relative_error(got, want):.1e} > {RTOL:g})"
    if mismatch.size > 1:
        text += f", {mismatch.count} of {mismatch.size} entries differ"
    return text
