"""Pre-imported parents that fork sandboxed workers, for a process that grades many submissions.

Starting a worker afresh costs a Python start and numpy's import (70 ms), or
torch's (about 1 s of CPU): most of what a batch spends per submission. A
zygote is grader/worker.py's source run as a parent (`serve` there) that has
imported numpy, or numpy and torch (with the torch worker's warm-up), once.
Asked over a Unix socket, it forks a child per worker, handing it the
worker's pipes and output file with SCM_RIGHTS, and answers with the child's
pid and a pidfd. The child drops every descriptor and the environment it got
from the zygote, then confines itself exactly as a worker started afresh
does (keeper, namespaces, mounts, uid, limits: worker.py, `confine`).

A child can only inherit what its zygote holds, and that is nothing of the
grader's: a zygote is exec'd (never forked from the grader) with a cleared
environment and no descriptor but its socket, it is started before the
grader draws any case, and it receives per worker only the worker's
configuration, environment and descriptors, never the student's sources,
the seed or the reference's results. The NumPy zygote never imports torch.

Only processes that `enable()` it fork their workers (grader grade's grading
processes); a single `grader check` starts its two workers afresh, which is
as fast and one process fewer. Workers at `strict` level (bubblewrap is
exec'd) and on systems without pidfd (macOS) always start afresh
(`isolation.forkable`), as does every worker of a process whose zygote
failed: a zygote is not restarted.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from . import isolation

START_SECONDS = 120.0  # the zygote's imports (torch's: 1 s, more on a loaded machine) before its first answer
ANSWER_SECONDS = 30.0  # a fork or a reap: milliseconds, unless the zygote is stuck


class ZygoteError(Exception):
    """The zygote cannot fork a worker (it failed to start, died or hung): start the worker afresh."""


class Zygote:
    """One pre-imported parent of workers of one mode ("numpy" or "torch")."""

    def __init__(self, mode: str):
        self.mode = mode
        self.owner = os.getpid()  # a copy of this object in a forked grader must not use the socket
        self.failed = ""  # why it can fork no more
        self.ready = False
        self.size = 0
        self.lock = threading.Lock()
        self.log = tempfile.TemporaryFile()  # the zygote's own output: its last words when it fails
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = {"site": [os.path.realpath(p) for p in isolation.site_directories()]}
        argv = (os.path.realpath(sys.executable), "-I", "-B", "-S", "-c", isolation.BOOTSTRAP,
                "zygote", str(theirs.fileno()), mode, json.dumps(config))
        try:
            self.process = subprocess.Popen(
                argv,
                pass_fds=(theirs.fileno(),),
                cwd="/",
                env=isolation.worker_env("/"),
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C of the grader's terminal is the grader's to handle
            )
        except BaseException:
            ours.close()
            self.log.close()
            raise
        finally:
            theirs.close()
        self.channel = ours

    def fits(self, memory: int) -> bool:
        """Whether a worker forked from here starts below `memory` bytes of address space (see worker.py,
        `room_for_what_is_loaded`); False if the zygote cannot start."""
        try:
            with self.lock:
                self._hello()
        except ZygoteError:
            return False
        return self.size < memory

    def fork(self, *, config: dict, env: dict, fds: tuple[int, int, int]) -> Forked:
        """A worker forked with `config` (worker.py's CONFIG); `fds`: its request, reply and output ends."""
        answer, given = self._ask({"op": "fork", "config": config, "env": env}, fds)
        if not isinstance(answer.get("pid"), int) or len(given) != 1:
            for fd in given:
                os.close(fd)
            raise self._fail(f"the zygote did not fork: {answer.get('error', answer)}")
        return Forked(self, answer["pid"], given[0])

    def reap(self, pid: int) -> int | None:
        """The wait status of an ended child, reaped; None while it runs."""
        answer = self._ask({"op": "reap", "pid": pid})[0]
        if answer.get("gone"):
            raise ZygoteError(f"the zygote has no child {pid}")
        return answer["status"] if isinstance(answer.get("status"), int) else None

    def _ask(self, request: dict, fds=()) -> tuple[dict, list[int]]:
        with self.lock:
            self._hello()
            try:
                self.channel.settimeout(ANSWER_SECONDS)
                socket.send_fds(self.channel, [json.dumps(request).encode()], list(fds))
                message, given, _, _ = socket.recv_fds(self.channel, 1 << 16, 1)
                answer = json.loads(message) if message else None
            except (OSError, ValueError) as error:  # socket.timeout included
                raise self._fail(f"the zygote did not answer ({error})") from None
            if not isinstance(answer, dict):
                for fd in given:
                    os.close(fd)
                raise self._fail("the zygote exited" if not message else "the zygote's answer is not an object")
            return answer, given

    def _hello(self) -> None:
        """Once: the zygote's first frame, sent when its imports are done (with the lock held)."""
        if self.failed or os.getpid() != self.owner:
            raise ZygoteError(self.failed or "a zygote serves only the process that started it")
        if self.ready:
            return
        try:
            self.channel.settimeout(START_SECONDS)
            message = self.channel.recv(1 << 16)
            hello = json.loads(message) if message else {}
        except (OSError, ValueError) as error:
            raise self._fail(f"the {self.mode} zygote did not start ({error})") from None
        hello = hello if isinstance(hello, dict) else {}
        if not isinstance(hello.get("ready"), int) or not isinstance(hello.get("size"), int):
            raise self._fail(f"the {self.mode} zygote did not start: {hello.get('fatal') or self._tail()}")
        self.size = hello["size"]  # bytes of address space every child starts with
        self.ready = True

    def _fail(self, why: str) -> ZygoteError:
        self.failed = why
        return ZygoteError(why)

    def _tail(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1][:300] if lines else "it exited"

    def close(self) -> None:
        """End the zygote; it kills whatever children it still has (the grader's workers are stopped first)."""
        self.failed = self.failed or "closed"
        self.channel.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Forked:
    """A zygote's child, as much of subprocess.Popen as sandbox.Worker and isolation.terminate use.

    The zygote reaps a child only when asked (`Zygote.reap`), so its pid
    cannot be reused while the grader may still signal it; signals go
    through the pidfd anyway.
    """

    def __init__(self, zygote: Zygote, pid: int, pidfd: int):
        self.zygote, self.pid, self.pidfd = zygote, pid, pidfd
        self.args = ("<forked by the zygote>",)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and self._ended(0):
            self._collect()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not self._ended(timeout):
                raise subprocess.TimeoutExpired(self.args, timeout)
            self._collect()
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            signal.pidfd_send_signal(self.pidfd, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _ended(self, timeout: float | None) -> bool:
        return bool(select.select([self.pidfd], [], [], timeout)[0])  # a pidfd is readable once its process ended

    def _collect(self) -> None:
        status = None
        try:
            for _ in range(2000):  # ended, but the zygote's waitpid may see it a moment later
                status = self.zygote.reap(self.pid)
                if status is not None:
                    break
                time.sleep(0.001)
        except ZygoteError:
            pass  # the zygote is gone and its children with it: report a kill
        self.returncode = os.waitstatus_to_exitcode(status) if status is not None else -signal.SIGKILL
        os.close(self.pidfd)
        self.pidfd = -1


# --- which processes fork -------------------------------------------------------------------

_enabled: set[str] = set()
_zygotes: dict[str, Zygote] = {}
_cleanup = []  # atexit's registration, once


def enable(*, torch: bool = True) -> None:
    """This process grades many submissions: fork its workers from zygotes, started now if not yet.

    `torch`: whether torch workers will be needed (a zygote importing torch
    costs a second of CPU and 300 MiB). Call it before this process draws
    any case (grader/batch.py does, before each submission it grades).
    """
    modes = ("numpy", "torch") if torch else ("numpy",)
    for mode in modes:
        if mode not in _enabled and isolation.forkable(isolation.DEFAULT_LEVEL):
            try:
                _zygotes[mode] = Zygote(mode)
            except OSError:
                continue  # its workers start afresh
        _enabled.add(mode)
    if _zygotes and not _cleanup:
        _cleanup.append(atexit.register(disable))


def disable() -> None:
    """Workers start afresh again; the zygotes are ended."""
    _enabled.clear()
    while _zygotes:
        _, zygote = _zygotes.popitem()
        if zygote.owner == os.getpid():
            zygote.close()


def abandon(zygote: Zygote, why: str = "") -> None:
    """Fork no more from `zygote`, and end it (with any child it still has)."""
    zygote.failed = why or zygote.failed or "abandoned"
    if _zygotes.get(zygote.mode) is zygote:
        del _zygotes[zygote.mode]
    if zygote.owner == os.getpid():
        zygote.close()


def zygote_for(mode: str, level: str) -> Zygote | None:
    """The zygote to fork a worker of `mode` at `level` from, or None: start it afresh."""
    if mode not in _enabled or not isolation.forkable(level):
        return None
    zygote = _zygotes.get(mode)
    if zygote is None or zygote.failed or zygote.owner != os.getpid():
        return None
    return zygote
