"""Runs the student's code in a separate, limited process and talks to it in plain data.

The grader's process never imports student code. A `Worker` starts
`python -I -B -S` on grader/worker.py's source in a fresh temporary copy of
the submission, with a cleared environment, resource limits and its own
session, sends it requests as JSON and reads JSON replies under a time
budget. Whatever happens in there (an exception, an exit, a hang, a crash)
comes back as an `Outcome`: a student's failure is a result, not an error
of ours.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .loading import NOTEBOOK, Submission

WORKER_SOURCE = (Path(__file__).parent / "worker.py").read_text(encoding="utf-8")
MAX_REPLY_BYTES = 64 * 1024 * 1024
MAX_OUTPUT_CHARS = 2000


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds of the student's code per exercise
    memory: int = 2 * 1024**3  # bytes of address space
    file_size: int = 64 * 1024**2
    open_files: int = 256


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


class AsTensor:
    """An argument the worker receives as a float64 torch tensor."""

    def __init__(self, array):
        self.array = np.asarray(array, dtype=np.float64)


@dataclass(frozen=True)
class Handle:
    """An object that lives in the worker (a torch module), by number."""

    number: int


def encode(value):
    if isinstance(value, np.ndarray):
        return {"nd": value.ravel().tolist(), "shape": list(value.shape)}
    if isinstance(value, AsTensor):
        return {"tensor": encode(value.array)}
    if isinstance(value, Handle):
        return {"handle": value.number}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def decode(value):
    """A reply's value with its arrays as float64 ndarrays; nothing else is built."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict) and "handle" in value:
        return Handle(int(value["handle"]))
    if isinstance(value, dict) and "nd" in value:
        shape = tuple(int(n) for n in value["shape"])
        data = value["nd"]
        if not isinstance(data, list) or not all(type(v) in (float, int) for v in data):
            raise ValueError("an array of something other than numbers")
        array = np.array(data, dtype=np.float64)
        if array.size != int(np.prod(shape)):
            raise ValueError("an array whose entries do not fill its shape")
        return array.reshape(shape)
    raise ValueError(f"an unexpected {type(value).__name__}")


def site_directories() -> list[str]:
    """Where numpy and torch live, for a worker that starts without site (-S)."""
    dirs = []
    for name in ("numpy", "torch"):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            parent = str(Path(spec.origin).parent.parent)
            if parent not in dirs:
                dirs.append(parent)
    return dirs


def working_copy(submission: Submission) -> Path:
    """A fresh folder holding only the submission's module files, written by us."""
    folder = Path(tempfile.mkdtemp(prefix="grader-"))
    for module in submission.modules:
        if module.name != NOTEBOOK and module.filename.endswith(".py") and not module.problem:
            (folder / f"{module.name}.py").write_text(module.cells[0].source, encoding="utf-8")
    return folder


