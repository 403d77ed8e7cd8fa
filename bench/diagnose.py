"""Times the diagnosis of every exercise, against its target of 50 ms typical.

For each exercise the observations are a mutant's own results on the named
cases (what a student with that mistake sends back): every single mistake,
then every pair the search tries. Prints the median and the worst time of
each, and how many were named right.

    python bench/diagnose.py [--pairs]
"""

from __future__ import annotations

import argparse
import statistics
import time
from itertools import combinations

import numpy as np

from grader import mutants
from grader.cases import canonical_figures
from grader.diagnose import UNPAIRED, diagnose, mistake_id, slot
from grader.mutant_plans import PLANS
from grader.result_match import passes
from grader.suite import EXERCISES


def observations(plan, cases, mistakes):
    found = []
    for case in cases:
        try:
            found.append((case, plan.predict(case, mistakes)))
        except (ValueError, IndexError, ArithmeticError):
            continue
    return found


def shows(plan, results) -> bool:
    return not all(passes(value, plan.predict(case, mutants.NONE)) for case, value in results)


def timed(name, results) -> tuple[float, set[str]]:
    started = time.perf_counter()
    found = diagnose(name, results)
    return time.perf_counter() - started, {d.id for d in found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", action="store_true", help="also time every pair of mistakes (slower)")
    with_pairs = parser.parse_args().pairs
    figures = canonical_figures()
    print(f"{'exercise':32} {'kind':7} {'n':>4} {'named':>6} {'median ms':>10} {'worst ms':>9}")
    with np.errstate(all="ignore"):
        for exercise in EXERCISES:
            plan = PLANS[exercise.name]
            cases = [case for _, case in exercise.named(figures)]
            keys = list(dict.fromkeys(plan.faults + plan.loss_faults))
            kinds = {"single": [frozenset({key}) for key in keys]}
            if with_pairs:
                kinds["pair"] = [
                    frozenset(pair)
                    for pair in combinations(keys, 2)
                    if slot(pair[0]) != slot(pair[1])
                    and not set(pair) & set(UNPAIRED)
                    and (not plan.anchors or set(pair) & set(plan.anchors + plan.loss_faults))
                ]
            for kind, sets in kinds.items():
                times, named = [], 0
                for mistakes in sets:
                    results = observations(plan, cases, mistakes)
                    if not results or not shows(plan, results):
                        continue
                    seconds, found = timed(exercise.name, results)
                    times.append(seconds)
                    named += {mistake_id(key) for key in mistakes} <= found
                if times:
                    print(
                        f"{exercise.name:32} {kind:7} {len(times):4} {named:6} "
                        f"{1000 * statistics.median(times):10.1f} {1000 * max(times):9.1f}"
                    )


if __name__ == "__main__":
    main()
