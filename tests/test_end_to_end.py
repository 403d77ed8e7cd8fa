"""Whole submissions through grader.api.check: the reference in every form, the stubs, classic mistakes, hostile code.

Each buggy submission is the reference with one file from tests/buggy/ swapped
in. A mistake costs the exercise it is in and every exercise whose function
calls it (a wrong sigmoid_grad also breaks activation_backward, backward,
train_step and fit); the tables below say which, and with which status.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from conftest import MODULES, buggy, buggy_names, student_source
from grader.api import check
from grader.reporters import reporter

FAST = {"examples": 10}
NUMPY_MODULES = MODULES[:-1]

# The modules whose functions call into each module (transitively), as the reference is written.
DOWNSTREAM = {
    "gradient_descent": ("training",),
    "chain_rule": (),
    "activations": ("forward", "backward", "training"),
    "forward": ("backward", "training"),
    "backward": ("training",),
    "training": (),
}


def statuses(report) -> dict[str, str]:
    return {e.name: e.status for e in report.exercises}


def not_passed(report) -> dict[str, str]:
    return {e.name: e.status for e in report.exercises if e.status != "passed"}


def exercise(report, name: str):
    return next(e for e in report.exercises if e.name == name)


def patched(module: str, old: str, new: str) -> dict[str, str]:
    """`replace=` for a submission: the reference `module` with one piece of text changed."""
    source = student_source(module)
    assert source.count(old) == 1, f"{old!r} is not once in {module}"
    return {module: source.replace(old, new)}


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below `folder`, hidden ones included, with size and mtime."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            status = path.lstat()
            found[str(path.relative_to(folder))] = (status.st_size, status.st_mtime_ns)
    return found


def assert_all_passed(report) -> None:
    assert not_passed(report) == {}
    assert report.score == report.max_score == 100
    assert all(e.score == e.max_score and not e.diagnoses for e in report.exercises)


# --- the reference and the stubs --------------------------------------------------------


def test_reference_folder_scores_100(submissions):
    report = check(submissions.folder(), **FAST)
    assert [e.name for e in report.exercises][:3] == [
        "gradient_descent.num_batches", "gradient_descent.num_iterations", "gradient_descent.sgd_update",
    ]
    assert len(report.exercises) == 22
    assert_all_passed(report)
    assert report.notes == ()


@pytest.mark.parametrize(
    "form",
    ["notebook with magics", "notebook without magics", "zip at top level", "zip inside a folder", "mixed .py/.ipynb"],
)
def test_reference_scores_100_in_every_accepted_form(submissions, form):
    path = {
        "notebook with magics": lambda: submissions.notebook(magics=True),
        "notebook without magics": lambda: submissions.notebook(magics=False),
        "zip at top level": lambda: submissions.zip(),
        "zip inside a folder": lambda: submissions.zip(inside="homework3"),
        "mixed .py/.ipynb": lambda: submissions.mixed(),
    }[form]()
    report = check(path, **FAST)
    assert_all_passed(report)
    assert report.submission == str(path)


def test_module_given_as_py_and_ipynb_grades_the_py_and_says_so(submissions):
    module, wrong = buggy("backward__batch_mean")
    folder = submissions.folder()
    notebook = submissions.notebook(modules=(), replace={module: wrong}, magics=False)
    notebook.rename(folder / "backward.ipynb")
    report = check(folder, only=("backward",), **FAST)
    assert statuses(report) == dict.fromkeys(
        ["backward.linear_backward", "backward.activation_backward", "backward.backward"], "passed"
    )
    assert report.notes == ("backward: backward.py graded, backward.ipynb ignored",)


def test_stubs_score_0_with_every_exercise_missing(submissions):
    report = check(submissions.stubs(), **FAST)
    assert len(report.exercises) == 22
    assert set(statuses(report).values()) == {"missing"}
    assert report.score == 0 and report.max_score == 100
    assert all("NotImplementedError" in e.feedback for e in report.exercises)


def test_missing_modules_are_missing_and_the_rest_is_graded(submissions):
    report = check(submissions.folder(modules=("gradient_descent", "chain_rule")), **FAST)
    assert {name for name, status in statuses(report).items() if status == "passed"} == {
        "gradient_descent.num_batches", "gradient_descent.num_iterations", "gradient_descent.sgd_update",
        "chain_rule.composite", "chain_rule.local_derivatives", "chain_rule.composite_grad",
    }
    assert set(not_passed(report).values()) == {"missing"}
    assert report.score == 23


@pytest.mark.parametrize(
    "name",
    ["backward__batch_mean", "forward__hardcoded_answers"],
)
def test_the_same_submission_twice_gives_the_same_report(submissions, name):
    folder = submissions.folder(name, modules=NUMPY_MODULES)
    first = check(folder, only=("forward", "backward", "training"), **FAST)
    second = check(folder, only=("forward", "backward", "training"), **FAST)
    assert not_passed(first)  # a report with failures, where any nondeterminism would show
    assert first.to_dict() == second.to_dict()


@pytest.mark.parametrize("what", ["reference", "stubs", "buggy", "notebook", "zip"])
def test_grading_writes_nothing_next_to_the_submission(submissions, monkeypatch, what):
    path = {
        "reference": submissions.folder,
        "stubs": submissions.stubs,
        "buggy": lambda: submissions.folder("activations__unstable_sigmoid"),
        "notebook": submissions.notebook,
        "zip": lambda: submissions.zip(inside="homework"),
    }[what]()
    (submissions.root / ".ipynb_checkpoints").mkdir()
    before = listing(submissions.root)
    # A student runs `grader check .` in their folder: nothing may land in the working directory either.
    monkeypatch.chdir(path if path.is_dir() else path.parent)
    check(path, **FAST)
    check("." if path.is_dir() else path.name, only=("forward",), **FAST)
    assert listing(submissions.root) == before


# --- one classic mistake at a time -----------------------------------------------------

F = "failed"
E = "error"

# buggy file -> {exercise: status} of every exercise that must not pass.
MISTAKES = {
    "gradient_descent__floor_batches": {
        "gradient_descent.num_batches": F, "gradient_descent.num_iterations": F,
        "training.fit": E,  # fewer losses than iterations: the wrong shape
    },
    "gradient_descent__extra_empty_batch": {
        "gradient_descent.num_batches": F, "gradient_descent.num_iterations": F, "training.fit": E,
    },
    "gradient_descent__sgd_ascent": {"gradient_descent.sgd_update": F, "training.train_step": F, "training.fit": F},
    "gradient_descent__lr_ignored": {"gradient_descent.sgd_update": F, "training.train_step": F, "training.fit": F},
    # Right values, but params changed in place (train_step passes its arguments to sgd_update).
    "gradient_descent__in_place_update": {
        "gradient_descent.sgd_update": F, "training.train_step": F, "training.fit": F,
    },
    "chain_rule__chain_missing_inner": {"chain_rule.composite_grad": F},
    "chain_rule__chain_reciprocal_square": {"chain_rule.local_derivatives": F, "chain_rule.composite_grad": F},
    "activations__tanh_grad_is_tanh": {
        "activations.tanh_grad": F, "backward.activation_backward": F, "backward.backward": F,
        "training.train_step": F, "training.fit": F,
    },
    # Only cases with z exactly 0 show it (generated ones skip relu's kink).
    "activations__relu_grad_at_zero": {
        "activations.relu_grad": F, "backward.activation_backward": F, "backward.backward": F,
        "training.train_step": F, "training.fit": F,
    },
    # nan only where exp(z) overflows (z > 709): the saturated network and the large z cases.
    "activations__unstable_sigmoid": {
        "activations.sigmoid": F, "activations.sigmoid_grad": F, "backward.activation_backward": F,
        "forward.forward": F, "backward.backward": F, "training.train_step": F, "training.fit": F,
    },
    "forward__loss_mean": {"forward.half_sse": F, "training.train_step": F, "training.fit": F},
    "forward__loss_missing_half": {"forward.half_sse": F, "training.train_step": F, "training.fit": F},
    # backward runs its own forward pass; train_step's loss comes from forward().
    "forward__missing_output_activation": {"forward.forward": F, "training.train_step": F, "training.fit": F},
    # The 2-2-2 output for every network: the wrong shape for the others; fit's cases all have 2 outputs.
    "forward__hardcoded_answers": {"forward.forward": E, "training.train_step": E, "training.fit": E},
    "backward__transposed_weight_grad": {
        "backward.linear_backward": E, "backward.backward": E, "training.train_step": E, "training.fit": E,
    },
    "backward__bias_grad_not_summed": {
        "backward.linear_backward": E, "backward.backward": E, "training.train_step": E, "training.fit": E,
    },
    "backward__batch_mean": {"backward.backward": F, "training.train_step": F, "training.fit": F},
    # Central differences agree to about 1e-10 except at relu's kink, which fit's cases never reach.
    "backward__numerical_gradient": {"backward.backward": F, "training.train_step": F, "training.fit": F},
    "training__stale_weights": {"training.train_step": F, "training.fit": F},
    "training__bias_not_updated": {"training.train_step": F, "training.fit": F},
    "training__shuffled_batches": {"training.fit": F},
    "training__dropped_last_batch": {"training.fit": E},
}


def test_every_buggy_file_has_its_expected_results():
    assert sorted(MISTAKES) == buggy_names()


def _functions_without_docstrings(source: str) -> dict[str, str]:
    """Top-level definitions by name (imports under one key), docstrings dropped, as AST dumps."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            found[node.name] = ast.dump(ast.Module(body=body, type_ignores=[]))
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign)):
            found.setdefault("<module level>", "")
            found["<module level>"] += ast.dump(node)
    return found


