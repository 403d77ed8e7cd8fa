"""Grades a submission: every selected exercise, its named cases, then a property.

For each exercise the engine takes the cases of its plan (grader/plans.py:
drawn, with the reference's results, once per process), sends them to the
student's process and judges what comes back (verdict.py). An exercise's cases,
named then generated, are all submitted at once: the worker runs the next
cases while the grader judges a reply (sandbox.Worker.submit), and what is
left when the exercise stops early is abandoned. A property that fails is
shrunk by Hypothesis to the smallest failing case (or along the road an
earlier shrink of the same failure took: grader/shrinking.py). The NumPy modules run in a
worker whose torch & co. are tripwired; torch_net runs in a second worker,
started first so that torch imports while the NumPy exercises are graded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

from .diagnose import diagnose
from .i18n import _
from .loading import NOTEBOOK, Submission
from .model import Check, ExerciseResult
from .plans import (
    Planned,
    call_request,
    case_plan,
    expected_of,
    hypothesis_settings,
    input_scale,
    named_plan,
    requests_for,
)
from .plots import plots_for
from .sandbox import Limits, Outcome, Worker
from .shrinking import tree_for
from .suite import Case, Exercise
from .verdict import Verdict, judge
from .wire import Handle

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
        self.exercise, self.module, self.limits = exercise, module, limits
        self.worker = worker
        self.spent = 0.0

    def collect(self) -> Outcome:
        """The outcome of the worker's oldest request, charged to the exercise's budget."""
        self.worker.drain()  # abandoned calls cost the student nothing
        started = time.monotonic()
        try:
            return self.worker.collect(self.limits.timeout - self.spent)
        finally:
            self.spent += time.monotonic() - started

    def call(self, function: str, args: tuple, kwargs: dict, returns, *, module: str | None = None) -> Outcome:
        """`module`: another module of the submission, as module_for names it; by default the exercise's."""
        self.worker.submit(call_request(module or self.module, function, args, kwargs, returns))
        return self.collect()

    def run(self, case: Case) -> Outcome:
        self.worker.submit(*requests_for(self.exercise, self.module, case))
        return self.outcome()

    def outcome(self) -> Outcome:
        """The outcome of the case whose requests are the oldest the worker has."""
        if self.exercise.module == "torch_net":
            return self.torch_outcome()
        return self.collect()

    def torch_outcome(self) -> Outcome:
        """A torch_net case's requests (see `requests_for`) come to one outcome; after a request that
        failed, the case's others are abandoned, as if never sent."""
        if self.exercise.function == "make_net":
            net = self.collect()
            if net.status != "ok":
                self.worker.abandon(1)
                return net
            return self.collect()
        net = self.collect()
        if net.status != "ok" or not isinstance(net.value, Handle):
            self.worker.abandon(2)
            return net
        loss = self.collect()
        if loss.status != "ok":
            self.worker.abandon(1)
            return loss
        state = self.collect()
        if state.status != "ok":
            return state
        flat = state.value
        return Outcome("ok", value=[[list(flat[i : i + 2]) for i in range(0, len(flat), 2)], loss.value])

    def attempt(self, case: Case, expected) -> Trial:
        return self.judged(case, expected, self.run(case), input_scale(case))

    def judged(self, case: Case, expected, outcome: Outcome, scale: float) -> Trial:
        verdict = judge(self.exercise.form, self.exercise.parts, outcome, expected, input_scale=scale)
        return Trial(case, verdict, outcome, expected)

    def trials(self, plan: tuple[Planned, ...]) -> Iterator[Trial]:
        """Each case of `plan` tried, in order; closing the iterator early abandons the rest.

        Every case's requests are submitted at once and judged as the replies
        come: a case's outcome is the one it would get alone (sandbox.Worker.collect).
        """
        self.worker.submit(*(request for planned in plan for request in planned.requests))
        try:
            for planned in plan:
                yield self.judged(planned.case, planned.expected, self.outcome(), planned.scale)
        finally:
            self.worker.abandon()


@dataclass(frozen=True)
class Trial:
    """One case tried: the verdict, what came back and what was expected (for diagnosis and plots)."""

    case: Case
    verdict: Verdict
    outcome: Outcome
    expected: object = None


def shrink(runner: Runner, exercise: Exercise, *, seed_value: int, examples: int) -> Trial | None:
    """The smallest failing case Hypothesis finds, or None if the failure does not come back.

    A road an earlier shrink of this process took is followed without Hypothesis (grader/shrinking.py).
    """
    tree = tree_for(exercise, seed_value, examples)

    def attempt(case: Case, expected) -> tuple[Trial, bool]:
        trial = runner.attempt(case, expected)
        if trial.verdict.kind in STOPPING:
            raise Stop(trial.verdict)
        return trial, not trial.verdict.ok

    failures = tree.walk(attempt)
    if failures is None:
        road: list[tuple[Case, object, bool]] = []
        failures = hypothesis_shrink(attempt, exercise, road, seed_value=seed_value, examples=examples)
        tree.record(road)
    return failures[-1] if failures else None


def hypothesis_shrink(attempt, exercise: Exercise, road: list, *, seed_value: int, examples: int) -> list[Trial]:
    """The failing trials of a Hypothesis shrink, in order; `road` gets every case tried, if the shrink ends."""
    from hypothesis import Phase, assume, given, seed
    from hypothesis.errors import HypothesisException

    failures: list[Trial] = []
    tried: list[tuple[Case, object, bool]] = []

    @hypothesis_settings(examples, Phase.generate, Phase.shrink)
    @seed(seed_value)
    @given(exercise.generated())
    def prop(case: Case) -> None:
        assume(not exercise.kink_check(case))
        expected = expected_of(exercise, case)
        trial, failed = attempt(case, expected)
        tried.append((case, expected, failed))
        if failed:
            failures.append(trial)
            raise AssertionError(trial.verdict.message)

    try:
        prop()
    except (AssertionError, HypothesisException):  # the failure, shrunk; or one that did not come back
        pass
    except Stop:
        raise
    except Exception:  # noqa: BLE001 - a failure of any kind: the last recorded trial is the smallest
        return failures  # not a road Hypothesis would take again: not recorded
    road += tried
    return failures


