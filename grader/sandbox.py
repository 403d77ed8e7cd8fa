"""Runs the student's code in a separate, limited process and talks to it in plain data.

The grader's process never imports student code. A `Worker` starts
`python -I -B -S` on grader/worker.py's source in a fresh temporary copy of
the submission, with a cleared environment, inside the sandbox level asked
for (grader/isolation.py: `none`, `process`, `strict`), sends it requests as
JSON and reads JSON replies under a time budget. Requests may be sent ahead
of their replies (`submit`, then `collect` each reply in order): the worker
runs the next call while the grader judges the last one. Whatever happens in there
(an exception, an exit, a hang, a crash, a forged reply) comes back as an
`Outcome`: a student's failure is a result, not an error of ours. A sandbox
that cannot start at all is ours: `isolation.SandboxError`.
"""

from __future__ import annotations

import json
import math
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import isolation, zygote
from .isolation import SandboxError, site_directories  # noqa: F401 - site_directories: kept importable from here
from .loading import NOTEBOOK, Submission
from .wire import Request, decode, framed

MAX_REPLY_BYTES = 4 * 1024 * 1024  # results are small; a forged reply of more is refused unread
MAX_OUTPUT_CHARS = 2000
LIBRARIES = ("libtorch", "libjax", "libtensorflow", "libmxnet")  # autodiff, seen in the NumPy worker's memory map
WINDOW = 64 * 1024  # bytes of requests sent ahead of their replies, at most (and at most what the pipe holds)
AHEAD = 8  # requests sent ahead of their replies, at most: enough to keep the worker busy, little to abandon
RESTARTED = object()  # `Worker._frame`'s answer when the worker was started afresh and the requests sent again
STALL_SECONDS = 1.0  # a reply awaited this long: the student's call is stalled (usually an endless loop)
# Told True when a call stalls and False when its wait ends; a batch's grading processes set it (grader/pool.py)
# to lend a stalled submission's place to another.
on_stall: Callable[[bool], None] | None = None


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds of the student's code per exercise (wall clock, from this process)
    memory: int = 1024**3  # bytes of address space; torch's import needs about 660 MiB of it
    file_size: int = 16 * 1024**2  # largest file the worker may write, its printed output included
    open_files: int = 256
    processes: int = 256  # RLIMIT_NPROC, where it binds (the sandbox's own uid or user namespace)
    cpu: float | None = None  # seconds of CPU per process; None: enough for every exercise at its timeout
    disk: int = 64 * 1024**2  # the working copy's tmpfs (and strict's /tmp)
    total: float | None = None  # seconds of wall clock for all the calls of one worker; None: no cap beyond timeout

    @property
    def cpu_seconds(self) -> int:
        return math.ceil(self.cpu if self.cpu is not None else 30 * self.timeout + 30)


@dataclass(frozen=True)
class Outcome:
    """What one call of the student's code came to.

    status: "ok", "missing", "error", "timeout", "crashed" or "forbidden".
    """

    status: str
    value: object = None
    message: str = ""
    mutated: bool = False
    forbidden: tuple[str, ...] = field(default=())


def working_copy(submission: Submission) -> Path:
    """A fresh folder holding only the submission's module files, written by us."""
    folder = Path(tempfile.mkdtemp(prefix="grader-"))
    for module in submission.modules:
        if module.name != NOTEBOOK and module.filename.endswith(".py") and not module.problem:
            (folder / f"{module.name}.py").write_text(module.cells[0].source, encoding="utf-8")
    return folder


class Pipes:
    """A request and a reply pipe for one worker, as `with Pipes() as pipes:`.

    On leaving, the worker's ends are closed here (the worker holds its own
    copies by then), and ours too unless `keep` took them.
    """

    def __enter__(self):
        self.request_r, self.request_w = os.pipe()
        self.reply_r, self.reply_w = os.pipe()
        self.kept = False
        return self

    def keep(self) -> tuple[int, int]:
        """Our ends: where requests are written (never blocking: see `Worker._flush`) and replies read."""
        self.kept = True
        os.set_blocking(self.request_w, False)
        return self.request_w, self.reply_r

    def __exit__(self, *exc) -> bool:
        theirs, ours = (self.request_r, self.reply_w), (self.request_w, self.reply_r)
        for fd in theirs if self.kept else theirs + ours:
            os.close(fd)
        return False


