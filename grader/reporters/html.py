"""One student's report as a self-contained HTML page, for the batch's reports/ folder.

A summary line, a table of exercises, then each exercise: its feedback, the
mistakes it matches, its plots (model.Plot: fit's loss curve, heat maps of
relative error, drawn here as inline SVG with their figures folded under
them), its checks and what the student's code printed. The page loads
nothing (inline CSS and SVG, no scripts; a Content-Security-Policy forbids
them anyway) and every string of the report is escaped after `clean_text`,
so a student's output cannot inject markup. Deterministic: no timestamps.
The page's own words are in the report's language (its `lang` attribute
says which); statuses keep their ids as CSS classes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from ..i18n import N_, _, current, known, pgettext, using
from ..i18n import width as display_width
from ..model import STATUS_NAMES, Check, ExerciseResult, Plot, Report
from ..plots import ERROR_CAP
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


def text(value: object) -> str:
    """Any string of the report, safe between tags and inside attribute values."""
    return escape(clean_text(value), quote=True)


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


# -- plots: inline SVG drawn here, so that the page still loads nothing --------------------------------------

FONT = 'font-family="system-ui, sans-serif" font-size="12" fill="#222"'
GREY = "#888"
# (colour, width): the reference wide and pale under the student's line, so both show where they agree.
SERIES = {"yours": ("#c2410c", 2), "reference": ("#8fb8e0", 6)}
SERIES_NAMES = {"yours": N_("yours"), "reference": N_("reference")}  # the keys of model.Plot's series
OTHER_SERIES = ("#2f855a", "#6b46c1", "#555555")
# Sequential yellow-orange-red (ColorBrewer YlOrRd): small errors pale, large errors dark.
HEAT = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026")
MAX_CELLS = 40  # squares per side of a heat map; a larger matrix is drawn in blocks
MAX_ROWS = 200  # rows of a plot's figures table


@dataclass(frozen=True)
class Scale:
    """A numeric axis: its bounds (in decades when `log`) and its ticks (value, label)."""

    low: float
    high: float
    ticks: tuple[tuple[float, str], ...]
    log: bool = False

    def fraction(self, value: float) -> float:
        """Where `value` falls, 0 at `low` and 1 at `high`."""
        value = math.log10(value) if self.log else value
        return (value - self.low) / (self.high - self.low)


def short(value: float) -> str:
    """A number for a reader: 4 significant digits, exponents unpadded (2.073e-5)."""
    return f"{value:.4g}".replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")


def compact(value: float) -> str:
    """A number that fits in a heat map's square (0.25, 37, 2.5e-4)."""
    if value == 0 or 0.01 <= abs(value) < 1000:
        return f"{value:.2g}"
    return f"{value:.1e}".replace(".0e", "e").replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")


def power_of_ten(exponent: int) -> str:
    return f'10<tspan dy="-5" font-size="9">{exponent}</tspan>'


def nice_step(span: float, count: int, steps=(1, 2, 2.5, 5, 10)) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) cutting `span` into about `count` parts."""
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in steps if raw <= m * power * (1 + 1e-9))


def linear_scale(low: float, high: float) -> Scale:
    """Round bounds around [low, high], about five ticks."""
    if high - low <= 1e-12 * max(abs(low), abs(high)):
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = nice_step(high - low, 5)
    start, end = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    # as many decimals as the step has, one more for 2.5 times a power of ten
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (f"{step:.1e}"[2] == "5")
    ticks = [start + i * step for i in range(round((end - start) / step) + 1)]
    if decimals > 6 or max(abs(start), abs(end)) >= 1e6:
        return Scale(start, end, tuple((t, short(t)) for t in ticks))
    return Scale(start, end, tuple((t, f"{t + 0.0:.{decimals}f}") for t in ticks))


def log_scale(low: float, high: float) -> Scale:
    """Whole decades around [low, high] (both > 0), at most eight labelled."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    last = max(last, first + 1)
    every = math.ceil((last - first + 1) / 8)
    return Scale(
        first, last, tuple((10.0**d, power_of_ten(d)) for d in range(first, last + 1, every)), log=True
    )


