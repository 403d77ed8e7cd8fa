"""Hand-calculation sheets: the questions, the tolerance, feedback, malformed sheets and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REFERENCE
from grader.answers import blank_sheet, check_answers, expected, questions, read_key, tolerance
from grader.cli import main
from grader.errors import KeyFileError, SubmissionError
from grader.problem_set import generate

KEY = REFERENCE / "canonical-2-2-2.json"
CANONICAL = json.loads(KEY.read_text(encoding="utf-8"))
CANONICAL_IDS = [
    "a1[1]", "a1[2]", "y_hat[1]", "y_hat[2]", "L",
    "dL/db2[1]", "dL/db2[2]", "dL/dW2[1,1]", "dL/dW2[2,1]",
    "dL/db1[1]", "dL/db1[2]", "dL/dW1[2,1]", "dL/dW1[2,2]",
    "new W2[1,1]", "new W2[2,1]", "new W1[2,1]", "new W1[2,2]",
    "f", "df/dw", "df/db", "batches per epoch", "iterations",
]


def sheet_file(tmp_path: Path, answers: dict | None = None, *, key: dict = CANONICAL, name="answers.json", edit=None) -> Path:
    """The blank sheet of `key` with `answers` (id -> value) filled in, then `edit`ed."""
    sheet = blank_sheet(key, "canonical")
    for entry in sheet["answers"]:
        entry["answer"] = (answers or {}).get(entry["id"])
    if edit:
        edit(sheet)
    path = tmp_path / name
    path.write_text(json.dumps(sheet), encoding="utf-8")
    return path


def correct_answers(key: dict = CANONICAL) -> dict:
    """Every figure of the key to 4 significant digits, as a careful student writes it."""
    return {q.id: float(f"{expected(key, q):.4g}") for q in questions(key)}


def test_the_canonical_key_asks_for_every_stage_of_the_lesson():
    asked = questions(read_key(KEY))
    assert [q.id for q in asked] == CANONICAL_IDS
    assert [expected(CANONICAL, q) for q in asked][:5] == [*CANONICAL["hidden"][0], *CANONICAL["output"][0], CANONICAL["loss"]]
    assert {q.id for q in asked if q.count} == {"batches per epoch", "iterations"}


def test_the_chosen_weights_depend_on_the_key_alone(tmp_path):
    generate(seed=1, students=[f"s{n}" for n in range(8)], out=tmp_path)
    keys = [json.loads((tmp_path / f"s{n}" / "key.json").read_text(encoding="utf-8")) for n in range(8)]
    chosen = [[q.id for q in questions(key) if q.id.startswith("dL/dW")] for key in keys]
    assert len({tuple(ids) for ids in chosen}) > 1  # networks differ, so do the questions
    for key, ids in zip(keys, chosen):
        reordered = {name: key[name] for name in reversed(list(key))}
        reordered["network"] = {name: key["network"][name] for name in reversed(list(key["network"]))}
        reordered["source"] = "edited"
        assert [q.id for q in questions(reordered) if q.id.startswith("dL/dW")] == ids


def test_a_sheet_with_every_figure_to_4_significant_digits_scores_full(tmp_path):
    report = check_answers(sheet_file(tmp_path, correct_answers()), key=KEY)
    assert (report.score, report.max_score) == (22, 22)
    assert {a.status for a in report.answers} == {"correct"}


@pytest.mark.parametrize(
    "value, given, digits, correct",
    [
        (0.59326999, 0.5933, 4, True),
        (0.59326999, 0.5932, 4, True),  # truncated, not rounded: within one unit
        (0.59326999, 0.5934, 4, False),
        (0.59326999, 0.593, 4, False),
        (0.59326999, 0.59, 2, True),
        (0.00049771, 0.0004977, 4, True),
        (0.00049771, 0.0004987, 4, False),
        (-0.0380982, -0.03810, 4, True),
        (-0.0380982, 0.03810, 4, False),
        (1234.5678, 1235, 4, True),
        (0.0, 0.0, 4, True),
        (0.0, 1e-6, 4, False),
    ],
)
def test_an_answer_must_agree_to_one_unit_of_the_last_significant_digit(value, given, digits, correct):
    assert (abs(given - value) <= tolerance(value, digits)) is correct


def graded(tmp_path, answers: dict, **kwargs):
    return {a.id: a for a in check_answers(sheet_file(tmp_path, answers), key=KEY, **kwargs).answers}


@pytest.mark.parametrize(
    "question, given, feedback",
    [
        ("a1[1]", -0.5933, "expected 0.5933: the sign is wrong"),
        ("L", 0.5967, "expected 0.2984: twice too large"),
        ("dL/db2[1]", 0.06925, "expected 0.1385: half what it should be"),
        ("y_hat[1]", 0.7510, "expected 0.7514: close, but not to 4 significant digits (round only at the end)"),
        ("dL/dW1[2,1]", 0.0005, "expected 0.0004977"),
        ("batches per epoch", 195, "expected 196: the last, partial batch counts too"),
        ("iterations", 1950, "expected 1960"),
        ("iterations", 1960.5, "expected 1960"),
    ],
)
def test_a_wrong_answer_says_what_was_expected_and_names_a_classic_slip(tmp_path, question, given, feedback):
    answer = graded(tmp_path, {**correct_answers(), question: given})[question]
    assert (answer.status, answer.given, answer.feedback) == ("wrong", given, feedback)


def test_partial_credit_is_one_point_per_number(tmp_path):
    answers = {**correct_answers(), "L": 0.3, "f": None}
    del answers["df/dw"]
    report = check_answers(sheet_file(tmp_path, answers), key=KEY)
    assert (report.score, report.max_score) == (19, 22)
    statuses = {a.id: a.status for a in report.answers}
    assert (statuses["L"], statuses["f"], statuses["df/dw"]) == ("wrong", "blank", "blank")


def test_counts_must_be_exact_and_strings_of_numbers_are_read(tmp_path):
    answers = graded(tmp_path, {"batches per epoch": 196.0, "iterations": " 1.96e3 ", "f": "", "L": "0.2984"})
    assert [answers[name].status for name in ("batches per epoch", "iterations", "f", "L")] == [
        "correct", "correct", "blank", "correct",
    ]


def test_an_entry_missing_from_the_sheet_counts_as_blank(tmp_path):
    def drop(sheet):
        sheet["answers"] = [entry for entry in sheet["answers"] if entry["id"] != "L"]

    report = check_answers(sheet_file(tmp_path, correct_answers(), edit=drop), key=KEY)
    assert (report.score, report.max_score) == (21, 22)
    assert next(a for a in report.answers if a.id == "L").feedback == "expected 0.2984"


def test_the_tolerance_comes_from_the_grader_not_from_the_sheet(tmp_path):
    def loosen(sheet):
        sheet["digits"] = 1

    path = sheet_file(tmp_path, {**correct_answers(), "a1[1]": 0.6}, edit=loosen)
    assert next(a for a in check_answers(path, key=KEY).answers if a.id == "a1[1]").status == "wrong"
    assert next(a for a in check_answers(path, key=KEY, digits=1).answers if a.id == "a1[1]").status == "correct"


def with_entry(entry):
    return lambda sheet: sheet["answers"].append(entry)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda sheet: sheet.pop("answers"), '{path}: not an answer sheet: no "answers" list'),
        (lambda sheet: sheet.update(answers={"L": 1}), '{path}: not an answer sheet: no "answers" list'),
        (with_entry(["L", 0.3]), '{path}, entry 23: expected {{"id": ..., "answer": ...}}'),
        (with_entry({"answer": 0.3}), '{path}, entry 23: expected {{"id": ..., "answer": ...}}'),
        (with_entry({"id": "dL/dW1[1,1]", "answer": 0.3}), "{path}, entry 'dL/dW1[1,1]': not a question of this key (a sheet of another variant?)"),
        (with_entry({"id": "L", "answer": 0.3}), "{path}, entry 'L': answered twice"),
        (lambda sheet: sheet["answers"][4].update(answer="about 0.3"), "{path}, entry 'L': 'about 0.3' is not a number"),
        (lambda sheet: sheet["answers"][4].update(answer=[0.3]), "{path}, entry 'L': [0.3] is not a number"),
        (lambda sheet: sheet["answers"][4].update(answer=True), "{path}, entry 'L': True is not a number"),
        (lambda sheet: sheet["answers"][4].update(answer="nan"), "{path}, entry 'L': nan is not a number"),
    ],
)
def test_a_malformed_sheet_gives_one_line_naming_the_file_and_entry(tmp_path, edit, message):
    path = sheet_file(tmp_path, edit=edit)
    with pytest.raises(SubmissionError) as error:
        check_answers(path, key=KEY)
    assert str(error.value) == message.format(path=path)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "{path}: not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("[1, 2]", "{path}: not an answer sheet: expected a JSON object"),
    ],
)
def test_a_sheet_that_is_not_a_json_object_is_refused(tmp_path, content, message):
    path = tmp_path / "answers.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SubmissionError) as error:
        check_answers(path, key=KEY)
    assert str(error.value) == message.format(path=path)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda key: key.pop("network"), "{path}: not an answer key (see reference/canonical-2-2-2.json)"),
        (lambda key: key.pop("grads"), "{path}: not an answer key: no grads[1][1][0] (for dL/db2[1])"),
        (lambda key: key["chain_rule"].pop("df_db"), "{path}: not an answer key: no chain_rule.df_db (for df/db)"),
        (lambda key: key.update(loss="0.29"), "{path}: L is '0.29', not a number"),
        (lambda key: key["network"].update(x=[[0.05, 0.1], [0.2, 0.3]]),
         "{path}: hand-calculation sheets need one input sample and one hidden layer"),
    ],
)
def test_a_bad_key_gives_one_line_naming_it(tmp_path, edit, message):
    key = json.loads(json.dumps(CANONICAL))
    edit(key)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key), encoding="utf-8")
    with pytest.raises(KeyFileError) as error:
        read_key(path)
    assert str(error.value) == message.format(path=path)


def test_every_question_of_a_generated_variant_is_answerable_from_its_key(tmp_path):
    generate(seed=2, students=["ada", "bob"], out=tmp_path)
    for student in ("ada", "bob"):
        key = read_key(tmp_path / student / "key.json")
        filled = sheet_file(tmp_path, correct_answers(key), key=key, name=f"{student}.json")
        report = check_answers(filled, key=tmp_path / student / "key.json")
        assert report.score == report.max_score == len(questions(key))
        other = "bob" if student == "ada" else "ada"
        with pytest.raises(SubmissionError, match="not a question of this key"):
            check_answers(filled, key=tmp_path / other / "key.json")


# The command line ----------------------------------------------------------------------------


def test_check_answers_prints_one_line_per_number_and_the_score(runner, tmp_path):
    answers = {**correct_answers(), "a1[1]": -0.5933, "L": None, "df/dw": "0.25", "iterations": 1960.0}
    path = sheet_file(tmp_path, answers)
    result = runner.invoke(main, ["check-answers", str(path), "--key", str(KEY)])
    assert result.exit_code == 1
    assert result.output == f"""{path} against {KEY} (4 significant digits)
