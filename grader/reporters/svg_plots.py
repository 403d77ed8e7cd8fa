"""Plots drawn as inline SVG for the HTML report: fit's loss curve, heat maps of relative error.

Each drawing comes with its gist in words (its <desc>, and the caption html.py
writes under it). All is drawn here from model.Plot's data, so the page still
loads nothing, and every string of the report in it passes through `text`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from ..i18n import N_, _, pgettext
from ..i18n import width as display_width
from ..model import Plot
from ..plots import ERROR_CAP
from .axis_scales import Scale, iteration_scale, log_scale, short, value_scale
from .junit import clean_text

FONT = 'font-family="system-ui, sans-serif" font-size="12" fill="#222"'
GREY = "#888"
# (colour, width): the reference wide and pale under the student's line, so both show where they agree.
SERIES = {"yours": ("#c2410c", 2), "reference": ("#8fb8e0", 6)}
SERIES_NAMES = {"yours": N_("yours"), "reference": N_("reference")}  # the keys of model.Plot's series
OTHER_SERIES = ("#2f855a", "#6b46c1", "#555555")
# Sequential yellow-orange-red (ColorBrewer YlOrRd): small errors pale, large errors dark.
HEAT = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026")
MAX_CELLS = 40  # squares per side of a heat map; a larger matrix is drawn in blocks


def text(value: object) -> str:
    """Any string of the report, safe between tags and inside attribute values (html.py's page uses it too)."""
    return escape(clean_text(value), quote=True)


def compact(value: float) -> str:
    """A number that fits in a heat map's square (0.25, 37, 2.5e-4)."""
    if value == 0 or 0.01 <= abs(value) < 1000:
        return f"{value:.2g}"
    return f"{value:.1e}".replace(".0e", "e").replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")


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