@pytest.mark.parametrize("name", buggy_names())
def test_buggy_file_is_its_reference_module_with_one_function_changed(name):
    module, source = buggy(name)
    wrong = _functions_without_docstrings(source)
    right = _functions_without_docstrings(student_source(module))
    assert wrong.keys() == right.keys()
    changed = [f for f in right if f != "<module level>" and wrong[f] != right[f]]
    assert len(changed) == 1, f"{name} changes {changed}"


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_fails_exactly_the_exercises_that_use_it(submissions, name):
    module = name.split("__")[0]
    only = (module, *DOWNSTREAM[module])
    report = check(submissions.folder(name, modules=NUMPY_MODULES), only=only, **FAST)
    assert {e.module for e in report.exercises} == set(only)
    assert not_passed(report) == MISTAKES[name]
    for result in report.exercises:
        assert result.score == (result.max_score if result.status == "passed" else 0)
        assert result.feedback
        if result.status == "passed":
            assert not result.diagnoses


@pytest.mark.parametrize("name", ["backward__batch_mean", "forward__hardcoded_answers"])
def test_a_mistake_counts_the_same_in_a_single_notebook(submissions, name):
    module = name.split("__")[0]
    only = (module, *DOWNSTREAM[module])
    report = check(submissions.notebook(name, modules=NUMPY_MODULES), only=only, **FAST)
    assert not_passed(report) == MISTAKES[name]


