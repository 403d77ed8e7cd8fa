"""The class summary page of a batch: counts, a score histogram, frequent mistakes, hard exercises.

One self-contained HTML page (reporters/html.py's frame: inline CSS, no
scripts, nothing loaded); the plots are inline SVG written here, each with a
table of the same figures under it. Built from the grades alone (see
gradebook.Grade) and the batch's settings, so it can be rewritten without
reading any report. Its words are in the batch's language (`--lang`);
exercise names, mistake ids and the settings' options are ids, the same in
every language.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .i18n import N_, _, known, listing, using
from .reporters.html import page, text
from .reporters.junit import format_number

if TYPE_CHECKING:
    from .batch import Settings
    from .gradebook import Grade

BINS = 10
TOP_MISTAKES = 10
WIDTH = 640
BAR = 22  # height of one horizontal bar, its gap included
LABEL = 230  # room for the labels left of horizontal bars
COLOUR = "#4c72b0"
STATUS_NAMES = {
    "graded": N_("graded"),
    "unreadable": N_("unreadable"),
    "no_submission": N_("no submission"),
    "grader_error": N_("grader error"),
}


def scored(grades: Sequence[Grade]) -> list[Grade]:
    """Grades with a score: graded, or unreadable (0); not the missing nor the grader's failures."""
    return [g for g in grades if g.status in ("graded", "unreadable")]


def histogram_counts(grades: Sequence[Grade], bins: int = BINS) -> list[int]:
    """Students per tenth of the maximum score; a full score falls in the last bin."""
    counts = [0] * bins
    for grade in scored(grades):
        fraction = grade.score / grade.max_score if grade.max_score else 0.0
        counts[min(max(int(fraction * bins), 0), bins - 1)] += 1
    return counts


def mistake_counts(grades: Sequence[Grade]) -> list[tuple[str, int]]:
    """Each mistake id with the number of students whose report names it, most frequent first."""
    counts: Counter[str] = Counter()
    for grade in grades:
        counts.update({d for e in grade.exercises for d in e.diagnoses})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def failure_rates(grades: Sequence[Grade], exercises: Sequence[str]) -> list[tuple[str, float, int]]:
    """(exercise, share of graded students who did not pass it, how many), hardest first."""
    graded = [g for g in grades if g.status == "graded"]
    rates = []
    for name in exercises:
        failing = sum(any(e.name == name and e.status != "passed" for e in g.exercises) for g in graded)
        rates.append((name, failing / len(graded) if graded else 0.0, failing))
    order = {name: index for index, name in enumerate(exercises)}
    return sorted(rates, key=lambda r: (-r[1], order[r[0]]))


def centred(x: float, y: float, content: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{content}</text>'


def column_chart(labels: list[str], values: list[int], title: str) -> str:
    height, bottom, left = 220, 40, 40
    top = max(values + [1])
    step = (WIDTH - left) / len(values)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img"'
        f' aria-label="{text(title)}" font-family="sans-serif" font-size="11">',
        f"<title>{text(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH}" y2="{height - bottom}" stroke="#888"/>',
    ]
    for index, (label, value) in enumerate(zip(labels, values)):
        bar = (height - bottom - 20) * value / top
        x = left + index * step
        y = height - bottom - bar
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{step - 4:.1f}" height="{bar:.1f}" fill="{COLOUR}">'
            f"<title>{text(label)}: {value}</title></rect>"
        )
        parts.append(centred(x + step / 2, y - 4, str(value)))
        parts.append(centred(x + step / 2, height - bottom + 16, text(label)))
    parts.append(centred(left + (WIDTH - left) / 2, height - 6, text(_("% of the maximum score"))))
    return "\n".join([*parts, "</svg>"])


