"""What the sandbox costs: worker start-up, round trip per call, and a full check, at each level.

- start-up: from Worker.start() to the first reply of a NumPy worker (its
  confinement and `import numpy` included), beside `python -I -S -c "import
  numpy"` started the same way; the target is at most 0.1 s more per worker
  than level `none`. `process+fork` is the same worker forked by a
  pre-imported zygote (grader/zygote.py), as `grader grade` starts them.
- round trip: one cheap call (chain_rule.composite) answered, per call.
- full check: `python -m grader check` of a correct submission at each level,
  beside `python -c "import torch"` (issue 2's target: within 1.5x).

Prints the best of several runs of each (the machine's other load only ever
adds time).

    python bench/sandbox.py [--runs 5] [--calls 300]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import zygote
from grader.isolation import bwrap
from grader.loading import load_submission
from grader.sandbox import Limits, Worker

MODULES = ("gradient_descent", "chain_rule", "activations", "forward", "backward", "training", "torch_net")
CALL = {"module": "chain_rule", "function": "composite", "args": [1.0, 0.0, 0.0], "kwargs": {}, "returns": "number"}


def correct_submission(folder: Path) -> Path:
    for module in MODULES:
        text = (ROOT / "reference" / f"{module}.py").read_text(encoding="utf-8")
        (folder / f"{module}.py").write_text(re.sub(r"^from \.(\w+) import", r"from \1 import", text, flags=re.MULTILINE))
    return folder


def best(measure, runs: int) -> float:
    return min(measure() for _ in range(runs))


def command(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def start_up(submission, level: str, mode: str = "numpy") -> float:
    worker = Worker(submission, mode, Limits(), sandbox=level)
    started = time.perf_counter()
    try:
        worker.start()
        outcome = worker.request(CALL, 60)
        assert outcome.status == "ok", outcome
        return time.perf_counter() - started
    finally:
        worker.close()


def round_trip(submission, level: str, calls: int) -> float:
    worker = Worker(submission, "numpy", Limits(), sandbox=level)
    try:
        worker.start()
        worker.request(CALL, 60)
        started = time.perf_counter()
        for _ in range(calls):
            worker.request(CALL, 60)
        return (time.perf_counter() - started) / calls
    finally:
        worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    options = parser.parse_args()
    levels = ["none", "process"] + (["strict"] if bwrap() else [])
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "submission").mkdir()
        folder = correct_submission(cwd / "submission")
        submission = load_submission(folder)
        bare_numpy = f"import sys; sys.path[:0] = {sys.path[1:]!r}; import numpy"
        numpy_floor = best(lambda: command([python, "-I", "-S", "-c", bare_numpy], cwd), options.runs)
        torch_floor = best(lambda: command([python, "-c", "import torch"], cwd), options.runs)
        print(f"floor: python -I -S -c 'import numpy'      {numpy_floor * 1000:7.1f} ms")
        print(f"floor: python -c 'import torch'            {torch_floor:7.3f} s")
        base = {}
        for level in [*levels, "process+fork"]:
            if level.endswith("+fork"):
                zygote.enable(torch=True)  # as `grader grade` does in each grading process
            sandbox = level.removesuffix("+fork")
            startup = best(lambda sandbox=sandbox: start_up(submission, sandbox), options.runs)
            torch_startup = best(lambda sandbox=sandbox: start_up(submission, sandbox, "torch"), max(2, options.runs // 2))
            trip = best(lambda sandbox=sandbox: round_trip(submission, sandbox, options.calls), 3)
            base.setdefault("startup", startup)
            base.setdefault("torch", torch_startup)
            print(f"{level:12} NumPy worker start-up to first reply {startup * 1000:7.1f} ms"
                  f"  ({(startup - base['startup']) * 1000:+6.1f} ms over none; target <= +100 ms)")
            print(f"{level:12} torch worker start-up to first reply {torch_startup:7.3f} s"
                  f"   ({(torch_startup - base['torch']) * 1000:+6.1f} ms over none)")
            print(f"{level:12} round trip per call                  {trip * 1e6:7.0f} us")
        zygote.disable()
        for level in levels:
            grade = [python, "-m", "grader", "check", str(folder), "--sandbox", level]
            full = best(lambda grade=grade: command(grade, cwd), options.runs)
            print(f"{level:12} grader check (full, correct)         {full:7.3f} s"
                  f"  = {full / torch_floor:4.2f}x the torch floor (target <= 1.5x)")


if __name__ == "__main__":
    main()
