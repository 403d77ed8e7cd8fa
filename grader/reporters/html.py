"""One student's report as a self-contained HTML page, for the batch's reports/ folder.

A summary line, a table of exercises, then each exercise: its feedback, the
mistakes it matches, its plots (model.Plot: fit's loss curve, heat maps of
relative error, drawn as inline SVG by svg_plots.py, with their figures
folded under them), its checks and what the student's code printed. The page
loads nothing (inline CSS and SVG, no scripts; a Content-Security-Policy
forbids them anyway) and every string of the report is escaped after
`clean_text`, so a student's output cannot inject markup. Deterministic: no
timestamps. The page's own words are in the report's language (its `lang`
attribute says which); statuses keep their ids as CSS classes.
"""

from __future__ import annotations

from ..i18n import N_, _, current, known, using
from ..model import STATUS_NAMES, Check, ExerciseResult, Plot, Report
from .axis_scales import short
from .junit import format_number
from .svg_plots import MAX_CELLS, curve_series, curve_svg, heatmap_svg, series_name, text

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

PLOT_STYLE = """
.plots { display: flex; flex-wrap: wrap; gap: 1.5em 3em; align-items: flex-start; }
/* a table, so that the caption wraps at the drawing's width */
figure { display: table; margin: .5em 0; } figure svg { display: block; max-width: 100%; height: auto; }
figcaption { display: table-caption; caption-side: bottom; font-size: .9em; color: #444; padding-top: .3em; }
figcaption strong { color: #222; } td.number { font-variant-numeric: tabular-nums; text-align: right; }
""".strip()

CSP = "default-src 'none'; style-src 'unsafe-inline'"
MARKS = {"passed": N_("PASS"), "failed": N_("FAIL"), "not run": N_("NOT RUN")}
HTML_LANG = {"en": "en", "zh": "zh-CN"}


def page(title: str, body: list[str], *, style: str = STYLE, lang: str = "en") -> str:
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{HTML_LANG.get(lang, "en")}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(title)}</title>",
        f"<style>\n{style}\n</style>",
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
    tally = _(", ").join(
        _("{count} {status}").format(count=n, status=_(STATUS_NAMES.get(status, status))) for status, n in counts.items()
    )
    about = _("seed {seed}").format(seed=report.seed)
    if report.grader_version:
        about += _(", grader {version}").format(version=report.grader_version)
    score = f"{format_number(report.score)} / {format_number(report.max_score)}"
    details = text(tally or _("no exercises")) + _("; ") + text(about)
    summary_line = _("Score <strong>{score}</strong> ({details})").format(score=score, details=details)
    lines = [f'<p class="summary">{summary_line}</p>']
    if report.submission:
        lines.append("<p>" + _("Submission: <code>{path}</code>").format(path=text(report.submission)) + "</p>")
    if report.notes:
        lines += ['<ul class="notes">', *(f"<li>{text(note)}</li>" for note in report.notes), "</ul>"]
    return lines


def table(report: Report) -> list[str]:
    heads = "".join(f"<th>{text(_(name))}</th>" for name in (N_("exercise"), N_("status"), N_("points")))
    lines = ["<table>", f"<thead><tr>{heads}</tr></thead>", "<tbody>"]
    for number, exercise in enumerate(report.exercises, start=1):
        lines.append(
            f'<tr><td><a href="#exercise-{number}">{text(exercise.name)}</a></td>'
            f"<td>{status(exercise.status)}</td>"
            f'<td class="points">{points(exercise)}</td></tr>'
        )
    return [*lines, "</tbody>", "</table>"]


def status(name: str) -> str:
    return f'<span class="status {text(name)}">{text(_(STATUS_NAMES.get(name, name)))}</span>'


def check_item(check: Check) -> str:
    mark = text(_(MARKS["not run" if not check.ran else "passed" if check.passed else "failed"]))
    kind = "missing" if not check.ran else "passed" if check.passed else "failed"
    item = f'<li><span class="mark {kind}">{mark}</span> {text(check.name)}'
    if check.message:
        item += f"<pre>{text(check.message)}</pre>"
    return item + "</li>"


# -- plots: drawn by svg_plots.py, their figures folded under them as tables ------------------------------

MAX_ROWS = 200  # rows of a plot's figures table


def curve_figures(plot: Plot) -> list[str]:
    series = dict(curve_series(plot.data))
    names = sorted(series, key=lambda n: (n != "yours", n != "reference"))
    count = max([len(v) for v in series.values()] + [0])
    rows = [
        [str(i + 1), *(short(series[n][i]) if i < len(series[n]) else "" for n in names)]
        for i in range(min(count, MAX_ROWS))
    ]
    note = _("the first {shown} of {count}").format(shown=MAX_ROWS, count=count) if count > MAX_ROWS else ""
    return figures_table([plot.data.get("x_label", ""), *map(series_name, names)], rows, note)


