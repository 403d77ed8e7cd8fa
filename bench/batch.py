"""Times `grader grade` on a class of mixed submissions and measures each worker's peak memory.

Builds N submissions (default 200) in a temporary folder: correct ones,
buggy ones (one classic mistake each), as folders, zips and notebooks, and a
few hostile ones (an infinite loop at import, sys.exit at import, a function
that never returns, a memory hog). Runs `grader grade --jobs J` on them while
sampling /proc every 100 ms, then prints submissions per minute and the peak
resident memory of:

- each grading process (a ProcessPoolExecutor worker running api.check),
- each zygote (the pre-imported NumPy or torch parent of a grading process's
  workers, grader/zygote.py),
- each sandboxed student process (a keeper or worker forked by a zygote, or a
  python -I -S started afresh where nothing forks),
- a "worker slot": a grading process plus everything below it at once, the
  figure the target speaks of, as the sum of PSS (see `Sampler`) and, for
  comparison, the sum of RSS, which counts the pages a fork shares with its
  zygote once per process.

It also prints the rate of the submissions graded after the hostile ones
(the first --hostile of the class: the two that run into --timeout hold both
grading processes for its length), and the CPU time the batch used beside
what the whole machine spent meanwhile (other processes slow it down).

Targets (issue 6): at least 300 submissions a minute with --jobs 2 on a
2-core machine, under 400 MiB per worker.

    python bench/batch.py [--count 200] [--jobs 2] [--timeout 10] [--hostile 4]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("gradient_descent", "chain_rule", "activations", "forward", "backward", "training", "torch_net")
MIB = 1024 * 1024

# (module, text in the reference, its replacement): one classic mistake each.
BUGS = [
    ("gradient_descent", "return -(-num_samples // batch_size)", "return num_samples // batch_size"),
    (
        "activations",
        "return 1 - np.tanh(np.asarray(z, dtype=float)) ** 2",
        "return np.tanh(np.asarray(z, dtype=float))",
    ),
    (
        "activations",
        "return (np.asarray(z, dtype=float) > 0).astype(float)",
        "return (np.asarray(z, dtype=float) >= 0).astype(float)",
    ),
    ("backward", "dW = dz.T @ x  # (n_out, batch) @ (batch, n_in)", "dW = x.T @ dz"),
    ("backward", "db = dz.sum(axis=0)  # (n_out,)", "db = dz.mean(axis=0)"),
    ("forward", "a = ACTIVATIONS[activation](linear_forward(a, W, b))", "a = linear_forward(a, W, b)"),
]
HOSTILE = {
    "loops_at_import": ("forward", "while True:\n    pass\n"),
    "exits_at_import": ("activations", "import sys\nsys.exit(0)\n"),
    "never_returns": ("gradient_descent", "def num_batches(n, b):\n    while True:\n        pass\n"),
    "hogs_memory": ("chain_rule", "hog = bytearray(8 * 1024**3)\n"),
}


def sources() -> dict[str, str]:
    """The reference as a student's top-level modules."""
    return {
        m: re.sub(
            r"^from \.(\w+) import",
            r"from \1 import",
            (ROOT / "reference" / f"{m}.py").read_text(),
            flags=re.M,
        )
        for m in MODULES
    }


def with_bug(files: dict[str, str], index: int) -> dict[str, str]:
    module, old, new = BUGS[index % len(BUGS)]
    if old not in files[module]:
        raise SystemExit(f"bench/batch.py: the reference changed; update BUGS ({module}: {old!r})")
    return {**files, module: files[module].replace(old, new)}


def notebook(files: dict[str, str]) -> str:
    import nbformat
    from nbformat import v4

    pattern = re.compile(rf"^from ({'|'.join(MODULES)}) import [^\n(]*$", re.M)
    cells = [v4.new_code_cell(pattern.sub("pass", text)) for text in files.values()]
    return nbformat.writes(v4.new_notebook(cells=cells))


