"""The report for a person: a table of exercises, what failed and where, a summary line.

Long parts are folded: the first failed checks in full, then a count; the
first lines of what the code printed. Colour is for terminals only: the CLI
asks for it, and click drops it when the output is piped.
"""

from __future__ import annotations

import click

from ..model import ExerciseResult, Report

MARKS = {"passed": "ok", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT", "missing": "missing", "forbidden": "FORBIDDEN"}
COLOURS = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow", "missing": "yellow", "forbidden": "magenta"}
SHOWN_CHECKS = 2
SHOWN_OUTPUT_LINES = 10


def points(value: float) -> str:
    return f"{value:g}"


def exercise_lines(exercise: ExerciseResult, width: int, color: bool) -> list[str]:
    score = f"{points(exercise.score)}/{points(exercise.max_score)}"
    mark = f"{MARKS[exercise.status]:<9}"
    if color:
        mark = click.style(mark, fg=COLOURS[exercise.status], bold=exercise.status != "passed")
    lines = [f"{exercise.name:<{width}}  {mark}  {score:>5}"]
    if exercise.status in ("passed", "missing"):
        if exercise.status == "missing" and exercise.feedback:
            lines.append(f"    {exercise.feedback}")
        return lines
    failed = [c for c in exercise.checks if c.ran and not c.passed]
    for check in failed[:SHOWN_CHECKS]:
        first, *rest = check.message.splitlines() or [""]
        lines.append(f"    {check.name}: {first}")
        lines += [f"    {line}" for line in rest]
    if len(failed) > SHOWN_CHECKS:
        lines.append(f"    ... and {len(failed) - SHOWN_CHECKS} more failed checks (--format json shows them all)")
    if not exercise.checks:
        lines.append(f"    {exercise.feedback}")
    elif failed:
        # The feedback opens with the first failed check, then explains it (divergence, oracles, replay).
        first = failed[0]
        rest = exercise.feedback.removeprefix(f"{first.name}: {first.message}").strip("\n")
        lines += [f"    {line}" for line in rest.splitlines()]
    not_run = sum(not c.ran for c in exercise.checks)
    if not_run:
        lines.append(f"    {not_run} checks not run")
    for diagnosis in exercise.diagnoses:
        lines.append(f"    likely mistake [{diagnosis.id}]: {diagnosis.message}")
    if exercise.output:
        printed = exercise.output.rstrip("\n").splitlines()
        lines.append("    your code printed:")
        lines += [f"      | {line}" for line in printed[:SHOWN_OUTPUT_LINES]]
        if len(printed) > SHOWN_OUTPUT_LINES:
            lines.append(f"      | ... ({len(printed) - SHOWN_OUTPUT_LINES} more lines)")
    return lines


def check_counts(report: Report) -> str:
    """'142 checks passed, 3 failed, 5 not run': a check that did not run is never a pass."""
    checks = [c for e in report.exercises for c in e.checks]
    passed = sum(c.ran and c.passed for c in checks)
    failed = sum(c.ran and not c.passed for c in checks)
    not_run = sum(not c.ran for c in checks)
    return f"{passed} checks passed, {failed} failed, {not_run} not run"


def render(report: Report, *, color: bool = False) -> str:
    width = max([len(e.name) for e in report.exercises] + [8])
    lines = [f"{'exercise':<{width}}  {'status':<9}  {'points':>5}"]
    for exercise in report.exercises:
        lines += exercise_lines(exercise, width, color)
    lines += [f"note: {note}" for note in report.notes]
    counts: dict[str, int] = {}
    for exercise in report.exercises:
        counts[exercise.status] = counts.get(exercise.status, 0) + 1
    summary = ", ".join(f"{counts[s]} {s}" for s in MARKS if s in counts)
    lines.append(check_counts(report))
    lines.append(f"Score: {points(report.score)}/{points(report.max_score)} ({summary}; seed {report.seed})")
    return "\n".join(lines) + "\n"
