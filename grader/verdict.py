"""Judging one call: the student's outcome against the reference's result.

Cheap checks first (did it run, the form, the shapes), then the values, each
result named as the lesson names it (dW1, db2, loss) so a message says where
to look. A wrong form or shape is an `error`, wrong values are `failed`.

Messages from the student's process (grader/worker.py, grader/sandbox.py)
and from compare.py arrive in English; `relayed` translates the fixed ones
(RELAYED) where they become feedback. Python's own exception text
("ZeroDivisionError: division by zero") is left as Python wrote it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache

import numpy as np

from .compare import RTOL, Mismatch, compare_arrays, compare_scalar, relative_error
from .i18n import N_, _, listing
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


# The fixed English messages of the student's process and of compare.py, as patterns: each
# {field} matches any text, translated in turn when it is itself one of these. Until the worker
# sends codes instead, a new message there must be added here (tests/test_i18n.py lists them).
RELAYED = (
    N_("{function} is not defined"),
    N_("{function} still raises NotImplementedError"),
    N_("stopped after {seconds} s while importing {filename}"),
    N_("stopped after {seconds} s"),
    N_("importing {filename} was stopped after {seconds} s by an earlier exercise: not tried again"),
    N_("the submission used up its {seconds} s"),
    N_("the process sent back something that is not a result"),
    N_("the result could not be read: {detail}"),
    N_("opened the grader's own files ({what}): a submission may only run its own code"),
    N_("the process died of {signal} (it ran out of memory or was killed)"),
    N_("the process died of {signal}"),
    N_("the process exited (exit code {code}) during the call"),
    N_("importing {filename} raised {error}"),
    N_("ImportError: running {filename} did not finish in time earlier: not tried again"),
    N_("ImportError: importing {filename} did not finish in time earlier: not tried again"),
    N_("{what} is a {type} that numpy cannot read ({error})"),
    N_("{what} is an array of {dtype}, expected numbers (float64)"),
    N_("{what} has {count} entries, far more than expected"),
    N_("{what} is a {type}, expected a tuple or list"),
    N_("{what} has {count} items, expected {expected}"),
    N_("has shape {shape}, expected {expected}"),
    N_("{library} loaded"),
    N_("{error} ({file}, line {line})"),  # the worker's place of an exception: last, the loosest
)
# What a field matches, when not any text: tight enough that Python's own words ("NameError: name
# 'x' is not defined") never pass for one of these messages.
FIELDS = {
    "function": r"\w+",
    "what": r"the result(?:\[\d+\])*",
    "seconds": r"[\d.e+-]+",
    "signal": r"SIG\w+",
    "code": r"-?\d+|None",
    "count": r"\d+",
    "line": r"\d+",
    "file": r"[^()]+",
}
RESULT = N_("the result")  # the worker's name of a result: "the result", "the result[0][1]"


@cache
def relayed_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """Each RELAYED message as a regular expression with a named group per field."""
    patterns = []
    for message in RELAYED:
        regex = "".join(
            re.escape(text) + (f"(?P<{field}>{FIELDS.get(field, '.+?')})" if field is not None else "")
            for text, field, _spec, _conversion in string.Formatter().parse(message)
        )
        patterns.append((re.compile(f"^{regex}$", re.DOTALL), message))
    return tuple(patterns)


def relayed(message: str) -> str:
    """A message of the student's process in the current language (unknown text is left as it is)."""
    for pattern, template in relayed_patterns():
        match = pattern.match(message)
        if match:
            fields = {name: relayed_field(name, value) for name, value in match.groupdict().items()}
            return _(template).format(**fields)
    return message


def relayed_field(name: str, value: str) -> str:
    if name == "what" and value.startswith(RESULT):
        return _(RESULT) + value[len(RESULT) :]
    return relayed(value) if name in ("error", "detail") else value


def judge(form: str, parts: tuple[str, ...], outcome: Outcome, expected, *, input_scale: float = 1.0) -> Verdict:
    if outcome.status == "forbidden":
        names = listing(relayed(name) for name in outcome.forbidden)
        return Verdict(
            "forbidden",
            _("used automatic differentiation ({names}) while it ran: derive the gradients by hand").format(names=names),
        )
    if outcome.status == "missing":
        return Verdict("missing", relayed(outcome.message))
    if outcome.status == "timeout":
        return Verdict("timeout", relayed(outcome.message))
    if outcome.status != "ok":
        return Verdict("error", relayed(outcome.message))
    try:
        pairs = leaves(form, parts, outcome.value, expected)
    except WrongForm as exc:
        return Verdict("error", _("returned {what}").format(what=exc))
    except (TypeError, ValueError, IndexError, AttributeError):
        # The worker is the student's process: whatever it sends is checked, never trusted.
        return Verdict("error", _("returned a result of an unexpected form"))
    problems = []
    for name, kind, got, want in pairs:
        mismatch = compare_leaf(kind, got, want, input_scale)
        if mismatch is not None and mismatch.problem:
            return Verdict("error", f"{name} {relayed(mismatch.problem)}")
        if mismatch is not None:
            problems.append(describe(name, kind, mismatch, len(pairs) == 1))
    if problems:
        more = _("; and {count} more results differ").format(count=len(problems) - 3) if len(problems) > 3 else ""
        return Verdict("failed", _("; ").join(problems[:3]) + more)
    if outcome.mutated:
        return Verdict("failed", _("changed its arguments in place: a function must leave its inputs as they were"))
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
            raise WrongForm(_("an array of shape {shape}, expected {count} numbers").format(shape=got.shape, count=len(want)))
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
        raise WrongForm(
            _("{count} layers, expected {expected} (one ({weight}, {bias}) per layer)").format(
                count=len(got), expected=len(expected), weight=names[0], bias=names[1]
            )
        )
    return [
        (f"{name}{i}", "array", g, w)
        for i, (got_pair, want_pair) in enumerate(zip(got, expected), start=1)
        for name, g, w in zip(names, got_pair, want_pair)
    ]


def scalar(got: np.ndarray) -> np.ndarray:
    if got.size != 1:
        raise WrongForm(_("an array of shape {shape}, expected a single number").format(shape=got.shape))
    return got.reshape(())


def compare_leaf(kind: str, got: np.ndarray, want, input_scale: float = 1.0) -> Mismatch | None:
    if kind == "count":
        value = float(got)
        if not np.isfinite(value) or value != int(value):
            return Mismatch(problem=_("is {value}, expected a whole number").format(value=repr(value)))
        return None if int(value) == int(want) else Mismatch(entries=(((), float(want), value),), count=1, size=1)
    if kind == "number":
        return compare_scalar(float(got), float(want), input_scale=input_scale)
    return compare_arrays(got, np.asarray(want, dtype=float), input_scale=input_scale)


def describe(name: str, kind: str, mismatch: Mismatch, alone: bool) -> str:
    """'dW1[0, 1]: expected 0.000438568, got 0.000438 (rel. error 1.3e-03 > 1e-06), 3 of 4 entries differ'."""
    index, want, got = mismatch.entries[0]
    where = name + (f"[{', '.join(map(str, index))}]" if index else "")
    text = _("expected {want:.10g}, got {got:.10g}").format(want=want, got=got)
    if not (alone and not index):
        text = f"{where}: {text}"
    if kind != "count" and np.isfinite(got):
        text += _(" (rel. error {error:.1e} > {tolerance:g})").format(error=relative_error(got, want), tolerance=RTOL)
    if mismatch.size > 1:
        text += _(", {count} of {size} entries differ").format(count=mismatch.count, size=mismatch.size)
    return text
