"""The command line through click's CliRunner: exact texts, exit codes, files written, bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from conftest import student_source
from grader.cli import main
from grader.model import STATUSES

FAST = ("--examples", "10")

LIST = """\
gradient_descent.num_batches       3
gradient_descent.num_iterations    3
gradient_descent.sgd_update        4
chain_rule.composite               3
chain_rule.local_derivatives       5
chain_rule.composite_grad          5
activations.sigmoid                2
activations.tanh                   2
activations.relu                   2
activations.sigmoid_grad           3
activations.tanh_grad              3
activations.relu_grad              3
forward.linear_forward             4
forward.forward                    6
forward.half_sse                   3
backward.linear_backward           8
backward.activation_backward       6
backward.backward                 12
training.train_step                8
training.fit                       8
torch_net.make_net                 3
torch_net.torch_train_step         4
total                            100
"""


def invoke(runner, *args):
    return runner.invoke(main, [str(arg) for arg in args])


def assert_clean_exit(result, code: int) -> None:
    """Exited through sys.exit with `code`, and no traceback anywhere."""
    assert result.exit_code == code, result.output
    if code:
        assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_list_shows_every_exercise_and_a_total_of_100(runner):
    result = invoke(runner, "list")
    assert_clean_exit(result, 0)
    assert result.stdout == LIST
    assert sum(float(line.split()[1]) for line in LIST.splitlines()[:-1]) == 100


def test_check_reference_exits_0_with_the_summary_line(runner, submissions):
    result = invoke(runner, "check", submissions.folder(), *FAST)
    assert_clean_exit(result, 0)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["exercise", "status", "points"]
    assert len(lines) == 1 + 22 + 2
    assert lines[-2] == "109 checks passed, 0 failed, 0 not run"
    assert lines[-1] == "Score: 100/100 (22 passed; seed 0)"
    assert result.stderr == ""


def test_check_text_report_of_one_module_exactly(runner, submissions):
    result = invoke(runner, "check", submissions.folder(), "--only", "chain_rule", *FAST)
    assert_clean_exit(result, 0)
    assert result.stdout == (
        "exercise                      status     points\n"
        "chain_rule.composite          ok           3/3\n"
        "chain_rule.local_derivatives  ok           5/5\n"
        "chain_rule.composite_grad     ok           5/5\n"
        "12 checks passed, 0 failed, 0 not run\n"
        "Score: 13/13 (3 passed; seed 0)\n"
    )


def test_check_stubs_exits_1(runner, submissions):
    result = invoke(runner, "check", submissions.stubs(), *FAST)
    assert_clean_exit(result, 1)
    assert result.stdout.splitlines()[-1] == "Score: 0/100 (22 missing; seed 0)"
    assert result.stderr == ""


def test_check_failing_submission_names_the_failure_in_text(runner, submissions):
    result = invoke(runner, "check", submissions.folder("training__shuffled_batches"), "--only", "training", *FAST)
    assert_clean_exit(result, 1)
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["training.train_step", "ok", "8/8"]
    assert lines[2].split() == ["training.fit", "FAIL", "0/8"]
    assert lines[3].startswith("    7 samples in batches of 3 (last batch partial), 3 outputs: ")
    assert lines[-1] == "Score: 8/16 (1 passed, 1 failed; seed 0)"


def test_json_report_has_the_contract_keys(runner, submissions):
    folder = submissions.folder("backward__transposed_weight_grad")
    result = invoke(runner, "check", folder, "--only", "backward", "--format", "json", *FAST)
    assert_clean_exit(result, 1)
    data = json.loads(result.stdout)
    assert {"score", "max_score", "seed", "exercises"} <= data.keys()
    assert (data["score"], data["max_score"], data["seed"]) == (6, 26, 0)
    assert [e["name"] for e in data["exercises"]] == [
        "backward.linear_backward", "backward.activation_backward", "backward.backward",
    ]
    for exercise in data["exercises"]:
        assert {"name", "status", "score", "max_score", "feedback", "checks", "diagnoses"} <= exercise.keys()
        assert exercise["status"] in STATUSES
        assert isinstance(exercise["feedback"], str) and exercise["feedback"]
        assert exercise["checks"]
        for check in exercise["checks"]:
            assert {"name", "passed", "message"} <= check.keys()
            assert isinstance(check["passed"], bool)
        for diagnosis in exercise["diagnoses"]:
            assert {"id", "message"} <= diagnosis.keys()
    assert [e["status"] for e in data["exercises"]] == ["error", "passed", "error"]
    assert not any(c["passed"] for c in data["exercises"][0]["checks"][:2])


def test_options_reach_the_report(runner, submissions):
    folder = submissions.folder(modules=("chain_rule",))
    result = invoke(runner, "check", folder, "--only", "chain_rule.composite", "--seed", "7", "--examples", "3",
                    "--format", "json")
    assert_clean_exit(result, 0)
    data = json.loads(result.stdout)
    assert data["seed"] == 7
    assert [e["name"] for e in data["exercises"]] == ["chain_rule.composite"]
    assert data["exercises"][0]["checks"][-1]["name"] == "3 generated cases"


def test_output_writes_the_file_and_prints_nothing(runner, submissions, tmp_path):
    target = tmp_path / "report.json"
    result = invoke(runner, "check", submissions.folder(), "--only", "forward", "--format", "json", "--output", target,
                    *FAST)
    assert_clean_exit(result, 0)
    assert result.output == ""
    assert json.loads(target.read_text(encoding="utf-8"))["score"] == 13
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["report.json"]  # no temporary left


def test_two_reports_from_one_run_and_a_third_on_stdout(runner, submissions, tmp_path):
    folder = submissions.folder("forward__loss_mean")
    result = invoke(
        runner, "check", folder, "--only", "forward",
        "--format", "json", "--output", tmp_path / "report.json",
        "--format", "junit", "--output", tmp_path / "report.xml",
        "--format", "text", *FAST,
    )
    assert_clean_exit(result, 1)
    assert result.stdout.splitlines()[-1] == "Score: 10/13 (2 passed, 1 failed; seed 0)"
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in data["exercises"]] == ["passed", "passed", "failed"]
    ElementTree.fromstring((tmp_path / "report.xml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("fail_under", "code"), [(None, 1), ("8", 0), ("7.5", 0), ("8.5", 1), ("100", 1)])
def test_fail_under(runner, submissions, fail_under, code):
    folder = submissions.folder("training__shuffled_batches")  # train_step passes (8), fit fails
    extra = ("--fail-under", fail_under) if fail_under else ()
    result = invoke(runner, "check", folder, "--only", "training", *extra, *FAST)
    assert_clean_exit(result, code)
    assert result.stdout.splitlines()[-1] == "Score: 8/16 (1 passed, 1 failed; seed 0)"


MARKER = "chatty-student-output"


def test_what_the_student_prints_never_reaches_the_report_stream(runner, submissions):
    source = student_source("chain_rule").replace(
        "    h1 = w * x\n", f"    print('{MARKER}' * 50)\n    print('{{\"score\": 100}}')\n    h1 = w * x\n"
    )
    chatty = f"print('{MARKER} at import')\n" + source
    folder = submissions.folder(modules=("chain_rule",), replace={"chain_rule": chatty})
    result = invoke(runner, "check", folder, "--only", "chain_rule", "--format", "json", *FAST)
    assert_clean_exit(result, 0)
    data = json.loads(result.stdout)  # nothing else on stdout
    assert result.stderr == ""
    outputs = "".join(e["output"] for e in data["exercises"])
    assert MARKER in outputs
    assert result.stdout.count(MARKER) == json.dumps(outputs).count(MARKER)


# --- input the grader cannot use ------------------------------------------------------------


def bad_inputs(tmp_path: Path) -> dict[str, tuple[list, str]]:
    """name -> (arguments, exact stderr)."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    folder = tmp_path / "ok"
    folder.mkdir()
    (folder / "chain_rule.py").write_text(student_source("chain_rule"), encoding="utf-8")
    return {
        "missing path": ([tmp_path / "nowhere"], f"grader: {tmp_path / 'nowhere'}: no such file or directory\n"),
        "empty folder": (
            [tmp_path / "empty"], f"grader: {tmp_path / 'empty'}: no exercise module found (the folder is empty)\n"
        ),
        "unknown --only": (
            [folder, "--only", "chain_rule", "--only", "backprop"],
            "grader: unknown exercise or module 'backprop' for --only (try 'grader list')\n",
        ),
        "corrupt zip": ([tmp_path / "broken.zip"], f"grader: {tmp_path / 'broken.zip'}: not a valid zip file\n"),
        "notebook not JSON": (
            [tmp_path / "broken.ipynb"],
            f"grader: {tmp_path / 'broken.ipynb'}: not a valid notebook (not JSON: Expecting property name"
            " enclosed in double quotes: line 1 column 2 (char 1))\n",
        ),
        "--examples 0": ([folder, "--examples", "0"], "grader: --examples must be at least 1, got 0\n"),
    }


