"""JUnit XML report, for CI systems (GitHub Actions, GitLab, Jenkins, ...).

Layout::

    <testsuites name="backprop-grader" tests=".." failures=".." errors="..">
      <testsuite name="<module>" tests=".." failures=".." errors="..">
        <properties>   score, max_score of the module; seed; grader_version
        <testcase classname="<module>" name="<function>">
          <properties>   score, max_score, status of the exercise
          <failure|error message="<status>: <first line of feedback>" type="<status>">
              feedback, one line per check, the diagnoses
          </failure|error>
          <system-out>   what the student's code printed (only when non-empty)

How each status maps:

- ``passed``: a bare test case (no child element but its properties).
- ``failed``, ``forbidden``: ``<failure>``.
- ``missing``: ``<failure type="missing">``, *not* ``<skipped>``. Most CI
  systems show skipped tests as green or neutral, and an exercise the student
  has not written has not earned its points: it must not look like a pass.
- ``error``, ``timeout``: ``<error>``.

So ``failures + errors`` of the root is the number of exercises that did not
pass, and a CI job that fails on any JUnit failure or error fails exactly when
``grader check`` exits 1 without ``--fail-under``.

Partial credit is not visible in JUnit's pass/fail model: it is in each test
case's ``score`` and ``max_score`` properties.

The output is reproducible: no timestamps, no durations, no host name;
attributes are written in a fixed order; suites come in the order of their
first exercise in the report and test cases in report order.

XML 1.0 cannot hold most control characters at all (not even escaped), and
student output may contain any of them (``\\x00``, ANSI colour codes ``\\x1b``,
...). Every string is therefore passed through `clean_text`, which writes such
a character as a visible escape (``\\x00``, ``\\x1b``, ``\\udc80``) and turns
``\\r\\n`` and lone ``\\r`` into ``\\n``. ``]]>`` and markup characters need no
care: ElementTree escapes them (no CDATA sections are used).

`render` returns the whole document, XML declaration included, ending in a
newline; write it as UTF-8, unchanged. The text a person reads (the checks'
marks, headings) is in the report's language; statuses, names and
properties are the report's ids, whatever the language.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from grader.i18n import _, known, ngettext, using
from grader.model import Check, ExerciseResult, Report

SUITES_NAME = "backprop-grader"

FAILURE_STATUSES = ("failed", "forbidden", "missing")
ERROR_STATUSES = ("error", "timeout")

# Characters XML 1.0 does not allow (its `Char` production), plus lone
# surrogates, which cannot be encoded as UTF-8 either.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_text(text: object) -> str:
    """`text` as a string that XML 1.0 (and any strict JSON consumer) accepts.

    Newlines are normalised to ``\\n``; every other character XML 1.0 forbids
    is replaced by a visible escape such as ``\\x00``. Deterministic, and a
    no-op on ordinary text.
    """
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML_CHAR.sub(_escape_char, text)


def format_number(value: float) -> str:
    """A score as text: ``15`` for integral values, else the shortest repr."""
    value = float(value)
    if math.isfinite(value) and value.is_integer():
        return str(int(value))
    return repr(value)


def check_line(check: Check) -> str:
    """One line for one check: ``[PASS] name``, ``[FAIL] name: message``, ``[NOT RUN] ...``."""
    if not check.ran:
        mark = _("NOT RUN")
    elif check.passed:
        mark = _("PASS")
    else:
        mark = _("FAIL")
    line = f"[{mark}] {check.name}"
    if check.message:
        line += f": {check.message}"
    return line


def exercise_details(exercise: ExerciseResult) -> str:
    """Feedback, the checks and the diagnoses of one exercise as plain text.

    The student's captured output is not included: each format places it
    itself.
    """
    parts = []
    if exercise.feedback:
        parts.append(exercise.feedback.rstrip("\n"))
    if exercise.checks:
        parts.append("\n".join([_("Checks:"), *("  " + check_line(c) for c in exercise.checks)]))
    if exercise.diagnoses:
        title = ngettext("Known mistake:", "Known mistakes:", len(exercise.diagnoses))
        parts.append("\n".join([title, *(f"  - {d.id}: {d.message}" for d in exercise.diagnoses)]))
    return "\n\n".join(parts)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _function_name(exercise: ExerciseResult) -> str:
    module, _dot, function = exercise.name.partition(".")
    return function or module


def _properties(parent: ET.Element, items: list[tuple[str, str]]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in items:
        ET.SubElement(props, "property", {"name": name, "value": clean_text(value)})


def _counts(exercises: list[ExerciseResult]) -> dict[str, str]:
    return {
        "tests": str(len(exercises)),
        "failures": str(sum(e.status in FAILURE_STATUSES for e in exercises)),
        "errors": str(sum(e.status in ERROR_STATUSES for e in exercises)),
    }


def _testcase(suite: ET.Element, exercise: ExerciseResult) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {"classname": clean_text(exercise.module), "name": clean_text(_function_name(exercise))},
    )
    _properties(
        case,
        [
            ("score", format_number(exercise.score)),
            ("max_score", format_number(exercise.max_score)),
            ("status", exercise.status),
        ],
    )
    if exercise.status in FAILURE_STATUSES:
        tag = "failure"
    elif exercise.status in ERROR_STATUSES:
        tag = "error"
    elif exercise.status == "passed":
        tag = None
    else:  # an unknown status never reads as a pass
        tag = "error"
    if tag is not None:
        headline = _first_line(exercise.feedback)
        if exercise.status == "missing" and not headline:
            headline = _("not implemented")
        message = f"{exercise.status}: {headline}" if headline else exercise.status
        element = ET.SubElement(
            case, tag, {"message": clean_text(message), "type": clean_text(exercise.status)}
        )
        details = exercise_details(exercise)
        if details:
            element.text = clean_text(details)
    if exercise.output:
        ET.SubElement(case, "system-out").text = clean_text(exercise.output)


def render(report: Report) -> str:
    """The report as a JUnit XML document (a string ending in a newline)."""
    with using(known(report.lang)):
        return rendered(report)


def rendered(report: Report) -> str:
    modules: dict[str, list[ExerciseResult]] = {}
    for exercise in report.exercises:
        modules.setdefault(exercise.module, []).append(exercise)

    root = ET.Element("testsuites", {"name": SUITES_NAME, **_counts(list(report.exercises))})
    for module, exercises in modules.items():
        suite = ET.SubElement(root, "testsuite", {"name": clean_text(module), **_counts(exercises)})
        suite_props = [
            ("score", format_number(sum(e.score for e in exercises))),
            ("max_score", format_number(sum(e.max_score for e in exercises))),
            ("seed", str(report.seed)),
        ]
        if report.grader_version:
            suite_props.append(("grader_version", report.grader_version))
        _properties(suite, suite_props)
        for exercise in exercises:
            _testcase(suite, exercise)

    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