a1[1]              wrong  -0.5933    expected 0.5933: the sign is wrong
a1[2]              ok     0.5969
y_hat[1]           ok     0.7514
y_hat[2]           ok     0.7729
L                  blank             expected 0.2984
dL/db2[1]          ok     0.1385
dL/db2[2]          ok     -0.0381
dL/dW2[1,1]        ok     0.08217
dL/dW2[2,1]        ok     -0.0226
dL/db1[1]          ok     0.008771
dL/db1[2]          ok     0.009954
dL/dW1[2,1]        ok     0.0004977
dL/dW1[2,2]        ok     0.0009954
new W2[1,1]        ok     0.3589
new W2[2,1]        ok     0.5113
new W1[2,1]        ok     0.2498
new W1[2,2]        ok     0.2995
f                  ok     0.5
df/dw              ok     0.25
df/db              ok     0.25
batches per epoch  ok     196
iterations         ok     1960
Score: 20/22 (20 correct, 1 wrong, 1 blank)
"""


def test_check_answers_exits_0_when_every_number_is_right_and_reports_json(runner, tmp_path):
    path = sheet_file(tmp_path, correct_answers())
    result = runner.invoke(main, ["check-answers", str(path), "--key", str(KEY), "--format", "json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert (report["score"], report["max_score"], report["digits"]) == (22, 22, 4)
    assert report["answers"][0] == {
        "id": "a1[1]", "what": "hidden activation a1[1]", "status": "correct",
        "given": 0.5933, "expected": CANONICAL["hidden"][0][0], "feedback": "",
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["{sheet}", "--key", "missing.json"], "grader: missing.json: cannot be read: No such file or directory\n"),
        (["nowhere.json", "--key", str(KEY)], "grader: nowhere.json: cannot be read: No such file or directory\n"),
        (["{sheet}", "--key", str(KEY), "--digits", "0"], "grader: --digits must be between 1 and 15, got 0\n"),
    ],
)
def test_check_answers_errors_are_one_line_with_exit_code_2(runner, tmp_path, args, message):
    sheet = sheet_file(tmp_path)
    result = runner.invoke(main, ["check-answers", *(arg.format(sheet=sheet) for arg in args)])
    assert (result.exit_code, result.output) == (2, message)