def pipe_capacity(fd: int) -> int:
    """The bytes a pipe holds unread (64 KiB by default on Linux, one page for a user over their pipe quota)."""
    try:
        import fcntl

        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    except (ImportError, AttributeError, OSError):
        return 4096  # POSIX's PIPE_BUF: every pipe holds that much


class Worker:
    """One student process: `mode` "numpy" (autodiff tripwired) or "torch", at a sandbox level."""

    def __init__(self, submission: Submission, mode: str, limits: Limits, sandbox: str = isolation.DEFAULT_LEVEL):
        self.submission, self.mode, self.limits = submission, mode, limits
        self.sandbox = isolation.check_level(sandbox)
        self.process: subprocess.Popen | None = None
        self.launch: isolation.Launch | None = None
        self.folder: Path | None = None
        self.output_file = None
        self.output_seen = 0
        self.spent = 0.0  # wall clock of every call, across restarts (Limits.total)
        self.layers: dict = {}  # what the sandbox got, from the worker's first frame
        self.stalled: dict[str, str] = {}  # module -> why: its import ran out of time; never tried again
        self.queue: deque[Request] = deque()  # submitted, not collected yet, oldest first
        self.sent = 0  # how many of the queue's first requests the current process was sent
        self.window = WINDOW  # set from the request pipe's capacity when it is made
        self._fresh()

    def _fresh(self) -> None:
        self.ready = False
        self.pid: int | None = None  # the worker's pid, when its memory map can be read from here
        self.taint: tuple[str, str] | None = None  # ("loaded" | "grader", what): every later call fails
        self.loading: str | None = None  # the student's module being imported now, as the worker says
        self.contained = False  # every process of the submission is in the PID namespace of the worker's keeper
        self.inbox = bytearray()  # read from the reply pipe, not yet a whole frame
        self.outbox = bytearray()  # requests not written yet: the pipe was full
        self.flight: deque[int] = deque()  # the size of each request sent and not answered yet, oldest first
        self.in_flight = 0  # their sum
        self.abandoned = 0  # how many of those are abandoned: their replies are read and dropped (`drain`)
        self.zygote: zygote.Zygote | None = None  # the worker's parent, when it was forked

    def start(self) -> None:
        self.folder = working_copy(self.submission)
        if self.output_file is None:  # one file for every restart; O_APPEND so our reads never move its writes
            self.output_file = tempfile.TemporaryFile(mode="a+b")
        self._fresh()
        try:
            self.process = self._forked() or self._started()
            self.window = min(WINDOW, pipe_capacity(self.request_w))
        except BaseException as exc:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
            if isinstance(exc, OSError):
                raise SandboxError(f"cannot start a worker ({self.launch.argv[0]}): {exc.strerror}") from None
            raise
        sources = {
            m.name: {"filename": m.filename, "cells": [[c.source, c.label] for c in m.cells]}
            for m in self.submission.modules
            if not m.problem
        }
        self._send({"sources": sources, "stalled": sorted(self.stalled)})

    def _forked(self) -> zygote.Forked | None:
        """The worker forked by this process's zygote (grader/zygote.py), or None: start it afresh.

        Not where the zygote's address space alone would break the memory limit:
        started afresh, such a worker fails as it always did, with our message.
        """
        parent = zygote.zygote_for(self.mode, self.sandbox)
        if parent is None or not parent.fits(self.limits.memory):
            return None
        folder = str(self.folder)
        config = isolation.worker_config(self.sandbox, folder=folder, limits=self.limits)
        with Pipes() as pipes:
            try:
                process = parent.fork(config=config, env=isolation.worker_env(folder),
                                      fds=(pipes.request_r, pipes.reply_w, self.output_file.fileno()))
            except zygote.ZygoteError:
                zygote.abandon(parent)  # with any child it may have forked holding these pipes
                return None
            self.request_w, self.reply_r = pipes.keep()
        self.launch = isolation.Launch(process.args, keeper=isolation.has_keeper(self.sandbox))
        self.zygote = parent
        return process

    def _started(self) -> subprocess.Popen:
        """The worker started afresh: `python -I -B -S`, or bubblewrap running it."""
        with Pipes() as pipes:
            self.launch = isolation.launch(self.sandbox, mode=self.mode, folder=str(self.folder),
                                           fds=(pipes.request_r, pipes.reply_w), limits=self.limits)
            process = subprocess.Popen(
                self.launch.argv,
                pass_fds=(pipes.request_r, pipes.reply_w),
                cwd=self.folder,
                env=self.launch.env,
                stdin=subprocess.DEVNULL,
                stdout=self.output_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.request_w, self.reply_r = pipes.keep()
        return process

    def _send(self, obj) -> None:
        self.outbox += framed(obj).frame
        self._flush()

    def _flush(self) -> None:
        """Write what the request pipe takes of `outbox` now; the rest is written while replies are awaited.

        Never blocks: a worker that stops reading its requests cannot hang the
        grader, which keeps reading replies (and the clock) meanwhile.
        """
        try:
            while self.outbox:
                del self.outbox[: os.write(self.request_w, self.outbox)]
        except BlockingIOError:
            pass
        except OSError:
            self.outbox.clear()  # the worker is gone; the reply read will say so

    def _read(self, n: int, deadline: float) -> bytes | None:
        """`n` bytes of the reply pipe; what arrived beyond them waits in `inbox` for the next frame."""
        while len(self.inbox) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, writable = self._wait(remaining)
            if writable:
                self._flush()
            if not readable:
                continue
            chunk = os.read(self.reply_r, max(n - len(self.inbox), 1 << 16))
            if not chunk:
                return None
            self.inbox += chunk
        data = bytes(self.inbox[:n])
        del self.inbox[:n]
        return data

    def _wait(self, seconds: float) -> tuple[bool, bool]:
        """Whether the reply pipe can be read, and the request pipe written (while requests wait for room),
        within `seconds`; `on_stall` hears of a wait past STALL_SECONDS, and of its end."""
        pipes = [self.reply_r], [self.request_w] if self.outbox else []
        if on_stall is None or seconds <= STALL_SECONDS:
            readable, writable, _ = select.select(*pipes, [], seconds)
            return bool(readable), bool(writable)
        readable, writable, _ = select.select(*pipes, [], STALL_SECONDS)
        if readable or writable:
            return bool(readable), bool(writable)
        on_stall(True)
        try:
            readable, writable, _ = select.select(*pipes, [], seconds - STALL_SECONDS)
            return bool(readable), bool(writable)
        finally:
            on_stall(False)

    def _receive(self, deadline: float):
        header = self._read(4, deadline)
        if header is None:
            return None
        size = int.from_bytes(header, "big")
        if size > MAX_REPLY_BYTES:
            raise ValueError(f"a reply of {size} bytes")
        body = self._read(size, deadline)
        if body is None:
            return None
        frame = json.loads(body)
        if not isinstance(frame, dict):
            raise ValueError("a reply that is not an object")
        return frame

    def _hello(self, frame: dict) -> None:
        """The worker's first frame, written before any student code ran: trusted."""
        if "fatal" in frame:
            self.layers = frame.get("layers") or {}
            whole = " ".join(str(frame["fatal"]).split())  # one line, though numpy's ImportError is many
            raise SandboxError(f"the {self.sandbox} sandbox cannot run the worker here: {whole[:300]}"
                               f"{self._memory_hint(whole)} (`grader doctor` says which layers work)")
        ready = frame.get("ready")
        if not isinstance(ready, dict):
            raise SandboxError(f"the {self.sandbox} sandbox's worker did not start as expected")
        self.layers = ready.get("layers") or {}
        self.contained = ready.get("contained") is True
        self.ready = True
        hidden = self.layers.get("autodiff", [False])[0]
        self.pid = ready.get("pid") if self.mode == "numpy" and not hidden else None

    def _unfork(self) -> None:
        """A forked worker not in a PID namespace of its own could see and reach its zygote, and through it
        the workers forked after it: this process forks no more, and the worker is started afresh.
        Its first frame came before any student code ran, so nothing of the student's has run yet."""
        parent, why = self.zygote, self.layers.get("processes", [False, "no PID namespace"])[1]
        self.stop()
        zygote.abandon(parent, f"a forked worker got no PID namespace ({why})")
        self.start()

    def _failed_start(self) -> SandboxError:
        code = self.process.wait() if self.process else None
        said = self._tail()
        self.stop()
        how = f"died of {signal.Signals(-code).name}" if code is not None and code < 0 else f"exited ({code})"
        hint = self._memory_hint(said if code is None or code >= 0 else "memory")
        return SandboxError(f"the worker {how} before it was ready in the {self.sandbox} sandbox"
                            f"{': ' + said if said else ''}{hint} (`grader doctor` says which layers work)")

    def _memory_hint(self, said: str) -> str:
        if not any(word in said.lower() for word in ("memory", "alloc", "map segment")):
            return ""
        return (f"; the memory limit is {self.limits.memory / 1024**2:g}M (--memory):"
                " numpy needs about 100M, torch about 700M")

    def _tail(self) -> str:
        if self.output_file is None:
            return ""
        fd = self.output_file.fileno()
        end = os.fstat(fd).st_size
        text = os.pread(fd, 2000, max(self.output_seen, end - 2000)).decode("utf-8", "replace").strip()
        return text.splitlines()[-1][:300] if text else ""

    # --- requests and replies ---------------------------------------------------------------------
    #
    # Requests are queued (`submit`) and sent ahead of their replies while the bytes sent and not answered
    # stay within `window`, below what the request pipe holds: the worker, busy or blocked writing a reply,
    # never leaves the grader blocked writing a request. Replies come one per request, in order, each after
    # the alerts of its call. A request whose reply is no longer wanted (`abandon`) is still answered: its
    # reply is read and dropped (`drain`) before the next one is awaited, so that it is never taken for
    # another's, and its call's forbidden alerts are blamed on nothing. A worker that stops (a timeout, a
    # crash) takes the requests it was sent along: they are sent again to the next one, as if they had
    # only been submitted then.

    def submit(self, *requests: Request) -> None:
        """Queue requests; each one's outcome is `collect`ed in turn."""
        self.queue.extend(requests)

    def abandon(self, count: int | None = None) -> None:
        """Forget the oldest `count` requests submitted and not collected (by default all): those already sent
        are drained before the next reply."""
        count = len(self.queue) if count is None else min(count, len(self.queue))
        dropped = min(count, self.sent)
        self.abandoned += dropped
        self.sent -= dropped
        for _ in range(count):
            self.queue.popleft()

    def _top_up(self) -> None:
        """Send queued requests, as many as the window takes; the oldest unsent one goes whatever its size.

        Only once the worker holds less than half a window (in bytes and in requests): then in one write,
        not one per reply.
        """
        if self.sent and (self.in_flight > self.window // 2 or len(self.flight) > AHEAD // 2):
            return
        frames = []
        while self.sent < len(self.queue) and self.process is not None:
            request = self.queue[self.sent]
            size = len(request.frame)
            if request.module in self.stalled or (self.flight and (self.in_flight + size > self.window
                                                                   or len(self.flight) >= AHEAD)):
                break  # a stalled module's call is answered when its turn comes, without the worker
            frames.append(request.frame)
            self.flight.append(size)
            self.in_flight += size
            self.sent += 1
        if frames:
            self.outbox += b"".join(frames)
            self._flush()

    def _frame(self, deadline: float):
        """The next frame after the worker's first: an alert or a reply. None when the pipe closed;
        RESTARTED when the worker was started afresh (and sent the queue's requests again)."""
        frame = self._receive(deadline)
        if frame is None:
            if not self.ready:
                raise self._failed_start()
            return None
        if self.ready:
            return frame
        self._hello(frame)
        if self.zygote is not None and not self.contained:
            self._unfork()
            self._top_up()
            return RESTARTED
        return self._frame(deadline)

    def _alerted(self, frame: dict, forbidden: list[str]) -> bool:
        """Whether `frame` is an alert (taken in here; a forbidden one is added to `forbidden`) rather than a reply."""
        alert = frame.get("alert")
        if alert == "forbidden":
            forbidden.append(str(frame.get("name")))
        elif alert in ("loaded", "grader"):
            self.taint = self.taint or (alert, str(frame.get("name"))[:200])
        elif alert == "loading":
            self.loading = frame.get("name") if frame.get("name") in self._filenames() else None
        return alert is not None

    def _answered(self) -> None:
        if self.flight:  # a forged extra reply answers nothing: the window only shrinks until the queue is sent
            self.in_flight -= self.flight.popleft()

    def drain(self) -> None:
        """Read and drop the replies of abandoned requests (not charged to the student's time).

        A worker still busy with them after `limits.timeout` is stopped: a call
        the grader no longer needs costs the student nothing, and the next
        request starts a worker again. Sticky alerts ("loaded", "grader") count.
        """
        if not self.abandoned:
            return
        deadline = time.monotonic() + self.limits.timeout
        try:
            while self.abandoned:
                frame = self._frame(deadline)
                if frame is None:
                    self.stop()
                elif frame is not RESTARTED and not self._alerted(frame, []):
                    self._answered()
                    self.abandoned -= 1
        except (TimeoutError, ValueError, TypeError, AttributeError, OverflowError, RecursionError, MemoryError,
                UnicodeDecodeError):
            self.stop()

    def _exchange(self, request: dict, budget: float):
        """The reply to `request` (alerts gathered on the way), or the Outcome that ended it."""
        self.submit(framed(request))
        return self._await(budget)

    def _await(self, budget: float):
        """The reply to the oldest request submitted, sent now if it was not (alerts gathered on the way),
        or the Outcome that ended it; the request leaves the queue."""
        try:
            return self._awaited(budget)
        finally:
            self.queue.popleft()
            self.sent = max(self.sent - 1, 0)

    def _awaited(self, budget: float):
        self.drain()
        if self.process is None:
            self.start()
        if self.limits.total is not None:
            budget = min(budget, self.limits.total - self.spent)
            if budget <= 0:
                self.abandoned += self.sent > 0  # sent already: its reply is dropped when it comes
                return None, [], Outcome("timeout", message=f"the submission used up its {self.limits.total:g} s")
        self._top_up()
        started = time.monotonic()
        deadline = started + max(budget, 0.0)
        forbidden = []
        try:
            while True:
                reply = self._frame(deadline)
                if reply is None:
                    return None, forbidden, self._crashed()
                if reply is not RESTARTED and not self._alerted(reply, forbidden):
                    self._answered()
                    self._top_up()  # the worker runs the next calls while this reply is judged
                    return reply, forbidden, None
        except TimeoutError:
            stopped = f"stopped after {self.limits.timeout:g} s"
            if self.loading is not None:
                filename = self._filenames()[self.loading]
                stopped += f" while importing {filename}"
                self.stalled[self.loading] = f"importing {filename} was stopped after {self.limits.timeout:g} s" \
                                             " by an earlier exercise: not tried again"
            self.stop()
            return None, forbidden, Outcome("timeout", message=stopped)
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError, MemoryError, UnicodeDecodeError):
            self.stop()
            return None, forbidden, Outcome("error", message="the process sent back something that is not a result")
        finally:
            self.spent += time.monotonic() - started

    def _filenames(self) -> dict[str, str]:
        return {m.name: m.filename for m in self.submission.modules if not m.problem}

    def request(self, request: dict, budget: float) -> Outcome:
        """Send one request and wait at most `budget` seconds for its reply (nothing else may be queued)."""
        if self.queue:
            raise RuntimeError("a request while others are queued: collect or abandon them first")
        self.submit(framed(request))
        return self.collect(budget)

    def collect(self, budget: float) -> Outcome:
        """The outcome of the oldest request submitted, waiting at most `budget` seconds for its reply.

        A call into a module whose import ran out of time before is a timeout
        at once: the worker is not started again only to run into it again.
        """
        self.drain()
        module = self.queue[0].module
        if self.sent == 0 and module in self.stalled:
            self.queue.popleft()
            return Outcome("timeout", message=self.stalled[module])
        reply, forbidden, ended = self._await(budget)
        if self.pid is not None and self.taint is None:
            library = loaded_library(self.pid)
            if library:
                self.taint = ("loaded", library)
        if self.taint is not None:
            kind, what = self.taint
            if kind == "grader":
                return Outcome("error", message=f"opened the grader's own files ({what}): a submission may only run its own code")
            if self.mode == "numpy":
                return Outcome("forbidden", forbidden=(f"{what} loaded",))
        if forbidden:
            return Outcome("forbidden", forbidden=tuple(dict.fromkeys(forbidden)))
        if ended is not None:
            return ended
        return self._outcome(reply)

    def _outcome(self, reply: dict) -> Outcome:
        status = reply.get("status")
        mutated = reply.get("mutated") is True
        if status == "ok":
            try:
                value = decode(reply.get("value"))
            except (ValueError, TypeError, KeyError, OverflowError, RecursionError, MemoryError) as exc:
                return Outcome("error", message=f"the result could not be read: {exc}")
            return Outcome("ok", value=value, mutated=mutated)
        if status in ("missing", "error"):
            return Outcome(status, message=str(reply.get("message", ""))[:500], mutated=mutated)
        return Outcome("error", message="the process sent back something that is not a result")

    def probe(self, budget: float) -> dict:
        """What a submission can reach in this sandbox (grader doctor); raises SandboxError if it cannot start."""
        reply, _, ended = self._exchange({"op": "probe"}, budget)
        if ended is not None or reply.get("status") != "probe":
            raise SandboxError(f"the probe worker did not answer: {ended.message if ended else reply}")
        return reply.get("found", {})

    def _crashed(self) -> Outcome:
        code = self.process.wait() if self.process else None
        self.stop()
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            why = "it ran out of memory or was killed" if name in ("SIGKILL", "SIGSEGV", "SIGABRT") else ""
            return Outcome("crashed", message=f"the process died of {name}" + (f" ({why})" if why else ""))
        return Outcome("crashed", message=f"the process exited (exit code {code}) during the call")

    def output(self) -> str:
        """What the student's code printed since the last call to output(), truncated; the file is emptied."""
        self.drain()  # the abandoned calls print before this, not into the next exercise's output
        if self.output_file is None:
            return ""
        fd = self.output_file.fileno()
        data = os.pread(fd, MAX_OUTPUT_CHARS * 4, self.output_seen)
        end = os.fstat(fd).st_size
        os.ftruncate(fd, 0)  # a flood costs at most Limits.file_size of disk, once
        text = data.decode("utf-8", "replace")
        folded = end - self.output_seen > len(data) or len(text) > MAX_OUTPUT_CHARS
        self.output_seen = 0
        return text[:MAX_OUTPUT_CHARS] + ("\n... (output truncated)" if folded else "")

    def stop(self) -> None:
        """Kill the worker and everything it started; returns when they are dead."""
        if self.process is not None:
            isolation.terminate(self.process, keeper=self.launch.keeper if self.launch else False,
                                contained=self.contained)
            self.process = None
            self.pid = None
            self.sent, self.abandoned = 0, 0  # what it was sent goes to the next worker; what it owed, nobody
            self.flight.clear()
            self.in_flight = 0
            self.outbox.clear()
            for fd in (self.request_w, self.reply_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def close(self) -> None:
        self.stop()
        if self.output_file is not None:
            self.output_file.close()
            self.output_file = None


def loaded_library(pid: int) -> str:
    """An autodiff library mapped into the NumPy worker, by name, or "" (needs no cooperation from it)."""
    try:
        with open(f"/proc/{pid}/maps", "rb") as file:
            maps = file.read()
    except OSError:
        return ""
    for name in LIBRARIES:
        at = maps.find(name.encode())
        if at >= 0:
            return maps[at : maps.find(b"\n", at)].decode(errors="replace")
    return ""


def start_workers(submission: Submission, *, torch: bool, limits: Limits,
                  sandbox: str = isolation.DEFAULT_LEVEL) -> dict[str, Worker]:
    """The workers a check needs, started at once: torch's import then overlaps everything else.

    A worker whose zygote is still importing (a grading process's first
    submission) starts at its first call instead, so that the others need
    not wait for it.
    """
    workers = {}
    try:
        for mode in (["torch"] if torch else []) + ["numpy"]:
            workers[mode] = Worker(submission, mode, limits, sandbox)
            parent = zygote.zygote_for(mode, workers[mode].sandbox)
            if parent is None or parent.ready:
                workers[mode].start()
    except BaseException:
        for worker in workers.values():
            worker.close()
        raise
    return workers
