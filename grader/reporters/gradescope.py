"""Gradescope autograder ``results.json``.

Gradescope reads ``/autograder/results/results.json`` (see "Autograder
Specifications" in Gradescope's autograder documentation). This reporter
writes:

- top level: ``score`` (the report's score; Gradescope takes it over the sum
  of the tests), ``output`` (a summary line, then the report's notes),
  ``output_format``, ``visibility``, ``extra_data`` and ``tests``.
  Gradescope has no top-level ``max_score``: the assignment's total is set in
  Gradescope itself, so it should equal the report's ``max_score``; the
  summary line and ``extra_data`` carry it.
- one test per exercise, in report order: ``name`` (``module.function``),
  ``number`` (``<module index>.<function index>``, both from 1, so Gradescope
  groups an exercise's functions), ``score``, ``max_score``, ``status``
  (``"passed"`` iff the exercise passed, else ``"failed"``: Gradescope knows
  no other status, so partial credit still shows as failed), ``output``,
  ``output_format``, ``tags`` (the module), ``visibility`` and ``extra_data``
  (the grader's own status and the diagnosis ids, for instructors' exports).

Formats: every ``output`` is ``"text"``, shown verbatim in a ``<pre>``.
Not ``"md"`` nor ``"html"``: feedback quotes arrays and formulas
(``x.T @ dz``, ``*``, ``_``) that Markdown would mangle, and the student's
printed output must never be rendered as markup. The top-level format is set
explicitly because Gradescope's default there (``simple_format``) renders
HTML.

A test's ``output`` is, for an exercise that did not pass, a first line
naming the grader's status (``Status: timeout``; Gradescope itself only shows
passed or failed), then the exercise's feedback, one line per check
(``[PASS]``, ``[FAIL]``, ``[NOT RUN]``), the known mistakes, and, when the
student's code printed anything, that output under a heading of its own.

Everything is visible to students (``"visibility": "visible"``); an instructor
who wants otherwise edits the JSON or sets it in Gradescope.

Text a student reads (headings, the summary line) is in the report's
language; `status` and the ids in ``extra_data`` are the report's own.

The output is reproducible (no execution time, no timestamps) and strict JSON:
scores are finite floats (a non-finite score, which the engine should never
produce, is written as 0 rather than as the non-standard ``NaN``), and
control characters are written as visible escapes (as in the JUnit reporter),
so databases that refuse ``\\u0000`` accept the file. Non-ASCII characters
are ``\\u`` escapes, so the document is pure ASCII and any output encoding
writes it. `render` returns the document ending in a newline.
"""

from __future__ import annotations

import json
import math

from grader.i18n import _, known, ngettext, using
from grader.model import STATUS_NAMES, ExerciseResult, Report
from grader.reporters.junit import clean_text, exercise_details, format_number

OUTPUT_FORMAT = "text"
VISIBILITY = "visible"


def _points(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


def _test_output(exercise: ExerciseResult) -> str:
    # Gradescope knows only passed/failed: name the grader's own status first.
    parts = [] if exercise.status == "passed" else [_("Status: {status}").format(status=_(STATUS_NAMES.get(exercise.status, exercise.status)))]
    details = exercise_details(exercise)
    if details:
        parts.append(details)
    text = "\n\n".join(parts) or _("Passed.")
    if exercise.output:
        printed = exercise.output.rstrip("\n")
        text += "\n\n" + "\n".join([_("Your code printed:"), printed])
    return clean_text(text)


def _summary(report: Report) -> str:
    passed = sum(e.status == "passed" for e in report.exercises)
    total = len(report.exercises)
    line = ngettext(
        "Score: {score} / {max_score} ({passed} of {total} exercise passed; seed {seed}).",
        "Score: {score} / {max_score} ({passed} of {total} exercises passed; seed {seed}).",
        total,
    ).format(
        score=format_number(_points(report.score)),
        max_score=format_number(_points(report.max_score)),
        passed=passed,
        total=total,
        seed=report.seed,
    )
    return clean_text("\n".join([line, *report.notes]))


def _tests(report: Report) -> list[dict]:
    modules: dict[str, int] = {}
    functions: dict[str, int] = {}
    tests = []
    for exercise in report.exercises:
        module = exercise.module
        module_number = modules.setdefault(module, len(modules) + 1)
        functions[module] = functions.get(module, 0) + 1
        tests.append(
            {
                "name": clean_text(exercise.name),
                "number": f"{module_number}.{functions[module]}",
                "score": _points(exercise.score),
                "max_score": _points(exercise.max_score),
                "status": "passed" if exercise.status == "passed" else "failed",
                "output": _test_output(exercise),
                "output_format": OUTPUT_FORMAT,
                "tags": [clean_text(module)],
                "visibility": VISIBILITY,
                "extra_data": {
                    "status": clean_text(exercise.status),
                    "diagnoses": [clean_text(d.id) for d in exercise.diagnoses],
                },
            }
        )
    return tests


def render(report: Report) -> str:
    """The report as Gradescope's results.json (a string ending in a newline)."""
    with using(known(report.lang)):
        return rendered(report)


def rendered(report: Report) -> str:
    extra = {"max_score": _points(report.max_score), "seed": int(report.seed)}
    if report.grader_version:
        extra["grader_version"] = clean_text(report.grader_version)
    document = {
        "score": _points(report.score),
        "output": _summary(report),
        "output_format": OUTPUT_FORMAT,
        "visibility": VISIBILITY,
        "extra_data": extra,
        "tests": _tests(report),
    }
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=True, allow_nan=False) + "\n"
