"""Requests sent ahead of their replies: the same results as one at a time, never a reply taken for another's.

The engine submits an exercise's cases at once (sandbox.Worker.submit) and
judges each reply as it comes; when it stops early (a failure to shrink, a
timeout) the calls still in flight are abandoned: their replies are read and
dropped, their forbidden alerts blamed on nothing, their time charged to
nobody, and a call among them that hangs only costs a restart of the worker.
"""

from __future__ import annotations

import time

import pytest
from conftest import student_source

from grader import sandbox
from grader.api import check
from grader.loading import load_submission
from grader.sandbox import Limits, Worker
from grader.wire import framed

# The third and fourth generated cases of gradient_descent.num_batches at the default seed, 10 examples:
# the fourth is sent before the third's reply is judged.
THIRD, FOURTH = (13719, 1774), (23895, 531)
NUM_BATCHES = f"""

_correct = num_batches


def num_batches(num_samples, batch_size):
    if (num_samples, batch_size) == {THIRD}:
        return 0
    if (num_samples, batch_size) == {FOURTH}:
        {{fourth}}
    return _correct(num_samples, batch_size)
"""
TORCH_NET = """

_make_net, _train_step = make_net, torch_train_step


def make_net(params, activation="sigmoid"):
    if len(params) > 2:
        raise ValueError("only two layers")
    return _make_net(params, activation)


def torch_train_step(net, x, y, lr):
    if x.shape[0] == 3:
        raise ValueError("not a batch of three")
    return _train_step(net, x, y, lr)
"""
COMPOSITE = """

import os
import time


def composite(x, w, b):
    if x == 5:
        time.sleep(1.0)
    if x == 6:
        while True:
            pass
    if x == 7:
        os._exit(3)
    if x == 8:
        import torch
    return x * 10 + w
"""


def call(x: float, w: float = 0.0) -> dict:
    """composite(x, w, 0): 10 * x + w, unless x is one of COMPOSITE's special values."""
    return {"module": "chain_rule", "function": "composite", "args": [x, w, 0.0], "kwargs": {}, "returns": "number"}


def submit(worker: Worker, *xs: float) -> None:
    worker.submit(*(framed(call(x)) for x in xs))


@pytest.fixture
def worker(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "chain_rule.py").write_text(student_source("chain_rule") + COMPOSITE)
    worker = Worker(load_submission(folder), "numpy", Limits(timeout=2.0))
    yield worker
    worker.close()


def values(worker: Worker, count: int) -> list:
    return [(o.status, o.value.item() if o.status == "ok" else None) for o in (worker.collect(5) for _ in range(count))]


# --- the worker's queue --------------------------------------------------------------------


def test_replies_come_in_order_through_a_window_smaller_than_one_request(worker, monkeypatch):
    monkeypatch.setattr(sandbox, "WINDOW", 64)  # every request is bigger: one in flight at a time
    worker.submit(*(framed(call(1, w)) for w in range(30)))
    assert values(worker, 30) == [("ok", 10.0 + w) for w in range(30)]


def test_requests_larger_than_the_pipe_neither_block_nor_mix(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "gradient_descent.py").write_text(student_source("gradient_descent"))
    worker = Worker(load_submission(folder), "numpy", Limits())
    big = [float(i) for i in range(60_000)]  # about 700 KB of JSON each way: ten times what a pipe holds
    try:
        worker.submit(*(framed({"module": "gradient_descent", "function": "sgd_update",
                                "args": [{"nd": big, "shape": [60_000]}, {"nd": big, "shape": [60_000]}, lr],
                                "kwargs": {}, "returns": "array"}) for lr in (0.0, 0.5, 1.0)))
        results = [worker.collect(30) for _ in range(3)]
    finally:
        worker.close()
    assert [r.status for r in results] == ["ok"] * 3
    assert [float(r.value[-1]) for r in results] == [59_999.0, 29_999.5, 0.0]


def test_abandoned_calls_answer_nothing_later_and_cost_no_time(worker):
    submit(worker, 1, 5, 2)  # 5 sleeps for a second
    assert values(worker, 1) == [("ok", 10.0)]
    spent = worker.spent
    worker.abandon()
    assert worker.request(call(3), 5).value.item() == 30.0
    assert worker.spent - spent < 0.5