@pytest.mark.parametrize(
    "name", ["missing path", "empty folder", "unknown --only", "corrupt zip", "notebook not JSON", "--examples 0"]
)
def test_unusable_input_exits_2_with_one_line(runner, tmp_path, name):
    args, message = bad_inputs(tmp_path)[name]
    result = invoke(runner, "check", *args)
    assert_clean_exit(result, 2)
    assert result.stdout == ""
    assert result.stderr == message


# Usage errors, click's own included, are one line on stderr like every other error.
HELP = " (try 'grader check --help')"
USAGE_ERRORS = {
    "--timeout 0": (["--timeout", "0"], "grader: --timeout must be more than 0 and at most 60 seconds, got 0" + HELP),
    "--timeout 100": (
        ["--timeout", "100"], "grader: --timeout must be more than 0 and at most 60 seconds, got 100" + HELP
    ),
    "--memory lots": (
        ["--memory", "lots"], "grader: Invalid value for '--memory': 'lots' is not a size such as 2G or 512M" + HELP
    ),
    "--memory 0": (["--memory", "0"], "grader: Invalid value for '--memory': '0' is not more than 0" + HELP),
    "two formats, no output": (
        ["--format", "json", "--format", "text"],
        "grader: give one --output per --format (one format may go to standard output)" + HELP,
    ),
}


@pytest.mark.parametrize("name", sorted(USAGE_ERRORS))
def test_bad_options_exit_2_before_grading(runner, submissions, name):
    args, last_line = USAGE_ERRORS[name]
    result = invoke(runner, "check", submissions.folder(modules=("chain_rule",)), *args)
    assert_clean_exit(result, 2)
    assert result.stdout == ""
    assert result.stderr == last_line + "\n"


def test_output_that_cannot_be_written_exits_2_with_one_line(runner, submissions, tmp_path):
    target = tmp_path / "no such folder" / "report.json"
    result = invoke(runner, "check", submissions.folder(modules=("chain_rule",)), "--format", "json",
                    "--output", target, *FAST)
    assert_clean_exit(result, 2)
    assert result.stderr == f"grader: --output {target}: no folder {target.parent}{HELP}\n"


def test_a_memory_limit_numpy_cannot_load_in_is_one_line_that_names_the_limit(runner, submissions):
    result = invoke(runner, "check", submissions.folder(modules=("chain_rule",)), "--memory", "50M", *FAST)
    assert_clean_exit(result, 2)
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("grader: the process sandbox cannot run the worker here: ")
    assert "the memory limit is 50M (--memory): numpy needs about 100M" in result.stderr
