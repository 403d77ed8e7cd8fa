"""Times `grader check` against the floors it is held to, measured in the same run.

Targets (issue 2): a full check of a correct submission within 1.5x the time
of `python -c "import torch"`; `--only forward` within 4x `python -c "import
numpy"`. Prints the median of several runs of each command and the ratios.

    python bench/check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("gradient_descent", "chain_rule", "activations", "forward", "backward", "training", "torch_net")


def correct_submission(folder: Path) -> Path:
    """The reference solution as a student's folder (top-level imports)."""
    for module in MODULES:
        text = (ROOT / "reference" / f"{module}.py").read_text(encoding="utf-8")
        (folder / f"{module}.py").write_text(re.sub(r"^from \.(\w+) import", r"from \1 import", text, flags=re.M))
    return folder


def median_seconds(command: list[str], runs: int, cwd: Path) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        submission = correct_submission(Path(tmp))
        cwd = Path(tmp)
        grader = [python, "-m", "grader", "check", str(submission)]
        torch_floor = median_seconds([python, "-c", "import torch"], runs, cwd)
        numpy_floor = median_seconds([python, "-c", "import numpy"], runs, cwd)
        full = median_seconds(grader, runs, cwd)
        forward = median_seconds([*grader, "--only", "forward"], runs, cwd)
    print(f"floor: python -c 'import torch'   {torch_floor:6.3f} s")
    print(f"floor: python -c 'import numpy'   {numpy_floor:6.3f} s")
    print(f"grader check (full, correct)      {full:6.3f} s  = {full / torch_floor:4.2f}x the torch floor (target <= 1.5x)")
    print(f"grader check --only forward       {forward:6.3f} s  = {forward / numpy_floor:4.2f}x the numpy floor (target <= 4x)")


if __name__ == "__main__":
    main()