def write(folder: Path, name: str, files: dict[str, str], form: str) -> None:
    if form == "folder":
        (folder / name).mkdir()
        for module, text in files.items():
            (folder / name / f"{module}.py").write_text(text)
    elif form == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for module, text in files.items():
                archive.writestr(f"{name}/{module}.py", text)
        (folder / f"{name}.zip").write_bytes(buffer.getvalue())
    else:
        (folder / f"{name}.ipynb").write_text(notebook(files))


def build(folder: Path, count: int, hostile: int) -> Counter:
    files = sources()
    kinds: Counter = Counter()
    forms = ("folder", "folder", "zip", "notebook")
    for index in range(count):
        name = f"s{index:04d}"
        if index < hostile:
            kind = list(HOSTILE)[index % len(HOSTILE)]
            module, text = HOSTILE[kind]
            write(folder, name, {**files, module: text}, "folder")
        elif index % 4 == 1:
            kind = "buggy"
            write(folder, name, with_bug(files, index), forms[index % len(forms)])
        else:
            kind = "correct"
            write(folder, name, files, forms[index % len(forms)])
        kinds[kind] += 1
    return kinds


def status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def descendants(pid: int) -> list[int]:
    found, frontier = [], children(pid)
    while frontier:
        child = frontier.pop()
        found.append(child)
        frontier += children(child)
    return found


