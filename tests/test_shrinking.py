"""Remembered shrinks (grader/shrinking.py) give exactly the smallest case Hypothesis gives."""

from __future__ import annotations

import pytest

from grader import engine, shrinking
from grader.sandbox import Limits
from grader.selfcheck import TrustedWorker, known_mutants
from grader.suite import EXERCISES, Case

SEED, EXAMPLES = 0, 12
BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def runner_for(exercise, function) -> engine.Runner:
    return engine.Runner(exercise, TrustedWorker({exercise.function: function}), exercise.module, Limits())


def attempt_with(runner: engine.Runner, calls: list):
    def attempt(case, expected):
        calls.append(case)
        trial = runner.attempt(case, expected)
        if trial.verdict.kind in engine.STOPPING:
            raise engine.Stop(trial.verdict)
        return trial, not trial.verdict.ok

    return attempt


def smallest(trials) -> str | None:
    return shrinking.case_key(trials[-1].case) if trials else None


@pytest.mark.parametrize("name", ["backward.backward", "training.train_step", "activations.relu_grad"])
def test_a_walk_ends_on_the_case_hypothesis_finds_for_every_known_mistake(name):
    exercise = BY_NAME[name]
    tree = shrinking.Tree()
    mutants = known_mutants(exercise)
    assert len(mutants) >= 2
    walked = 0
    for _mistake, function in [*mutants, *mutants]:  # the second round walks every road the first recorded
        runner = runner_for(exercise, function)
        fresh_road: list = []
        fresh = engine.hypothesis_shrink(attempt_with(runner, []), exercise, fresh_road, seed_value=SEED, examples=EXAMPLES)
        calls: list = []
        remembered = tree.walk(attempt_with(runner, calls))
        if remembered is None:
            tree.record(fresh_road)
        else:
            walked += 1
            assert smallest(remembered) == smallest(fresh)
            assert [shrinking.case_key(c) for c in calls] == [shrinking.case_key(c) for c, _, _ in fresh_road]
    assert walked >= len(mutants)
    assert tree.size > 0


def test_a_student_who_leaves_a_known_road_is_shrunk_by_hypothesis_and_the_new_road_is_kept():
    exercise = BY_NAME["activations.relu_grad"]
    reference = exercise.reference
    tree = shrinking.tree_for(exercise, SEED, EXAMPLES)
    tree.__init__()  # a process-wide cache: start from nothing

    def wrong_at_zero(z):
        return (z >= 0).astype(float)

    def wrong_everywhere(z):
        return reference(Case((z,), {})) + 1.0

    seen = []
    for function in (wrong_at_zero, wrong_everywhere, wrong_at_zero, wrong_everywhere):
        runner = runner_for(exercise, function)
        seen.append(engine.shrink(runner, exercise, seed_value=SEED, examples=EXAMPLES))
    first_size = tree.size
    assert first_size > 0
    assert [t.case.args[0].tolist() for t in seen[2:]] == [t.case.args[0].tolist() for t in seen[:2]]
    assert not seen[0].verdict.ok and not seen[1].verdict.ok
    runner = runner_for(exercise, wrong_at_zero)
    engine.shrink(runner, exercise, seed_value=SEED, examples=EXAMPLES)
    assert tree.size == first_size  # nothing new: the road was known


def test_walking_follows_outcomes_and_stops_where_the_tree_does_not_go():
    tree = shrinking.Tree()
    a, b, c = (Case((float(i),), {}) for i in range(3))
    tree.record([(a, "ea", True), (b, "eb", False), (c, "ec", True)])
    outcomes = {0.0: True, 1.0: False, 2.0: True}

    def attempt(case, expected):
        return (case.args[0], expected), outcomes[case.args[0]]

    assert tree.walk(attempt) == [(0.0, "ea"), (2.0, "ec")]
    outcomes[1.0] = True  # b now fails: no shrink went that way
    assert tree.walk(attempt) is None
    tree.record([(a, "ea", True), (b, "eb", True)])
    assert tree.walk(attempt) == [(0.0, "ea"), (1.0, "eb")]
    assert tree.size == 3


def test_an_empty_tree_knows_no_road_and_a_stop_ends_the_walk():
    tree = shrinking.Tree()
    assert tree.walk(lambda case, expected: (None, True)) is None
    tree.record([(Case((1.0,), {}), None, True)])

    def stopping(case, expected):
        raise engine.Stop(None)

    with pytest.raises(engine.Stop):
        tree.walk(stopping)


def test_a_road_that_contradicts_the_tree_is_not_recorded():
    tree = shrinking.Tree()
    tree.record([(Case((1.0,), {}), None, True), (Case((2.0,), {}), None, False)])
    tree.record([(Case((1.0,), {}), None, True), (Case((3.0,), {}), None, True)])
    assert tree.size == 2
    assert tree.root.after[True].case.args == (2.0,)


def test_the_trees_stop_growing_at_the_process_cap(monkeypatch):
    monkeypatch.setattr(shrinking, "_nodes", [0])
    monkeypatch.setattr(shrinking, "MAX_NODES", 4)
    first, second = shrinking.Tree(), shrinking.Tree()
    first.record([(Case((float(i),), {}), None, True) for i in range(3)])
    second.record([(Case((float(i),), {}), None, True) for i in range(2)])  # 5 in all: over the cap
    assert first.size == 3 and second.root is None and second.size == 0

