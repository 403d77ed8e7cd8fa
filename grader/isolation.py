"""How a worker is launched and ended at each sandbox level, and what this machine allows.

Levels (`--sandbox`):

- `none`: a separate process with a cleared environment; nothing else. For
  debugging one's own code.
- `process` (the default): the worker confines itself (grader/worker.py,
  `confine`): PID, network and mount namespaces where the kernel allows them,
  a read-only system with the grader's files hidden, an unprivileged uid when
  run as root, resource limits. What it got is in its first frame.
- `strict`: bubblewrap builds an empty root holding only the Python
  installation, numpy/torch and the working copy; no network; the worker
  drops to an unprivileged uid when run as root. Needs `bwrap`.

This module runs in the grader's process: it decides the launch (command
line and the worker's CONFIG) and ends a worker with everything it started.
`doctor()` starts a probe worker at each level and says which layers work.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GraderError, UsageError

LEVELS = ("none", "process", "strict")
DEFAULT_LEVEL = "process"
SANDBOX_UID = SANDBOX_GID = 65534  # nobody / nogroup
FORBIDDEN_PACKAGES = ("torch", "functorch", "torchgen", "jax", "jaxlib", "autograd", "tensorflow", "mxnet")
SYSTEM_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
NAMESPACES = True  # False: the `process` level's fallback for kernels without them (a test seam)
WORKER_SOURCE = (Path(__file__).parent / "worker.py").read_text(encoding="utf-8")
BOOTSTRAP = f"exec(compile({WORKER_SOURCE!r}, '<grader worker>', 'exec'))"


class SandboxError(GraderError):
    """The sandbox cannot run here as asked (not the student's fault): bwrap missing, a worker that cannot start."""


@dataclass(frozen=True)
class Launch:
    """One worker's command line and environment; `keeper`: the process started is ours, not the student's."""

    argv: tuple[str, ...]
    env: dict = field(default_factory=dict)
    keeper: bool = True


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise UsageError(f"--sandbox must be one of {', '.join(LEVELS)}, got {level!r}")
    if os.name != "posix":
        raise SandboxError("the grader runs student code on Linux and macOS only for now; on Windows, use WSL")
    if level == "strict" and not bwrap():
        raise SandboxError(
            "--sandbox strict needs bubblewrap: install it (apt-get install bubblewrap) or use --sandbox process;"
            " `grader doctor` says what works here"
        )
    return level


def bwrap() -> str | None:
    return shutil.which("bwrap") if sys.platform == "linux" else None


@functools.cache
def strict_available() -> bool:
    """bubblewrap is installed and may create its namespaces here (a container's seccomp may forbid them)."""
    path = bwrap()
    if not path:
        return False
    trial = [path, "--unshare-pid", "--unshare-net", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        return subprocess.run(trial, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


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


def python_paths() -> list[str]:
    """What the worker must be able to read: the interpreter's installation and the site folders."""
    interpreter = Path(os.path.realpath(sys.executable)).parent
    paths = [os.path.realpath(sys.base_prefix)]
    if not str(interpreter).startswith(paths[0] + os.sep):
        paths.append(str(interpreter.parent) if (interpreter.parent / "pyvenv.cfg").exists() else str(interpreter))
    return contained([*paths, *(os.path.realpath(p) for p in site_directories())])


def contained(paths: list[str]) -> list[str]:
    """`paths` without those inside another one, in order."""
    kept: list[str] = []
    for path in paths:
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept = [k for k in kept if not k.startswith(path.rstrip("/") + "/")] + [path]
    return kept


def protected_dirs() -> list[str]:
    """The grader's own packages: a submission must not import or read them."""
    dirs = []
    for name in ("grader", "reference"):
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            dirs.append(os.path.realpath(location))
    return list(dict.fromkeys(dirs))


def autodiff_dirs(sites: list[str]) -> list[str]:
    """torch & co. where they are installed: hidden from the NumPy worker."""
    found = []
    for site in sites:
        for name in FORBIDDEN_PACKAGES:
            for candidate in (name, f"{name}.libs"):
                path = os.path.join(site, candidate)
                if os.path.isdir(path):
                    found.append(os.path.realpath(path))
    return found


def worker_env(folder: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": folder,
        "TMPDIR": folder,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
    }


def worker_config(level: str, *, folder: str, limits) -> dict:
    """What a worker at `level` confines itself to (worker.py's CONFIG), however it is started."""
    sites = [os.path.realpath(p) for p in site_directories()]
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    return {
        "level": level,
        "namespaces": NAMESPACES,
        "folder": folder,
        "site": sites,
        "paths": python_paths(),
        "hide": protected_dirs(),
        "hide_numpy": autodiff_dirs(sites),
        "uid": SANDBOX_UID if root else None,
        "gid": SANDBOX_GID if root else None,
        # where the probe of `grader doctor` tries to write (strict has its own small /tmp and /dev/shm)
        "outside": ["/", "/var/tmp", "/usr"] if level == "strict"
        else [str(Path(folder).parent), "/var/tmp", "/dev/shm", os.path.expanduser("~")],
        "limits": {
            "memory": limits.memory,
            "file_size": limits.file_size,
            "open_files": limits.open_files,
            "processes": limits.processes,
            "cpu": limits.cpu_seconds,
            "disk": limits.disk,
        },
    }


def launch(level: str, *, mode: str, folder: str, fds: tuple[int, int], limits) -> Launch:
    """The command that starts one worker at `level` (checked with check_level)."""
    config = worker_config(level, folder=folder, limits=limits)
    python = os.path.realpath(sys.executable)
    worker = (python, "-I", "-B", "-S", "-c", BOOTSTRAP, str(fds[0]), str(fds[1]), mode, json.dumps(config))
    env = worker_env(folder)
    if level == "strict":
        argv = bwrap_command(bwrap() or "bwrap", folder=folder, paths=config["paths"], env=env,
                             root=config["uid"] is not None,
                             hide=[*config["hide"], *(config["hide_numpy"] if mode == "numpy" else [])],
                             disk=limits.disk)
        return Launch((*argv, *worker), {"PATH": "/usr/bin:/bin"}, keeper=True)
    return Launch(worker, env, keeper=has_keeper(level))


def has_keeper(level: str) -> bool:
    """Whether the process started for a worker is our keeper (worker.py, `keep`) rather than the worker."""
    return level == "process" and sys.platform == "linux"


def forkable(level: str) -> bool:
    """A worker at `level` may be forked by a zygote (grader/zygote.py): `process`, on Linux.

    `strict` builds its sandbox by exec'ing bwrap; at `none` a worker runs as
    the grader's user with nothing between it and its zygote, which every
    later worker would come from; macOS has no pidfd (the grader's handle on a
    process it did not start). Those start every worker afresh, as does a
    kernel without pidfd_open (Linux < 5.3), where the first fork fails and
    the grader falls back, and a machine where a forked worker gets no PID
    namespace (sandbox.Worker, `_unfork`).
    """
    return level == "process" and sys.platform == "linux" and hasattr(os, "pidfd_open")


def bwrap_command(bwrap_path: str, *, folder: str, paths: list[str], env: dict[str, str], root: bool,
                  hide: list[str], disk: int) -> list[str]:
    """bubblewrap's command line: an empty root with the system's libraries, Python and the working copy."""
    argv = [bwrap_path, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not root:
        argv.append("--unshare-user")
    argv += ["--die-with-parent", "--new-session", "--clearenv"]
    for name, value in env.items():
        argv += ["--setenv", name, value]
    argv += ["--ro-bind", "/usr", "/usr"]
    made = {"/", "/usr"}
    for name in SYSTEM_DIRS:
        path = f"/{name}"
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
        made.add(path)
    # /tmp first: an installation under /tmp (a CI checkout's venv) is bound on top of it, not hidden by it.
    argv += ["--size", str(disk), "--perms", "1777", "--tmpfs", "/tmp"]
    made.add("/tmp")
    bound = ["/usr"]
    for path in paths:
        if any(path == b or path.startswith(b + "/") for b in bound):
            continue
        argv += parents(path, made) + ["--ro-bind", path, path]
        bound.append(path)
    for path in hide:
        if any(path.startswith(b + "/") for b in bound):
            argv += ["--tmpfs", path, "--remount-ro", path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--size", str(disk), "--perms", "1777", "--tmpfs", "/dev/shm"]
    argv += parents(folder, made) + ["--size", str(disk), "--perms", "0777", "--tmpfs", folder]
    for name in sorted(os.listdir(folder)):
        argv += ["--ro-bind", os.path.join(folder, name), os.path.join(folder, name)]
    argv += ["--remount-ro", "/", "--chdir", folder]
    if root:  # the worker drops to SANDBOX_UID itself, so that RLIMIT_NPROC binds
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return argv


def parents(path: str, made: set[str]) -> list[str]:
    """--dir for each missing ancestor of `path`, mode 0755: bwrap would make them 0700, closed to the uid."""
    argv = []
    current = ""
    for part in Path(path).parts[1:-1]:
        current = f"{current}/{part}"
        if current not in made:
            argv += ["--perms", "0755", "--dir", current]
            made.add(current)
    return argv


# --- ending a worker and everything it started -----------------------------------------------


def process_table() -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, state)} of every process; empty without /proc."""
    table = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as file:
                    fields = file.read().rsplit(b")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), fields[0].decode())
            except (OSError, IndexError, ValueError):
                pass
    return table


def children_of(pid: int) -> list[int]:
    """The children of `pid` (Linux's /proc/PID/task/PID/children), or [] where that file is missing."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as file:
            return [int(child) for child in file.read().split()]
    except (OSError, ValueError):
        return []


def descendants(root: int, table: dict[int, tuple[int, str]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, frontier = [], [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.append(child)
            frontier.append(child)
    return found


def terminate(process: subprocess.Popen, *, keeper: bool, contained: bool = False) -> None:
    """SIGKILL a worker and every process below it, and reap it; returns once they are dead.

    `contained`: the keeper's child is PID 1 of a PID namespace holding every
    process of the submission (the worker said so before any student code
    ran). Killing it makes the kernel kill the rest, and the keeper reaps it,
    and so exits, only once they are all gone: nothing to sweep.

    Otherwise the keeper (our process, or bwrap) is stopped first so that it
    cannot fork while its descendants are killed; in a PID namespace killing
    its PID 1 kills the rest, elsewhere every descendant is swept (orphans
    come back to the keeper, a child subreaper). Then the keeper, resumed,
    reaps and exits.
    """
    pid = process.pid
    if process.poll() is not None:
        return
    if keeper and contained:
        for child in children_of(pid):
            send(child, signal.SIGKILL)
        try:
            process.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            pass  # not as expected: stop and sweep
    signal_process(process, signal.SIGSTOP if keeper else signal.SIGKILL)
    for _ in range(200):
        table = process_table()
        living = [p for p in descendants(pid, table) if table[p][1] != "Z"]
        if not living:
            break
        for victim in living:
            send(victim, signal.SIGKILL)
    if keeper:
        signal_process(process, signal.SIGCONT)
        try:
            process.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            signal_process(process, signal.SIGKILL)
    try:
        os.killpg(pid, signal.SIGKILL)  # anything left in its session (no /proc: macOS)
    except OSError:
        pass
    process.wait()


def signal_process(process, number: int) -> None:
    """Signal the process we started (a Popen, or a zygote's child by its pidfd: never a reused pid)."""
    try:
        process.send_signal(number)
    except OSError:
        pass


def send(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except OSError:
        pass


# --- grader doctor ---------------------------------------------------------------------------

LAYER_NAMES = (
    ("processes", "nothing outlives a check"),
    ("network", "no network"),
    ("files", "files"),
    ("user", "unprivileged user"),
    ("capabilities", "capabilities"),
    ("limits", "resource limits"),
    ("process count", "process count"),
    ("autodiff", "torch hidden from the NumPy worker"),
)


def doctor() -> str:
    """Which sandbox layers work on this machine, tried with a probe worker at each level."""
    from .loading import Submission
    from .sandbox import Limits, Worker

    who = "root" if hasattr(os, "geteuid") and os.geteuid() == 0 else f"uid {os.getuid()}" if hasattr(os, "getuid") else "?"
    lines = [f"grader sandbox on {platform.system()} {platform.release()}, Python {platform.python_version()}, as {who}"]
    for level in ("process", "strict"):
        path = bwrap()
        if level == "strict" and not path:
            lines += ["", "strict: unavailable: bubblewrap (bwrap) is not installed (apt-get install bubblewrap)"]
            continue
        if level == "strict" and not strict_available():
            lines += ["", f"strict: unavailable: {path} cannot create namespaces here (a container without them?)"]
            continue
        version = ""
        if level == "strict":
            run = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
            version = f" ({run.stdout.strip() or 'bwrap'} at {path})"
        lines += ["", f"{level}{' (default)' if level == DEFAULT_LEVEL else ''}{version}:"]
        worker = Worker(Submission("<doctor>", ()), "numpy", Limits(), sandbox=level)
        try:
            found = worker.probe(budget=30)
        except GraderError as error:
            lines.append(f"  cannot start: {error}")
            continue
        finally:
            worker.close()
        lines += describe_layers(worker.layers, found)
    return "\n".join(lines) + "\n"


def describe_layers(layers: dict, found: dict) -> list[str]:
    """One line per layer, then what a submission could reach, as the probe found it."""
    width = max(len(title) for _, title in LAYER_NAMES)
    lines = []
    for name, title in LAYER_NAMES:
        on, what = layers.get(name, (False, "not reported"))
        lines.append(f"  {title:<{width}}  {'on ' if on else 'off'}  {what}")
    reach = [
        f"network interfaces: {', '.join(found.get('interfaces', [])) or 'none'}",
        f"processes visible: {found.get('processes visible', '?')}",
        f"can write outside its working copy: {', '.join(found.get('write outside', [])) or 'no'}",
        f"grader files readable: {'yes' if found.get('grader files') else 'no'}",
        f"torch files readable by the NumPy worker: {'yes' if found.get('torch files') else 'no'}",
        f"runs as uid {found.get('uid', '?')}",
    ]
    return lines + ["  a submission found:"] + [f"    {line}" for line in reach]

