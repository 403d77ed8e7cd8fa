"""The student's side of a check: runs in its own process, answers with plain data.

This file is run as `python -I -B -S -c <its source> REQUEST_FD REPLY_FD MODE
CONFIG`, or forked by a zygote (`serve`, at the end: the same source run as a
pre-imported parent, for a process that grades many submissions); it imports
nothing of the grader, so the grader's packages need not be importable here
(and are not: see `Hidden`). Before any student code runs
it confines itself as CONFIG (JSON, written by grader/isolation.py) asks and
as far as this machine allows, then reports what it got in a first "ready"
frame:

- `process` level, on Linux: this process becomes a keeper that never runs
  student code; it enters new PID, network, mount, IPC and UTS namespaces
  (through a user namespace when it is not root) and forks the worker, which
  is the namespace's PID 1: when the worker dies, the kernel kills every
  process the submission started, double-forked daemons included. Without
  namespaces the keeper is a child subreaper and kills what is left itself.
  In the mount namespace the system is read-only, /proc shows only the
  sandbox, the grader's packages (and, for the NumPy worker, torch & co.)
  are hidden under empty mounts, and the working copy is a small tmpfs.
  As root the worker then drops to an unprivileged uid (covering the
  ancestors of the Python installation that uid could not enter, such as
  /root, with a tmpfs so that it can); otherwise it drops every capability.
- `strict` level: bubblewrap built the sandbox; the worker only drops its uid
  (as root) and sets its limits.
- `none` level: nothing but a separate process.

Resource limits (memory, CPU, file size, open files, processes) are set by
the worker itself, after the privileged steps and before numpy is imported
(a forked worker has numpy, or numpy and torch, from its zygote already).

Then it loads the student's modules from its working copy, calls the
functions the grader names and sends back numbers (JSON, never pickle). It
decides nothing: every value is validated and compared in the grader's
process, and anything here (this code included) may have been tampered with
by the submission once it runs.

Frames on both pipes are a 4-byte big-endian length and a UTF-8 JSON body.
First frame: {"ready": {"layers": {...}, "pid": ...}} or {"fatal": message}.
First request: {"sources": {...}, "stalled": [module, ...]}. Replies:
{"status": "ok", "value": ..., "mutated": ...}, or a status of "missing" |
"error" with a "message": one per request, in order (the grader sends
requests ahead of their replies). An object made here for a request (a torch
module) is named by number, or as {"made": k}: the one made by the request k
requests before (a torch_net case's requests are sent together). Before a reply, alert frames may arrive: {"alert":
"forbidden", "name": ...} the moment automatic differentiation is touched
while a function runs, {"alert": "loaded", ...} when a real autodiff library
is loaded at any time, {"alert": "grader", ...} when the grader's own files
are opened (written at once, so the code cannot take them back), and
{"alert": "loading", "name": module or null} when the import of one of the
student's modules starts or ends.
"""

import importlib
import importlib.machinery
import json
import os
import sys
import traceback
import types

FORBIDDEN = ("torch", "jax", "jaxlib", "autograd", "functorch", "tensorflow", "mxnet")
FORBIDDEN_LIBRARIES = ("libtorch", "libjax", "libtensorflow", "libmxnet")
HIDDEN = ("grader", "reference")  # the grader's own packages: never importable here
MAX_ELEMENTS = 100_000
NOTEBOOK = "__notebook__"

request_fd = reply_fd = -1  # set by `arguments`: from the command line, or by the zygote that forked us
mode, config, folder = "numpy", {}, ""
state = {"calling": None}  # the function running now, when forbidden use counts
modules = {}  # module name -> module object or the message of its failure
handles = {}  # objects that stay here (a torch Module), by number
made = []  # for each of the last requests, oldest first, the number of the object it made, or None
sources = {}  # module -> {"filename": ..., "cells": [[source, label], ...]}, the first request
stalled = set()  # modules whose import ran out of time in an earlier worker of this check: never tried again
importing = []  # the student's modules being imported now, innermost last (see `Watcher`)


def arguments(argv):
    """REQUEST_FD REPLY_FD MODE CONFIG, as the grader (or the zygote, for a forked worker) gives them."""
    global request_fd, reply_fd, mode, config, folder
    request_fd, reply_fd, mode = int(argv[1]), int(argv[2]), argv[3]
    config = json.loads(argv[4]) if len(argv) > 4 else {}
    folder = config.get("folder") or os.getcwd()  # the working copy, shown to students as bare file names


def send(obj):
    body = json.dumps(obj).encode()
    data = memoryview(len(body).to_bytes(4, "big") + body)
    while data:
        data = data[os.write(reply_fd, data):]


inbox = bytearray()  # read from the request pipe, not yet a whole frame


