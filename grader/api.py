"""Keyword-only entry points behind the command line: check a submission, list exercises."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .errors import UsageError
from .model import Report

DEFAULT_SEED = 0
DEFAULT_EXAMPLES = 25


def grader_version() -> str:
    try:
        return version("backprop-grader")
    except PackageNotFoundError:
        return "0+unknown"


def check(
    path: str | os.PathLike,
    *,
    only: tuple[str, ...] = (),
    seed: int = DEFAULT_SEED,
    examples: int = DEFAULT_EXAMPLES,
    timeout: float = 10.0,
    memory: int = 2 * 1024**3,
) -> Report:
    """Grade the submission at `path`; raises GraderError when it cannot be read."""
    from .loading import NOTEBOOK, load_submission
    from .sandbox import Limits, start_workers

    if examples < 1:
        raise UsageError(f"--examples must be at least 1, got {examples}")
    if timeout <= 0:
        raise UsageError(f"--timeout must be positive, got {timeout:g}")
    submission = load_submission(path)
    limits = Limits(timeout=timeout, memory=memory)
    has_torch = any(m.name in ("torch_net", NOTEBOOK) for m in submission.modules)
    wants_torch = not only or any(name.split(".")[0] == "torch_net" for name in only)
    # Started before the engine (and Hypothesis) is imported: each worker's imports overlap ours.
    workers = start_workers(submission, torch=has_torch and wants_torch, limits=limits)
    try:
        from . import engine, suite

        exercises = suite.select(only)
        results = engine.grade(submission, exercises, workers, seed_value=seed, examples=examples, limits=limits)
    finally:
        for worker in workers.values():
            worker.close()
    return Report(
        score=round(sum(r.score for r in results), 6),
        max_score=round(sum(r.max_score for r in results), 6),
        seed=seed,
        exercises=tuple(results),
        submission=str(path),
        notes=submission.notes,
        grader_version=grader_version(),
    )


def exercise_table() -> list[tuple[str, float]]:
    """(name, points) of every exercise, in grading order."""
    from .suite import EXERCISES

    return [(e.name, e.points) for e in EXERCISES]


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Replace `path` in one step, so a reader never sees half a report."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
