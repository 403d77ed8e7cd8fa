"""The worked example of docs/authoring.md: an instructor's exercise plugin, end to end.

The plugin (examples/leaky-relu) is registered the way pip would register it:
a .dist-info folder with an entry_points.txt on sys.path.
"""

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import api, registry
from grader.cli import main
from grader.errors import GraderError

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "leaky-relu"

CORRECT = """
import numpy as np

def leaky_relu(z, slope=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, slope * z)

def leaky_relu_grad(z, slope=0.01):
    return np.where(np.asarray(z, dtype=float) > 0, 1.0, slope)
"""


def install(site: Path, entry: str = "leaky = grader_leaky_relu:EXERCISES") -> None:
    shutil.copy(EXAMPLE / "grader_leaky_relu.py", site / "grader_leaky_relu.py")
    info = site / "grader_leaky_relu-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: grader-leaky-relu\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[backprop_grader.exercises]\n{entry}\n")


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    install(site)
    monkeypatch.syspath_prepend(str(site))
    registry.exercises.cache_clear()
    yield site
    registry.exercises.cache_clear()


def submission(tmp_path, source: str) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "leaky.py").write_text(source)
    return folder


def test_a_registered_exercise_is_listed_with_its_points(plugin):
    result = CliRunner().invoke(main, ["list"])
    assert "leaky.leaky_relu                   2\n" in result.output
    assert "leaky.leaky_relu_grad              3\n" in result.output
    assert result.output.endswith("total                            105\n")


def test_a_correct_leaky_module_passes(plugin, tmp_path):
    report = api.check(submission(tmp_path, CORRECT), only=("leaky",), examples=10)
    assert [(e.name, e.status) for e in report.exercises] == [
        ("leaky.leaky_relu", "passed"),
        ("leaky.leaky_relu_grad", "passed"),
    ]


def test_the_derivative_at_zero_is_caught(plugin, tmp_path):
    wrong = CORRECT.replace("np.asarray(z, dtype=float) > 0, 1.0", "np.asarray(z, dtype=float) >= 0, 1.0")
    report = api.check(submission(tmp_path, wrong), only=("leaky",), examples=10)
    statuses = {e.name: e.status for e in report.exercises}
    assert statuses == {"leaky.leaky_relu": "passed", "leaky.leaky_relu_grad": "failed"}
    grad = report.exercises[1]
    assert grad.checks[0].name == "z = 0" and not grad.checks[0].passed


def test_selfcheck_kills_every_mutant_of_the_plugin(plugin):
    result = CliRunner().invoke(main, ["selfcheck", "--only", "leaky", "--examples", "10"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("reference passes 2/2 exercises; 4/4 mutants killed\n")
    assert "  relu_instead   .   X   X   X   X   ok\n" in result.output


def test_a_surviving_mutant_fails_the_selfcheck(plugin, monkeypatch):
    import grader_leaky_relu as example

    harmless = ("no_op", example.leaky_relu)  # the reference itself: no check can catch it
    first = example.EXERCISES[0]
    patched = [dataclasses.replace(first, mutants=first.mutants + (harmless,)), *example.EXERCISES[1:]]
    monkeypatch.setattr(example, "EXERCISES", patched)
    registry.exercises.cache_clear()
    result = CliRunner().invoke(main, ["selfcheck", "--only", "leaky.leaky_relu", "--examples", "5"])
    assert result.exit_code == 1
    assert "  no_op          .   .   .   .   .   SURVIVES\n" in result.output


def test_a_plugin_in_the_wrong_module_is_refused(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    install(site, "losses = grader_leaky_relu:EXERCISES")
    monkeypatch.syspath_prepend(str(site))
    registry.exercises.cache_clear()
    try:
        with pytest.raises(GraderError, match="leaky.leaky_relu must live in module 'losses'"):
            registry.exercises()
        result = CliRunner().invoke(main, ["list"])
        assert result.exit_code == 2
        assert "Traceback" not in result.output
    finally:
        registry.exercises.cache_clear()


def test_the_selfcheck_passes_the_reference_and_kills_every_known_mutant_of_the_built_in_exercises():
    rows, text = api.selfcheck(examples=5)
    wrong = [(row.exercise, row.mutant) for row in rows if not row.as_expected]
    assert wrong == []
    assert len([row for row in rows if row.mutant == "reference"]) == 20  # torch_net needs a torch process
    mutants = {row.mutant.split(":")[0] for row in rows if row.mutant != "reference"}
    assert {"stale_weights", "batch_mean", "sgd_ascent", "chain_reciprocal_sign", "numerical_gradient"} <= mutants
    assert text.endswith(f"reference passes 20/20 exercises; {len(rows) - 20}/{len(rows) - 20} mutants killed\n")
