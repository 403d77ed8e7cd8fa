"""Drawn cases kept on disk (grader/plan_cache.py) are exactly the cases Hypothesis draws."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from grader import plan_cache, plans
from grader.suite import EXERCISES


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_every_exercise_reads_back_the_cases_hypothesis_drew(private_tmp, exercise):
    drawn = plans.draw(exercise, 3, 6)
    plan_cache.save(exercise, 3, 6, drawn)
    kept = plan_cache.load(exercise, 3, 6)
    assert kept is not None and len(kept) == len(drawn) > 0
    assert all(same(k.args, d.args) and same(k.kwargs, d.kwargs) for k, d in zip(kept, drawn))
    assert plan_cache.load(exercise, 4, 6) is None and plan_cache.load(exercise, 3, 7) is None


def test_a_file_that_is_not_cases_is_drawn_again(private_tmp):
    exercise = EXERCISES[0]
    plan_cache.save(exercise, 0, 5, plans.draw(exercise, 0, 5))
    target = plan_cache.folder() / plan_cache.file_name(exercise, 0, 5)
    nested = '{"format": 1, "exercise": "%s", "cases": [{"args": %s, "kwargs": {}}]}' % (
        exercise.name, "[" * 100_000 + "]" * 100_000)
    unfilled = '{"format": 1, "exercise": "%s", "cases": [{"args": [{"nd": [1.0], "shape": [2]}], "kwargs": {}}]}' % (
        exercise.name)
    for text in ("not json", '{"format": 1, "exercise": "other.name", "cases": []}', '{"format": 1}', nested, unfilled):
        target.write_text(text)
        assert plan_cache.load(exercise, 0, 5) is None
    plans.generated_plan.cache_clear()
    assert len(plans.generated_plan(exercise, 0, 5)) > 0
    assert plan_cache.load(exercise, 0, 5) is not None  # drawn again, and kept


def test_a_folder_others_can_write_is_never_used(private_tmp):
    place = private_tmp / f"backprop-grader-{os.getuid()}"
    place.mkdir()
    place.chmod(0o777)
    assert plan_cache.folder() is None
    plan_cache.save(EXERCISES[0], 0, 5, plans.draw(EXERCISES[0], 0, 5))
    assert plan_cache.load(EXERCISES[0], 0, 5) is None
    assert not (place / "plans").exists() or not any((place / "plans").iterdir())


def test_a_check_whose_cases_are_kept_never_imports_hypothesis(private_tmp, tmp_path):
    program = (
        "import sys, tempfile; tempfile.tempdir = sys.argv[1]\n"
        "from grader import plans, registry\n"
        "for exercise in registry.select(('forward',)): plans.generated_plan(exercise, 0, 25)\n"
        "print('hypothesis' in sys.modules)\n"
    )
    runs = [subprocess.run([sys.executable, "-c", program, str(private_tmp)], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert runs == ["True\n", "False\n"]
