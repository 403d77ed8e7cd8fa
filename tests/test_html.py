"""The per-student HTML report and the class summary page.

Golden files live in tests/golden/; run with UPDATE_GOLDEN=1 to rewrite them
after an intended change (then review the diff, and look at the pages).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from conftest import check_golden
from grader.class_summary import failure_rates, histogram_counts, mistake_counts
from grader.class_summary import render as render_summary
from grader.gradebook import ExerciseGrade, Grade
from grader.model import Check, Diagnosis, ExerciseResult, Plot, Report
from grader.reporters import FORMATS, axis_scales, html, reporter, svg_plots
from grader.reporters.junit import clean_text

HOSTILE = '</pre><script>alert("x")</script><img src=x onerror=alert(1)> & \x00\x1b[31m'
SVG = "{http://www.w3.org/2000/svg}"


def sample_plots() -> tuple[Plot, ...]:
    """fit's plots as grader/plots.py builds them, with a hostile title and label."""
    curve = Plot(
        "curve",
        f"fit's loss per iteration: yours and the reference's {HOSTILE}",
        {
            "x_label": "iteration",
            "y_label": "batch loss",
            "series": {
                "yours": [0.2984, 0.2805, 0.2619, 0.2431],
                "reference": [0.2984, 0.2805, 0.2601, 0.2390],
            },
        },
    )
    heatmap = Plot(
        "heatmap",
        "relative error of each entry of W1",
        {"label": f"W1{HOSTILE}", "rows": [[1e-6, 3e-5], [1e-3, 0.0]]},
    )
    return curve, heatmap


def sample_report() -> Report:
    exercises = (
        ExerciseResult(
            "forward.linear_forward",
            "passed",
            4,
            4,
            "all 3 checks passed",
            checks=(Check("canonical layer 1", True), Check("25 generated cases", True)),
        ),
        ExerciseResult(
            "forward.forward",
            "failed",
            0,
            6,
            f"canonical 2-2-2: got 0.75, expected 0.7514 {HOSTILE}",
            checks=(
                Check("canonical 2-2-2", False, "got [0.75]\nexpected [0.7514]"),
                Check("25 generated cases", False, "not run", ran=False),
            ),
            diagnoses=(Diagnosis("missing_output_activation", "no activation after the output layer <b>"),),
            output=f"epoch 1 {HOSTILE}\n",
        ),
        ExerciseResult("forward.half_sse", "missing", 0, 3, "half_sse still raises NotImplementedError"),
        ExerciseResult(
            "training.fit",
            "failed",
            0,
            8,
            "canonical, 3 epochs of batch 1: W1[0, 1]: expected 0.1988, got 0.1991",
            checks=(Check("canonical, 3 epochs of batch 1", False, "W1[0, 1]: expected 0.1988, got 0.1991"),),
            plots=sample_plots(),
        ),
    )
    return Report(
        score=4,
        max_score=21,
        seed=0,
        exercises=exercises,
        submission=f"alice{HOSTILE}.zip",
        notes=(f"ignored: {HOSTILE}",),
        grader_version="0.1.0",
    )


SVG_TAGS = {"svg", "title", "desc", "line", "polyline", "circle", "rect", "text", "tspan"}


