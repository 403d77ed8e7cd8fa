"""The cases every submission gets, drawn and prepared once per process.

Named cases (from the worked example's figures) and the cases Hypothesis
draws for the seed, each with the reference's result, the scale its
round-off is judged at, and the requests that put it to the student's
process, framed once. A batch grades every submission on the same plan.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import plan_cache
from .compare import largest_magnitude
from .i18n import current
from .suite import Case, Exercise
from .wire import AsTensor, Made, Request, encode, framed


def requests_for(exercise: Exercise, module: str, case: Case) -> tuple[Request, ...]:
    """What the worker is asked for one case: a call; for torch_net, a net (the student's or ours to train),
    then calls on it, which name it as made by an earlier request of the case (wire.Made)."""
    if exercise.module != "torch_net":
        return (call_request(module, exercise.function, case.args, case.kwargs, worker_form(exercise.form)),)
    x, y, params = case.args[:3]
    activation = case.kwargs["activation"]
    if exercise.function == "make_net":
        return (call_request(module, "make_net", (params,), {"activation": activation}, "handle"),
                call_request(module, "make_net", (AsTensor(x),), {}, "array", handle=Made(1)))
    return (framed({"op": "net", "params": encode(params), "activation": activation}),
            call_request(module, "torch_train_step", (Made(1), AsTensor(x), AsTensor(y), case.args[3]), {}, "number"),
            framed({"op": "parameters", "handle": encode(Made(2))}))


def call_request(module: str, function: str, args: tuple, kwargs: dict, returns, *, handle: Made | None = None) -> Request:
    """A call of `function` (or, with `handle`, of an object the worker made) with `args`, its result in form `returns`."""
    request = {"module": module, "function": function, "args": encode(list(args)), "kwargs": encode(kwargs)}
    if handle is not None:
        request["handle"] = encode(handle)
    return framed({**request, "returns": returns})


def input_scale(case: Case) -> float:
    """The largest |number| among a case's arguments: round-off scales with it."""
    return largest_magnitude([*case.args, *case.kwargs.values()])


@dataclass(frozen=True)
class Planned:
    """A case with all of it that does not depend on the student, computed once per process."""

    case: Case
    expected: object
    scale: float  # input_scale(case)
    requests: tuple[Request, ...]  # requests_for(case), for the student's module


def planned(exercise: Exercise, module: str, case: Case, expected) -> Planned:
    return Planned(case, expected, input_scale(case), requests_for(exercise, module, case))


@lru_cache(maxsize=256)
def case_plan(exercise: Exercise, figures_json: str, seed_value: int, examples: int, module: str) -> tuple[Planned, ...]:
    """The named cases then the generated ones, ready to send to `module` (the exercise's, or a notebook's)."""
    named = [(case, expected) for _name, case, expected in named_plan(exercise, figures_json)]
    return tuple(planned(exercise, module, case, expected) for case, expected in [*named, *generated_plan(exercise, seed_value, examples)])


def worker_form(form: str):
    """The form the worker converts a result to (see worker.encode)."""
    return {
        "tuple": ["array", "array", "array"],
        "grads": ["list", ["array", "array"]],
        "params+loss": [["list", ["array", "array"]], "array"],
        "params+losses": [["list", ["array", "array"]], "array"],
    }.get(form, "array")


def expected_of(exercise: Exercise, case: Case):
    return exercise.reference(copy.deepcopy(case))  # the reference never sees the arrays sent out


def hypothesis_settings(examples: int, *phases):
    """Hypothesis's settings for drawing `examples` cases in `phases`; imported here, when first needed."""
    from hypothesis import HealthCheck, settings
    from hypothesis.configuration import set_hypothesis_home_dir

    # Hypothesis keeps a cache in ./.hypothesis, which would land in the student's folder.
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / f"backprop-grader-{os.getuid()}" / "hypothesis")
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=phases,
        report_multiple_bugs=False,
        print_blob=False,
    )


def named_plan(exercise: Exercise, figures_json: str) -> tuple[tuple[str, Case, object], ...]:
    """The named cases (named in the current language) and their expected results, computed once per process."""
    return language_plan(exercise, figures_json, current())


@lru_cache(maxsize=256)
def language_plan(exercise: Exercise, figures_json: str, lang: str) -> tuple[tuple[str, Case, object], ...]:
    """`named_plan` for one language: the cases' names are built in it (lang is part of the cache key)."""
    return tuple((name, case, expected_of(exercise, case)) for name, case in exercise.named(json.loads(figures_json)))


@lru_cache(maxsize=256)
def generated_plan(exercise: Exercise, seed_value: int, examples: int) -> tuple[tuple[Case, object], ...]:
    """The cases Hypothesis draws for this seed, and their expected results.

    Drawn once per process (a batch grades every submission on them), and
    kept on disk for the next run (grader/plan_cache.py); a failure is then
    shrunk by `engine.shrink`, whose generation follows the same sequence
    because the seed is the same.
    """
    drawn = plan_cache.load(exercise, seed_value, examples)
    if drawn is None:
        drawn = draw(exercise, seed_value, examples)
        plan_cache.save(exercise, seed_value, examples, drawn)
    return tuple((case, expected_of(exercise, case)) for case in drawn)


def draw(exercise: Exercise, seed_value: int, examples: int) -> list[Case]:
    """The cases the exercise's property draws for this seed."""
    from hypothesis import Phase, assume, given, seed

    drawn: list[Case] = []

    @hypothesis_settings(examples, Phase.generate)
    @seed(seed_value)
    @given(exercise.generated())
    def collect(case: Case) -> None:
        assume(not exercise.kink_check(case))
        drawn.append(case)

    collect()
    return drawn
