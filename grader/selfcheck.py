"""Proves the checks: the reference passes every one, and every known mutant fails one.

A mutant is the student's function with one classic mistake (`Exercise.mutants`).
Mutants and the reference are our own trusted code, so they run in this
process through `TrustedWorker`, which answers the engine's requests the way
the student's worker does. The kill matrix shows which checks catch which mutant.
"""

from __future__ import annotations

import copy
import json
from collections import deque
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .model import ExerciseResult
from .sandbox import Limits, Outcome
from .suite import Case, Exercise
from .wire import Request


def decode(value):
    """Arguments as the engine encodes them (wire.encode), back to Python values."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict) and "nd" in value:
        return np.array(value["nd"], dtype=np.float64).reshape(value["shape"])
    if isinstance(value, dict) and "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    return value


def plain(value, form):
    """A result in the form the engine reads from a worker: nested lists of float64 arrays."""
    if isinstance(form, list):
        if form[0] == "list":
            return [plain(v, form[1]) for v in value]
        if len(value) != len(form):
            raise ValueError(f"{len(value)} results, expected {len(form)}")
        return [plain(v, f) for v, f in zip(value, form)]
    return np.asarray(value, dtype=np.float64)


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


class TrustedWorker:
    """Answers the engine's requests by calling trusted functions here, by name, one at a time in the
    order submitted (sandbox.Worker's queue, with nothing running ahead)."""

    def __init__(self, functions: dict[str, Callable]):
        self.functions = functions
        self.queue: deque[Request] = deque()

    def submit(self, *requests: Request) -> None:
        self.queue.extend(requests)

    def collect(self, budget: float) -> Outcome:
        return self.request(json.loads(self.queue.popleft().frame[4:]), budget)

    def drain(self) -> None:
        pass  # nothing runs ahead here

    def abandon(self, count: int | None = None) -> None:
        for _ in range(len(self.queue) if count is None else min(count, len(self.queue))):
            self.queue.popleft()

    def request(self, request: dict, budget: float) -> Outcome:
        function = self.functions.get(request.get("function", ""))
        if function is None or "op" in request or "handle" in request:
            return Outcome("missing", message="not available in the self-check")
        args = decode(request["args"])
        kwargs = {k: decode(v) for k, v in request.get("kwargs", {}).items()}
        before = copy.deepcopy(args)
        try:
            value = plain(function(*args, **kwargs), request["returns"])
        except Exception as exc:  # noqa: BLE001 - a mutant's crash is what the checks must report
            return Outcome("error", message=f"{type(exc).__name__}: {exc}")
        return Outcome("ok", value=value, mutated=not same(before, args))

    def output(self) -> str:
        return ""


@dataclass(frozen=True)
class Row:
    """One line of the kill matrix: the reference or a mutant, on one exercise."""

    exercise: str
    mutant: str  # "reference" or a mistake id
    result: ExerciseResult

    @property
    def as_expected(self) -> bool:
        passed = self.result.status == "passed"
        return passed if self.mutant == "reference" else not passed


def as_function(exercise: Exercise) -> Callable:
    return lambda *args, **kwargs: exercise.reference(Case(args, kwargs))


def known_mutants(exercise: Exercise) -> tuple[tuple[str, Callable], ...]:
    """An exercise's own mutants, or for a built-in one every mistake the diagnosis knows there."""
    if exercise.mutants:
        return exercise.mutants
    from .mutant_plans import PLANS

    plan = PLANS.get(exercise.name)
    if plan is None:
        return ()
    keys = dict.fromkeys((*plan.faults, *plan.loss_faults))
    return tuple((key, mutant_function(plan, key)) for key in keys)


def mutant_function(plan, key: str) -> Callable:
    def mutant(*args, **kwargs):
        with np.errstate(all="ignore"):  # the unstable mutants overflow on purpose
            return plan.predict(Case(args, kwargs), frozenset({key}))

    return mutant


def run(exercises: list[Exercise], *, figures: dict, seed_value: int, examples: int) -> list[Row]:
    from .engine import grade_exercise

    rows = []
    for exercise in exercises:
        if exercise.module == "torch_net":
            continue  # its checks need a torch process; no mistake of the contract lives there
        candidates = [("reference", as_function(exercise)), *known_mutants(exercise)]
        for mutant, function in candidates:
            worker = TrustedWorker({exercise.function: function})
            result = grade_exercise(
                exercise, worker, exercise.module, Limits(), figures=figures, seed_value=seed_value, examples=examples
            )
            rows.append(Row(exercise.name, mutant, result))
    return rows


def render(rows: list[Row]) -> str:
    """The kill matrix: per exercise, a column per check, X where the check failed."""
    lines = []
    for exercise in dict.fromkeys(row.exercise for row in rows):
        group = [row for row in rows if row.exercise == exercise]
        names = [check.name for check in group[0].result.checks]
        width = max(len(row.mutant) for row in group)
        lines.append(f"{exercise}")
        lines += [f"  c{i}: {name}" for i, name in enumerate(names, start=1)]
        lines.append(f"  {'':<{width}}  " + " ".join(f"c{i:<2}" for i in range(1, len(names) + 1)))
        for row in group:
            marks = {c.name: ("X" if c.ran and not c.passed else "." if c.ran else "-") for c in row.result.checks}
            cells = " ".join(f"{marks.get(name, '-'):<3}" for name in names)
            verdict = "ok" if row.as_expected else ("FAILS" if row.mutant == "reference" else "SURVIVES")
            lines.append(f"  {row.mutant:<{width}}  {cells} {verdict}")
    mutants = [row for row in rows if row.mutant != "reference"]
    killed = sum(row.as_expected for row in mutants)
    references = [row for row in rows if row.mutant == "reference"]
    clean = sum(row.as_expected for row in references)
    lines.append(
        f"reference passes {clean}/{len(references)} exercises; {killed}/{len(mutants)} mutants killed"
    )
    return "\n".join(lines) + "\n"