# --- code that misbehaves ----------------------------------------------------------------

TORCH_BACKWARD = """    import torch

    xt = torch.tensor(np.asarray(x, dtype=float))
    layers = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in params]
    a = xt
    for W, b in layers:
        a = getattr(torch, activation)(a @ W.T + b)
    loss = ((a - torch.tensor(y)) ** 2).sum() / 2
    loss.backward()
    return [(W.grad.numpy(), b.grad.numpy()) for W, b in layers]
"""

BACKWARD_BODY = student_source("backward").split("    ### BEGIN SOLUTION\n")[-1].split("    ### END SOLUTION\n")[0]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(TORCH_BACKWARD, id="import torch"),
        pytest.param(TORCH_BACKWARD.replace("import torch", 'torch = __import__("to" + "rch")'), id="obfuscated"),
        pytest.param(
            '    import importlib\n    grad = importlib.import_module("ja" + "x").grad\n' + BACKWARD_BODY,
            id="jax through importlib",
        ),
    ],
)
def test_autodiff_is_forbidden_only_in_the_functions_that_run_it(submissions, body):
    folder = submissions.folder(modules=NUMPY_MODULES, replace=patched("backward", BACKWARD_BODY, body))
    report = check(folder, only=("backward", "training"), **FAST)
    assert not_passed(report) == {
        "backward.backward": "forbidden", "training.train_step": "forbidden", "training.fit": "forbidden",
    }
    result = exercise(report, "backward.backward")
    assert result.score == 0
    assert "automatic differentiation" in result.feedback


