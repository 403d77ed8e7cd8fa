"""The local grading processes: bounded queueing, and a stalled submission's place lent to others."""

from __future__ import annotations

import time
from collections import deque

from grader import pool, sandbox


def graded(job: tuple[str, float]) -> str:
    """A stand-in for batch.grade_one: job (name, seconds stalled); the stall is told as the sandbox tells it."""
    name, seconds = job
    if seconds:
        sandbox.on_stall(True)
        time.sleep(seconds)
        sandbox.on_stall(False)
    return name


def as_is(job):
    return job


def test_while_a_submission_is_stalled_others_are_graded_beside_it():
    jobs = [("stalled", 5.0), ("queued", 0.0), ("a", 0.0), ("b", 0.0), ("c", 0.0)]
    finished = []
    started = time.monotonic()
    for job, outcome in pool.run_local(jobs, 1, grade=graded, load=as_is):
        finished.append((outcome, time.monotonic() - started))
    order = [name for name, _ in finished]
    assert sorted(order) == ["a", "b", "c", "queued", "stalled"]
    # "queued" waits behind the stalled one in its process; a, b and c go to a lent process meanwhile.
    assert order.index("a") < order.index("stalled") and order.index("c") < order.index("stalled")
    assert order[-2:] == ["stalled", "queued"]


def test_without_stalls_one_process_grades_in_order():
    jobs = [(str(i), 0.0) for i in range(5)]
    assert [outcome for _job, outcome in pool.run_local(jobs, 1, grade=graded, load=as_is)] == [str(i) for i in range(5)]


def test_bounded_asks_the_limit_again_as_it_changes():
    limit = [1]
    running_at_submit = []
    pending: list = []

    class Done:
        def __init__(self, job):
            self.job = job

        def result(self):
            return self.job

    def submit(job):
        running_at_submit.append(len(pending))
        future = Done(job)
        pending.append(future)
        return future

    def wait_first(futures):
        limit[0] = 3  # after the first wait, three may run
        first = pending.pop(0)
        return {first}

    queue = deque(range(6))
    results = [outcome for _job, outcome in pool.bounded(queue, submit, wait_first, lambda: limit[0])]
    assert results == list(range(6))
    assert max(running_at_submit) == 2  # three running at most once the limit grew
    assert running_at_submit[:2] == [0, 0]


def test_a_stall_is_told_once_when_a_reply_is_late_and_once_when_it_comes(monkeypatch):
    import os

    told = []
    monkeypatch.setattr(sandbox, "on_stall", told.append)
    monkeypatch.setattr(sandbox, "STALL_SECONDS", 0.05)
    read, write = os.pipe()
    worker = sandbox.Worker.__new__(sandbox.Worker)
    worker.reply_r, worker.request_w, worker.outbox = read, write, bytearray()
    try:
        assert worker._wait(0.03) == (False, False) and told == []
        assert worker._wait(0.2) == (False, False) and told == [True, False]
        os.write(write, b"x")
        assert worker._wait(5.0) == (True, False) and told == [True, False]
    finally:
        os.close(read)
        os.close(write)


def test_at_most_four_processes_are_lent_however_many_submissions_stall(monkeypatch):
    with pool.Pools(8, graded, as_is) as pools:
        pools.stalled.value = 8
        assert pools.room() == 2 * 8 + pool.MOST_LENT
        pools.stalled.value = 1
        assert pools.room() == 2 * 8 + 1
