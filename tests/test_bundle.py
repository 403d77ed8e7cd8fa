"""`grader gradescope bundle`: the zip, and its scripts run in a fake /autograder tree.

setup.sh runs with GRADER_PIP set to an echo (no network, nothing installed);
run_autograder runs this grader. Golden files live in tests/golden/; run with
UPDATE_GOLDEN=1 to rewrite them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import check_golden
from grader.bundle import run_script, setup_script, write_bundle
from grader.cli import main
from grader.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent


def test_setup_script_golden():
    check_golden("gradescope.setup.sh", setup_script("'backprop-grader==0.1.0'"))


def test_run_script_golden():
    check_golden("gradescope.run_autograder", run_script(("forward",)))


def autograder(tmp_path: Path, **options) -> Path:
    """A fake /autograder: the bundle unpacked in source/, run_autograder beside it, an empty submission/."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    bundle = write_bundle(tmp_path / "autograder.zip", **options)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():
            os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root


@pytest.fixture
def grader(tmp_path) -> str:
    """The grader command, running this repository's code."""
    path = tmp_path / "bin" / "grader"
    path.parent.mkdir()
    path.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m grader "$@"\n')
    path.chmod(0o755)
    return str(path)


def run(root: Path, script: Path, **environment) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), **environment}
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, check=False, timeout=120)


def student_forward(folder: Path) -> None:
    for module in ("activations", "forward"):
        text = (ROOT / "reference" / f"{module}.py").read_text(encoding="utf-8")
        (folder / f"{module}.py").write_text(
            re.sub(r"^from \.(\w+) import", r"from \1 import", text, flags=re.M)
        )


def results(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_the_zip_holds_executable_scripts_and_is_reproducible(tmp_path):
    first = write_bundle(tmp_path / "a.zip", only=("forward",))
    second = write_bundle(tmp_path / "b.zip", only=("forward",))
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert [(i.filename, oct(i.external_attr >> 16)) for i in archive.infolist()] == [
            ("setup.sh", "0o100755"),
            ("run_autograder", "0o100755"),
        ]
        assert archive.read("run_autograder").decode() == run_script(("forward",))
    assert not list(tmp_path.glob(".*.tmp"))


def test_setup_installs_cpu_torch_then_the_grader(tmp_path):
    root = autograder(tmp_path)
    done = run(root, root / "source" / "setup.sh", GRADER_PIP="echo pip")
    assert done.returncode == 0, done.stderr
    from grader.api import grader_version

    assert done.stdout.splitlines() == [
        "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu",
        f"pip install backprop-grader=={grader_version()}",
    ]


def test_setup_installs_a_shipped_wheel_from_the_source_folder(tmp_path):
    wheel = tmp_path / "backprop_grader-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    root = autograder(tmp_path, source=str(wheel))
    assert (root / "source" / wheel.name).read_bytes() == b"a wheel"
    done = run(root, root / "source" / "setup.sh", GRADER_PIP="echo pip")
    assert done.stdout.splitlines()[-1] == f"pip install {root}/source/{wheel.name}"


def test_setup_fails_when_an_install_fails(tmp_path):
    root = autograder(tmp_path)
    assert run(root, root / "source" / "setup.sh", GRADER_PIP="false").returncode != 0


def test_run_autograder_grades_the_submission(tmp_path, grader):
    root = autograder(tmp_path, only=("forward",))
    student_forward(root / "submission")
    done = run(root, root / "run_autograder", GRADER=grader)
    assert done.returncode == 0, done.stderr
    data = results(root)
    assert data["score"] == 13.0
    assert [(t["name"], t["status"]) for t in data["tests"]] == [
        ("forward.linear_forward", "passed"),
        ("forward.forward", "passed"),
        ("forward.half_sse", "passed"),
    ]
    assert "Score: 13/13" in done.stdout


def test_an_unreadable_submission_still_gets_results(tmp_path, grader):
    root = autograder(tmp_path, only=("forward",))
    (root / "submission" / "notes.txt").write_text("no code here")
    done = run(root, root / "run_autograder", GRADER=grader)
    assert done.returncode == 0
    data = results(root)
    assert data["score"] == 0.0 and data["tests"] == []
    assert data["output"].startswith(f"Your submission could not be graded.\ngrader: {root}/submission: ")
    assert done.stderr.startswith(f"grader: {root}/submission: ")


def test_a_broken_install_still_gets_results(tmp_path):
    root = autograder(tmp_path)
    done = run(root, root / "run_autograder", GRADER=str(tmp_path / "nowhere"))
    assert done.returncode == 0
    assert results(root)["score"] == 0.0
    assert "nowhere" in results(root)["output"]


@pytest.mark.parametrize(
    "source, message",
    [
        (
            "dist/backprop_grader-9.9-py3-none-any.whl",
            "--from dist/backprop_grader-9.9-py3-none-any.whl: no such file",
        ),
        (".", "--from .: a folder; build a wheel (python -m build) and give its path"),
        ("x\ny", "--from 'x\\ny' is not a pip requirement, URL or file"),
    ],
)
def test_bad_sources(tmp_path, monkeypatch, source, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as error:
        write_bundle(tmp_path / "a.zip", source=source)
    assert str(error.value) == message
    assert not (tmp_path / "a.zip").exists()


def test_bundle_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "autograder.zip"
    result = runner.invoke(main, ["gradescope", "bundle", "--out", str(out), "--only", "forward"])
    assert (result.exit_code, result.stdout) == (
        0,
        f"wrote {out}: upload it as the assignment's autograder (configuration: zip file upload)\n",
    )
    result = runner.invoke(main, ["gradescope", "bundle", "--out", str(out), "--only", "nope"])
    assert (result.exit_code, result.stderr) == (
        2,
        "grader: unknown exercise or module 'nope' for --only (try 'grader list')\n",
    )
