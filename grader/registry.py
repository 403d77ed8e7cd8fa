"""Which exercises there are: the built-in suite, and those an instructor registers.

An instructor's package adds exercises through the entry point group
`backprop_grader.exercises`. The entry point's name is the student's module
the exercises live in, and its value names a list of `grader.suite.Exercise`:

    [project.entry-points."backprop_grader.exercises"]
    losses = "mycourse.losses:EXERCISES"

Module names are known from the entry points alone (cheap: nothing is
imported), so a submission can be read before the exercises are loaded.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib.metadata import entry_points

from .errors import GraderError, UsageError
from .loading import MODULES

GROUP = "backprop_grader.exercises"


def plugin_points() -> list:
    return list(points_on(tuple(sys.path)))


@lru_cache(maxsize=8)
def points_on(path: tuple[str, ...]) -> tuple:
    """The group's entry points that `path` (sys.path) finds: reading every package's metadata takes
    milliseconds, and a batch reads a submission's module names thousands of times."""
    return tuple(sorted(entry_points(group=GROUP), key=lambda point: point.name))


def module_names() -> tuple[str, ...]:
    """The student modules a submission may hold: the built-in ones, then the registered ones."""
    return MODULES + tuple(p.name for p in plugin_points() if p.name not in MODULES)


@lru_cache(maxsize=1)
def exercises() -> tuple:
    """Every exercise in grading order: the built-in suite, then each plugin's."""
    from .suite import EXERCISES, Exercise

    found = list(EXERCISES)
    for point in plugin_points():
        try:
            loaded = list(point.load())
        except Exception as exc:  # noqa: BLE001 - an instructor's plugin may fail in any way; say which
            raise GraderError(f"exercise plugin {point.name!r} ({point.value}) cannot be loaded: {exc}") from None
        for exercise in loaded:
            if not isinstance(exercise, Exercise):
                raise GraderError(f"exercise plugin {point.name!r} ({point.value}) holds {exercise!r}, not an Exercise")
            if exercise.module != point.name:
                raise GraderError(
                    f"exercise plugin {point.name!r}: {exercise.name} must live in module {point.name!r}"
                    " (the entry point's name)"
                )
            if any(e.name == exercise.name for e in found):
                raise GraderError(f"exercise plugin {point.name!r}: {exercise.name} is already defined")
            found.append(exercise)
    return tuple(found)


def select(only: tuple[str, ...] | list[str]) -> list:
    """The exercises named by --only (exercise or module names); all when empty."""
    table = exercises()
    if not only:
        return list(table)
    known = {e.name for e in table} | {e.module for e in table}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise UsageError(f"unknown exercise or module {unknown[0]!r} for --only (try 'grader list')")
    return [e for e in table if e.name in only or e.module in only]
