"""Where a batch's jobs run: a bounded queue, and the local grading processes.

`run_local` grades N submissions at a time in N grading processes (a
ProcessPoolExecutor), each pinned to a core of its own where the machine has
enough. A submission whose student code has kept one call waiting for
`sandbox.STALL_SECONDS` (an endless loop, usually, running into --timeout)
lends its place meanwhile: its grading process only waits, and up to N more
(4 at most: each starts its own zygotes) processes may grade other
submissions until the call ends. The stalled
student's process keeps its CPU share and its wall-clock limit; without the
loan a class with a few endless loops spends their whole --timeout with N
grading processes idle.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from . import sandbox

POLL_SECONDS = 0.2  # how often the queue looks again at how many submissions are stalled
MOST_LENT = 4  # grading processes lent at most: each starts its own zygotes (about 300 MiB with torch)


def run_local(jobs: Iterable, workers: int, *, grade: Callable, load: Callable) -> Iterator[tuple]:
    """(job, outcome) as each completes: `grade(load(job))` in `workers` processes at a time (more while
    some wait on a stalled call).

    A grading process that dies (a hostile submission may kill it) breaks the
    whole pool: the jobs it took down are tried again at the end, each alone,
    so that only the guilty one ends as a grader error.
    """
    from concurrent.futures.process import BrokenProcessPool

    queue, suspects = deque(jobs), []
    while queue:
        broken = [False]  # read by `bounded` between submissions
        with Pools(workers, grade, load) as pools:
            for job, outcome in bounded(queue, pools.submit, local_wait, pools.room, accepting=lambda: not broken[0]):
                if isinstance(outcome, BrokenProcessPool):
                    broken[0] = True
                    suspects.append(job)
                else:
                    yield job, outcome
    for job in suspects:
        with Pools(1, grade, load) as pools:
            yield job, outcome_of(pools.submit(job))


class Pools:
    """`workers` grading processes, and as many more (MOST_LENT at most), started when first lent, for
    stalled submissions.

    The first pool is kept `workers` submissions ahead (a process that ends
    one starts the next at once); the second gets one more submission per
    stalled one, never queued. Its processes would take submissions queued in
    it as soon as they are idle, but a stalled process does not hold its core.
    """

    def __init__(self, workers: int, grade: Callable, load: Callable):
        from multiprocessing import get_context

        self.workers, self.grade, self.load = workers, grade, load
        self.lendable = min(workers, MOST_LENT)
        self.context = get_context("spawn")
        self.stalled = self.context.Value("i", 0)  # submissions of either pool stalled now
        self.main = self._pool(workers, pin=True)
        self.lent = None
        self.in_main: set = set()

    def _pool(self, size: int, *, pin: bool):
        """Pinned to a core each where the machine has enough: a grading process and its sandboxed workers
        answer each other thousands of times per submission, and on one core each answer costs a fraction
        of waking a process on another (an inter-processor interrupt, dear in a VM). The zygotes and workers
        a grading process starts inherit its core."""
        from concurrent.futures import ProcessPoolExecutor

        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        cores = cpus if pin and 0 < size <= len(cpus) else []
        return ProcessPoolExecutor(max_workers=size, mp_context=self.context, initializer=settle,
                                   initargs=(self.context.Value("i", 0), cores, self.stalled))

    def room(self) -> int:
        """How many submissions may be in the pools now."""
        return 2 * self.workers + min(max(self.stalled.value, 0), self.lendable)

    def submit(self, job):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        self.in_main = {future for future in self.in_main if not future.done()}
        try:
            if len(self.in_main) < 2 * self.workers:
                future = self.main.submit(self.grade, self.load(job))
                self.in_main.add(future)
                return future
            if self.lent is None:
                self.lent = self._pool(self.lendable, pin=False)
            return self.lent.submit(self.grade, self.load(job))
        except BrokenProcessPool as error:
            failed: Future = Future()
            failed.set_exception(error)
            return failed

    def __enter__(self) -> Pools:
        return self

    def __exit__(self, *exc) -> None:
        for pool in (self.main, self.lent):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def settle(counter, cpus: list[int], stalled) -> None:
    """A grading process's start: pinned to the next core of `cpus` (if any), and telling `stalled` (the
    count of submissions stalled now) when a call of its student's starts and stops stalling."""
    if cpus:
        with counter.get_lock():
            index = counter.value
            counter.value += 1
        os.sched_setaffinity(0, {cpus[index % len(cpus)]})

    def tell(waiting: bool) -> None:
        with stalled.get_lock():
            stalled.value += 1 if waiting else -1

    sandbox.on_stall = tell


def local_wait(futures: set) -> set:
    from concurrent.futures import FIRST_COMPLETED, wait

    return wait(futures, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED).done


def outcome_of(future):
    """What a finished job gave, or the exception of ours that stopped it."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - any failure of ours becomes that student's grader_error
        return error


def bounded(
    queue: deque,
    submit: Callable,
    wait_first: Callable,
    limit: int | Callable[[], int],
    *,
    accepting: Callable[[], bool] = lambda: True,
) -> Iterator[tuple]:
    """Submit from the left of `queue`, `limit` (or `limit()`, asked again as jobs end or `wait_first`
    returns) at most running, while `accepting()`; yield each (job, outcome) as it ends.

    Bounded so that only a few submissions' files are in memory at once.
    Stopping early puts the jobs still running back at the left of `queue`.
    """
    room = limit if callable(limit) else lambda: limit
    running: dict = {}
    try:
        while (queue and accepting()) or running:
            while queue and accepting() and len(running) < room():
                job = queue.popleft()
                running[submit(job)] = job
            done = wait_first(set(running))
            for future in [f for f in running if f in done]:  # in submission order, not the set's
                yield running.pop(future), outcome_of(future)
    finally:
        queue.extendleft(reversed(list(running.values())))
        for future in running:
            future.cancel()
