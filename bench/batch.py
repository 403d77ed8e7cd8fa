"""Times `grader grade` on a class of mixed submissions and measures each worker's peak memory.

Builds N submissions (default 200) in a temporary folder: correct ones,
buggy ones (one classic mistake each), as folders, zips and notebooks, and a
few hostile ones (an infinite loop at import, sys.exit at import, a function
that never returns, a memory hog). Runs `grader grade --jobs J` on them while
sampling /proc every 50 ms, then prints submissions per minute and the peak
resident memory of:

- each grading process (a ProcessPoolExecutor worker running api.check),
- each sandboxed student process (python -I -S, started by api.check),
- a "worker slot": a grading process plus its live sandboxed children at once,
  the figure the target speaks of.

Targets (issue 6): at least 300 submissions a minute with --jobs 2 on a
2-core machine, under 400 MiB per worker.

    python bench/batch.py [--count 200] [--jobs 2] [--timeout 10] [--hostile 4]
"""

from __future__ import annotations

import argparse
import io
import json
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


def kib(value: str) -> int:
    return int(value.split()[0]) if value else 0


class Sampler(threading.Thread):
    """Polls the process tree under `root`: peak RSS per grading process, per sandbox, per slot."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.stop = root, threading.Event()
        self.graders: dict[int, int] = {}  # pid -> peak KiB (VmHWM)
        self.sandboxes: dict[int, int] = {}
        self.slot = 0  # KiB: a grading process and its children at one moment
        self.main = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.main = max(self.main, kib(status(self.root).get("VmHWM", "")))
            for grader in children(self.root):
                if "python" not in status(grader).get("Name", "python"):
                    continue
                info = status(grader)
                self.graders[grader] = max(self.graders.get(grader, 0), kib(info.get("VmHWM", "")))
                total = kib(info.get("VmRSS", ""))
                for sandbox in children(grader):
                    sandbox_info = status(sandbox)
                    self.sandboxes[sandbox] = max(
                        self.sandboxes.get(sandbox, 0), kib(sandbox_info.get("VmHWM", ""))
                    )
                    total += kib(sandbox_info.get("VmRSS", ""))
                self.slot = max(self.slot, total)
            time.sleep(0.05)


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
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sampler = Sampler(process.pid)
        sampler.start()
        stdout, stderr = process.communicate()
        seconds = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
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
    print(f"rerun with nothing to grade: {rerun:.1f} s")
    print(f"peak RSS, the batch's main process:  {sampler.main / 1024:7.1f} MiB")
    print(
        f"peak RSS, one grading process:       {max(sampler.graders.values(), default=0) / 1024:7.1f} MiB "
        f"({len(sampler.graders)} processes)"
    )
    print(
        f"peak RSS, one sandboxed process:     {max(sampler.sandboxes.values(), default=0) / 1024:7.1f} MiB "
        f"({len(sampler.sandboxes)} processes seen)"
    )
    print(
        f"peak RSS, one worker slot (grading process + its sandboxes at once): {sampler.slot / 1024:.1f} MiB "
        "(target < 400)"
    )
    print(f"largest descendant (getrusage RUSAGE_CHILDREN ru_maxrss): {children_peak:.1f} MiB")


if __name__ == "__main__":
    main()