def is_zygote(pid: int) -> bool:
    """A zygote's command line holds `zygote FD MODE CONFIG` (its forked children keep it: ask the parent)."""
    try:
        return b"\0zygote\0" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def pss(pid: int) -> int:
    """KiB of proportional set size: each shared page divided among the processes that map it."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_cpu() -> float:
    """Seconds of CPU the whole machine has spent since boot (every core, idle and iowait left out)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """Seconds of CPU of this process's waited-for descendants (the batch, its zygotes and workers included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def kib(value: str) -> int:
    return int(value.split()[0]) if value else 0


class Sampler(threading.Thread):
    """Polls the process tree under `root`: peak RSS per grading process, zygote and sandbox, and per slot.

    A worker slot is a grading process with everything below it at one moment:
    its zygotes (one for NumPy workers, one for torch's) and the sandboxed
    processes they forked. A forked process shares most of its pages with its
    zygote, so the sum of RSS counts those pages once per process; the sum of
    PSS (each shared page divided among the processes that map it) is the
    memory the slot holds, and the figure held to the target. Rounds are
    0.1 s apart; PSS makes the kernel walk every mapping, so it is sampled
    every fifth round (0.5 s). The sampler's own CPU time is reported (`cpu`).
    """

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.stop = root, threading.Event()
        self.graders: dict[int, int] = {}  # pid -> peak KiB (VmHWM)
        self.zygotes: dict[int, int] = {}
        self.sandboxes: dict[int, int] = {}
        self.slot_rss = 0  # KiB: a grading process and its descendants at one moment, RSS summed
        self.slot_pss = 0  # the same, PSS summed
        self.main = 0
        self.cpu = 0.0  # seconds of CPU this thread spent sampling
        self.kinds: dict[int, dict[int, int]] = {}  # pid -> the peaks it counts in (a zygote's command line is long)

    def run(self) -> None:
        rounds = 0
        while not self.stop.is_set():
            self.main = max(self.main, kib(status(self.root).get("VmHWM", "")))
            for grader in children(self.root):
                info = status(grader)
                if "python" not in info.get("Name", "python"):
                    continue
                self.graders[grader] = max(self.graders.get(grader, 0), kib(info.get("VmHWM", "")))
                direct = children(grader)
                below = descendants(grader)
                total = kib(info.get("VmRSS", ""))
                for pid in below:
                    if pid not in self.kinds:
                        self.kinds[pid] = self.zygotes if pid in direct and is_zygote(pid) else self.sandboxes
                    peaks = self.kinds[pid]
                    below_info = status(pid)
                    peaks[pid] = max(peaks.get(pid, 0), kib(below_info.get("VmHWM", "")))
                    total += kib(below_info.get("VmRSS", ""))
                self.slot_rss = max(self.slot_rss, total)
                if rounds % 5 == 0:
                    self.slot_pss = max(self.slot_pss, sum(pss(pid) for pid in [grader, *below]))
            rounds += 1
            self.cpu = time.thread_time()
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0, help="grader grade --timeout (per exercise)")
    parser.add_argument("--hostile", type=int, default=4, help="how many of the submissions are hostile")
    parser.add_argument("--only", action="append", default=[], help="grader grade --only (repeatable)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder, out = Path(tmp, "submissions"), Path(tmp, "out")
        folder.mkdir()
        kinds = build(folder, options.count, options.hostile)
        command = [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(folder),
            "--out",
            str(out),
            "--jobs",
            str(options.jobs),
            "--timeout",
            str(options.timeout),
        ]
        command += [f"--only={name}" for name in options.only]
        machine_before, ours_before = machine_cpu(), children_cpu()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        sampler = Sampler(process.pid)
        sampler.start()
        done = {}  # student -> seconds from the start: its progress line ("[3/200] s0002: 74/100")
        lines = []
        for line in process.stderr:
            lines.append(line)
            if line.startswith("[") and ": " in line:
                done[line.split("] ", 1)[-1].split(": ", 1)[0]] = time.perf_counter() - started
        process.wait()
        stderr = "".join(lines)
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        ours, machine = children_cpu() - ours_before, machine_cpu() - machine_before
        if process.returncode != 0:
            raise SystemExit(f"grader grade exited {process.returncode}:\n{stderr}")
        grades = json.loads((out / "state.json").read_text())["grades"]
        statuses = Counter(g["status"] for g in grades.values())
        rerun = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        rerun = time.perf_counter() - rerun
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    per_minute = options.count / seconds * 60
    print(f"submissions: {options.count} ({', '.join(f'{n} {k}' for k, n in kinds.items())})")
    print(f"grades: {', '.join(f'{n} {s}' for s, n in statuses.items())}")
    print(
        f"grader grade --jobs {options.jobs}: {seconds:.1f} s"
        f" = {per_minute:.0f} submissions/min (target >= 300)"
    )
    hostile = [f"s{index:04d}" for index in range(options.hostile)]
    if hostile and all(name in done for name in hostile) and len(done) == options.count:
        after = max(done[name] for name in hostile)
        rest = sorted(t for name, t in done.items() if name not in hostile and t > after)
        if len(rest) > 1:
            print(f"the {options.hostile} hostile submissions were done after {after:.1f} s; the"
                  f" {len(rest)} graded after them took {rest[-1] - after:.1f} s"
                  f" = {len(rest) / (rest[-1] - after) * 60:.0f} submissions/min")
    print(f"rerun with nothing to grade: {rerun:.1f} s")
    cores = len(os.sched_getaffinity(0))
    print(f"CPU: the batch used {ours:.1f} s, the whole machine {machine:.1f} s of the {cores * seconds:.1f} s"
          f" its {cores} cores had ({max(machine - ours, 0):.1f} s by others: {sampler.cpu:.1f} s this script's"
          " sampling, the rest other processes; the rate above is low by that)")
    print(f"peak RSS, the batch's main process:  {sampler.main / 1024:7.1f} MiB")
    for title, peaks in (("grading process", sampler.graders), ("zygote", sampler.zygotes),
                         ("sandboxed process", sampler.sandboxes)):
        print(f"peak RSS, one {title + ':':<22}{max(peaks.values(), default=0) / 1024:7.1f} MiB ({len(peaks)} seen)")
    print(f"peak memory, one worker slot (grading process + zygotes + sandboxes at once): "
          f"{sampler.slot_pss / 1024:.1f} MiB PSS (target < 400); {sampler.slot_rss / 1024:.1f} MiB RSS summed")
    print(f"largest descendant (getrusage RUSAGE_CHILDREN ru_maxrss): {children_peak:.1f} MiB")


if __name__ == "__main__":
    main()