def test_torch_imported_at_module_level_but_unused_is_fine(submissions):
    folder = submissions.folder(
        modules=NUMPY_MODULES, replace=patched("backward", "import numpy as np\n", "import numpy as np\nimport torch\n")
    )
    report = check(folder, only=("backward",), **FAST)
    assert not_passed(report) == {}


def test_infinite_loop_times_out_and_the_other_exercises_still_pass(submissions):
    replace = patched("chain_rule", "    h1 = w * x\n    h2 = h1 + b\n", "    while True:\n        pass\n")
    report = check(submissions.folder(replace=replace), only=("chain_rule", "gradient_descent"), timeout=1, **FAST)
    assert not_passed(report) == {"chain_rule.composite": "timeout"}
    result = exercise(report, "chain_rule.composite")
    first, *rest = result.checks
    assert first.ran and not first.passed and "1 s" in first.message
    assert rest and not any(check.ran or check.passed for check in rest)


@pytest.mark.parametrize("exit_call", ["import sys\nsys.exit(3)\n", "import os\nos._exit(0)\n"])
def test_exiting_at_import_costs_only_that_module(submissions, exit_call):
    replace = {"chain_rule": student_source("chain_rule") + exit_call}
    report = check(submissions.folder(replace=replace), only=("gradient_descent", "chain_rule", "activations"), **FAST)
    assert not_passed(report) == dict.fromkeys(
        ["chain_rule.composite", "chain_rule.local_derivatives", "chain_rule.composite_grad"], "error"
    )


def test_syntax_error_costs_only_that_module_and_names_the_line(submissions):
    source = student_source("chain_rule")
    line = source.splitlines().index("def composite_grad(x, w, b):") + 1
    replace = {"chain_rule": source.replace("def composite_grad(x, w, b):", "def composite_grad(x, w, b)")}
    report = check(submissions.folder(replace=replace), only=("gradient_descent", "chain_rule"), **FAST)
    broken = not_passed(report)
    assert broken == dict.fromkeys(
        ["chain_rule.composite", "chain_rule.local_derivatives", "chain_rule.composite_grad"], "error"
    )
    for name in broken:
        assert f"chain_rule.py, line {line}" in exercise(report, name).feedback


def test_feedback_names_the_students_file_not_the_graders_copy(submissions):
    replace = patched("chain_rule", "    h5 = h4 + 1\n    return 1 / h5\n", "    h5 = h4 + 1\n    return 1 / h5 / 0\n")
    report = check(submissions.folder(modules=("chain_rule",), replace=replace), only=("chain_rule.composite",), **FAST)
    feedback = exercise(report, "chain_rule.composite").feedback
    assert "(chain_rule.py, line " in feedback


def test_exception_is_an_error_with_the_students_line(submissions):
    source = student_source("chain_rule")
    line = source.splitlines().index("    h4 = math.exp(h3)") + 1
    replace = {"chain_rule": source.replace("    h4 = math.exp(h3)\n", "    h4 = math.exp(h3) / 0\n", 1)}
    report = check(submissions.folder(modules=("chain_rule",), replace=replace), only=("chain_rule",), **FAST)
    assert not_passed(report) == {"chain_rule.composite": "error"}
    feedback = exercise(report, "chain_rule.composite").feedback
    assert "ZeroDivisionError" in feedback and f"line {line}" in feedback


MARKER = "chatty-student-output"


