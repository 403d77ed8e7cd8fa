"""The report for a person: a table of exercises, what failed and where, a summary line."""

from __future__ import annotations

from ..model import ExerciseResult, Report

MARKS = {"passed": "ok", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT", "missing": "missing", "forbidden": "FORBIDDEN"}


def points(value: float) -> str:
    return f"{value:g}"


def exercise_lines(exercise: ExerciseResult, width: int) -> list[str]:
    score = f"{points(exercise.score)}/{points(exercise.max_score)}"
    lines = [f"{exercise.name:<{width}}  {MARKS[exercise.status]:<9}  {score:>5}"]
    if exercise.status in ("passed", "missing"):
        if exercise.status == "missing" and exercise.feedback:
            lines.append(f"    {exercise.feedback}")
        return lines
    failed = [c for c in exercise.checks if c.ran and not c.passed]
    for check in failed[:3]:
        first, *rest = check.message.splitlines() or [""]
        lines.append(f"    {check.name}: {first}")
        lines += [f"    {line}" for line in rest]
    if len(failed) > 3:
        lines.append(f"    ... and {len(failed) - 3} more failed checks")
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
        lines += [f"      | {line}" for line in printed[:10]]
        if len(printed) > 10:
            lines.append(f"      | ... ({len(printed) - 10} more lines)")
    return lines


def render(report: Report) -> str:
    width = max([len(e.name) for e in report.exercises] + [8])
    lines = [f"{'exercise':<{width}}  {'status':<9}  {'points':>5}"]
    for exercise in report.exercises:
        lines += exercise_lines(exercise, width)
    lines += [f"note: {note}" for note in report.notes]
    counts: dict[str, int] = {}
    for exercise in report.exercises:
        counts[exercise.status] = counts.get(exercise.status, 0) + 1
    summary = ", ".join(f"{counts[s]} {s}" for s in MARKS if s in counts)
    lines.append(f"Score: {points(report.score)}/{points(report.max_score)} ({summary}; seed {report.seed})")
    return "\n".join(lines) + "\n"