class Tags(HTMLParser):
    """Every start tag of a page and its text."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.data: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.data.append(data)


def test_html_report_golden():
    check_golden("report.html", html.render(sample_report()))


def test_html_is_registered_as_a_format():
    assert "html" in FORMATS
    assert reporter("html") is html.render


def test_student_text_never_becomes_markup():
    page = html.render(sample_report())
    tags = Tags(page)
    names = {tag for tag, _ in tags.tags}
    assert names <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "h3",
        "p",
        "strong",
        "code",
        "ul",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "section",
        "pre",
        "span",
        "details",
        "summary",
        "div",
        "figure",
        "figcaption",
        "br",
        *SVG_TAGS,
    }
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", page)
    text = "".join(tags.data)
    assert '<script>alert("x")</script>' in text  # shown as text, escaped in the page
    assert "\\x00\\x1b[31m" in text


def test_html_loads_nothing():
    page = html.render(sample_report())
    for tag, attrs in Tags(page).tags:
        assert not {"src", "srcset"} & set(attrs), tag
        assert not attrs.get("href", "#").strip().lower().startswith(("http", "//", "javascript")), attrs
    assert "default-src 'none'" in page


# -- plots ------------------------------------------------------------------------------------------------


def svgs(page: str) -> list[ET.Element]:
    """Every inline SVG of a page, parsed as XML: it must be well-formed."""
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", page, flags=re.DOTALL)]


def report_with(*plots: Plot) -> Report:
    exercise = ExerciseResult("training.fit", "failed", 0, 8, "wrong", plots=plots)
    return Report(score=0, max_score=8, seed=0, exercises=(exercise,))


def curve(yours: list[float], reference: list[float]) -> Plot:
    series = {"yours": yours, "reference": reference}
    return Plot("curve", "loss", {"x_label": "iteration", "y_label": "batch loss", "series": series})


def test_every_plot_is_an_accessible_svg_with_its_title():
    report = sample_report()
    plots = [plot for exercise in report.exercises for plot in exercise.plots]
    drawn = svgs(html.render(report))
    assert len(drawn) == len(plots) == 2
    for plot, svg in zip(plots, drawn):
        title = clean_text(plot.title)
        assert svg.tag == f"{SVG}svg"
        assert (svg.get("role"), svg.get("aria-label")) == ("img", title)
        assert svg.find(f"{SVG}title").text == title
        assert svg.find(f"{SVG}desc").text


def test_loss_curve_draws_each_series_point_by_point_with_a_legend():
    plot = sample_plots()[0]
    svg = svgs(html.render(report_with(plot)))[0]
    lines = svg.findall(f"{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [4, 4]
    assert [line.get("stroke") for line in lines] == [svg_plots.SERIES["reference"][0], svg_plots.SERIES["yours"][0]]
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert {"yours", "reference", "iteration", "batch loss"} <= set(texts)
    assert "0.26" in texts and "0.30" in texts  # linear ticks around 0.239 to 0.298
    yours = [tuple(map(float, p.split(","))) for p in lines[1].get("points").split()]
    assert [x for x, _ in yours] == sorted(x for x, _ in yours)
    assert yours[0][1] < yours[-1][1]  # the loss falls: the line goes down the page, where y grows


def test_loss_curve_is_on_a_log_scale_only_past_two_decades():
    def y_title(plot: Plot) -> str:
        svg = svgs(html.render(report_with(plot)))[0]
        return "".join(next(t for t in svg.iter(f"{SVG}text") if t.get("transform")).itertext())

    assert y_title(curve([1.0, 0.1, 0.009], [1.0, 0.5, 0.2])) == "batch loss (log scale)"
    assert y_title(curve([1.0, 0.1, 0.011], [1.0, 0.5, 0.2])) == "batch loss"
    assert y_title(curve([1.0, 0.0, 0.0], [1.0, 1e-6, 1e-9])) == "batch loss"  # a zero has no logarithm


def test_curve_caption_names_the_gap_and_a_missing_iteration():
    page = html.render(report_with(curve([0.3, 0.28, 0.26], [0.3, 0.28, 0.25, 0.24])))
    assert (
        "Yours has 3 iterations, the reference 4. Largest gap between the curves: 0.01 at iteration 3."
        in page
    )
    same = html.render(report_with(curve([0.3, 0.28], [0.3, 0.28])))
    assert "The curves agree on all 2 iterations they share." in same


def test_heat_map_has_a_square_per_entry_named_as_the_lesson_does():
    plot = Plot(
        "heatmap", "relative error of each entry of dW1", {"label": "dW1", "rows": [[1e-6, 1e-3, 1e-5]] * 2}
    )
    svg = svgs(html.render(report_with(plot)))[0]
    squares = [rect for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    names = [rect.find(f"{SVG}title").text for rect in squares]
    assert names == [
        f"dW1[{i}, {j}]: relative error {error}"
        for i in range(2)
        for j, error in enumerate(["1e-6", "0.001", "1e-5"])
    ]
    # coloured by log10 of the error: the scale runs from 1e-6 (palest) to 1e-3 (darkest)
    assert [rect.get("fill") for rect in squares[:3]] == [
        svg_plots.HEAT[0],
        svg_plots.HEAT[-1],
        svg_plots.heat_colour(1 / 3),
    ]
    legend = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert {"10-6", "10-5", "10-4", "10-3"} <= set(legend)


def test_large_matrices_are_drawn_in_blocks_showing_their_largest_error():
    rows = [[1e-4] * 100 for _ in range(90)]
    rows[89][99] = 0.5
    plot = Plot("heatmap", "relative error of each entry of W1", {"label": "W1", "rows": rows})
    page = html.render(report_with(plot))
    titles = [t.text for t in svgs(page)[0].iter(f"{SVG}title")][1:]
    assert len(titles) == 30 * 34  # blocks of 3 x 3 entries
    assert titles[0] == "W1[0:3, 0:3]: relative error 0.0001"
    assert titles[-1] == "W1[87:90, 99]: relative error 0.5"
    assert "Largest relative error 0.5 at W1[89, 99]" in page
    assert "Each square shows the largest error of 3 x 3 entries." in page


def test_capped_errors_say_so():
    plot = Plot("heatmap", "t", {"label": "W2", "rows": [[1e-3, 1e3]]})
    assert "W2[0, 1]: relative error at least 1000" in html.render(report_with(plot))


def test_plots_of_an_unknown_kind_are_left_out():
    page = html.render(report_with(Plot("histogram", "x", {})))
    assert "<svg" not in page and "Plots" not in page


def test_pages_without_plots_keep_the_plain_style():
    assert "figcaption" not in html.render(report_with())
    assert "figcaption" in html.render(report_with(*sample_plots()))


@pytest.mark.parametrize(
    "low, high, ticks",
    [
        (0.2619, 0.2984, ["0.26", "0.27", "0.28", "0.29", "0.30"]),
        (0, 7, ["0", "2", "4", "6", "8"]),
        (-0.5, 0.5, ["-0.6", "-0.4", "-0.2", "0.0", "0.2", "0.4", "0.6"]),
        (0.1, 0.1, ["0.090", "0.095", "0.100", "0.105", "0.110"]),  # a flat curve, padded by 10 %
        (1e-7, 3e-7, ["1e-7", "1.5e-7", "2e-7", "2.5e-7", "3e-7"]),
    ],
)
def test_linear_scales_have_round_ticks_around_the_values(low, high, ticks):
    scale = axis_scales.linear_scale(low, high)
    assert [shown for _, shown in scale.ticks] == ticks
    assert scale.low <= low and scale.high >= high


def test_log_scales_are_whole_decades_at_most_eight_labelled():
    assert (axis_scales.log_scale(2e-3, 0.3).low, axis_scales.log_scale(2e-3, 0.3).high) == (-3, 0)
    assert len(axis_scales.log_scale(1e-12, 1e3).ticks) <= 8


def test_unreadable_page_escapes_the_message():
    page = html.render_unreadable("bob.zip", f"bob.zip: not a zip file {HOSTILE}")
    assert {tag for tag, _ in Tags(page).tags} == {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "p",
        "strong",
        "pre",
    }
    assert "could not read this submission" in page


# -- the class summary ------------------------------------------------------------------------------------

EXERCISES = ["forward.linear_forward", "forward.forward", "forward.half_sse"]


def grade(student: str, score: float, statuses: tuple[str, str, str], *diagnoses: tuple[str, ...]) -> Grade:
    points = (4, 6, 3)
    exercises = tuple(
        ExerciseGrade(
            name, status, p if status == "passed" else 0, p, diagnoses[i] if i < len(diagnoses) else ()
        )
        for i, (name, status, p) in enumerate(zip(EXERCISES, statuses, points))
    )
    return Grade(student, "graded", score, 13, exercises=exercises)


def sample_grades() -> list[Grade]:
    return [
        grade("alice", 13, ("passed", "passed", "passed")),
        grade("bob", 7, ("passed", "failed", "passed"), (), ("missing_output_activation",)),
        grade("carol", 4, ("passed", "failed", "failed"), (), ("missing_output_activation",), ("loss_mean",)),
        grade(
            "dave",
            0,
            ("error", "error", "missing"),
            ("transposed_weight_grad", "fixed_shape"),
            ("fixed_shape",),
        ),
        Grade("erin<script>", "unreadable", 0, 13, "erin.zip: not a valid zip file"),
        Grade("frank", "no_submission", 0, 13),
    ]


def test_histogram_counts_fall_in_tenths_full_marks_in_the_last():
    assert histogram_counts(sample_grades()) == [2, 0, 0, 1, 0, 1, 0, 0, 0, 1]


def test_mistakes_counted_once_per_student_most_frequent_first():
    assert mistake_counts(sample_grades()) == [
        ("missing_output_activation", 2),
        ("fixed_shape", 1),
        ("loss_mean", 1),
        ("transposed_weight_grad", 1),
    ]


def test_failure_rates_among_graded_students_hardest_first():
    assert failure_rates(sample_grades(), EXERCISES) == [
        ("forward.forward", 0.75, 3),
        ("forward.half_sse", 0.5, 2),
        ("forward.linear_forward", 0.25, 1),
    ]


def test_class_summary_golden():
    check_golden("class-summary.html", render_summary(sample_grades(), EXERCISES))


def test_class_summary_in_the_batchs_language_with_its_settings_golden():
    from grader.batch import Settings
    from grader.i18n import current

    settings = Settings(only=("forward",), examples=5, memory=512 * 1024**2, sandbox="none", lang="zh")
    page = render_summary(sample_grades(), EXERCISES, settings)
    check_golden("class-summary.zh.html", page)
    assert '<html lang="zh-CN">' in page and "<h1>班级汇总</h1>" in page and current() == "en"
    assert ("<code>--seed 0 --examples 5 --timeout 10 --memory 512M --sandbox none --lang zh --only forward</code>"
            in page)


def test_class_summary_plots_are_well_formed_svg():
    page = render_summary(sample_grades(), EXERCISES)
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.DOTALL)
    assert len(svgs) == 3
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        bars = root.findall("{http://www.w3.org/2000/svg}rect")
        assert bars and all(float(bar.get("height")) >= 0 and float(bar.get("width")) >= 0 for bar in bars)
    histogram = ET.fromstring(svgs[0])
    heights = [float(r.get("height")) for r in histogram.iter("{http://www.w3.org/2000/svg}rect")]
    assert heights[0] == max(heights) and heights[1] == 0  # two students at 0-10 %, none at 10-20 %
    assert "erin&lt;script&gt;" not in page  # student ids are not listed on the class page
    assert "<script" not in page


def test_class_summary_of_nothing_graded():
    page = render_summary([Grade("frank", "no_submission", 0, 13)], EXERCISES)
    assert "No known mistake was named." in page
    assert len(re.findall("<svg ", page)) == 2


@pytest.mark.parametrize("value, expected", [(13.0, "13"), (7.5, "7.5"), (1 / 3, "0.333333")])
def test_grades_csv_numbers(value, expected):
    from grader.gradebook import number

    assert number(value) == expected