def value_scale(values: list[float]) -> Scale:
    """Log when every value is positive and they span more than two decades, else linear."""
    low, high = min(values), max(values)
    return log_scale(low, high) if low > 0 and high / low > 100 else linear_scale(low, high)


def iteration_scale(count: int) -> Scale:
    """Iterations 1 to `count`, about eight whole-number ticks."""
    if count < 2:
        return Scale(0, 2, ((1, "1"),))
    step = max(1, round(nice_step(count - 1, 8, (1, 2, 5, 10))))
    return Scale(1, count, tuple((i, str(i)) for i in sorted({1, *range(step, count + 1, step)})))


def svg_open(width: float, height: float, title: str, description: str) -> list[str]:
    return [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}"'
            f' viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{text(title)}" {FONT}>'
        ),
        f"<title>{text(title)}</title>",
        f"<desc>{text(description)}</desc>",
    ]


def label(x: float, y: float, content: str, anchor: str = "middle", extra: str = "") -> str:
    """A text element; `content` is markup already (escaped text, or tspans)."""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{content}</text>'


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = GREY, width: float = 1) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" stroke-width="{width}"/>'


def upright(x: float, y: float, content: str) -> str:
    """A label written bottom to top, centred on (x, y): a vertical axis' title."""
    return label(x, y, content, extra=f' fill="#555" transform="rotate(-90 {x:.1f} {y:.1f})"')


# -- the loss curve --


@dataclass(frozen=True)
class Frame:
    """The plotting area of a chart, in pixels, and its two scales."""

    left: float
    top: float
    width: float
    height: float
    x: Scale
    y: Scale

    def at(self, x: float, y: float) -> tuple[float, float]:
        return (
            self.left + self.width * self.x.fraction(x),
            self.top + self.height * (1 - self.y.fraction(y)),
        )


def curve_series(data: dict) -> list[tuple[str, list[float]]]:
    """Each series' name and values, the student's last (drawn on top)."""
    series = [(str(name), [float(v) for v in values]) for name, values in data.get("series", {}).items()]
    return sorted(series, key=lambda s: (s[0] == "yours", s[0] != "reference"))


def series_styles(series: list[tuple[str, list[float]]]) -> dict[str, tuple[str, float]]:
    others = iter(OTHER_SERIES * len(series))
    return {name: SERIES.get(name) or (next(others), 2) for name, _values in series}


def curve_summary(series: list[tuple[str, list[float]]], frame: Frame) -> str:
    """The gist in words: the lengths when they differ, the largest gap and where."""
    named = dict(series)
    if "yours" not in named or "reference" not in named:
        return " ".join(
            _("{name}: {count} points.").format(name=series_name(name), count=len(values)) for name, values in series
        )
    yours, reference = named["yours"], named["reference"]
    parts = []
    if len(yours) != len(reference):
        parts.append(_("Yours has {count} iterations, the reference {expected}.").format(
            count=len(yours), expected=len(reference)))
    gaps = [abs(a - b) for a, b in zip(yours, reference)]
    if gaps and max(gaps) == 0:
        parts.append(_("The curves agree on all {count} iterations they share.").format(count=len(gaps)))
    elif gaps:
        at = gaps.index(max(gaps))
        near = all(abs(frame.at(1, a)[1] - frame.at(1, b)[1]) < 2 for a, b in zip(yours, reference))
        note = _(" (the curves overlap at this scale)") if near else ""
        parts.append(_("Largest gap between the curves: {gap} at iteration {iteration}{note}.").format(
            gap=short(gaps[at]), iteration=at + 1, note=note))
    return " ".join(parts)


def series_name(key: str) -> str:
    """A series' name for a reader: "yours" and "reference" in the report's language, others as they are."""
    return _(SERIES_NAMES[key]) if key in SERIES_NAMES else key