def receive():
    def read(n):
        while len(inbox) < n:
            chunk = os.read(request_fd, max(n - len(inbox), 1 << 16))
            if not chunk:
                os._exit(0)
            inbox.extend(chunk)
        data = bytes(inbox[:n])
        del inbox[:n]
        return data

    return json.loads(read(int.from_bytes(read(4), "big")))


# --- confinement: runs before any student code ------------------------------------------

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REC, MS_PRIVATE = 0x4000, 0x40000
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER, PR_CAP_AMBIENT = 24, 38, 36, 47
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
OPEN_TREE_CLONE, MOVE_MOUNT_F_EMPTY_PATH, MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 1, 4, 1, 2
# open_tree, move_mount, mount_setattr: one number on every architecture since Linux 5.2/5.12.
SYS_OPEN_TREE, SYS_MOVE_MOUNT, SYS_MOUNT_SETATTR = 428, 429, 442
NEW_SYSCALLS = ("x86_64", "aarch64", "riscv64", "ppc64le", "s390x", "loongarch64")

layers = {}  # name -> [on, what]: reported to the grader in the ready frame


def layer(name, on, what):
    layers[name] = [bool(on), what]


def libc():
    import ctypes

    lib = ctypes.CDLL(None, use_errno=True)
    lib.syscall.restype = ctypes.c_long
    return lib


def failed(what):
    import ctypes

    return f"{what}: {os.strerror(ctypes.get_errno())}"


def syscall(lib, number, *args):
    import ctypes

    return lib.syscall(ctypes.c_long(number), *args)


def enter_namespaces(lib):
    """unshare() each namespace this process may create; the set of those it got."""
    got = set()
    if os.geteuid() != 0:
        uid, gid = os.getuid(), os.getgid()
        if lib.unshare(CLONE_NEWUSER) != 0:
            return got, failed("no user namespace for an unprivileged user")
        try:
            for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
                with open(f"/proc/self/{name}", "w") as file:
                    file.write(text)
        except OSError as exc:
            return got, f"user namespace: {exc.strerror}"
        got.add("user")
    why = ""
    for name, flag in (("pid", CLONE_NEWPID), ("network", CLONE_NEWNET), ("mount", CLONE_NEWNS),
                       ("ipc", CLONE_NEWIPC), ("uts", CLONE_NEWUTS)):
        if lib.unshare(flag) == 0:
            got.add(name)
        else:
            why = why or failed(f"unshare({name})")
    return got, why


def process_table():
    """{pid: (parent pid, state)} of every process this /proc shows (isolation.process_table's twin: this
    file runs alone, where the grader's package is hidden)."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as file:
                    fields = file.read().rsplit(b")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), fields[0].decode())
            except (OSError, IndexError, ValueError):
                pass
    return table


def kill_descendants(root):
    """SIGKILL every living descendant of `root`, again until none is left (forks race us)."""
    import signal

    for _ in range(200):
        table = process_table()
        found, frontier = [], [root]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, (ppid, _) in table.items() if ppid == parent]
            found += children
            frontier += children
        living = [pid for pid in found if table[pid][1] != "Z"]
        if not living:
            return
        for pid in living:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def keep(lib, namespaced):
    """Fork the worker and return in it; this process stays outside, waits and exits as it did."""
    if not namespaced and lib is not None:
        lib.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans come back here, not to init
    worker = os.fork()
    if worker == 0:
        return
    os.close(request_fd)
    os.close(reply_fd)
    status = 0
    while True:
        try:
            pid, code = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == worker:
            status = code
            if namespaced:
                break  # its namespace died with it
            kill_descendants(os.getpid())
    exit_as(status)


def exit_as(status):
    import signal

    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        os._exit(128 + number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def mount(lib, source, target, fstype, flags, data=None):
    def c(text):
        return None if text is None else text.encode()

    if lib.mount(c(source), c(target), c(fstype), flags, c(data)) != 0:
        return failed(f"mount {target}")
    return ""


def blocker(path, uid, gid, need=0o5):
    """The first folder on the way to `path` that uid cannot enter (or, for `path` itself, use as
    `need` asks: read and enter by default), or ""."""
    real = os.path.realpath(path)
    current = "/"
    for part in [""] + real.split("/")[1:]:
        current = os.path.join(current, part) if part else current
        try:
            status = os.stat(current)
        except OSError:
            return current
        shift = 6 if status.st_uid == uid else 3 if status.st_gid == gid else 0
        wanted = need if current == real else 0o1
        if (status.st_mode >> shift) & wanted != wanted:
            return current
    return ""


def expose(lib, paths, uid, gid):
    """Make `paths` reachable for uid: cover each folder on their way it may not enter with a tmpfs
    holding only them (bind mounts of the originals). The reason it could not, or ""."""
    if os.uname().machine not in NEW_SYSCALLS:
        return "no open_tree() on this architecture"
    groups = {}
    for path in dict.fromkeys(os.path.realpath(p) for p in paths):
        blocked = blocker(path, uid, gid, need=0)  # the paths themselves are checked below
        if blocked == path:
            return f"{path} is not readable by uid {uid}"
        if blocked:
            groups.setdefault(blocked, []).append(path)
    for cover in sorted(groups, key=len):
        clones = []
        for path in groups[cover]:
            fd = syscall(lib, SYS_OPEN_TREE, AT_FDCWD, path.encode(), OPEN_TREE_CLONE | AT_RECURSIVE | 0o2000000)
            if fd < 0:
                return failed(f"open_tree {path}")
            clones.append((path, fd))
        why = mount(lib, "tmpfs", cover, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
        if why:
            return why
        for path, fd in clones:
            os.makedirs(path, mode=0o755, exist_ok=True)
            if syscall(lib, SYS_MOVE_MOUNT, fd, b"", AT_FDCWD, path.encode(), MOVE_MOUNT_F_EMPTY_PATH) != 0:
                return failed(f"move_mount {path}")
            os.close(fd)
    return unreadable(paths, uid, gid)


def unreadable(paths, uid, gid):
    """Why uid could not use `paths` (read the Python installation, enter the working copy's folder), or ""."""
    left = [blocker(p, uid, gid) for p in paths[:-1]] + [blocker(os.path.dirname(paths[-1]), uid, gid, need=0o1)]
    return next((f"{b} is not readable by uid {uid}" for b in left if b), "")


def read_only(lib):
    """Every mount read-only, at once (mount_setattr, Linux 5.12)."""
    import ctypes

    if os.uname().machine not in NEW_SYSCALLS:
        return "no mount_setattr() on this architecture"
    attr = (ctypes.c_uint64 * 4)(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0, 0)
    if syscall(lib, SYS_MOUNT_SETATTR, AT_FDCWD, b"/", AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr)) != 0:
        return failed("mount_setattr /")
    return ""


