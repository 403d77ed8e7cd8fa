"""The CI reporters: JUnit XML and Gradescope results.json.

Golden files live in tests/golden/; run with UPDATE_GOLDEN=1 to rewrite them
after an intended change (then review the diff).
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import check_golden
from grader.model import STATUSES, Check, Diagnosis, ExerciseResult, Report
from grader.reporters import gradescope, junit

NASTY_OUTPUT = "epoch 1\x00\x07 loss=0.5\r\nbell\x1b[31mred\x1b[0m ]]> <b>&amp;</b> \ud800 \ufffe done\n"


def sample_report() -> Report:
    """Every status, a diagnosis, a not-run check, hostile student output."""
    exercises = (
        ExerciseResult(
            name="gradient_descent.num_batches",
            status="passed",
            score=5,
            max_score=5,
            feedback="Correct.",
            checks=(Check("50000 samples, batch 256", True), Check("batch divides n", True)),
            output="debug: 196\n",
        ),
        ExerciseResult(
            name="gradient_descent.num_iterations",
            status="missing",
            score=0,
            max_score=5,
            feedback="num_iterations is still the stub: it raises NotImplementedError.",
        ),
        ExerciseResult(
            name="activations.tanh_grad",
            status="failed",
            score=1.5,
            max_score=4.5,
            feedback="tanh_grad(z) is wrong for some z.\nσ'(z) is fine; look at step 3 of the lesson.",
            checks=(
                Check("tanh_grad(0) == 1", True),
                Check("random z", False, "at z=[0.5]: got 0.5379 (1 - tanh(z)), expected 0.7864"),
            ),
            diagnoses=(
                Diagnosis("tanh_grad_missing_square", "1 - tanh(z) is missing its square."),
            ),
        ),
        ExerciseResult(
            name="backward.backward",
            status="error",
            score=0,
            max_score=20,
            feedback="backward raised ValueError: shapes (2,2) and (3,2) not aligned",
            checks=(
                Check("canonical 2-2-2", False, "raised ValueError"),
                Check("random shapes", False, "not run after the error", ran=False),
            ),
            diagnoses=(
                Diagnosis("transposed_weight_grad", "dW has shape (n_in, n_out): x.T @ dz is transposed."),
                Diagnosis("fixed_shape", "only the 2-2-2 shape works."),
            ),
            output=NASTY_OUTPUT,
        ),
        ExerciseResult(
            name="training.fit",
            status="timeout",
            score=0,
            max_score=15,
            feedback="fit did not finish within 60 s.",
            checks=(Check("tiny data set", False, "timed out", ran=False),),
        ),
        ExerciseResult(
            name="backward.linear_backward",
            status="forbidden",
            score=0,
            max_score=10,
            feedback="linear_backward used torch.autograd; derive the gradient by hand.",
        ),
        ExerciseResult(
            name="chain_rule.composite",
            status="passed",
            score=3,
            max_score=3,
            feedback="",
        ),
    )
    return Report(
        score=9.5,
        max_score=62.5,
        seed=0,
        exercises=exercises,
        submission="submission/",
        notes=("activations: both activations.py and activations.ipynb exist; the .py was graded.",),
        grader_version="0.1.0",
    )


# -- shared helpers ---------------------------------------------------------------------------------------


def test_clean_text_escapes_what_xml_forbids():
    assert junit.clean_text("a\x00b\x1bc\ud800d\ufffe") == "a\\x00b\\x1bc\\ud800d\\ufffe"
    assert junit.clean_text("tab\tok\r\nline\rx") == "tab\tok\nline\nx"
    assert junit.clean_text("σ'(z) ]]> <&> 😀") == "σ'(z) ]]> <&> 😀"


def test_format_number():
    assert junit.format_number(15.0) == "15"
    assert junit.format_number(87.5) == "87.5"
    assert junit.format_number(0.1 + 0.2) == repr(0.1 + 0.2)
    assert junit.format_number(float("nan")) == "nan"


def test_all_statuses_covered():
    assert {e.status for e in sample_report().exercises} == set(STATUSES)


@pytest.mark.parametrize("reporter", [junit, gradescope])
def test_pure_and_deterministic(reporter):
    report = sample_report()
    before = report.to_dict()
    first = reporter.render(report)
    assert reporter.render(report) == first
    assert report.to_dict() == before
    assert reporter.render(Report.from_dict(report.to_dict())) == first
    assert first.endswith("\n") and not first.endswith("\n\n")


# -- JUnit ------------------------------------------------------------------------------------------------


def parse_junit(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def test_junit_golden():
    check_golden("report.junit.xml", junit.render(sample_report()))


def test_junit_counts():
    root = parse_junit(junit.render(sample_report()))
    assert root.tag == "testsuites"
    assert root.get("name") == "backprop-grader"
    assert root.get("tests") == "7"
    assert root.get("failures") == "3"  # failed, forbidden, missing
    assert root.get("errors") == "2"  # error, timeout
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "gradient_descent",
        "activations",
        "backward",
        "training",
        "chain_rule",
    ]
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(len(c.findall("failure")) for c in cases),
            "errors": sum(len(c.findall("error")) for c in cases),
        }
        assert {k: suite.get(k) for k in counts} == {k: str(v) for k, v in counts.items()}, suite.get("name")
        for key, value in counts.items():
            totals[key] += value
    assert {k: root.get(k) for k in totals} == {k: str(v) for k, v in totals.items()}
    assert not list(root.iter("skipped"))


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {f"{c.get('classname')}.{c.get('name')}": c for c in root.iter("testcase")}


def _props(element: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.find("properties")}


def test_junit_status_mapping():
    cases = _cases(parse_junit(junit.render(sample_report())))
    outcome = {
        name: [child.tag for child in case if child.tag not in ("properties", "system-out")]
        for name, case in cases.items()
    }
    assert outcome == {
        "gradient_descent.num_batches": [],
        "gradient_descent.num_iterations": ["failure"],
        "activations.tanh_grad": ["failure"],
        "backward.backward": ["error"],
        "training.fit": ["error"],
        "backward.linear_backward": ["failure"],
        "chain_rule.composite": [],
    }
    missing = cases["gradient_descent.num_iterations"].find("failure")
    assert missing.get("type") == "missing"
    assert missing.get("message") == (
        "missing: num_iterations is still the stub: it raises NotImplementedError."
    )

    failed = cases["activations.tanh_grad"].find("failure")
    assert failed.get("type") == "failed"
    assert failed.get("message") == "failed: tanh_grad(z) is wrong for some z."
    assert "σ'(z) is fine" in failed.text
    assert "[PASS] tanh_grad(0) == 1" in failed.text
    assert "[FAIL] random z: at z=[0.5]" in failed.text
    assert "tanh_grad_missing_square: 1 - tanh(z) is missing its square." in failed.text

    error = cases["backward.backward"].find("error")
    assert error.get("type") == "error"
    assert "[NOT RUN] random shapes: not run after the error" in error.text
    assert "transposed_weight_grad" in error.text and "fixed_shape" in error.text
    assert cases["training.fit"].find("error").get("type") == "timeout"
    assert cases["backward.linear_backward"].find("failure").get("type") == "forbidden"

    assert _props(cases["activations.tanh_grad"]) == {"score": "1.5", "max_score": "4.5", "status": "failed"}
    assert _props(cases["backward.backward"])["max_score"] == "20"


def test_junit_system_out_survives_control_characters():
    text = junit.render(sample_report())
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", text)
    text.encode("utf-8")  # no lone surrogate left
    cases = _cases(parse_junit(text))
    out = cases["backward.backward"].find("system-out").text
    assert out == (
        "epoch 1\\x00\\x07 loss=0.5\nbell\\x1b[31mred\\x1b[0m ]]> <b>&amp;</b> \\ud800 \\ufffe done\n"
    )
    assert cases["gradient_descent.num_batches"].find("system-out").text == "debug: 196\n"
    assert cases["chain_rule.composite"].find("system-out") is None
    assert cases["training.fit"].find("system-out") is None


def test_junit_suite_properties():
    suites = {s.get("name"): s for s in parse_junit(junit.render(sample_report())).iter("testsuite")}
    assert _props(suites["backward"]) == {
        "score": "0",
        "max_score": "30",
        "seed": "0",
        "grader_version": "0.1.0",
    }


def test_junit_empty_report():
    root = parse_junit(junit.render(Report(score=0, max_score=0, seed=3, exercises=())))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("0", "0", "0")
    assert list(root) == []


# -- Gradescope -------------------------------------------------------------------------------------------


TOP_KEYS = {"score", "output", "output_format", "visibility", "extra_data", "tests"}
TEST_KEYS = {
    "name",
    "number",
    "score",
    "max_score",
    "status",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}


def _reject_constant(name: str):
    raise AssertionError(f"non-standard JSON constant {name}")


def parse_gradescope(text: str) -> dict:
    text.encode("ascii")
    return json.loads(text, parse_constant=_reject_constant)


def test_gradescope_golden():
    check_golden("results.gradescope.json", gradescope.render(sample_report()))


def test_gradescope_schema_and_scores():
    report = sample_report()
    data = parse_gradescope(gradescope.render(report))
    assert set(data) == TOP_KEYS
    assert data["score"] == report.score
    assert data["output_format"] == "text"
    assert data["visibility"] == "visible"
    assert data["extra_data"] == {"max_score": 62.5, "seed": 0, "grader_version": "0.1.0"}
    assert data["output"].startswith("Score: 9.5 / 62.5 (2 of 7 exercises passed; seed 0).\n")
    assert "the .py was graded" in data["output"]

    tests = data["tests"]
    assert [t["name"] for t in tests] == [e.name for e in report.exercises]
    for test, exercise in zip(tests, report.exercises):
        assert set(test) == TEST_KEYS
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["score"] == exercise.score and test["max_score"] == exercise.max_score
        assert test["status"] == ("passed" if exercise.status == "passed" else "failed")
        assert test["output_format"] == "text" and test["visibility"] == "visible"
        assert test["tags"] == [exercise.module]
        diagnoses = [d.id for d in exercise.diagnoses]
        assert test["extra_data"] == {"status": exercise.status, "diagnoses": diagnoses}
        assert isinstance(test["output"], str) and test["output"]
    assert sum(t["score"] for t in tests) == pytest.approx(report.score)
    assert sum(t["max_score"] for t in tests) == pytest.approx(report.max_score)
    assert [t["number"] for t in tests] == ["1.1", "1.2", "2.1", "3.1", "4.1", "3.2", "5.1"]


def test_gradescope_test_output():
    tests = {t["name"]: t for t in parse_gradescope(gradescope.render(sample_report()))["tests"]}
    out = tests["backward.backward"]["output"]
    assert out.startswith("Status: error\n\nbackward raised ValueError")
    assert "[FAIL] canonical 2-2-2: raised ValueError" in out
    assert "[NOT RUN] random shapes" in out
    assert "Known mistakes:\n  - transposed_weight_grad:" in out
    assert out.endswith(
        "Your code printed:\n"
        "epoch 1\\x00\\x07 loss=0.5\nbell\\x1b[31mred\\x1b[0m ]]> <b>&amp;</b> \\ud800 \\ufffe done"
    )
    assert "σ'(z)" in tests["activations.tanh_grad"]["output"]
    assert tests["chain_rule.composite"]["output"] == "Passed."
    assert tests["gradient_descent.num_iterations"]["output"].startswith(
        "Status: missing\n\nnum_iterations is still the stub"
    )
    assert tests["training.fit"]["output"].startswith("Status: timeout\n\n")
    assert tests["gradient_descent.num_batches"]["output"].startswith("Correct.")


def test_gradescope_non_finite_scores_stay_valid_json():
    report = Report(
        score=float("nan"),
        max_score=float("inf"),
        seed=1,
        exercises=(ExerciseResult("forward.forward", "error", float("nan"), 10, "boom"),),
    )
    data = parse_gradescope(gradescope.render(report))
    assert data["score"] == 0.0 and data["tests"][0]["score"] == 0.0
    assert all(math.isfinite(v) for v in (data["extra_data"]["max_score"], data["tests"][0]["max_score"]))


def test_gradescope_empty_report():
    data = parse_gradescope(gradescope.render(Report(score=0, max_score=0, seed=0, exercises=())))
    assert data["tests"] == [] and data["score"] == 0.0
    assert data["output"].startswith("Score: 0 / 0 (0 of 0 exercises passed")