def axes(frame: Frame, x_label: str, y_label: str) -> list[str]:
    """Grid lines and tick labels of the y scale, ticks of the x scale, the frame and both titles."""
    right, bottom = frame.left + frame.width, frame.top + frame.height
    parts = []
    for value, shown in frame.y.ticks:
        y = frame.top + frame.height * (1 - frame.y.fraction(value))
        parts += [line(frame.left, y, right, y, "#e5e5e5"), label(frame.left - 8, y + 4, shown, "end")]
    for value, shown in frame.x.ticks:
        x = frame.left + frame.width * frame.x.fraction(value)
        parts += [line(x, bottom, x, bottom + 5), label(x, bottom + 18, shown)]
    parts.append(
        f'<rect x="{frame.left}" y="{frame.top}" width="{frame.width}" height="{frame.height}" fill="none" stroke="{GREY}"/>'
    )
    parts.append(label(frame.left + frame.width / 2, bottom + 40, text(x_label), extra=' fill="#555"'))
    return [
        *parts,
        upright(16, frame.top + frame.height / 2, text(y_label) + (text(_(" (log scale)")) if frame.y.log else "")),
    ]


def polyline(frame: Frame, values: list[float], colour: str, width: float) -> list[str]:
    """One series; dots on its points too when there are few enough to see them."""
    points = [
        frame.at(i, v)
        for i, v in enumerate(values, start=1)
        if math.isfinite(v) and (v > 0 or not frame.y.log)
    ]
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts = [
        (
            f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="{width}"'
            ' stroke-linejoin="round" stroke-linecap="round"/>'
        )
    ]
    if len(points) <= 40:
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{width / 2 + 1.5:.1f}" fill="{colour}"/>'
            for x, y in points
        ]
    return parts


def legend(styles: dict[str, tuple[str, float]], left: float) -> list[str]:
    parts = []
    for name, (colour, stroke) in reversed(styles.items()):
        shown = series_name(name)
        parts += [line(left, 20, left + 28, 20, colour, stroke), label(left + 36, 24, text(shown), "start")]
        left += 60 + 8 * display_width(shown)
    return parts


def curve_svg(plot: Plot) -> tuple[list[str], str]:
    """Loss per iteration, a polyline per series; log y when the values span more than two decades."""
    series = curve_series(plot.data)
    values = [v for _name, vs in series for v in vs if math.isfinite(v)] or [0.0]
    count = max([len(vs) for _name, vs in series] + [1])
    frame = Frame(72, 40, 624, 252, iteration_scale(count), value_scale(values))
    summary = curve_summary(series, frame)
    styles = series_styles(series)
    parts = svg_open(720, 340, plot.title, summary)
    parts += axes(frame, plot.data.get("x_label", ""), plot.data.get("y_label", ""))
    for name, values in series:
        parts += polyline(frame, values, *styles[name])
    return [*parts, *legend(styles, frame.left), "</svg>"], summary


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


# -- the heat map --


def heat_colour(fraction: float) -> str:
    """The colour at `fraction` (0 to 1) of the scale, between HEAT's stops."""
    position = min(max(fraction, 0.0), 1.0) * (len(HEAT) - 1)
    index = min(int(position), len(HEAT) - 2)
    weight = position - index
    low, high = (tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in HEAT[index : index + 2])
    return "#" + "".join(f"{round(a + (b - a) * weight):02x}" for a, b in zip(low, high))


def blocks(rows: list[list[float]], size: int) -> list[list[tuple[float, str]]]:
    """Squares of `size` x `size` entries: (their largest error, their index as Python writes it)."""

    def span(start: int, count: int) -> str:
        stop = min(start + size, count)
        return str(start) if stop - start == 1 else f"{start}:{stop}"

    height, width = len(rows), len(rows[0])
    return [
        [
            (
                max(max(row[j : j + size]) for row in rows[i : i + size]),
                f"{span(i, height)}, {span(j, width)}",
            )
            for j in range(0, width, size)
        ]
        for i in range(0, height, size)
    ]


def relative_error(value: float) -> str:
    return _("at least {cap}").format(cap=short(ERROR_CAP)) if value >= ERROR_CAP else short(value)


def heatmap_summary(name: str, rows: list[list[float]], size: int) -> str:
    entries = [(value, f"{i}, {j}") for i, row in enumerate(rows) for j, value in enumerate(row)]
    (worst, worst_at), (best, best_at) = max(entries), min(entries)
    blocked = _(" Each square shows the largest error of {size} x {size} entries.").format(size=size) if size > 1 else ""
    return _("Largest relative error {worst} at {worst_at}, smallest {best} at {best_at}.").format(
        worst=relative_error(worst), worst_at=f"{name}[{worst_at}]", best=relative_error(best), best_at=f"{name}[{best_at}]"
    ) + blocked


