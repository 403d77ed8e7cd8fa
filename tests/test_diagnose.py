"""The diagnosis: every mistake of the contract named on the exercise it breaks, never on a correct one.

Each file in tests/mistakes/<id>/ is one function of a student's module with
that mistake, in one of two styles (`<module>_vectorised.py`,
`<module>_loops.py`); a folder named `<id>+<id>` holds two mistakes at once.
The file is appended to the reference module it names, so its function
replaces the reference's (and the module's other functions call it, as a
student's would), and the submission goes through the real grader.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import student_source

from grader import mutants
from grader.api import check
from grader.cases import canonical_figures
from grader.diagnose import diagnose, mistake_id
from grader.plans import generated_plan, worker_form
from grader.mistakes import MESSAGES
from grader.mutant_plans import PLANS
from grader.result_match import passes
from grader.selfcheck import plain
from grader.suite import EXERCISES, Case

MISTAKES = Path(__file__).resolve().parent / "mistakes"
CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "CONTRACT.md"
FIGURES = canonical_figures()
BY_NAME = {exercise.name: exercise for exercise in EXERCISES}

# The engine passes no crashed cases yet; code written for the example's shape that
# crashes on every other shape can only be named from them.
NEEDS_ERRORED: set[str] = set()


def buggy_files() -> list[Path]:
    return sorted(MISTAKES.glob("*/*.py"))


def mistake_ids(path: Path) -> list[str]:
    return path.parent.name.split("+")


def exercise_of(path: Path) -> str:
    """'backward.backward' for mistakes/<id>/backward_loops.py defining backward()."""
    module = path.stem.rsplit("_", 1)[0]
    (function,) = [
        node.name
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef)
    ]
    return f"{module}.{function}"


def submission_with(submissions, path: Path) -> Path:
    module = path.stem.rsplit("_", 1)[0]
    source = (
        student_source(module)
        + "\n\n# The mistake: this definition replaces the reference's.\n"
        + path.read_text(encoding="utf-8")
    )
    return submissions.folder(replace={module: source})


def marks(path: Path):
    name = f"{path.parent.name}/{path.name}"
    if name in NEEDS_ERRORED:
        return pytest.mark.xfail(
            strict=True, reason="needs the engine to pass the cases that crashed (errored=)"
        )
    return ()


def observed(exercise_name: str, cases: list[Case], mistakes=mutants.NONE) -> list[tuple[Case, object]]:
    """What a submission with `mistakes` returns on `cases`, decoded as the engine decodes it."""
    plan, form = PLANS[exercise_name], worker_form(BY_NAME[exercise_name].form)
    found = []
    with np.errstate(all="ignore"):
        for case in cases:
            try:
                found.append((case, plain(plan.predict(case, mistakes), form)))
            except (ValueError, IndexError, ArithmeticError):
                continue  # the mistake crashes there: the engine passes no observation
    return found


def named_cases(exercise_name: str) -> list[Case]:
    return [case for _, case in BY_NAME[exercise_name].named(FIGURES)]


# --- every id, through the real grader ----------------------------------------------------


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=f"{p.parent.name}/{p.stem}", marks=marks(p)) for p in buggy_files()]
)
def test_a_buggy_module_gets_its_mistakes_named(submissions, path):
    name = exercise_of(path)
    report = check(submission_with(submissions, path), only=(name,), examples=10)
    (result,) = report.exercises
    assert result.status in ("failed", "error")
    named = [d.id for d in result.diagnoses]
    assert set(mistake_ids(path)) <= set(named), result.feedback


def test_every_contract_id_has_a_message_and_buggy_code_in_two_styles():
    styles: dict[str, set[str]] = {}
    for path in buggy_files():
        if "+" not in path.parent.name:
            styles.setdefault(path.parent.name, set()).add(path.stem.rsplit("_", 1)[1])
    assert {mistake: found for mistake, found in styles.items() if found != {"vectorised", "loops"}} == {}
    assert sorted(styles) == sorted(MESSAGES)
    if CONTRACT.exists():  # the shared contract, when the repository sits beside it
        table = re.findall(r"^\| `(\w+)` \|", CONTRACT.read_text(encoding="utf-8"), flags=re.MULTILINE)
        assert sorted(table) == sorted(MESSAGES)


def test_every_message_points_to_the_lesson_and_shows_no_code():
    for mistake, message in MESSAGES.items():
        assert re.search(r"\([^()]+\)$", message), mistake
        assert not re.search(r"np\.|\breturn\b|\.T\b|@|\*\*|\.sum\(", message), mistake


# --- never on a correct exercise ----------------------------------------------------------


@pytest.mark.parametrize("name", list(PLANS))
def test_the_reference_gets_no_diagnosis(name):
    exercise = BY_NAME[name]
    cases = named_cases(name)
    if exercise.module != "torch_net":
        cases += [case for case, _ in generated_plan(exercise, 0, 25)]
    assert diagnose(name, observed(name, cases)) == ()


def test_changed_arguments_alone_are_named_alone():
    cases = named_cases("gradient_descent.sgd_update")
    found = diagnose(
        "gradient_descent.sgd_update", observed("gradient_descent.sgd_update", cases), mutated=True
    )
    assert [d.id for d in found] == ["in_place_update"]


def test_results_no_mistake_explains_get_no_diagnosis():
    name = "backward.backward"
    wrong = []
    for case, grads in observed(name, named_cases(name)):
        grads[-1][0] = grads[-1][0] + 0.01  # one layer off by a constant: no classic mistake does that
        wrong.append((case, grads))
    assert diagnose(name, wrong) == ()


def test_an_exercise_the_diagnosis_does_not_know_gets_none():
    assert diagnose("leaky.leaky_relu", [(Case((np.zeros(2),)), np.ones(2))]) == ()


# --- each mutant, fed its own results, is named --------------------------------------------


def mutant_keys() -> list[tuple[str, str]]:
    return [
        (name, key) for name, plan in PLANS.items() for key in dict.fromkeys(plan.faults + plan.loss_faults)
    ]


@pytest.mark.parametrize("name, key", mutant_keys())
def test_a_mutant_is_named_on_the_named_cases(name, key):
    cases = named_cases(name)
    results = observed(name, cases, frozenset({key}))
    if all(passes(value, PLANS[name].predict(case, mutants.NONE)) for case, value in results):
        pytest.skip("the named cases cannot show this mistake")  # e.g. sigmoid overflow in a forward pass
    assert mistake_id(key) in [d.id for d in diagnose(name, results)]


@pytest.mark.parametrize(
    "name, pair",
    [
        ("backward.backward", ("no_output_derivative", "batch_mean:parameters")),
        ("backward.backward", ("loss_missing_half:gradient", "loss_mean:gradient-elements")),
        ("training.train_step", ("stale_weights", "bias_not_updated")),
        ("training.train_step", ("missing_activation_derivative", "lr_ignored")),
        ("training.fit", ("floor_batches", "batch_mean:parameters")),
        ("chain_rule.local_derivatives", ("chain_exp_sign:exp", "chain_reciprocal_sign")),
        ("forward.half_sse", ("loss_mean:elements", "loss_missing_half")),
    ],
)
def test_two_mistakes_at_once_are_both_named(name, pair):
    found = [d.id for d in diagnose(name, observed(name, named_cases(name), frozenset(pair)))]
    assert {mistake_id(key) for key in pair} <= set(found)


# --- mistakes that are not one formula ------------------------------------------------------


def test_code_for_the_example_shape_is_named_from_its_crashes():
    name = "forward.forward"
    cases = named_cases(name)
    example, others = cases[0], cases[1:]
    assert diagnose(name, observed(name, [example])) == ()
    found = diagnose(name, observed(name, [example]), errored=others)
    assert [d.id for d in found] == ["fixed_shape"]


def test_code_right_on_other_shapes_is_not_fixed_shape():
    name = "forward.forward"
    cases = named_cases(name)
    results = observed(name, cases)
    results[-1] = (results[-1][0], results[-1][1] + 1.0)  # wrong on one case only
    assert "fixed_shape" not in [d.id for d in diagnose(name, results)]


def test_answers_copied_from_the_example_are_named():
    name = "chain_rule.composite_grad"
    cases = named_cases(name)
    answer = np.array([0.4434, 0.2217])  # x=2, w=0.5, b=-0.3 to four decimals, for every input
    found = diagnose(name, [(case, answer) for case in cases])
    assert [d.id for d in found] == ["hardcoded_answers"]


def test_the_mutants_results_on_a_case_are_shared_by_every_submission_that_meets_it():
    from grader import diagnose

    case_a, case_b = Case((1.0,), {}), Case((1.0,), {})
    first = diagnose.predictions("forward.forward", case_a)
    first[frozenset({"x"})] = 1.0
    assert diagnose.predictions("forward.forward", case_a) is first
    assert diagnose.predictions("forward.forward", case_b) == {}  # an equal case, not the same object
    assert diagnose.predictions("backward.backward", case_a) == {}
