"""CI workflows for a coursework repository: GitHub Actions and GitLab CI (`grader ci init`).

Each installs the CPU build of torch, then the grader, runs `grader check
exercises/` with a JUnit report and a text report, publishes them and fails
below the threshold (every exercise passed, or the score of `--fail-under`).
Values are written as single-quoted YAML scalars and shell words, so any
install source survives both.
"""

from __future__ import annotations

import os
import shlex

from . import api
from .errors import UsageError

TORCH_VERSION = "2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PYTHON_VERSION = "3.11"
SUBMISSION = "exercises/"
JUNIT_FILE = "grader-report.xml"
TEXT_FILE = "grader-report.txt"
DEFAULT_PATHS = {"github": ".github/workflows/grader.yml", "gitlab": ".gitlab-ci.yml"}


def default_source() -> str:
    """This grader's own release, as pip names it."""
    return f"backprop-grader=={api.grader_version()}"


def checked_source(source: str) -> str:
    if not source.strip() or any(ord(c) < 32 for c in source):
        raise UsageError(f"--from {source!r} is not a pip requirement, URL or file")
    return source


def yaml_quote(value: str) -> str:
    """A single-quoted YAML scalar: nothing in it is special but the quote, doubled."""
    return "'" + value.replace("'", "''") + "'"


def install_commands(source: str) -> list[str]:
    return [
        f"python -m pip install torch=={TORCH_VERSION} --index-url {TORCH_INDEX}",
        f"python -m pip install {shlex.quote(checked_source(source))}",
    ]


def check_command(fail_under: float | None) -> str:
    threshold = f" --fail-under {fail_under:g}" if fail_under is not None else ""
    # The text report twice: into a file to publish, and to standard output for the job's log.
    reports = f"--format junit --output {JUNIT_FILE} --format text --output {TEXT_FILE} --format text"
    return f"grader check {SUBMISSION} {reports}{threshold}"


def github(*, source: str, fail_under: float | None = None) -> str:
    """A GitHub Actions workflow; the text report goes to the job summary, both reports to an artifact."""
    install = "\n".join(f"          {command}" for command in install_commands(source))
    return f"""\
# Grades exercises/ on every push with backprop-grader (written by `grader ci init github`).
# The job fails when {threshold_words(fail_under)}.
name: grader
on: [push, pull_request, workflow_dispatch]
permissions:
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: {yaml_quote(PYTHON_VERSION)}
      - name: Install the grader
        run: |
{install}
      - name: Grade
        run: {yaml_quote(check_command(fail_under))}
      - name: Publish the report
        if: always()
        run: |
          if [ -f {TEXT_FILE} ]; then
            {{ echo '```text'; cat {TEXT_FILE}; echo '```'; }} >> "$GITHUB_STEP_SUMMARY"
          fi
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: grader-report
          path: |
            {JUNIT_FILE}
            {TEXT_FILE}
          if-no-files-found: ignore
"""


def gitlab(*, source: str, fail_under: float | None = None) -> str:
    """A GitLab CI job; its JUnit report is an artifact GitLab shows in the merge request."""
    script = "\n".join(f"    - {yaml_quote(command)}" for command in install_commands(source))
    return f"""\
# Grades exercises/ on every push with backprop-grader (written by `grader ci init gitlab`).
# The job fails when {threshold_words(fail_under)}.
grade:
  image: {yaml_quote(f"python:{PYTHON_VERSION}-slim")}
  timeout: 30 minutes
  script:
{script}
    - {yaml_quote(check_command(fail_under))}
  artifacts:
    when: always
    paths:
      - {JUNIT_FILE}
      - {TEXT_FILE}
    reports:
      junit: {JUNIT_FILE}
"""


def threshold_words(fail_under: float | None) -> str:
    if fail_under is None:
        return "any exercise does not pass"
    return f"the score is below {fail_under:g} of 100"


WORKFLOWS = {"github": github, "gitlab": gitlab}


def write_workflow(
    kind: str,
    *,
    out: str | os.PathLike | None = None,
    fail_under: float | None = None,
    source: str | None = None,
    force: bool = False,
) -> str:
    """Write the workflow of `kind` (github, gitlab) at `out`, by default where that CI looks for it."""
    path = os.fspath(out) if out is not None else DEFAULT_PATHS[kind]
    if os.path.exists(path) and not force:
        raise UsageError(f"{path} exists; use --force to replace it")
    text = WORKFLOWS[kind](source=source or default_source(), fail_under=fail_under)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    api.write_atomically(path, text)
    return path
