"""What a failed exercise's feedback adds: where it first goes wrong, the oracles, the replay command.

`explain` is the engine's hook. It picks one failing case (the 2-2-2 example
when it fails, else the smallest failing case), follows it through the
lesson's stages (divergence.py; fit through its first iteration, then its
losses), adds what the oracles make of a wrong gradient (oracles.py) and the
command that replays the failure. `Student` calls the student's functions in
the exercise's own worker.

Only failed exercises pay for this: at most MAX_CALLS extra calls each.
"""

from __future__ import annotations

import json
import shlex

import numpy as np

from . import oracles
from .cases import canonical_figures, network_of, shape_name
from .divergence import (
    Divergence,
    Sourcing,
    Stage,
    by_layer,
    describe,
    first_divergence,
    is_lesson_example,
    lesson_pass,
    mismatch,
    network_stages,
    stage,
    yours,
)
from .engine import module_for, show_case
from .plans import expected_of, input_scale, named_plan
from .i18n import N_, _
from .sandbox import Limits
from .network import Network
from .suite import net_of

MAX_CALLS = 50
MIN_SECONDS = 0.5  # left of the exercise's time budget, or the extra calls are not made
TRACED = ("forward.forward", "backward.backward", "training.train_step", "training.fit")
BLOCKS = {f"backward.{f}": f for f in ("linear_backward", "activation_backward")}
REPLAYED = ("failed", "error", "timeout", "forbidden")
DEFAULT_TIMEOUT = Limits().timeout
SMALLEST = N_("the smallest failing case")
LESSON_EXAMPLE = N_("the 2-2-2 example")


class Student:
    """The student's functions of any module, called in the exercise's worker within a budget of calls.

    A function that fails once (missing, raising, forbidden) is not called again;
    a timeout ends every further call, so the worker is not killed twice.
    """

    def __init__(self, runner, submission, budget: int = MAX_CALLS):
        self.runner, self.submission, self.left = runner, submission, budget
        self.broken: set[tuple[str, str]] = set()

    def call(self, module: str, function: str, *args, returns="array", **kwargs):
        """The value the student's `module.function(*args, **kwargs)` returns, or None."""
        runner = self.runner
        where = module_for(self.submission, module)
        if where is None or (module, function) in self.broken or self.left <= 0:
            return None
        if runner.limits.timeout - runner.spent < MIN_SECONDS:
            self.left = 0
            return None
        self.left -= 1
        outcome = runner.call(function, args, kwargs, returns, module=where)
        if outcome.status in ("timeout", "crashed"):  # each further call would restart the worker
            self.left = 0
        if outcome.status != "ok":
            self.broken.add((module, function))
            return None
        return outcome.value


# Which case, and what the exercise's result shows ------------------------------------------


def observed_of(name: str, value, layers: int) -> dict:
    """The intermediates the exercise's result shows, by key; {} when its form is not the expected one."""
    try:
        if name == "forward.forward":
            return {f"a{layers}": np.asarray(value, dtype=float)}
        if name == "backward.backward":
            return layer_arrays(value, layers, ("dW", "db"))
        if name == "training.train_step":
            return {**layer_arrays(value[0], layers, ("W", "b")), "loss": np.asarray(value[1], dtype=float)}
    except (TypeError, ValueError, IndexError):
        pass
    return {}


def layer_arrays(pairs, layers: int, names: tuple[str, str]) -> dict:
    if not isinstance(pairs, list) or len(pairs) != layers or any(len(p) != 2 for p in pairs):
        return {}
    return by_layer(pairs, names)


def case_size(case) -> int:
    net = net_of(case)
    return np.size(net.x) + np.size(net.y) + sum(W.size + b.size for W, b in net.params)


def traced_trial(exercise, trials: list, figures: dict):
    """(trial, where) to trace: the worked example when it failed, else the smallest failing case."""
    failed = [(i, t) for i, t in enumerate(trials) if t.verdict.kind in ("failed", "error")]
    if not failed:
        return None
    if failed[0][0] == 0:
        return trials[0], example_place(net_of(trials[0].case))
    index, trial = min(failed, key=lambda pair: case_size(pair[1].case))
    named = named_plan(exercise, json.dumps(figures, sort_keys=True))
    return trial, (_("the case '{name}'").format(name=named[index][0]) if index < len(named) else _(SMALLEST))


def example_place(net: Network) -> str:
    if is_lesson_example(net):
        return _(LESSON_EXAMPLE)
    return _("the worked example ({shape})").format(shape=shape_name(net))


# Tracing each kind of exercise -------------------------------------------------------------


def trace(exercise, student: Student, figures: dict, trials: list) -> list[str]:
    if exercise.name in BLOCKS:
        return trace_block(BLOCKS[exercise.name], student, figures)
    chosen = traced_trial(exercise, trials, figures)
    if chosen is None:
        return []
    trial, place = chosen
    lines = explain_trial(exercise, student, trial, place)
    if lines and place == _(SMALLEST):
        lines.insert(1, "  " + _("The case: {call}").format(call=show_case(exercise, trial.case)))
    return lines


def explain_trial(exercise, student: Student, trial, place: str) -> list[str]:
    net = net_of(trial.case)
    lesson = place == _(LESSON_EXAMPLE)
    if exercise.name == "training.fit":
        return trace_fit(exercise, student, trial, place, lesson)
    lr = trial.case.args[3] if exercise.name == "training.train_step" else None
    upto = {"forward.forward": "output", "backward.backward": "grads"}.get(exercise.name, "update")
    ok = trial.outcome.status == "ok"
    observed = observed_of(exercise.name, trial.outcome.value, len(net.params)) if ok else {}
    by = Sourcing(student, observed, yours(exercise.function))
    stages = network_stages(net, lesson_pass(net, lr), by, upto=upto, lr=lr)
    found = first_divergence(stages, input_scale(trial.case))
    lines = describe(found, place=place, lesson=lesson) if found else []
    return lines + oracles.triangulate(exercise.name, student, trial, place=place, lesson=lesson)