def bar_chart(rows: list[tuple[str, float, str]], title: str) -> str:
    """Horizontal bars: (label, value from 0 to 1, text shown at the bar's end)."""
    height = BAR * len(rows) + 10
    room = WIDTH - LABEL - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img"'
        f' aria-label="{text(title)}" font-family="sans-serif" font-size="12">',
        f"<title>{text(title)}</title>",
    ]
    for index, (label, value, shown) in enumerate(rows):
        y = 5 + index * BAR
        width = room * min(max(value, 0.0), 1.0)
        parts.append(f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">{text(label)}</text>')
        parts.append(
            f'<rect x="{LABEL}" y="{y + 3}" width="{width:.1f}" height="{BAR - 6}" fill="{COLOUR}">'
            f"<title>{text(label)}: {text(shown)}</title></rect>"
        )
        parts.append(f'<text x="{LABEL + width + 6:.1f}" y="{y + 15}">{text(shown)}</text>')
    return "\n".join([*parts, "</svg>"])


def data_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = [
        "<table>",
        "<thead><tr>" + "".join(f"<th>{text(h)}</th>" for h in headers) + "</tr></thead>",
        "<tbody>",
    ]
    lines += ["<tr>" + "".join(f"<td>{text(cell)}</td>" for cell in row) + "</tr>" for row in rows]
    return [*lines, "</tbody>", "</table>"]


def figures(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A plot's figures as a table, folded under it."""
    return [f"<details><summary>{text(_('Figures'))}</summary>", *data_table(headers, rows), "</details>"]


def overview(grades: Sequence[Grade]) -> list[str]:
    statuses = Counter(g.status for g in grades)
    rows = [[_(name), str(statuses[status])] for status, name in STATUS_NAMES.items() if statuses[status]]
    lines = data_table([_("students"), str(len(grades))], rows)
    scores = [g.score for g in scored(grades)]
    if scores:
        top = max(g.max_score for g in scored(grades))
        figures = [
            (_("mean"), statistics.fmean(scores)),
            (_("median"), statistics.median(scores)),
            (_("lowest"), min(scores)),
            (_("highest"), max(scores)),
        ]
        shown = listing(f"{name} {format_number(round(value, 2))}" for name, value in figures)
        line = _("Scores out of {top}: {figures}.").format(top=format_number(top), figures=shown)
        lines.append(f"<p>{text(line)}</p>")
    return lines


def settings_line(settings: Settings) -> str:
    """The options every submission was graded with, as `grader grade` takes them."""
    options = f"<code>{text(' '.join(settings.options()))}</code>"
    return "<p>" + _("Graded with {options}.").format(options=options) + "</p>"


def render(grades: Sequence[Grade], exercises: Sequence[str], settings: Settings | None = None) -> str:
    """The page for these grades (batch order), the exercises graded and the batch's settings and language."""
    lang = known(settings.lang) if settings is not None else "en"
    with using(lang):
        title = _("Class summary")
        return page(title, body(grades, exercises, settings, title), lang=lang)


def body(grades: Sequence[Grade], exercises: Sequence[str], settings: Settings | None, title: str) -> list:
    lines = [f"<h1>{text(title)}</h1>", *overview(grades)]
    if settings is not None:
        lines.append(settings_line(settings))
    lines.append(f"<h2>{text(_('Scores'))}</h2>")
    counts = histogram_counts(grades)
    labels = [f"{100 * i // BINS}-{100 * (i + 1) // BINS}" for i in range(BINS)]
    lines.append(column_chart(labels, counts, _("Students by score")))
    lines += figures(
        [_("% of the maximum"), _("students")],
        [[label, str(n)] for label, n in zip(labels, counts)],
    )

    lines.append(f"<h2>{text(_('Most frequent mistakes'))}</h2>")
    mistakes = mistake_counts(grades)[:TOP_MISTAKES]
    if mistakes:
        most = mistakes[0][1]
        lines.append(bar_chart([(name, n / most, str(n)) for name, n in mistakes], _("Students per mistake")))
        lines += figures([_("mistake"), _("students")], [[name, str(n)] for name, n in mistakes])
    else:
        lines.append(f"<p>{text(_('No known mistake was named.'))}</p>")

    lines.append(f"<h2>{text(_('Exercises by failure rate'))}</h2>")
    rates = failure_rates(grades, exercises)
    rows = [(name, rate, f"{100 * rate:.0f}%") for name, rate, _count in rates]
    lines.append(bar_chart(rows, _("Share of graded students who did not pass")))
    lines += figures(
        [_("exercise"), _("not passed"), _("students")],
        [[name, f"{100 * rate:.0f}%", str(n)] for name, rate, n in rates],
    )
    return lines