def show_case(exercise: Exercise, case: Case) -> str:
    """The call, in Python a student can paste."""
    from .display import python_literal

    args = [python_literal(a) for a in case.args] + [f"{k}={python_literal(v)}" for k, v in case.kwargs.items()]
    return f"{exercise.function}({', '.join(args)})"


def diagnoses_of(exercise: Exercise, trials: list[Trial], figures: dict) -> tuple:
    """The classic mistakes the results match; crashed cases count (code made for 2-2-2 only)."""
    observations = [(t.case, t.outcome.value) for t in trials if t.outcome.status == "ok"]
    mutated = any(t.outcome.mutated for t in trials)
    errored = [t.case for t in trials if t.outcome.status == "error"]
    return diagnose(exercise.name, observations, mutated=mutated, errored=errored, figures=figures)


def grade_exercise(
    exercise: Exercise, worker: Worker | None, module: str | None, limits: Limits, *, figures: dict, seed_value: int, examples: int
) -> ExerciseResult:
    if worker is None or module is None:
        return result(exercise, "missing", [], _("{module} is not in the submission").format(module=exercise.module))
    runner = Runner(exercise, worker, module, limits)
    checks: list[Check] = []
    trials: list[Trial] = []
    generated_name = generated_cases(examples)
    figures_json = json.dumps(figures, sort_keys=True)
    named = named_plan(exercise, figures_json)
    plan = case_plan(exercise, figures_json, seed_value, examples, module)
    property_ran, failure = False, None
    with closing(runner.trials(plan)) as tried:
        for index, (name, _case, _expected) in enumerate(named):
            trials.append(next(tried))
            checks.append(Check(name, trials[-1].verdict.ok, trials[-1].verdict.message))
            if trials[-1].verdict.kind in STOPPING:
                checks += [Check(n, False, _("not run"), ran=False) for n, _case, _expected in named[index + 1 :]]
                checks.append(Check(generated_name, False, _("not run"), ran=False))
                break
        else:
            property_ran, failure = True, next((trial for trial in tried if not trial.verdict.ok), None)
    if property_ran:  # shrunk once the cases sent ahead are abandoned
        checks.append(generated_check(runner, exercise, failure, trials, seed_value=seed_value, examples=examples))
    kinds = [t.verdict.kind for t in trials]
    status = next((k for k in PRECEDENCE if k in kinds), "passed")
    first = next((c for c in checks if not c.passed and c.ran), None)
    feedback = (_("{check}: {message}").format(check=first.name, message=first.message) if first
                else _("all {count} checks passed").format(count=len(checks)))
    diagnoses = diagnoses_of(exercise, trials, figures) if status in ("failed", "error") else ()
    output = worker.output()  # before the explanation's own calls, whose prints are not the exercise's
    if status != "passed":
        from .explain import explain  # imports this module

        lines = explain(exercise, runner, figures, trials, status=status, seed_value=seed_value, examples=examples)
        feedback = "\n".join((feedback, *lines))
    plots = plots_for(exercise, trials) if status == "failed" else ()
    return result(exercise, status, checks, feedback, diagnoses=diagnoses, output=output, plots=plots)


def generated_cases(examples: int) -> str:
    """The name of the property's check: "25 generated cases"."""
    return _("{count} generated cases").format(count=examples)


def generated_check(
    runner: Runner, exercise: Exercise, trial: Trial | None, trials: list[Trial], *, seed_value: int, examples: int
) -> Check:
    """The property's check from its first generated case that did not pass (`trial`; None: every one passed).

    A failure is shrunk to the smallest failing case (appended to `trials`).
    """
    name = generated_cases(examples)
    if trial is None:
        return Check(name, True)
    if trial.verdict.kind in STOPPING:
        trials.append(trial)
        return Check(name, False, trial.verdict.message)
    try:
        smallest = shrink(runner, exercise, seed_value=seed_value, examples=examples) or trial
    except Stop as stop:
        smallest = Trial(trial.case, stop.verdict, Outcome(stop.verdict.kind))
    trials.append(smallest)
    message = smallest.verdict.message
    if smallest.verdict.kind not in STOPPING:
        message += "\n  " + _("smallest failing case: {call}").format(call=show_case(exercise, smallest.case))
    return Check(name, False, message)


def result(
    exercise: Exercise,
    status: str,
    checks: list[Check],
    feedback: str,
    *,
    diagnoses: tuple = (),
    output: str = "",
    plots: tuple = (),
) -> ExerciseResult:
    return ExerciseResult(
        name=exercise.name,
        status=status,
        score=float(exercise.points) if status == "passed" else 0.0,
        max_score=float(exercise.points),
        feedback=feedback,
        checks=tuple(checks),
        diagnoses=tuple(diagnoses),
        output=output,
        plots=tuple(plots),
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
    figures_json = json.dumps(figures, sort_keys=True)
    for exercise in exercises:  # drawn while the workers start: nothing here waits for them
        module = module_for(submission, exercise.module)
        if module and not problem_of(submission, module):
            case_plan(exercise, figures_json, seed_value, examples, module)
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