def trace_block(function: str, student: Student, figures: dict) -> list[str]:
    """linear_backward or activation_backward on the worked example: the stages it computes."""
    net = network_of(figures)
    stages = network_stages(net, lesson_pass(net), Sourcing(student, {}), upto="grads")
    own = (stage(s.short, s.title, s.expected, *(x for x in s.sources if x.function == function))
           for s in stages)
    found = first_divergence(s for s in own if s.sources)
    return describe(found, place=example_place(net), lesson=is_lesson_example(net)) if found else []


def trace_fit(exercise, student: Student, trial, place: str, lesson: bool) -> list[str]:
    """The first iteration (with the student's train_step), then each iteration's loss, then the end."""
    x, y, params, lr, _epochs, size = trial.case.args
    act = trial.case.kwargs["activation"]
    first = Network(x[:size], y[:size], params, act)
    stepped = student.call("training", "train_step", first.x, first.y, params, lr, activation=act,
                           returns=[["list", ["array", "array"]], "number"])
    observed = observed_of("training.train_step", stepped, len(params)) if stepped is not None else {}
    by = Sourcing(student, observed, yours("train_step"))
    stages = network_stages(first, lesson_pass(first, lr), by, upto="update", lr=lr)
    found = first_divergence(stages, input_scale(trial.case))
    where = _("{place}, in the first iteration (rows 0 to {last})").format(place=place, last=len(first.x) - 1)
    if found:
        return describe(found, place=where, lesson=lesson and len(first.x) == 1)
    if trial.outcome.status != "ok":
        return []
    want_params, want_losses = expected_of(exercise, trial.case)
    got_params, got_losses = trial.outcome.value
    losses = np.asarray(got_losses, dtype=float).ravel()
    return fit_losses(losses, np.asarray(want_losses), size, len(x), place, stepped is not None) or fit_end(
        got_params, want_params, place, lesson
    )


def fit_losses(got: np.ndarray, want: np.ndarray, size: int, samples: int, place: str, stepped: bool) -> list:
    batches = -(-samples // size)
    if stepped:
        first = _("Your train_step on rows 0 to {last} gives the right loss: look at the rows your fit passes it.")
        first = "  " + first.format(last=min(size, samples) - 1)
    else:
        first = "  " + _("It is the first iteration.")
    for k, (g, w) in enumerate(zip(got, want)):
        if mismatch(g, w) is not None:
            when = _("iteration {iteration} (epoch {epoch}, batch {batch})").format(
                iteration=k + 1, epoch=k // batches + 1, batch=k % batches + 1)
            head = _("First divergence on {place}: the loss of {when}, from your fit: expected {want:.10g}, "
                     "got {got:.10g}.").format(place=place, when=when, want=w, got=g)
            return [head, "  " + _("The {count} iterations before it match.").format(count=k) if k else first]
    if len(got) != len(want):
        same = _("; the losses of the first {count} match").format(count=len(got)) if len(got) else ""
        ran = _("your fit ran {count} iterations, expected {expected}").format(count=len(got), expected=len(want))
        return [_("First divergence on {place}: {what}.").format(place=place, what=ran + same)]
    return []


def fit_end(got_params, want_params, place: str, lesson: bool) -> list[str]:
    got = layer_arrays(got_params, len(want_params), ("W", "b"))
    if not got:
        return []
    expected = by_layer(want_params, ("W", "b"))
    stage = Stage("", _("the parameters after the last iteration"), expected, ())
    if not any(mismatch(got[k], w) is not None for k, w in expected.items()):
        return []
    divergence = Divergence(stage, yours("fit"), got, (_("every iteration's loss"),), ())
    return describe(divergence, place=place, lesson=lesson)


# The hook ---------------------------------------------------------------------------------


def explain(exercise, runner, figures: dict, trials: list, *, status: str, seed_value: int, examples: int):
    """Lines for a failed exercise's feedback: its first divergence, the oracles, the replay command.

    Only a worker holding a student's submission is explained (not the self-check's, say).
    """
    submission = getattr(runner.worker, "submission", None)
    lines: list[str] = []
    if submission is None:
        return ()
    if status in ("failed", "error") and (exercise.name in TRACED or exercise.name in BLOCKS):
        lines += trace(exercise, Student(runner, submission), figures, trials)
        runner.worker.output()  # what these extra calls printed is not the exercise's output
    if status in REPLAYED:
        command = replay_command(exercise.name, submission.path, runner.limits, figures, seed_value, examples)
        lines.append(command)
    return tuple(lines)


def replay_command(name: str, path: str, limits: Limits, figures: dict, seed_value: int, examples: int):
    """`grader check PATH --only NAME --seed S --examples N`: the same cases, so the same failure."""
    words = ["grader", "check", path, "--only", name, "--seed", str(seed_value), "--examples", str(examples)]
    if limits.timeout != DEFAULT_TIMEOUT:
        words += ["--timeout", f"{limits.timeout:g}"]
    command = shlex.join(words)
    if figures != canonical_figures():
        command += " --key KEY.JSON"  # the key's path is not known here: the instructor's file
    return _("Replay: {command}").format(command=command)
