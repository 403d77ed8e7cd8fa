"""What one submission costs to grade in a batch: wall clock and CPU, by process.

Grades the reference (as a student's folder) and each of batch.py's buggy
variants with zygote-forked workers, as one `grader grade` process does, and
prints the median wall clock per check and the CPU it took in the grading
process, in the sandboxed processes forked by the NumPy zygote and by the
torch zygote (read from /proc: what each zygote reaped from its children),
and in the zygotes themselves. At --jobs 2 on two cores a batch is bound by
the sum of these CPU figures, not by the wall clock.

    python bench/per_submission.py [--runs 20] [--only MODULE ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import batch  # noqa: E402 - the same submissions as the batch benchmark

from grader import api, zygote  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def zygote_cpu() -> dict[str, tuple[float, float]]:
    """Per zygote: (its own CPU seconds, its reaped children's)."""
    found = {}
    for mode, parent in zygote._zygotes.items():
        fields = Path(f"/proc/{parent.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        found[mode] = ((int(fields[11]) + int(fields[12])) / TICK, (int(fields[13]) + int(fields[14])) / TICK)
    return found


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(folder: Path, runs: int, only: tuple[str, ...]) -> str:
    for _ in range(2):
        api.check(folder, only=only)  # the plans drawn, the zygotes started and warm
    walls = []
    cpu, zygotes = own_cpu(), zygote_cpu()
    for _ in range(runs):
        started = time.perf_counter()
        api.check(folder, only=only)
        walls.append(time.perf_counter() - started)
    grader = (own_cpu() - cpu) / runs
    time.sleep(0.5)  # the last workers reaped
    after = zygote_cpu()
    parts = [f"wall {statistics.median(walls) * 1000:5.0f} ms", f"grader {grader * 1000:4.0f} ms"]
    for mode in sorted(after):
        own = (after[mode][0] - zygotes[mode][0]) / runs
        children = (after[mode][1] - zygotes[mode][1]) / runs
        parts.append(f"{mode} workers {children * 1000:4.0f} ms (zygote {own * 1000:.0f})")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", nargs="*", default=())
    args = parser.parse_args()
    zygote.enable(torch=True)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        submissions = {"correct": batch.sources()}
        submissions.update({f"buggy {batch.BUGS[i][0]} #{i}": batch.with_bug(batch.sources(), i)
                            for i in range(len(batch.BUGS))})
        for index, (label, files) in enumerate(submissions.items()):
            batch.write(root, f"s{index}", files, "folder")
            print(f"{label:28s} {measure(root / f's{index}', args.runs, tuple(args.only))}", flush=True)


if __name__ == "__main__":
    main()