def working_copy(lib, owner):
    """The working copy as a size-capped tmpfs over the folder the grader wrote, with the same files."""
    files = {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as file:
            files[name] = file.read()
    size = int(config.get("limits", {}).get("disk", 64 * 1024 * 1024))
    why = mount(lib, "tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=755,size={size}")
    if why:
        return why
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as file:
            file.write(data)
    if owner is not None:
        os.chown(folder, *owner)
    os.chdir(folder)  # the old directory is under the new mount now
    return ""


def set_up_mounts(lib, spaces, uid, gid):
    """In the worker's own mount namespace, before it drops its privileges. Whether uid may be taken."""
    if mount(lib, None, "/", None, MS_REC | MS_PRIVATE):
        layer("files", False, failed("cannot make the mounts private"))
        return False
    may_drop = uid is not None and os.geteuid() == 0
    if may_drop:
        why = expose(lib, [*config.get("paths", []), folder], uid, gid)
        if why:
            may_drop = False
            layer("user", False, why)
    hidden = "size=4k,mode=755"
    problems = [mount(lib, "tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, hidden)
                for path in config.get("hide", []) if os.path.isdir(path)]
    if mode == "numpy":
        missed = [mount(lib, "tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, hidden)
                  for path in config.get("hide_numpy", []) if os.path.isdir(path)]
        missed = "; ".join(filter(None, missed))
        layer("autodiff", not missed, missed or "torch & co. are empty folders here: only the tripwire's stand-ins import")
    problems.append(read_only(lib))
    if "pid" in spaces:
        problems.append(mount(lib, "proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
    else:
        problems.append("no PID namespace: /proc shows the host's processes")
    problems.append(working_copy(lib, (uid, gid) if may_drop else None))
    problems = [problem for problem in problems if problem]
    layer("files", not problems, "; ".join(problems) if problems
          else "read-only system, own /proc, grader files hidden, working copy on a capped tmpfs")
    return may_drop


def drop_capabilities(lib):
    import ctypes

    for capability in range(64):
        if lib.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() == 22:
            break  # EINVAL: past the last capability
    lib.prctl(PR_CAP_AMBIENT, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    return lib.capset(ctypes.byref(header), ctypes.byref(data)) == 0


def drop_privileges(lib, may_drop, uid, gid):
    """The unprivileged uid where we are root and it can run Python; no capabilities, no setuid gains."""
    if os.geteuid() == 0 and may_drop:
        try:
            if not layers.get("files", [False])[0]:
                os.chown(folder, uid, gid)  # no tmpfs of ours: the uid must write its working copy
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            layer("user", True, f"uid {uid}")
        except OSError as exc:
            layer("user", False, f"setuid({uid}): {exc.strerror}")
    elif "user" not in layers:
        layer("user", False, f"runs as the grading user (uid {os.getuid()}): only root can change it"
              if os.geteuid() else "stays root")
    if drop_capabilities(lib):
        layer("capabilities", True, "none left")
    else:
        layer("capabilities", os.geteuid() != 0 and "user" not in spaces_got, failed("capset"))
    lib.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


spaces_got = set()


def set_limits(limits, count_processes):
    try:
        import resource
    except ImportError:
        layer("limits", False, "no resource limits on this system")
        return
    wanted = [
        ("memory", getattr(resource, "RLIMIT_AS", None), limits.get("memory")),
        ("file size", resource.RLIMIT_FSIZE, limits.get("file_size")),
        ("open files", resource.RLIMIT_NOFILE, limits.get("open_files")),
        ("core", resource.RLIMIT_CORE, 0),
    ]
    if count_processes:
        wanted.append(("processes", getattr(resource, "RLIMIT_NPROC", None), limits.get("processes")))
    got, missed = [], []
    for name, which, value in wanted:
        if which is None or value is None:
            continue
        try:
            hard = resource.getrlimit(which)[1]
            value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
            resource.setrlimit(which, (value, value))
            got.append(name)
        except (ValueError, OSError):
            missed.append(name)
    cpu = limits.get("cpu")
    if cpu:
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (int(cpu), int(cpu) + 1))  # SIGXCPU, then SIGKILL
            got.append("CPU time")
        except (ValueError, OSError):
            missed.append("CPU time")
    layer("limits", not missed, ", ".join(got) + (f" (not: {', '.join(missed)})" if missed else ""))
    if "processes" not in got:
        layer("process count", False, "RLIMIT_NPROC counts every process of a uid: set only for the sandbox's own uid")
    else:
        layer("process count", True, f"at most {limits.get('processes')}")


def confine():
    """Everything between the interpreter's start and the first line of student code."""
    global spaces_got
    level = config.get("level", "none")
    uid, gid = config.get("uid"), config.get("gid")
    os.umask(0o022)
    lib = None
    if level in ("process", "strict") and sys.platform == "linux":
        try:
            lib = libc()
        except OSError:
            lib = None
    if level == "process" and lib is not None:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the keeper mirrors a crash: no core file
        except (ImportError, ValueError, OSError):
            pass
        spaces_got, why = enter_namespaces(lib) if config.get("namespaces", True) else (set(), "namespaces not asked for")
        pid_namespace = "pid" in spaces_got
        keep(lib, pid_namespace)
        layer("processes", True, "PID namespace: the check's end kills them all" if pid_namespace
              else f"subreaper and process sweep ({why})")
        layer("network", "network" in spaces_got, "own empty network namespace" if "network" in spaces_got
              else why or "no network namespace")
        may_drop = uid is not None
        if "mount" in spaces_got:
            may_drop = set_up_mounts(lib, spaces_got, uid, gid) and may_drop
        elif os.geteuid() == 0 and uid is not None:
            blocked = unreadable([*config.get("paths", []), folder], uid, gid)
            if blocked:
                may_drop = False
                layer("user", False, blocked)
        if "files" not in layers:
            layer("files", False, why or "no mount namespace")
        if mode == "numpy" and "autodiff" not in layers:
            layer("autodiff", False, "no mount namespace: the tripwire, the audit hook and the grader's look at"
                  " this process's libraries catch it")
    elif level == "strict":
        may_drop = uid is not None
        spaces_got = {"pid", "network", "mount"}
        layer("processes", True, "bubblewrap's PID namespace")
        layer("network", True, "bubblewrap's empty network namespace")
        layer("files", True, "bubblewrap: only Python, numpy/torch and the working copy")
        if mode == "numpy":
            layer("autodiff", True, "torch & co. are empty folders here: only the tripwire's stand-ins import")
    else:
        may_drop = False
        what = "sandbox none" if level == "none" else f"not on {sys.platform}: Linux only"
        layer("processes", False, f"{what}: only the process group is killed")
        layer("network", False, what)
        layer("files", False, what)
    if level == "none":
        layer("user", False, "sandbox none")
        layer("limits", False, "sandbox none")
        return
    dropped_uid = False
    if lib is not None:
        drop_privileges(lib, may_drop, uid, gid)
        dropped_uid = layers.get("user", [False])[0] and os.getuid() != 0
    counted = dropped_uid or "user" in spaces_got or (level == "strict" and os.getuid() != 0)
    set_limits(config.get("limits", {}), counted)


# --- the grader's packages and autodiff: out of reach ---------------------------------------


def alert(name):
    if state["calling"] is not None:
        send({"alert": "forbidden", "name": name, "function": state["calling"]})


def opened(event, args):
    """The path a file event names, resolved (a symbolic link in the working copy changes nothing), or ""."""
    if event in ("open", "ctypes.dlopen", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        return os.path.realpath(os.fsdecode(args[0]))
    return ""


def check_grader_files(path):
    if any(path == hidden or path.startswith(hidden + "/") for hidden in config.get("hide", [])):
        send({"alert": "grader", "name": path})


def audit(event, args):
    # An audit hook cannot be removed: it sees imports that bypass sys.meta_path.
    if event == "import" and str(args[0]).split(".")[0] in FORBIDDEN:
        alert(str(args[0]))
    path = opened(event, args)
    if path:
        if any(f"/{name}/" in path for name in FORBIDDEN) or any(lib in path for lib in FORBIDDEN_LIBRARIES):
            send({"alert": "loaded", "name": path.rsplit("/", 1)[-1] or path})
        check_grader_files(path)


def grader_audit(event, args):
    # The torch worker may load torch; it still may not read the grader's files.
    path = opened(event, args)
    if path:
        check_grader_files(path)


class Hidden:
    """The grader's own packages (and an editable install's finder) cannot be imported here."""

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in HIDDEN or top.startswith("__editable__"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


class Watcher:
    """Tells the grader which of the student's modules is being imported, innermost first.

    An import that runs out of time is then known by name: the grader kills
    the worker, and the next worker of the check refuses that module at once
    (`stalled`) instead of running into the same limit for every exercise
    that imports it. A lie here only fails the student's own modules.
    """

    def find_spec(self, name, path=None, target=None):
        if path is not None or name not in sources or name == NOTEBOOK:
            return None
        if name in stalled:
            raise ImportError(f"importing {sources[name]['filename']} did not finish in time earlier:"
                              " not tried again", name=name)
        later = sys.meta_path[sys.meta_path.index(self) + 1:] if self in sys.meta_path else []
        for finder in later:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = Announced(spec.loader, name)
                return spec
        return None


class Announced:
    """A module's own loader, saying when its code starts and ends."""

    def __init__(self, loader, name):
        self.loader, self.name = loader, name

    def create_module(self, spec):
        with Importing(self.name):
            return self.loader.create_module(spec) if hasattr(self.loader, "create_module") else None

    def exec_module(self, module):
        with Importing(self.name):
            self.loader.exec_module(module)

    def __getattr__(self, attr):  # get_source, get_filename...: tracebacks still show the student's lines
        return getattr(self.loader, attr)


class Importing:
    """`with Importing(name):` around the code of one of the student's modules: the grader hears of it."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        importing.append(self.name)
        send({"alert": "loading", "name": self.name})

    def __exit__(self, *exc):
        importing.pop()
        send({"alert": "loading", "name": importing[-1] if importing else None})
        return False


class NotebookFinder:
    """A .py module may import a module handed in as a notebook, as it would in the student's folder."""

    def find_spec(self, name, path=None, target=None):
        entry = sources.get(name)
        if path is None and entry is not None and name != NOTEBOOK and not entry["filename"].endswith(".py"):
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        module = load(spec.name)
        if not isinstance(module, types.ModuleType):
            raise ImportError(module or f"No module named {spec.name!r}", name=spec.name)
        return module

    def exec_module(self, module):
        pass  # load() ran its cells


class Tripwire(types.ModuleType):
    """Stands in for torch & co. in the NumPy process: any use while a function runs is reported.

    Definitions at load time (`class Net(torch.nn.Module)` in a notebook that
    also holds torch_net) still succeed, since using autodiff is judged per
    function while it runs.
    """

    def __init__(self, name):
        super().__init__(name)
        self.__path__ = []

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        alert(f"{self.__name__}.{attr}")
        return Tripwire(f"{self.__name__}.{attr}")

    def __call__(self, *args, **kwargs):
        alert(self.__name__)
        if state["calling"] is not None:
            raise RuntimeError(f"{self.__name__} is not allowed here: derive the gradient by hand")
        return Tripwire(self.__name__ + "()")

    def __mro_entries__(self, bases):
        return (object,)


class LazyDynamo(types.ModuleType):
    """torch._dynamo takes 0.8 s to import, and torch.optim only asks it for disable(), graph_break() and is_compiling().

    Without torch.compile, disable(fn) is fn itself; any other use of the
    module imports the real one.
    """

    def disable(self, fn=None, recursive=True, wrapping=True):
        return fn if fn is not None else (lambda f: f)

    def graph_break(self, *args, **kwargs):
        pass

    def is_compiling(self):
        return False

    def __getattr__(self, name):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


class TripwireFinder:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            return importlib.machinery.ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        return Tripwire(spec.name)

    def exec_module(self, module):
        pass


# --- the student's code ----------------------------------------------------------------------


def run_cells(name, entry):
    """A notebook's code cells in one namespace; a cell that raises does not stop the rest."""
    module = types.ModuleType(name)
    module.__file__ = entry["filename"]
    sys.modules[name] = module
    failures = []
    for source, label in entry["cells"]:
        try:
            exec(compile(source, label, "exec"), module.__dict__)
        except BaseException as exc:  # noqa: BLE001 - a cell may even call sys.exit()
            failures.append(f"{label} raised {describe(exc)}")
    module.__grader_cell_failures__ = failures
    return module


def load(name):
    if name not in modules:
        reseed()  # what a module draws as it is imported is the same in every run too
        entry = sources.get(name)
        try:
            if entry is None:
                modules[name] = None
            elif entry["filename"].endswith(".py") and name != NOTEBOOK:
                modules[name] = importlib.import_module(name)  # announced by `Watcher`
            elif name in stalled:
                raise ImportError(f"running {entry['filename']} did not finish in time earlier: not tried again")
            else:
                with Importing(name):
                    modules[name] = run_cells(name, entry)
        except BaseException as exc:  # noqa: BLE001
            modules[name] = f"importing {entry['filename']} raised {describe(exc)}"
    return modules[name]


def shown(filename):
    """A file of the working copy as the student knows it: its bare name."""
    return filename[len(folder) + 1:] if filename.startswith(folder + "/") else filename


def shown_paths(text):
    """`text` with the working copy's folder cut out of the paths in it (an ImportError names the file)."""
    return text.replace(folder + "/", "") if folder else text


def describe(exc):
    """The exception and the student's line it came from, in one line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<grader")]
    where = f" ({shown(frames[-1].filename)}, line {frames[-1].lineno})" if frames else ""
    text = shown_paths(str(exc).splitlines()[0]) if str(exc) else ""
    if isinstance(exc, SyntaxError):
        where = f" ({shown(str(exc.filename))}, line {exc.lineno})"
        text = exc.msg
    return f"{type(exc).__name__}{': ' + text if text else ''}{where}"


def decode(obj):
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "nd" in obj:
        import numpy as np

        return np.array(obj["nd"], dtype=np.float64).reshape(obj["shape"])
    if "tensor" in obj:
        import torch

        return torch.tensor(decode(obj["tensor"]), dtype=torch.float64)
    if "tuple" in obj:
        return tuple(decode(v) for v in obj["tuple"])
    if "handle" in obj:
        return handle(obj["handle"])
    if "made" in obj:
        return handle(obj)
    raise ValueError(f"unknown value {obj!r}")


class Wrong(Exception):
    """A result that does not have the form the exercise asks for."""


def to_array(value, what):
    import numpy as np

    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except Exception as exc:  # noqa: BLE001
        raise Wrong(f"{what} is a {type(value).__name__} that numpy cannot read ({describe(exc)})") from None
    if type(array) is not np.ndarray or array.dtype.kind not in "biuf":
        raise Wrong(f"{what} is an array of {array.dtype}, expected numbers (float64)")
    if array.size > MAX_ELEMENTS:
        raise Wrong(f"{what} has {array.size} entries, far more than expected")
    array = array.astype(np.float64, copy=False)
    return {"nd": array.ravel().tolist(), "shape": list(array.shape)}


def handle(name):
    """An object made here: by number, or {"made": k}, the one the request k requests before this one made
    (a case's requests are sent before the first reply gives its number); a KeyError if there is none."""
    if isinstance(name, dict):
        back = name["made"]
        number = made[-1 - back] if type(back) is int and 0 < back < len(made) else None
        if number is None:
            raise KeyError(f"no object made {back} requests before")
        return handles[number]
    return handles[name]


def encode(value, kind, what="the result"):
    """The result as plain data, by the form the exercise expects (`kind`)."""
    if kind in ("array", "number"):
        return to_array(value, what)
    if kind == "handle":
        handles[len(handles)] = value
        made[-1] = len(handles) - 1
        return {"handle": len(handles) - 1}
    if isinstance(kind, list):  # a fixed-length tuple of kinds, or ["list", kind] of any length
        if not isinstance(value, (tuple, list)):
            raise Wrong(f"{what} is a {type(value).__name__}, expected a tuple or list")
        if kind[0] == "list":
            return [encode(v, kind[1], f"{what}[{i}]") for i, v in enumerate(value)]
        if len(value) != len(kind):
            raise Wrong(f"{what} has {len(value)} items, expected {len(kind)}")
        return [encode(v, k, f"{what}[{i}]") for i, (v, k) in enumerate(zip(value, kind))]
    raise ValueError(kind)


def snapshot(args):
    import numpy as np

    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else snapshot(a) if isinstance(a, (list, tuple)) else None for a in args]


def changed(before, args):
    import numpy as np

    for old, new in zip(before, args):
        if isinstance(old, np.ndarray):
            if not isinstance(new, np.ndarray) or not same(old, new):
                return True
        elif isinstance(old, list) and isinstance(new, (list, tuple)):
            if len(old) != len(new) or changed(old, new):
                return True
    return False


def same(old, new):
    """Whether `new` holds the values of its copy `old`: the same bytes, at once; else equal values (NaN
    equal to NaN, 0.0 to -0.0), as np.array_equal alone would find, only slower."""
    import numpy as np

    if old.shape != new.shape:
        return False
    return (old.dtype == new.dtype and old.tobytes() == new.tobytes()) or np.array_equal(old, new, equal_nan=True)


def builtin(request):
    """The grader's own torch helpers: a net to train, and a net's parameters as arrays."""
    import torch

    if request["op"] == "net":
        layers_ = []
        for W, b in decode(request["params"]):
            linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(W))
                linear.bias.copy_(torch.from_numpy(b))
            activation = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
            layers_ += [linear, activation[request["activation"]]()]
        return {"status": "ok", "value": encode(torch.nn.Sequential(*layers_), "handle")}
    parameters = [p.detach().numpy() for p in handle(request["handle"]).parameters()]
    return {"status": "ok", "value": encode(parameters, ["list", "array"])}


def probe():
    """What a submission could reach from here (for `grader doctor`): tried, not assumed."""
    import socket
    import tempfile

    found = {"uid": os.getuid()}
    try:
        found["interfaces"] = sorted(name for _, name in socket.if_nameindex() if name != "lo")
    except OSError as exc:
        found["interfaces"] = [f"? {exc.strerror}"]
    found["processes visible"] = sum(entry.isdigit() for entry in os.listdir("/proc")) if os.path.isdir("/proc") else -1
    found["write outside"] = []
    for place in config.get("outside", [tempfile.gettempdir()]):
        target = os.path.join(place, f"grader-probe-{os.getpid()}")
        try:
            with open(target, "w"):
                pass
            os.unlink(target)
            found["write outside"].append(place)
        except OSError:
            pass
    found["grader files"] = [p for p in config.get("hide", []) if os.path.isdir(p) and os.listdir(p)]
    found["torch files"] = [p for p in config.get("hide_numpy", []) if os.path.isdir(p) and os.listdir(p)]
    return {"status": "probe", "found": found}


def call(request):
    if request.get("op") in ("net", "parameters"):
        return builtin(request)
    if request.get("op") == "probe":
        return probe()
    module_name, function_name = request["module"], request["function"]
    if "handle" in request:
        target = handle(request["handle"])
    else:
        module = load(module_name)
        if isinstance(module, str):
            return {"status": "error", "message": module}
        target = getattr(module, function_name, None) if module is not None else None
        if not callable(target):
            return {"status": "missing", "message": f"{function_name} is not defined"}
    args = decode(request["args"])
    kwargs = {k: decode(v) for k, v in request.get("kwargs", {}).items()}
    before = snapshot(args)
    reseed()
    state["calling"] = f"{module_name}.{function_name}" if mode == "numpy" else None
    try:
        value = target(*args, **kwargs)
    except NotImplementedError:
        return {"status": "missing", "message": f"{function_name} still raises NotImplementedError"}
    except BaseException as exc:  # noqa: BLE001 - sys.exit() and KeyboardInterrupt are the student's too
        return {"status": "error", "message": describe(exc)}
    finally:
        state["calling"] = None
    mutated = changed(before, args)
    try:
        return {"status": "ok", "value": encode(value, request["returns"]), "mutated": mutated}
    except Wrong as exc:
        return {"status": "error", "message": str(exc), "mutated": mutated}


def reseed():
    """The same random numbers for the same call, whatever ran before it in this process (the cases sent
    ahead, a shrink's order) and in every run: a student who shuffles gets the same result each time, and
    the replay command shows it. About 3 microseconds; torch's whole manual_seed would be 140."""
    sys.modules["random"].seed(0)
    sys.modules["numpy.random"].seed(0)
    if mode == "torch":
        sys.modules["torch"].default_generator.manual_seed(0)


def preload():
    """What every worker of `mode` imports before any student code: once per zygote, or here."""
    import random  # noqa: F401 - seeded before every call (`reseed`)

    import numpy.random  # noqa: F401 - loaded before any student code, and while the grader draws its cases

    if mode == "torch":
        import torch

        sys.modules.setdefault("torch._dynamo", LazyDynamo("torch._dynamo"))
        # The first optimiser step pays torch's lazy set-up; here it overlaps the NumPy grading (or is paid
        # once, by a zygote).
        weight = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
        torch.optim.SGD([weight], lr=0.1).step()


def room_for_what_is_loaded():
    """A forked worker has numpy (and torch) in memory already: a memory limit below that is the grader's error."""
    limit = config.get("limits", {}).get("memory")
    if config.get("level", "none") == "none" or not limit:
        return
    with open("/proc/self/statm", "rb") as file:
        size = int(file.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    if size > int(limit):
        loaded = "numpy and torch" if mode == "torch" else "numpy"
        raise MemoryError(f"{loaded} already take {size // 1024**2} MiB of address space, over the memory limit")


def main(preloaded=False):
    try:
        if preloaded:
            room_for_what_is_loaded()
        confine()
        sys.path[:0] = [os.getcwd()] if preloaded else [os.getcwd(), *config.get("site", [])]
        sys.meta_path[:0] = [Watcher(), Hidden(), NotebookFinder()]
        if mode == "numpy":
            sys.meta_path.insert(0, TripwireFinder())
            sys.addaudithook(audit)
        elif config.get("hide"):
            sys.addaudithook(grader_audit)
        if not preloaded:
            preload()
    except BaseException as exc:  # noqa: BLE001 - the grader must hear why its sandbox cannot work
        send({"fatal": f"{type(exc).__name__}: {exc}", "layers": layers})
        os._exit(70)
    send({"ready": {"layers": layers, "pid": os.getpid() if "pid" not in spaces_got else None,
                    "contained": "pid" in spaces_got and config.get("level") in ("process", "strict")}})
    first = receive()
    sources.update(first["sources"])
    stalled.update(first.get("stalled", []))
    while True:
        request = receive()
        made[:] = [*made[-3:], None]  # this request's entry last: what it makes, if anything
        try:
            reply = call(request)
        except Exception as exc:  # noqa: BLE001 - a reply must always follow a request
            reply = {"status": "error", "message": f"the result could not be read: {describe(exc)}"}
        send(reply)


# --- the zygote: a pre-imported parent that forks workers --------------------------------------
#
# Started by the grader (grader/zygote.py) as `python -I -B -S -c <this source> zygote CONTROL_FD MODE
# CONFIG`, with a cleared environment, before the grader draws any case. It imports what every worker of
# MODE imports (the NumPy zygote never imports torch), then forks a worker per request on CONTROL_FD (a
# Unix socket: JSON, with the worker's pipes and output file as SCM_RIGHTS). The child drops everything of
# the zygote's (the control socket, every other descriptor, the environment) and runs `main` as a worker
# started afresh would: keeper, namespaces, mounts, uid, limits, all entered from here on. The zygote never
# runs student code and never receives the student's sources, the seed or the reference's results.


def serve(control_fd, zygote_mode, zygote_config):
    import gc
    import socket

    global mode, config
    mode, config = zygote_mode, zygote_config
    channel = socket.socket(fileno=control_fd)
    try:
        sys.path[:0] = config.get("site", [])
        preload()
        import ctypes  # noqa: F401 - what `confine`, `become_worker` and `probe` use, loaded once for every child
        import fcntl  # noqa: F401
        import resource  # noqa: F401
        import signal  # noqa: F401
        import tempfile  # noqa: F401
    except BaseException as exc:  # noqa: BLE001 - the grader falls back to starting workers afresh
        channel.send(json.dumps({"fatal": f"{type(exc).__name__}: {exc}"}).encode())
        os._exit(70)
    if len(os.listdir("/proc/self/task")) > 1:  # a fork copies one thread: locks others hold would stay held
        channel.send(json.dumps({"fatal": "the imports started threads: forking would be unsafe"}).encode())
        os._exit(70)
    gc.freeze()  # what is loaded stays shared with every child: the collector does not touch it
    with open("/proc/self/statm", "rb") as file:
        size = int(file.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    channel.send(json.dumps({"ready": os.getpid(), "size": size}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, 1 << 20, 3)
        except OSError:
            break
        if not message:
            break  # the grader is gone
        request = json.loads(message)
        given = []
        if request.get("op") == "fork" and len(fds) == 3:
            pid = os.fork()
            if pid == 0:
                try:
                    become_worker(channel, fds, request)
                finally:
                    os._exit(70)
            given = [os.pidfd_open(pid)]
            answer = {"pid": pid}
        elif request.get("op") == "reap":
            answer = reap(int(request["pid"]))
        else:
            answer = {"error": f"unknown request {request.get('op')!r}"}
        for fd in fds:
            os.close(fd)  # the child's now: the grader sees the pipes' ends close when the child's do
        socket.send_fds(channel, [json.dumps(answer).encode()], given)
        for fd in given:
            os.close(fd)
    kill_descendants(os.getpid())
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    os._exit(0)


def reap(pid):
    """The exit status of a child that has ended, else None; a child stays a zombie (its pid taken) until then."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return {"status": None, "gone": True}
    return {"status": status if done else None}


def become_worker(channel, fds, request):
    """In the forked child: nothing of the zygote's is left, then the worker's life as if started afresh."""
    import fcntl

    channel.close()
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]  # out of the way of the numbers given below
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(high[2], 1)  # what the student prints: the grader's capped output file
    os.dup2(high[2], 2)
    os.dup2(high[0], 3)
    os.dup2(high[1], 4)
    os.closerange(5, 1 << 20)  # every other descriptor the zygote had, the fds just received included
    os.setsid()
    os.environ.clear()
    os.environ.update(request["env"])
    arguments(["-c", "3", "4", mode, json.dumps(request["config"])])  # the zygote's mode: a NumPy zygote's
    sys.argv[:] = ["-c", "3", "4", mode, json.dumps(config)]  # children are NumPy workers; argv as if afresh
    os.chdir(folder)
    main(preloaded=True)


if sys.argv[1:2] == ["zygote"]:
    serve(int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]))
else:
    arguments(sys.argv)
    main()