def test_an_abandoned_call_that_hangs_costs_a_restart_not_the_students_time(worker):
    submit(worker, 1, 6, 2)  # 6 never returns
    assert values(worker, 1) == [("ok", 10.0)]
    first, spent = worker.process, worker.spent
    worker.abandon()
    started = time.monotonic()
    assert worker.request(call(3), 5).value.item() == 30.0
    assert time.monotonic() - started < 2.0 + 5  # the drain gives up after Limits.timeout
    assert worker.process is not first
    assert worker.spent - spent < 1.0


def test_an_abandoned_calls_forbidden_import_is_blamed_on_nothing(worker):
    submit(worker, 1, 8, 2)
    assert values(worker, 1) == [("ok", 10.0)]
    worker.abandon()
    outcome = worker.request(call(3), 5)
    assert (outcome.status, outcome.forbidden) == ("ok", ())


def test_a_crash_mid_queue_is_that_calls_and_the_rest_go_to_a_fresh_worker(worker):
    submit(worker, 1, 7, 2, 3)  # 7 exits
    outcomes = [worker.collect(5) for _ in range(4)]
    assert [o.status for o in outcomes] == ["ok", "crashed", "ok", "ok"]
    assert [o.value.item() for o in outcomes if o.status == "ok"] == [10.0, 20.0, 30.0]


def test_a_forbidden_call_in_the_queue_is_that_calls_alone(worker):
    submit(worker, 1, 8, 2)
    assert [o.status for o in (worker.collect(5) for _ in range(3))] == ["ok", "forbidden", "ok"]


# --- whole checks --------------------------------------------------------------------------


def graded(path, monkeypatch, *, one_at_a_time: bool, **options) -> dict:
    with monkeypatch.context() as patch:
        if one_at_a_time:
            patch.setattr(sandbox, "WINDOW", 1)
        report = check(path, examples=10, **options).to_dict()
    for exercise in report["exercises"]:
        exercise.pop("output")  # warnings name the worker's temporary folder
    return report


@pytest.mark.parametrize(("bug", "module"), [
    ("backward__transposed_weight_grad", "backward"),
    ("training__stale_weights", "training"),
    ("activations__relu_grad_at_zero", "activations"),
    ("gradient_descent__in_place_update", "gradient_descent"),
    ("chain_rule__chain_missing_inner", "chain_rule"),
    (None, "torch_net"),
])
def test_sent_ahead_or_one_at_a_time_the_report_is_the_same(submissions, monkeypatch, bug, module):
    bugs = (bug,) if bug else ()
    replace = {} if bug else {"torch_net": student_source("torch_net") + TORCH_NET}
    folder = submissions.folder(*bugs, replace=replace)
    ahead = graded(folder, monkeypatch, one_at_a_time=False, only=(module,))
    alone = graded(folder, monkeypatch, one_at_a_time=True, only=(module,))
    assert ahead == alone
    assert {e["status"] for e in ahead["exercises"]} - {"passed"}  # the bug shows: cases were abandoned


def test_a_failure_is_shrunk_though_a_case_sent_after_it_hangs(submissions):
    folder = submissions.folder(modules=("gradient_descent",), replace={
        "gradient_descent": student_source("gradient_descent") + NUM_BATCHES.format(fourth="while True:\n            pass")})
    started = time.monotonic()
    report = check(folder, only=("gradient_descent.num_batches",), examples=10, timeout=1.5)
    elapsed = time.monotonic() - started
    (result,) = report.exercises
    assert result.status == "failed"
    assert "smallest failing case: num_batches(13719, 1774)" in result.feedback
    assert elapsed < 1.5 + 10  # the hanging call: one drain that gives up, one restart


def test_autodiff_in_an_abandoned_call_is_blamed_on_no_exercise(submissions):
    folder = submissions.folder(modules=("gradient_descent",), replace={
        "gradient_descent": student_source("gradient_descent") + NUM_BATCHES.format(fourth="import torch")})
    report = check(folder, only=("gradient_descent.num_batches", "gradient_descent.sgd_update"), examples=10)
    assert {e.name: e.status for e in report.exercises} == {
        "gradient_descent.num_batches": "failed", "gradient_descent.sgd_update": "passed"}


def test_many_large_cases_do_not_deadlock(submissions):
    report = check(submissions.folder(), only=("training.fit",), examples=200)  # 150 KB of requests
    assert [(e.status, e.checks[-1].name) for e in report.exercises] == [("passed", "200 generated cases")]