def figures_table(headers: list[str], rows: list[list[str]], note: str = "") -> list[str]:
    """A plot's numbers, folded under it: what a screen reader or a careful student reads."""
    lines = [
        f"<details><summary>{text(_('Figures'))}{text(f' ({note})' if note else '')}</summary>",
        "<table>",
        "<thead><tr>" + "".join(f"<th>{text(h)}</th>" for h in headers) + "</tr></thead>",
        "<tbody>",
    ]
    lines += ["<tr>" + "".join(f'<td class="number">{text(c)}</td>' for c in row) + "</tr>" for row in rows]
    return [*lines, "</tbody>", "</table>", "</details>"]


def heatmap_figures(plot: Plot) -> list[str]:
    rows = plot.data.get("rows", [])
    if not rows or len(rows) > MAX_CELLS or len(rows[0]) > MAX_CELLS:
        return []
    headers = [_("row \\ column"), *(str(j) for j in range(len(rows[0])))]
    return figures_table(headers, [[str(i), *(short(float(v)) for v in row)] for i, row in enumerate(rows)])


# -- plots in the page --

PLOTS = {"curve": (curve_svg, curve_figures), "heatmap": (heatmap_svg, heatmap_figures)}


def figure(plot: Plot) -> list[str]:
    """A plot as a figure: the drawing, then a caption with the gist in words and the figures folded."""
    draw, table = PLOTS[plot.kind]
    drawing, summary = draw(plot)
    caption = f"<figcaption><strong>{text(plot.title)}</strong><br>{text(summary)}"
    return ["<figure>", *drawing, caption, *table(plot), "</figcaption>", "</figure>"]


def plots(exercise: ExerciseResult) -> list[str]:
    """The exercise's plots of kinds this page draws (others are left out)."""
    known = [plot for plot in exercise.plots if plot.kind in PLOTS]
    if not known:
        return []
    return [f"<h3>{text(_('Plots'))}</h3>", '<div class="plots">', *(row for p in known for row in figure(p)), "</div>"]


def section(number: int, exercise: ExerciseResult) -> list[str]:
    lines = [
        f'<section id="exercise-{number}">',
        f"<h2>{text(exercise.name)} {status(exercise.status)} {points(exercise)}</h2>",
    ]
    if exercise.feedback:
        lines.append(f'<pre class="feedback">{text(exercise.feedback.rstrip())}</pre>')
    if exercise.diagnoses:
        lines += [f"<h3>{text(_('Likely mistakes'))}</h3>", "<ul>"]
        lines += [f"<li><code>{text(d.id)}</code>: {text(d.message)}</li>" for d in exercise.diagnoses]
        lines.append("</ul>")
    lines += plots(exercise)
    if exercise.checks:
        is_open = "" if exercise.status == "passed" else " open"
        passed = sum(c.passed for c in exercise.checks)
        checked = _("Checks: {passed} of {total} passed").format(passed=passed, total=len(exercise.checks))
        lines.append(f"<details{is_open}><summary>{text(checked)}</summary>")
        lines += ['<ul class="checks">', *(check_item(c) for c in exercise.checks), "</ul>", "</details>"]
    if exercise.output:
        lines += [f"<h3>{text(_('Your code printed'))}</h3>", f"<pre>{text(exercise.output.rstrip())}</pre>"]
    return [*lines, "</section>"]


def render(report: Report) -> str:
    lang = known(report.lang)
    with using(lang):
        title = _("Report: {submission}").format(submission=report.submission) if report.submission else _("Report")
        body = [f"<h1>{text(title)}</h1>", *summary(report), *table(report)]
        for number, exercise in enumerate(report.exercises, start=1):
            body += section(number, exercise)
    style = f"{STYLE}\n{PLOT_STYLE}" if any(e.plots for e in report.exercises) else STYLE
    return page(title, body, style=style, lang=lang)


def render_unreadable(submission: str, message: str) -> str:
    """The page of a submission the grader could not read at all (in the current language)."""
    title = _("Report: {submission}").format(submission=submission)
    unread = _("Score <strong>0</strong>: the grader could not read this submission.")
    body = [f"<h1>{text(title)}</h1>", f'<p class="summary">{unread}</p>', f"<pre>{text(message)}</pre>"]
    return page(title, body, lang=current())