def squares(
    cells: list[list[tuple[float, str]]], name: str, scale: Scale, side: int, origin: tuple[int, int]
) -> list[str]:
    """The grid: a square per cell, its value as a tooltip (and written inside when there is room)."""
    parts, gap = [], ' stroke="#fff"' if side >= 20 else ""
    for i, row in enumerate(cells):
        for j, (value, at) in enumerate(row):
            x, y = origin[0] + j * side, origin[1] + i * side
            shade = scale.fraction(value) if value > 0 else 0.0
            tooltip = text(_("{entry}: relative error {error}").format(entry=f"{name}[{at}]", error=relative_error(value)))
            parts.append(
                f'<rect x="{x}" y="{y}" width="{side}" height="{side}" fill="{heat_colour(shade)}"'
                f"{gap}><title>{tooltip}</title></rect>"
            )
            if side >= 44:
                ink = "#fff" if shade > 0.55 else "#222"
                parts.append(
                    label(
                        x + side / 2,
                        y + side / 2 + 4,
                        text(compact(value)),
                        extra=f' font-size="11" fill="{ink}"',
                    )
                )
    return parts


def indices(rows: int, columns: int, size: int, side: int, origin: tuple[int, int]) -> list[str]:
    """Row numbers left of the grid, column numbers above it: at most ten of each, 18 pixels apart or more."""
    left, top = origin
    every = [max(math.ceil(count / 10), math.ceil(18 / side)) for count in (rows, columns)]
    parts = [
        label(left - 6, top + i * side + side / 2 + 4, str(i * size), "end") for i in range(0, rows, every[0])
    ]
    parts += [label(left + j * side + side / 2, top - 6, str(j * size)) for j in range(0, columns, every[1])]
    parts.append(label(left + columns * side / 2, 14, text(_("column")), extra=' fill="#555"'))
    return [*parts, upright(14, top + rows * side / 2, text(_("row")))]


def colour_bar(scale: Scale, x: float, top: float, height: float) -> list[str]:
    """The colour scale: a column of bands, lowest error at the bottom, decades marked."""
    bands = 48
    parts = [
        f'<rect x="{x}" y="{top + height * (1 - (k + 1) / bands):.2f}" width="14" height="{height / bands + 0.5:.2f}"'
        f' fill="{heat_colour((k + 0.5) / bands)}"/>'
        for k in range(bands)
    ]
    parts.append(f'<rect x="{x}" y="{top}" width="14" height="{height}" fill="none" stroke="{GREY}"/>')
    for value, shown in scale.ticks:
        y = top + height * (1 - scale.fraction(value))
        parts += [line(x + 14, y, x + 18, y), label(x + 21, y + 4, shown, "start")]
    return [
        *parts,
        label(x + 7, top - 24, text(_("relative")), extra=' fill="#555"'),
        label(x + 7, top - 10, text(pgettext("colour bar", "error")), extra=' fill="#555"'),
    ]


def heatmap_svg(plot: Plot) -> tuple[list[str], str]:
    """A square per entry coloured by log10 of its relative error, the colour scale at the right."""
    name = str(plot.data.get("label", ""))
    rows = [[max(float(v), 0.0) for v in row] for row in plot.data.get("rows", [])] or [[0.0]]
    size = math.ceil(max(len(rows), len(rows[0])) / MAX_CELLS)
    cells = blocks(rows, size)
    flat = [cell for row in cells for cell in row]
    positive = [value for value, _at in flat if value > 0] or [0.1]
    scale = log_scale(min(positive), max(positive))
    side = min(max(320 // max(len(cells), len(cells[0])), 10), 60)
    origin, grid_width, grid_height = (56, 44), side * len(cells[0]), side * len(cells)
    bar_x, bar_height = origin[0] + grid_width + 28, max(grid_height, 140)
    summary = heatmap_summary(name, rows, size)
    parts = svg_open(bar_x + 70, origin[1] + bar_height + 16, plot.title, summary)
    parts += squares(cells, name, scale, side, origin)
    parts += indices(len(cells), len(cells[0]), size, side, origin)
    parts += colour_bar(scale, bar_x, origin[1], bar_height)
    return [*parts, "</svg>"], summary


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