def test_printed_output_is_captured_truncated_and_kept_out_of_the_report_stream(submissions):
    replace = patched(
        "gradient_descent",
        "    return np.asarray(param, dtype=float) - lr * np.asarray(grad, dtype=float)\n",
        f"    for i in range(5000):\n        print('{MARKER}', i)\n"
        "    return np.asarray(param, dtype=float) - lr * np.asarray(grad, dtype=float)\n",
    )
    report = check(submissions.folder(modules=("gradient_descent",), replace=replace), only=("gradient_descent",), **FAST)
    assert not_passed(report) == {}
    chatty = exercise(report, "gradient_descent.sgd_update")
    assert chatty.output.startswith(f"{MARKER} 0\n")
    assert chatty.output.endswith("... (output truncated)")
    assert len(chatty.output) < 5000
    assert all(MARKER not in e.output for e in report.exercises if e is not chatty)
    data = json.loads(reporter("json")(report))
    assert json.dumps(data).count(MARKER) == json.dumps(data["exercises"][2]["output"]).count(MARKER)
    assert MARKER not in reporter("text")(report)  # a passed exercise's output is not shown


BAD_RESULTS = [
    # (module, old, new, exercise, status)
    ("activations", "    return np.tanh(np.asarray(z, dtype=float))\n", "    return 'tanh'\n", "activations.tanh", E),
    ("activations", "    return np.tanh(np.asarray(z, dtype=float))\n", "    return None\n", "activations.tanh", E),
    ("activations", "    return np.tanh(np.asarray(z, dtype=float))\n", "    return np.tanh(z) * np.nan\n", "activations.tanh", F),
    ("activations", "    return np.tanh(np.asarray(z, dtype=float))\n", "    return np.tanh(np.ravel(z))[:1]\n", "activations.tanh", E),
    ("chain_rule", "    return [x, 1.0, -1.0, h4, 1.0, -1 / h5**2]\n", "    return [x, 1.0, -1.0, h4, 1.0]\n", "chain_rule.local_derivatives", E),
    ("chain_rule", "    return 1 / h5\n", "    return float('nan')\n", "chain_rule.composite", F),
    ("chain_rule", "    return 1 / h5\n", "    return [1 / h5, 1 / h5]\n", "chain_rule.composite", E),
    ("gradient_descent", "    return -(-num_samples // batch_size)\n", "    return num_samples / batch_size\n", "gradient_descent.num_batches", E),
    ("gradient_descent", "    return -(-num_samples // batch_size)\n", "    return float(-(-num_samples // batch_size))\n", "gradient_descent.num_batches", None),
]


@pytest.mark.parametrize(("module", "old", "new", "name", "status"), BAD_RESULTS)
def test_results_of_the_wrong_form_or_value(submissions, module, old, new, name, status):
    report = check(submissions.folder(modules=(module,), replace=patched(module, old, new)), only=(name,), **FAST)
    assert not_passed(report) == ({name: status} if status else {})



ACCURATE_ACTIVATION_BACKWARD = """    da = np.asarray(da, dtype=float)
    z = np.asarray(z, dtype=float)
    if activation == "tanh":
        return da / np.cosh(z) ** 2  # sech^2: no cancellation, unlike 1 - tanh^2
    if activation == "sigmoid":
        e = np.exp(-np.abs(z))
        return da * e / (1 + e) ** 2  # no cancellation, unlike s * (1 - s)
    return da * ACTIVATION_GRADS[activation](z)
"""


def test_a_more_accurate_correct_formula_passes(submissions):
    replace = patched(
        "backward",
        "    return np.asarray(da, dtype=float) * ACTIVATION_GRADS[activation](z)\n",
        ACCURATE_ACTIVATION_BACKWARD,
    )
    folder = submissions.folder(modules=NUMPY_MODULES, replace=replace)
    report = check(folder, only=("backward.activation_backward",), examples=25)
    assert not_passed(report) == {}


def test_a_modules_result_does_not_depend_on_only(submissions):
    folder = submissions.mixed(notebooks=("activations",))
    alone = check(folder, only=("forward",), **FAST)
    together = check(folder, only=("activations", "forward"), **FAST)
    assert statuses(alone) == {name: status for name, status in statuses(together).items() if name.startswith("forward.")}
