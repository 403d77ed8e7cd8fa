"""One student's report as a self-contained HTML page, for the batch's reports/ folder.

A summary line, a table of exercises, then each exercise: its feedback, its
checks, the mistakes it matches and what the student's code printed. The
page loads nothing (inline CSS, no scripts; a Content-Security-Policy forbids
both anyway) and every string of the report is escaped after `clean_text`,
so a student's output cannot inject markup. Deterministic: no timestamps.
"""

from __future__ import annotations

from html import escape

from ..model import Check, ExerciseResult, Report
from .junit import clean_text, format_number

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; }
body { color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
h3 { font-size: 1em; margin-bottom: .3em; }
table { border-collapse: collapse; }
th, td { padding: .25em .8em; border-bottom: 1px solid #ddd; text-align: left; }
td.points { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f5f5f5; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
.status { font-weight: 600; } .passed { color: #1a7f37; }
.failed, .error, .timeout, .forbidden { color: #b42318; } .missing { color: #8a6100; }
.checks { list-style: none; padding-left: 0; } .checks li { margin: .2em 0; }
.mark { display: inline-block; min-width: 5.5em; font-weight: 600; }
""".strip()

CSP = "default-src 'none'; style-src 'unsafe-inline'"
MARKS = {"passed": "PASS", "failed": "FAIL", "not run": "NOT RUN"}


def text(value: object) -> str:
    """Any string of the report, safe between tags and inside attribute values."""
    return escape(clean_text(value), quote=True)


def page(title: str, body: list[str]) -> str:
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def points(exercise: ExerciseResult) -> str:
    return f"{format_number(exercise.score)} / {format_number(exercise.max_score)}"


def summary(report: Report) -> list[str]:
    counts: dict[str, int] = {}
    for exercise in report.exercises:
        counts[exercise.status] = counts.get(exercise.status, 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    about = f"seed {report.seed}" + (f", grader {report.grader_version}" if report.grader_version else "")
    score = f"{format_number(report.score)} / {format_number(report.max_score)}"
    details = f"{text(tally or 'no exercises')}; {text(about)}"
    lines = [f'<p class="summary">Score <strong>{score}</strong> ({details})</p>']
    if report.submission:
        lines.append(f"<p>Submission: <code>{text(report.submission)}</code></p>")
    if report.notes:
        lines += ['<ul class="notes">', *(f"<li>{text(note)}</li>" for note in report.notes), "</ul>"]
    return lines


def table(report: Report) -> list[str]:
    lines = ["<table>", "<thead><tr><th>exercise</th><th>status</th><th>points</th></tr></thead>", "<tbody>"]
    for number, exercise in enumerate(report.exercises, start=1):
        lines.append(
            f'<tr><td><a href="#exercise-{number}">{text(exercise.name)}</a></td>'
            f"<td>{status(exercise.status)}</td>"
            f'<td class="points">{points(exercise)}</td></tr>'
        )
    return [*lines, "</tbody>", "</table>"]


def status(name: str) -> str:
    return f'<span class="status {text(name)}">{text(name)}</span>'


def check_item(check: Check) -> str:
    mark = MARKS["not run" if not check.ran else "passed" if check.passed else "failed"]
    kind = "missing" if not check.ran else "passed" if check.passed else "failed"
    item = f'<li><span class="mark {kind}">{mark}</span> {text(check.name)}'
    if check.message:
        item += f"<pre>{text(check.message)}</pre>"
    return item + "</li>"


def section(number: int, exercise: ExerciseResult) -> list[str]:
    lines = [
        f'<section id="exercise-{number}">',
        f"<h2>{text(exercise.name)} {status(exercise.status)} {points(exercise)}</h2>",
    ]
    if exercise.feedback:
        lines.append(f'<pre class="feedback">{text(exercise.feedback.rstrip())}</pre>')
    if exercise.diagnoses:
        lines += ["<h3>Likely mistakes</h3>", "<ul>"]
        lines += [f"<li><code>{text(d.id)}</code>: {text(d.message)}</li>" for d in exercise.diagnoses]
        lines.append("</ul>")
    if exercise.checks:
        is_open = "" if exercise.status == "passed" else " open"
        passed = sum(c.passed for c in exercise.checks)
        lines.append(
            f"<details{is_open}><summary>Checks: {passed} of {len(exercise.checks)} passed</summary>"
        )
        lines += ['<ul class="checks">', *(check_item(c) for c in exercise.checks), "</ul>", "</details>"]
    if exercise.output:
        lines += ["<h3>Your code printed</h3>", f"<pre>{text(exercise.output.rstrip())}</pre>"]
    return [*lines, "</section>"]


def render(report: Report) -> str:
    title = f"Report: {report.submission}" if report.submission else "Report"
    body = [f"<h1>{text(title)}</h1>", *summary(report), *table(report)]
    for number, exercise in enumerate(report.exercises, start=1):
        body += section(number, exercise)
    return page(title, body)


def render_unreadable(submission: str, message: str) -> str:
    """The page of a submission the grader could not read at all."""
    title = f"Report: {submission}"
    body = [
        f"<h1>{text(title)}</h1>",
        '<p class="summary">Score <strong>0</strong>: the grader could not read this submission.</p>',
        f"<pre>{text(message)}</pre>",
    ]
    return page(title, body)
