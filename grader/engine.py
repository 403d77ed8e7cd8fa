"""Grades a submission: every selected exercise, its named cases, then a property.

For each exercise the engine draws cases in this process, computes the
reference result on its own copies, sends the arguments to the student's
process and judges what comes back (verdict.py). A property that fails is
shrunk by Hypothesis to the smallest failing case. The NumPy modules run in a
worker whose torch & co. are tripwired; torch_net runs in a second worker,
started first so that torch imports while the NumPy exercises are graded.
"""

from __future__ import annotations

import copy
import os
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, assume, given, seed, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import HypothesisException

from .loading import NOTEBOOK, Submission
from .model import Check, ExerciseResult
from .sandbox import AsTensor, Handle, Limits, Outcome, Worker, encode
from .suite import Case, Exercise
from .verdict import Verdict, judge

# Hypothesis keeps a cache in ./.hypothesis, which would land in the student's folder.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"backprop-grader-{os.getuid()}" / "hypothesis")

STOPPING = ("missing", "forbidden", "timeout")
PRECEDENCE = ("missing", "forbidden", "timeout", "error", "failed")


class Stop(BaseException):
    """Ends a property at once (the code is missing, forbidden or out of time): nothing to shrink.

    A BaseException, so that Hypothesis does not take it for a failure to shrink.
    """

    def __init__(self, verdict: Verdict):
        self.verdict = verdict


class Runner:
    """Calls one exercise's function in a worker, within the exercise's time budget."""

    def __init__(self, exercise: Exercise, worker: Worker, module: str, limits: Limits):
        self.exercise, self.worker, self.module, self.limits = exercise, worker, module, limits
        self.spent = 0.0

    def request(self, request: dict, returns=None) -> Outcome:
        if returns is not None:
            request = {**request, "returns": returns}
        started = time.monotonic()
        try:
            return self.worker.request(request, self.limits.timeout - self.spent)
        finally:
            self.spent += time.monotonic() - started

    def call(self, function: str, args: tuple, kwargs: dict, returns, **extra) -> Outcome:
        request = {"module": self.module, "function": function, "args": encode(list(args)), "kwargs": encode(kwargs), **extra}
        return self.request(request, returns)

    def run(self, case: Case) -> Outcome:
        if self.exercise.module == "torch_net":
            return self.run_torch(case)
        return self.call(self.exercise.function, case.args, case.kwargs, worker_form(self.exercise.form))

    def run_torch(self, case: Case) -> Outcome:
        x, y, params = case.args[:3]
        activation = case.kwargs["activation"]
        if self.exercise.function == "make_net":
            net = self.call("make_net", (params,), {"activation": activation}, "handle")
            if net.status != "ok":
                return net
            return self.call("make_net", (AsTensor(x),), {}, "array", handle=net.value.number)
        net = self.request({"op": "net", "params": encode(params), "activation": activation})
        if net.status != "ok" or not isinstance(net.value, Handle):
            return net
        loss = self.call("torch_train_step", (net.value, AsTensor(x), AsTensor(y), case.args[3]), {}, "number")
        if loss.status != "ok":
            return loss
        state = self.request({"op": "parameters", "handle": net.value.number})
        if state.status != "ok":
            return state
        flat = state.value
        return Outcome("ok", value=[[list(flat[i : i + 2]) for i in range(0, len(flat), 2)], loss.value])

    def judge(self, case: Case) -> Verdict:
        expected = self.exercise.reference(copy.deepcopy(case))
        return judge(self.exercise.form, self.exercise.parts, self.run(case), expected)


def worker_form(form: str):
    """The form the worker converts a result to (see worker.encode)."""
    return {
        "tuple": ["array", "array", "array"],
        "grads": ["list", ["array", "array"]],
        "params+loss": [["list", ["array", "array"]], "array"],
        "params+losses": [["list", ["array", "array"]], "array"],
    }.get(form, "array")


