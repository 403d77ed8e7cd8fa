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
from grader.model import Check, Diagnosis, ExerciseResult, Report
from grader.reporters import FORMATS, html, reporter

HOSTILE = '</pre><script>alert("x")</script><img src=x onerror=alert(1)> & \x00\x1b[31m'


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
    )
    return Report(
        score=4,
        max_score=13,
        seed=0,
        exercises=exercises,
        submission=f"alice{HOSTILE}.zip",
        notes=(f"ignored: {HOSTILE}",),
        grader_version="0.1.0",
    )


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


def test_class_summary_plots_are_well_formed_svg():
    page = render_summary(sample_grades(), EXERCISES)
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
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