class Worker:
    """One student process: `mode` "numpy" (autodiff tripwired) or "torch"."""

    def __init__(self, submission: Submission, mode: str, limits: Limits):
        self.submission, self.mode, self.limits = submission, mode, limits
        self.process: subprocess.Popen | None = None
        self.folder: Path | None = None
        self.output_file = None
        self.output_seen = 0

    def start(self) -> None:
        self.folder = working_copy(self.submission)
        if self.output_file is None:  # one file for every restart; O_APPEND so our reads never move its writes
            self.output_file = tempfile.TemporaryFile(mode="a+b")
        request_r, self.request_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        path = ":".join([str(self.folder), *site_directories()])
        bootstrap = f"import sys; sys.path[:0] = {path.split(':')!r}; exec({WORKER_SOURCE!r})"
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.folder),
            "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", "-S", "-c", bootstrap, str(request_r), str(reply_w), self.mode],
            pass_fds=(request_r, reply_w),
            cwd=self.folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.output_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=self._limit,
        )
        os.close(request_r)
        os.close(reply_w)
        sources = {
            m.name: {"filename": m.filename, "cells": [[c.source, c.label] for c in m.cells]}
            for m in self.submission.modules
            if not m.problem
        }
        self._send({"sources": sources})

    def _limit(self) -> None:
        # In the child, before exec: limits the student's code cannot raise.
        resource.setrlimit(resource.RLIMIT_AS, (self.limits.memory, self.limits.memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.file_size, self.limits.file_size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.limits.open_files, self.limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def _send(self, obj) -> None:
        body = json.dumps(obj).encode()
        try:
            os.write(self.request_w, len(body).to_bytes(4, "big") + body)
        except (BrokenPipeError, OSError):
            pass  # the worker is gone; the reply read will say so

    def _read(self, n: int, deadline: float) -> bytes | None:
        data = b""
        while len(data) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.reply_r], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self.reply_r, min(n - len(data), 1 << 20))
            if not chunk:
                return None
            data += chunk
        return data

    def _receive(self, deadline: float):
        header = self._read(4, deadline)
        if header is None:
            return None
        size = int.from_bytes(header, "big")
        if size > MAX_REPLY_BYTES:
            raise ValueError(f"a reply of {size} bytes")
        body = self._read(size, deadline)
        return None if body is None else json.loads(body)

    def request(self, request: dict, budget: float) -> Outcome:
        """Send one request and wait at most `budget` seconds for its reply."""
        if self.process is None:
            self.start()
        self._send(request)
        deadline = time.monotonic() + max(budget, 0.0)
        forbidden = []
        try:
            while True:
                reply = self._receive(deadline)
                if reply is None:
                    return self._crashed()
                if reply.get("alert") == "forbidden":
                    forbidden.append(str(reply.get("name")))
                    continue
                break
        except TimeoutError:
            self.stop()
            return Outcome("timeout", message=f"stopped after {self.limits.timeout:g} s")
        except (ValueError, UnicodeDecodeError):
            self.stop()
            return Outcome("error", message="the process sent back something that is not a result")
        if forbidden:
            return Outcome("forbidden", forbidden=tuple(dict.fromkeys(forbidden)))
        status = reply.get("status")
        if status == "ok":
            try:
                value = decode(reply.get("value"))
            except (ValueError, TypeError) as exc:
                return Outcome("error", message=f"the result could not be read: {exc}")
            return Outcome("ok", value=value, mutated=bool(reply.get("mutated")))
        if status in ("missing", "error"):
            return Outcome(status, message=str(reply.get("message", ""))[:500], mutated=bool(reply.get("mutated")))
        return Outcome("error", message="the process sent back something that is not a result")

    def _crashed(self) -> Outcome:
        code = self.process.wait() if self.process else None
        self.stop()
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            why = "it ran out of memory or was killed" if name in ("SIGKILL", "SIGSEGV", "SIGABRT") else ""
            return Outcome("crashed", message=f"the process died of {name}" + (f" ({why})" if why else ""))
        return Outcome("crashed", message=f"the process exited (exit code {code}) during the call")

    def output(self) -> str:
        """What the student's code printed since the last call to output(), truncated."""
        if self.output_file is None:
            return ""
        fd = self.output_file.fileno()
        data = os.pread(fd, MAX_OUTPUT_CHARS * 4, self.output_seen)
        end = os.fstat(fd).st_size
        text = data.decode("utf-8", "replace")
        folded = end - self.output_seen > len(data) or len(text) > MAX_OUTPUT_CHARS
        self.output_seen = end
        return text[:MAX_OUTPUT_CHARS] + ("\n... (output truncated)" if folded else "")

    def stop(self) -> None:
        """Kill the worker and everything it started in its session."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            self.process = None
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


def start_workers(submission: Submission, *, torch: bool, limits: Limits) -> dict[str, Worker]:
    """The workers a check needs, started at once: torch's import then overlaps everything else."""
    workers = {}
    for mode in (["torch"] if torch else []) + ["numpy"]:
        workers[mode] = Worker(submission, mode, limits)
        workers[mode].start()
    return workers