def property_check(runner: Runner, exercise: Exercise, *, seed_value: int, examples: int) -> Check:
    failures: list[tuple[Case, Verdict]] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @seed(seed_value)
    @given(exercise.generated())
    def prop(case: Case) -> None:
        assume(not exercise.kink_check(case))
        verdict = runner.judge(case)
        if verdict.kind in STOPPING:
            raise Stop(verdict)
        if not verdict.ok:
            failures.append((case, verdict))
            raise AssertionError(verdict.message)

    name = f"{examples} generated cases"
    try:
        prop()
    except Stop:
        raise
    except (AssertionError, HypothesisException, Exception):  # noqa: B014 - any failure: report the last, smallest case
        if not failures:
            raise
        case, verdict = failures[-1]
        return Check(name, False, f"{verdict.message}\n  smallest failing case: {show_case(exercise, case)}")
    return Check(name, True)


def show_case(exercise: Exercise, case: Case) -> str:
    """The call, in Python a student can paste."""
    from .display import python_literal

    args = [python_literal(a) for a in case.args] + [f"{k}={python_literal(v)}" for k, v in case.kwargs.items()]
    return f"{exercise.function}({', '.join(args)})"


def grade_exercise(
    exercise: Exercise, worker: Worker | None, module: str | None, limits: Limits, *, figures: dict, seed_value: int, examples: int
) -> ExerciseResult:
    if worker is None or module is None:
        return result(exercise, "missing", [], f"{exercise.module} is not in the submission")
    runner = Runner(exercise, worker, module, limits)
    checks: list[Check] = []
    kinds: list[str] = []
    named = exercise.named(figures)
    for index, (name, case) in enumerate(named):
        verdict = runner.judge(case)
        checks.append(Check(name, verdict.ok, verdict.message))
        kinds.append(verdict.kind)
        if verdict.kind in STOPPING:
            checks += [Check(n, False, "not run", ran=False) for n, _ in named[index + 1 :]]
            checks.append(Check(f"{examples} generated cases", False, "not run", ran=False))
            break
    else:
        try:
            checks.append(property_check(runner, exercise, seed_value=seed_value, examples=examples))
            kinds.append("ok" if checks[-1].passed else "failed")
        except Stop as stop:
            checks.append(Check(f"{examples} generated cases", False, stop.verdict.message))
            kinds.append(stop.verdict.kind)
    status = next((k for k in PRECEDENCE if k in kinds), "passed")
    first = next((c for c in checks if not c.passed and c.ran), None)
    feedback = f"{first.name}: {first.message}" if first else f"all {len(checks)} checks passed"
    return result(exercise, status, checks, feedback, output=worker.output())


def result(exercise: Exercise, status: str, checks: list[Check], feedback: str, *, output: str = "") -> ExerciseResult:
    return ExerciseResult(
        name=exercise.name,
        status=status,
        score=float(exercise.points) if status == "passed" else 0.0,
        max_score=float(exercise.points),
        feedback=feedback,
        checks=tuple(checks),
        output=output,
    )


def module_for(submission: Submission, module: str) -> str | None:
    names = {m.name: m for m in submission.modules}
    if module in names:
        return module
    return NOTEBOOK if NOTEBOOK in names else None


def problem_of(submission: Submission, module: str | None) -> str:
    return next((m.problem for m in submission.modules if m.name == module and m.problem), "")


def grade(
    submission: Submission,
    exercises: list[Exercise],
    workers: dict[str, Worker],
    *,
    figures: dict,
    seed_value: int,
    examples: int,
    limits: Limits,
) -> list[ExerciseResult]:
    """Every exercise's result, in the order given; `workers` by mode ("numpy", "torch").

    `figures` hold the worked example the named cases start from: the seed's
    2-2-2 network, or the network of an instructor's answer key.
    """
    results = []
    for exercise in exercises:
        module = module_for(submission, exercise.module)
        problem = problem_of(submission, module)
        if problem:
            results.append(result(exercise, "error", [], problem))
            continue
        worker = workers.get("torch" if exercise.module == "torch_net" else "numpy") if module else None
        results.append(
            grade_exercise(exercise, worker, module, limits, figures=figures, seed_value=seed_value, examples=examples)
        )
    return results
