"""The report for a person: a table of exercises, what failed and where, a summary line.

Long parts are folded: the first failed checks in full, then a count; the
first lines of what the code printed. Colour is for terminals only: the CLI
asks for it, and click drops it when the output is piped. Labels are in the
report's language; columns are counted as a terminal shows them (a Chinese
character takes two).
"""

from __future__ import annotations

import click

from ..i18n import N_, _, known, pad, using
from ..model import STATUS_NAMES, ExerciseResult, Report

MARKS = {
    "passed": N_("ok"),
    "failed": N_("FAIL"),
    "error": N_("ERROR"),
    "timeout": N_("TIMEOUT"),
    "missing": N_("missing"),
    "forbidden": N_("FORBIDDEN"),
}
COLOURS = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow", "missing": "yellow", "forbidden": "magenta"}
SHOWN_CHECKS = 2
SHOWN_OUTPUT_LINES = 10


def points(value: float) -> str:
    return f"{value:g}"


def exercise_lines(exercise: ExerciseResult, width: int, color: bool) -> list[str]:
    score = f"{points(exercise.score)}/{points(exercise.max_score)}"
    mark = pad(_(MARKS[exercise.status]), 9)
    if color:
        mark = click.style(mark, fg=COLOURS[exercise.status], bold=exercise.status != "passed")
    lines = [f"{pad(exercise.name, width)}  {mark}  {score:>5}"]
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
        more = _("... and {count} more failed checks (--format json shows them all)")
        lines.append("    " + more.format(count=len(failed) - SHOWN_CHECKS))
    if not exercise.checks:
        lines.append(f"    {exercise.feedback}")
    elif failed:
        # The feedback opens with the first failed check, then explains it (divergence, oracles, replay).
        first = failed[0]
        rest = exercise.feedback.removeprefix(f"{first.name}: {first.message}").strip("\n")
        lines += [f"    {line}" for line in rest.splitlines()]
    not_run = sum(not c.ran for c in exercise.checks)
    if not_run:
        lines.append("    " + _("{count} checks not run").format(count=not_run))
    for diagnosis in exercise.diagnoses:
        lines.append("    " + _("likely mistake [{id}]: {message}").format(id=diagnosis.id, message=diagnosis.message))
    if exercise.output:
        printed = exercise.output.rstrip("\n").splitlines()
        lines.append("    " + _("your code printed:"))
        lines += [f"      | {line}" for line in printed[:SHOWN_OUTPUT_LINES]]
        if len(printed) > SHOWN_OUTPUT_LINES:
            lines.append("      | " + _("... ({count} more lines)").format(count=len(printed) - SHOWN_OUTPUT_LINES))
    return lines


def check_counts(report: Report) -> str:
    """'142 checks passed, 3 failed, 5 not run': a check that did not run is never a pass."""
    checks = [c for e in report.exercises for c in e.checks]
    passed = sum(c.ran and c.passed for c in checks)
    failed = sum(c.ran and not c.passed for c in checks)
    not_run = sum(not c.ran for c in checks)
    return _("{passed} checks passed, {failed} failed, {not_run} not run").format(
        passed=passed, failed=failed, not_run=not_run
    )


def render(report: Report, *, color: bool = False) -> str:
    with using(known(report.lang)):
        return rendered(report, color)


def rendered(report: Report, color: bool) -> str:
    width = max([len(e.name) for e in report.exercises] + [8])
    lines = [f"{pad(_('exercise'), width)}  {pad(_('status'), 9)}  {pad(_('points'), 5, '>')}"]
    for exercise in report.exercises:
        lines += exercise_lines(exercise, width, color)
    lines += [_("note: {note}").format(note=note) for note in report.notes]
    counts: dict[str, int] = {}
    for exercise in report.exercises:
        counts[exercise.status] = counts.get(exercise.status, 0) + 1
    summary = _(", ").join(_("{count} {status}").format(count=counts[s], status=_(STATUS_NAMES[s])) for s in MARKS if s in counts)
    lines.append(check_counts(report))
    lines.append(
        _("Score: {score}/{max_score} ({summary}; seed {seed})").format(
            score=points(report.score), max_score=points(report.max_score), summary=summary, seed=report.seed
        )
    )
    return "\n".join(lines) + "\n"
