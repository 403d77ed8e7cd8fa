"""`grader ci init`: the GitHub Actions and GitLab CI workflows parse, and their commands run.

Golden files live in tests/golden/; run with UPDATE_GOLDEN=1 to rewrite them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import check_golden
from grader import templates
from grader.cli import main
from grader.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "backprop-grader==0.1.0"


def github_steps(text: str) -> list[dict]:
    data = yaml.safe_load(text)
    assert set(data) == {"name", True, "permissions", "jobs"}  # YAML 1.1 reads the key `on` as True
    assert data[True] == ["push", "pull_request", "workflow_dispatch"]
    return data["jobs"]["grade"]["steps"]


def test_github_workflow_golden():
    check_golden("workflow.github.yml", templates.github(source=SOURCE, fail_under=60))


def test_gitlab_workflow_golden():
    check_golden("workflow.gitlab.yml", templates.gitlab(source=SOURCE, fail_under=60))


def test_github_workflow_installs_grades_publishes():
    steps = github_steps(templates.github(source=SOURCE, fail_under=60))
    assert [s.get("uses", s.get("name")) for s in steps] == [
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "Install the grader",
        "Grade",
        "Publish the report",
        "actions/upload-artifact@v4",
    ]
    assert steps[2]["run"].splitlines() == [
        "python -m pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu",
        "python -m pip install backprop-grader==0.1.0",
    ]
    assert steps[3]["run"] == (
        "grader check exercises/ --format junit --output grader-report.xml --format text"
        " --output grader-report.txt --format text --fail-under 60"
    )
    assert steps[4]["if"] == steps[5]["if"] == "always()"
    assert "$GITHUB_STEP_SUMMARY" in steps[4]["run"]
    assert steps[5]["with"]["path"].split() == ["grader-report.xml", "grader-report.txt"]


def test_gitlab_job_keeps_the_junit_report():
    job = yaml.safe_load(templates.gitlab(source=SOURCE))["grade"]
    assert job["script"][-1] == (
        "grader check exercises/ --format junit --output grader-report.xml --format text"
        " --output grader-report.txt --format text"
    )
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"] == {"junit": "grader-report.xml"}


@pytest.mark.parametrize(
    "source",
    [
        "git+https://gitlab.com/course/grader.git@v1#egg=backprop-grader",
        "backprop-grader[dask]>=0.1,<1; python_version >= '3.10'",
        "it's: # not a comment",
    ],
)
def test_any_install_source_survives_yaml_and_the_shell(source):
    for text in (templates.github(source=source), templates.gitlab(source=source)):
        data = yaml.safe_load(text)
        commands = (
            data["grade"]["script"]
            if "grade" in data
            else data["jobs"]["grade"]["steps"][2]["run"].splitlines()
        )
        words = subprocess.run(
            ["bash", "-c", f"printf '%s\\n' {commands[1].removeprefix('python -m pip install ')}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert words == source + "\n"


def test_a_source_with_a_newline_is_refused():
    with pytest.raises(UsageError, match="is not a pip requirement"):
        templates.github(source="x\nrun: evil")


@pytest.mark.parametrize("fail_under, code", [(None, 1), (0, 0), (100, 1)])
def test_the_grade_command_runs_and_fails_below_the_threshold(tmp_path, fail_under, code):
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    step = github_steps(templates.github(source=SOURCE, fail_under=fail_under))[3]["run"]
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", f"{step} --only gradient_descent"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert ET.parse(tmp_path / "grader-report.xml").getroot().tag == "testsuites"
    text = (tmp_path / "grader-report.txt").read_text(encoding="utf-8")
    assert text == done.stdout and text.splitlines()[-1].startswith("Score: 0/")


def test_ci_init_writes_the_default_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["ci", "init", "github", "--fail-under", "50", "--from", SOURCE])
    assert (result.exit_code, result.stdout) == (0, "wrote .github/workflows/grader.yml\n")
    assert (tmp_path / ".github/workflows/grader.yml").read_text() == templates.github(
        source=SOURCE, fail_under=50
    )
    result = runner.invoke(main, ["ci", "init", "gitlab"])
    assert (result.exit_code, result.stdout) == (0, "wrote .gitlab-ci.yml\n")
    assert f"backprop-grader=={templates.api.grader_version()}" in (tmp_path / ".gitlab-ci.yml").read_text()


def test_ci_init_does_not_overwrite_without_force(tmp_path):
    target = tmp_path / "ci.yml"
    target.write_text("mine")
    runner = CliRunner()
    result = runner.invoke(main, ["ci", "init", "gitlab", "--out", str(target)])
    assert (result.exit_code, result.stderr) == (2, f"grader: {target} exists; use --force to replace it\n")
    assert target.read_text() == "mine"
    result = runner.invoke(main, ["ci", "init", "gitlab", "--out", str(target), "--force"])
    assert result.exit_code == 0 and target.read_text().startswith("# Grades exercises/")
