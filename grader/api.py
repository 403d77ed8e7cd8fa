"""Keyword-only entry points behind the command line: check a submission, list exercises."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .errors import KeyFileError, UsageError
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
    memory: int = 1024**3,
    key: str | os.PathLike | None = None,
    sandbox: str = "process",
    lang: str | None = None,
) -> Report:
    """Grade the submission at `path`; raises GraderError when it cannot be read.

    `key`: an answer key (key.json from `grader generate`) whose network
    replaces the 2-2-2 example in the named cases.
    `sandbox`: "none", "process" or "strict" (see grader/isolation.py).
    `lang`: "en" or "zh", the language of the feedback and of the errors
    raised; None: the current one (grader/i18n.py: English unless the caller
    chose another; the command line passes the locale's). The report records it.
    """
    from .i18n import using

    with using(lang) as language:
        return graded(path, only=only, seed=seed, examples=examples, timeout=timeout, memory=memory, key=key,
                      sandbox=sandbox, lang=language)


def graded(path, *, only, seed, examples, timeout, memory, key, sandbox, lang: str) -> Report:
    """`check` within its language."""
    from .i18n import _
    from .loading import NOTEBOOK, load_submission
    from .registry import module_names
    from .sandbox import Limits, start_workers

    if examples < 1:
        raise UsageError(_("--examples must be at least 1, got {examples}").format(examples=examples))
    if timeout <= 0:
        raise UsageError(_("--timeout must be positive, got {timeout:g}").format(timeout=timeout))
    figures = read_key(key) if key is not None else None
    submission = load_submission(path, modules=module_names())
    limits = Limits(timeout=timeout, memory=memory)
    has_torch = any(m.name in ("torch_net", NOTEBOOK) for m in submission.modules)
    wants_torch = not only or any(name.split(".")[0] == "torch_net" for name in only)
    # Started before the engine (and Hypothesis) is imported: each worker's imports overlap ours.
    workers = start_workers(submission, torch=has_torch and wants_torch, limits=limits, sandbox=sandbox)
    try:
        from . import cases, engine, registry

        exercises = registry.select(only)
        results = engine.grade(
            submission,
            exercises,
            workers,
            figures=figures or cases.canonical_figures(),
            seed_value=seed,
            examples=examples,
            limits=limits,
        )
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
        lang=lang,
    )


def selfcheck(*, only: tuple[str, ...] = (), seed: int = DEFAULT_SEED, examples: int = DEFAULT_EXAMPLES):
    """The kill matrix: the reference against every check, then every known mutant.

    Returns (rows, text); every row is as expected when the reference passes
    and each mutant is caught.
    """
    from . import cases, registry, selfcheck as mutation

    rows = mutation.run(registry.select(only), figures=cases.canonical_figures(), seed_value=seed, examples=examples)
    return rows, mutation.render(rows)


KEY_FIELDS = ("network", "output", "loss", "grads", "params_after_step", "chain_rule", "batches")


def read_key(path: str | os.PathLike) -> dict:
    """An answer key: the structure of reference/canonical-2-2-2.json for one variant."""
    import json

    import numpy as np

    try:
        figures = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyFileError(f"{path}: not a JSON answer key ({exc})") from None
    missing = [name for name in KEY_FIELDS if not isinstance(figures, dict) or name not in figures]
    if missing:
        raise KeyFileError(f"{path}: not an answer key (no {missing[0]!r})")
    try:
        net = figures["network"]
        params = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in net["params"]]
        sizes_fit = all(W.ndim == 2 and b.shape == (W.shape[0],) for W, b in params)
        x = np.asarray(net["x"], dtype=float)
        if not params or not sizes_fit or x.ndim != 2 or x.shape[1] != params[0][0].shape[1]:
            raise ValueError("the weights, biases and inputs do not fit together")
        if net["activation"] not in ("sigmoid", "tanh", "relu"):
            raise ValueError(f"unknown activation {net['activation']!r}")
        float(net["lr"])
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError(f"{path}: the key's network cannot be read ({exc})") from None
    return figures


def exercise_table() -> list[tuple[str, float]]:
    """(name, points) of every exercise, in grading order."""
    from .registry import exercises

    return [(e.name, e.points) for e in exercises()]


def write_atomically(path: str | os.PathLike, content: str | bytes) -> None:
    """Replace `path` in one step, so a reader never sees half a report; text is written as UTF-8."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    os.replace(temporary, target)
