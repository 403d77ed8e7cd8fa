"""Problem sets: drawing variants, their keys against PyTorch, the files, grading with a key, the CLI.

Golden copies of one variant live in tests/golden/variant/; run with
UPDATE_GOLDEN=1 to rewrite them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REFERENCE, STUBS, check_golden, one_namespace
from grader import api, problem_set
from grader.answers import questions
from grader.cli import main
from grader.errors import KeyFileError, UsageError
from grader.problem_set import MODULES, folder_name, generate
from grader.roster import read_students as read_roster
from grader.variants import (
    ACTIVATIONS,
    Bounds,
    Variant,
    conditioning_problem,
    draw_variant,
    key_figures,
    parse_sizes,
)
from reference import torch_oracle

CANONICAL = json.loads((REFERENCE / "canonical-2-2-2.json").read_text(encoding="utf-8"))
EVERY_ACTIVATION = Bounds(activations=ACTIVATIONS)
WIDE = Bounds((1, 1, 1), (4, 5, 4), ACTIVATIONS)


def numbers(variant: Variant) -> list[float]:
    flat = [*variant.x, *variant.y, variant.lr, *variant.chain]
    for W, b in variant.params:
        flat += [v for row in W for v in row] + list(b)
    return flat


# Drawing variants --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2-2-2:3-4-3", ((2, 2, 2), (3, 4, 3))),
        ("2-3-2", ((2, 3, 2), (2, 3, 2))),
        (" 1-1-1 : 6-6-6 ", ((1, 1, 1), (6, 6, 6))),
    ],
)
def test_sizes_are_read_as_smallest_and_largest(text, expected):
    assert parse_sizes(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("2-2", "--sizes '2-2': expected IN-HIDDEN-OUT or SMALLEST:LARGEST, such as 2-2-2:3-4-3"),
        ("2-2-2:3-4-3:4-4-4", "--sizes '2-2-2:3-4-3:4-4-4': expected IN-HIDDEN-OUT or SMALLEST:LARGEST, such as 2-2-2:3-4-3"),
        ("3-4-3:2-2-2", "--sizes '3-4-3:2-2-2': each layer needs 1 <= smallest <= largest <= 6 units"),
        ("0-2-2", "--sizes '0-2-2': each layer needs 1 <= smallest <= largest <= 6 units"),
        ("2-7-2", "--sizes '2-7-2': each layer needs 1 <= smallest <= largest <= 6 units"),
    ],
)
def test_bad_sizes_are_refused_with_the_text_quoted(text, message):
    with pytest.raises(UsageError) as error:
        parse_sizes(text)
    assert str(error.value) == message


def test_a_student_keeps_their_variant_whoever_else_is_on_the_roster():
    alone = draw_variant(7, "ada")
    assert draw_variant(7, "ada") == alone
    assert [draw_variant(7, s) for s in ("bob", "ada")][1] == alone
    assert draw_variant(8, "ada") != alone
    assert draw_variant(7, "Ada") != alone


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**63), st.text(min_size=1, max_size=12))
def test_every_variant_is_within_bounds_with_two_decimal_numbers(seed, student):
    variant = draw_variant(seed, student, WIDE)
    assert all(low <= n <= high for low, n, high in zip(WIDE.smallest, variant.sizes, WIDE.largest))
    assert variant.activation in ACTIVATIONS
    assert all(round(v, 2) == v and math.copysign(1, v) == math.copysign(1, v + 0.0) for v in numbers(variant))
    assert 0.1 <= variant.lr <= 1.0
    n, b, epochs = variant.batches
    assert n % b and 2 <= epochs <= 20


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**63), st.text(min_size=1, max_size=12))
def test_every_variant_is_well_conditioned(seed, student):
    variant = draw_variant(seed, student, WIDE)
    x, y, params = variant.arrays()
    a = x
    for layer, (W, b) in enumerate(params, start=1):
        z = a @ W.T + b
        if variant.activation == "sigmoid":
            s = 1 / (1 + np.exp(-z))
            assert np.all(s * (1 - s) >= 0.1), f"saturated sigmoid in layer {layer}: {z}"
        elif variant.activation == "tanh":
            assert np.all(1 - np.tanh(z) ** 2 >= 0.3), f"saturated tanh in layer {layer}: {z}"
        else:
            assert np.all(np.abs(z) >= 0.05), f"relu on its kink in layer {layer}: {z}"
            assert np.any(z > 0), f"dead relu layer {layer}: {z}"
        a = torch_oracle.activation(z, variant.activation)
    assert variant.activation != "relu" or np.all(z > 0), "a dead relu output"
    assert np.all(np.abs(a - y) >= 0.05)
    cx, cw, cb = variant.chain
    assert 0.1 <= abs(cw * cx + cb) <= 3


def with_params(variant: Variant, W1=None, x=None, activation=None, y=None) -> Variant:
    (old_W1, b1), second = variant.params
    return Variant(
        variant.student, variant.seed, activation or variant.activation, x or variant.x, y or variant.y,
        ((W1 or old_W1, b1), second), variant.lr, variant.chain, variant.batches,
    )


@pytest.mark.parametrize(
    "change, problem",
    [
        (dict(W1=((3.0, 3.0), (0.5, -0.5))), "layer 1 saturates"),
        (dict(W1=((0.2, 0.4), (0.4, 0.3))), "W1 is symmetric: a transposed gradient would go unseen"),
        (dict(activation="relu", W1=((0.2, 0.3), (-0.5, 0.3)), x=(1.0, 0.0)), "a relu unit of layer 1 sits on its kink"),
        (dict(activation="relu", W1=((-1.0, -0.5), (-0.5, -1.0)), x=(1.0, 1.0)), "dead relu units in layer 1"),
    ],
)
def test_ill_conditioned_networks_are_named(change, problem):
    # b1 = (-0.2, 0.0), so with x = (1, 0) and w11 = 0.2 relu's first unit sits at z = 0.
    base = Variant(
        "s", 0, "sigmoid", (0.5, 0.5), (0.9, 0.1),
        ((((0.1, 0.2), (0.3, 0.4)), (-0.2, 0.0)), (((0.5, -0.5), (0.3, 0.6)), (0.1, 0.1))),
        0.5, (1.0, 1.0, 0.5), (1000, 64, 2),
    )
    assert conditioning_problem(base) is None
    assert conditioning_problem(with_params(base, **change)) == problem


def test_an_output_on_its_target_is_ill_conditioned():
    variant = draw_variant(3, "ada")
    _, _, params = variant.arrays()
    y_hat = torch_oracle.forward(np.array([variant.x]), params, variant.activation)[0]
    on_target = (round(float(y_hat[0]), 2), *variant.y[1:])
    assert conditioning_problem(with_params(variant, y=on_target)) == "an output is already on its target"


def test_impossible_bounds_give_a_one_line_error(monkeypatch):
    monkeypatch.setattr("grader.variants.MAX_DRAWS", 3)
    monkeypatch.setattr("grader.variants.conditioning_problem", lambda variant: "never")
    with pytest.raises(UsageError) as error:
        draw_variant(1, "ada", Bounds((2, 3, 2), (2, 3, 2)))
    assert str(error.value) == "no well-conditioned network for 'ada' (2-3-2 sigmoid) in 3 draws"


# Keys against PyTorch ------------------------------------------------------------------------


def structure(value):
    """The shape of a JSON value: dict keys, list lengths and leaf types."""
    if isinstance(value, dict):
        return {name: structure(item) for name, item in value.items()}
    if isinstance(value, list):
        return [structure(item) for item in value]
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__


def assert_close(got, expected, what):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=1e-10, atol=1e-13, err_msg=what)


def test_a_2_2_2_sigmoid_key_has_exactly_the_structure_of_the_canonical_figures():
    variant = draw_variant(5, "ada", Bounds((2, 2, 2), (2, 2, 2), ("sigmoid",)))
    key = key_figures(variant, "a source")
    assert structure(key) == structure(CANONICAL)
    assert list(key) == list(CANONICAL)
    assert list(key["network"]) == list(CANONICAL["network"])


@pytest.mark.parametrize("student", [f"s{n}" for n in range(24)])
def test_every_figure_of_a_key_agrees_with_pytorch_autograd(student):
    variant = draw_variant(11, student, WIDE)
    key = key_figures(variant, "a source")
    assert {name: type(v) for name, v in key.items()} == {name: type(v) for name, v in CANONICAL.items()}
    x, y = np.array(key["network"]["x"]), np.array(key["network"]["y"])
    params = [(np.array(W), np.array(b)) for W, b in key["network"]["params"]]
    activation, lr = key["network"]["activation"], key["network"]["lr"]
    assert (x.tolist(), y.tolist(), activation, lr) == ([list(variant.x)], [list(variant.y)], variant.activation, variant.lr)
    assert_close(key["hidden"], torch_oracle.forward(x, params[:1], activation), "hidden")
    assert_close(key["output"], torch_oracle.forward(x, params, activation), "output")
    assert_close(key["loss"], torch_oracle.loss(x, y, params, activation), "loss")
    for layer, ((dW, db), (tW, tb)) in enumerate(zip(key["grads"], torch_oracle.grads(x, y, params, activation))):
        assert_close(dW, tW, f"dW{layer + 1}")
        assert_close(db, tb, f"db{layer + 1}")
    stepped, _ = torch_oracle.train_step(x, y, params, lr, activation)
    for layer, ((W, b), (tW, tb)) in enumerate(zip(key["params_after_step"], stepped)):
        assert_close(W, tW, f"W{layer + 1} after the step")
        assert_close(b, tb, f"b{layer + 1} after the step")
    chain = key["chain_rule"]
    point = (chain["x"], chain["w"], chain["b"])
    assert point == variant.chain
    assert_close(chain["f"], torch_oracle.composite(*point), "f")
    assert_close(chain["local_derivatives"], torch_oracle.local_derivatives(*point), "local derivatives")
    assert_close([chain["df_dw"], chain["df_db"]], torch_oracle.composite_grad(*point), "df/dw, df/db")
    batches = key["batches"]
    n, b, epochs = variant.batches
    assert batches == {
        "num_samples": n, "batch_size": b, "epochs": epochs,
        "num_batches": math.ceil(n / b), "num_iterations": epochs * math.ceil(n / b),
    }


# The files -----------------------------------------------------------------------------------


def files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_same_seed_and_roster_give_byte_identical_files(tmp_path):
    students = ["ada", "bob", "chen li"]
    generate(seed=4, students=students, out=tmp_path / "one", bounds=EVERY_ACTIVATION)
    generate(seed=4, students=students, out=tmp_path / "two", bounds=EVERY_ACTIVATION)
    one = files(tmp_path / "one")
    assert one == files(tmp_path / "two")
    assert sorted(one) == sorted(
        [f"{folder}/{name}" for folder in ("ada", "bob", "chen-li") for name in problem_set.FILES] + ["roster.csv"]
    )
    assert one["roster.csv"] == b"student,variant\nada,ada\nbob,bob\nchen li,chen-li\n"


def test_a_reordered_roster_gives_each_student_the_same_files(tmp_path):
    generate(seed=4, students=["ada", "bob"], out=tmp_path / "one")
    generate(seed=4, students=["bob", "ada", "eve"], out=tmp_path / "two")
    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert all(two[name] == content for name, content in one.items() if name != "roster.csv")
    generate(seed=5, students=["ada"], out=tmp_path / "three")
    assert files(tmp_path / "three")["ada/key.json"] != one["ada/key.json"]


def test_the_notebook_is_a_valid_v4_notebook_with_the_released_stubs(tmp_path):
    generate(seed=4, students=["ada"], out=tmp_path)
    notebook = nbformat.read(tmp_path / "ada" / "assignment.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert (notebook.nbformat, notebook.metadata.kernelspec.name) == (4, "python3")
    code = {cell.id: cell.source for cell in notebook.cells if cell.cell_type == "code"}
    assert list(code) == ["network", *(f"code-{module}" for module in MODULES)]
    for module in MODULES:
        assert code[f"code-{module}"] + "\n" == (STUBS / f"{module}.py").read_text(encoding="utf-8")


def test_the_network_cell_builds_the_keys_network(tmp_path):
    generate(seed=4, students=["ada"], out=tmp_path, bounds=EVERY_ACTIVATION)
    notebook = nbformat.read(tmp_path / "ada" / "assignment.ipynb", as_version=4)
    namespace: dict = {}
    exec(next(cell.source for cell in notebook.cells if cell.id == "network"), namespace)
    network = json.loads((tmp_path / "ada" / "key.json").read_text(encoding="utf-8"))["network"]
    assert namespace["x"].tolist() == network["x"] and namespace["y"].tolist() == network["y"]
    assert [[W.tolist(), b.tolist()] for W, b in namespace["params"]] == network["params"]
    assert (namespace["activation"], namespace["lr"]) == (network["activation"], network["lr"])


def lesson_text(folder: Path) -> str:
    notebook = nbformat.read(folder / "assignment.ipynb", as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


@pytest.mark.parametrize("student", ["ada", "bob", "eve"])
def test_the_lesson_uses_the_variants_own_numbers(tmp_path, student):
    generate(seed=9, students=[student], out=tmp_path, bounds=EVERY_ACTIVATION)
    key = json.loads((tmp_path / student / "key.json").read_text(encoding="utf-8"))
    text = lesson_text(tmp_path / student)
    network, chain, batches = key["network"], key["chain_rule"], key["batches"]
    (W1, b1), (W2, b2) = network["params"]
    assert f"\\eta = {network['lr']:.2f}" in text
    assert f"$N = {batches['num_samples']}$ samples in batches of $B = {batches['batch_size']}$" in text
    assert f"$E = {batches['epochs']}$" in text
    assert f"$x = {chain['x']:.2f}$, $w = {chain['w']:.2f}$, $b = {chain['b']:.2f}$" in text
    assert " & ".join(f"{v:.2f}" for v in W2[-1]) + r" \end{pmatrix}" in text
    w11, x1 = W1[0][0], network["x"][0][0]
    factor = "({:.2f})".format if w11 < 0 else "{:.2f}".format
    x_factor = "({:.2f})".format if x1 < 0 else "{:.2f}".format
    assert f"z^{{(1)}}_1 = {factor(w11)} \\cdot {x_factor(x1)}" in text
    assert {"sigmoid": r"\sigma'(z)", "tanh": r"\tanh'(z)", "relu": r"\operatorname{relu}'(z)"}[network["activation"]] in text
    for question in questions(key):
        if question.id.startswith(("dL/dW", "new ")):
            assert f"`{question.id}`" in text


def test_the_lesson_gives_no_answer_away(tmp_path):
    generate(seed=9, students=["ada", "bob"], out=tmp_path)
    for student in ("ada", "bob"):
        key = json.loads((tmp_path / student / "key.json").read_text(encoding="utf-8"))
        text = lesson_text(tmp_path / student)
        figures = [key["loss"], *key["hidden"][0], *key["output"][0], key["chain_rule"]["f"]]
        figures += [v for dW, db in key["grads"] for row in dW for v in row] + [v for _, db in key["grads"] for v in db]
        for value in figures:
            assert f"{abs(value):.4f}"[:-1] not in text, value


def test_the_answer_sheet_asks_the_keys_questions_blank(tmp_path):
    generate(seed=4, students=["ada"], out=tmp_path)
    key = json.loads((tmp_path / "ada" / "key.json").read_text(encoding="utf-8"))
    sheet = json.loads((tmp_path / "ada" / "answers.json").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in sheet["answers"]] == [q.id for q in questions(key)]
    assert {entry["answer"] for entry in sheet["answers"]} == {None}
    assert (sheet["variant"], sheet["digits"]) == ("ada", 4)


def same_key(text: str, expected: str) -> bool:
    """Equal up to the last bits of the computed floats.

    Drawn numbers are exact, but NumPy's exp may differ by an ulp from one CPU
    to another, so computed figures are held to 1e-12, all else exactly.
    """
    def flat(value):
        if isinstance(value, dict):
            return [(name, *flat(item)) for name, item in value.items()]
        if isinstance(value, list):
            return [item for v in value for item in flat(v)]
        return [value]

    got, want = flat(json.loads(text)), flat(json.loads(expected))
    return len(got) == len(want) and all(
        math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-15) if isinstance(g, float) else g == w
        for g, w in zip(got, want)
    ) and re.sub(r"-?\d[\d.e+-]*", "0", text) == re.sub(r"-?\d[\d.e+-]*", "0", expected)


@pytest.mark.parametrize("name", problem_set.FILES)
def test_a_generated_variant_matches_its_golden_copy(tmp_path, name):
    generate(seed=2024, students=["ada"], out=tmp_path, bounds=Bounds((2, 2, 2), (3, 4, 3), ("sigmoid",)))
    text = (tmp_path / "ada" / name).read_bytes().decode("utf-8")
    check_golden(f"variant/{name}", text, compare=same_key if name == "key.json" else None)


# Rosters -----------------------------------------------------------------------------------


def test_a_roster_is_read_from_its_student_column(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("\ufeffname,Student,email\nAda L,ada,a@x\n\n ,,\nBob,bob ,b@x\n", encoding="utf-8")
    assert read_roster(roster) == ["ada", "bob"]
    roster.write_text("login\nada\nbob\n", encoding="utf-8")
    assert read_roster(roster) == ["ada", "bob"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "{path}: empty roster (expected a header, then one student per row)"),
        ("student\n", "{path}: no students (expected a header, then one student per row)"),
        ("name,student\nAda,ada\nBob,\n", "{path}, line 3: no student id in column 2"),
        ("student\nada\nbob\nada\n", "{path}, line 4: 'ada' is already on line 2"),
        ("student\nada\n../eve\n", "{path}, line 3: student id '../eve' cannot name a file (no '/', '\\', leading '.')"),
        ("student\n.eve\n", "{path}, line 2: student id '.eve' cannot name a file (no '/', '\\', leading '.')"),
    ],
)
def test_a_bad_roster_gives_a_one_line_error_naming_its_line(tmp_path, content, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(content, encoding="utf-8")
    with pytest.raises(KeyFileError) as error:
        read_roster(roster)
    assert str(error.value) == message.format(path=roster)


def test_students_whose_folders_would_collide_are_refused(tmp_path):
    assert folder_name("ana.b@uni.edu") == "ana.b-uni.edu"
    assert folder_name("../..") == "student"
    with pytest.raises(UsageError) as error:
        generate(seed=1, students=["Ana B", "ana-b"], out=tmp_path)
    assert str(error.value) == "students 'Ana B' and 'ana-b' would share the folder 'ana-b': rename one"
    assert not any(tmp_path.iterdir())


def test_the_written_roster_gives_grader_grade_each_students_key(tmp_path):
    from grader.roster import RosterRow
    from grader.roster import read_roster as read_batch_roster

    generate(seed=1, students=["ada", "bob lee"], out=tmp_path)
    assert read_batch_roster(tmp_path / "roster.csv") == [
        RosterRow("ada", "", tmp_path / "ada" / "key.json"),
        RosterRow("bob lee", "", tmp_path / "bob-lee" / "key.json"),
    ]


# Grading a variant with its key ------------------------------------------------------------------


def filled_in(notebook_path: Path, out: Path, replace: dict[str, str] | None = None) -> Path:
    """The variant's notebook with every stub cell replaced by the reference (or by `replace`)."""
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        if cell.id.startswith("code-"):
            module = cell.id.removeprefix("code-")
            cell.source = (replace or {}).get(module) or one_namespace((REFERENCE / f"{module}.py").read_text(encoding="utf-8"))
    nbformat.write(notebook, out)
    return out


@pytest.fixture(scope="module")
def relu_variant(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("problem-set")
    generate(seed=3, students=["ada"], out=out, bounds=Bounds((3, 4, 2), (3, 4, 2), ("relu",)))
    return out / "ada"


def test_the_reference_in_a_variants_notebook_scores_100_with_its_key(relu_variant, tmp_path):
    notebook = filled_in(relu_variant / "assignment.ipynb", tmp_path / "filled.ipynb")
    report = api.check(notebook, key=relu_variant / "key.json", examples=2)
    assert (report.score, report.max_score) == (100, 100), [e.name for e in report.exercises if e.status != "passed"]
    names = {check.name for e in report.exercises for check in e.checks}
    assert "canonical 3-4-2" in names and "canonical 2-2-2" not in names


def test_the_untouched_notebook_of_a_variant_is_all_missing(relu_variant):
    report = api.check(relu_variant / "assignment.ipynb", key=relu_variant / "key.json", examples=1)
    assert {e.status for e in report.exercises} == {"missing"}


HARDCODED = {
    "forward": "import numpy as np\n\ndef forward(x, params, activation='sigmoid'):\n    return np.array({output})\n",
    "backward": "import numpy as np\n\ndef backward(x, y, params, activation='sigmoid'):\n"
    "    return [(np.array(W), np.array(b)) for W, b in {grads}]\n",
}


def test_hardcoded_canonical_answers_pass_the_canonical_check_but_fail_under_a_variant_key(relu_variant, tmp_path):
    replace = {
        "forward": HARDCODED["forward"].format(output=CANONICAL["output"]),
        "backward": HARDCODED["backward"].format(grads=CANONICAL["grads"]),
    }
    notebook = filled_in(relu_variant / "assignment.ipynb", tmp_path / "hardcoded.ipynb", replace)
    only = ("forward.forward", "backward.backward")

    def canonical_checks(report):
        return {e.name: [c.passed for c in e.checks if c.name.startswith("canonical")] for e in report.exercises}

    assert canonical_checks(api.check(notebook, only=only, examples=1)) == {name: [True] for name in only}
    assert canonical_checks(api.check(notebook, only=only, examples=1, key=relu_variant / "key.json")) == {
        name: [False] for name in only
    }


# The command line ----------------------------------------------------------------------------


def test_generate_writes_count_students_and_says_where(runner, tmp_path):
    result = runner.invoke(main, ["generate", "--seed", "3", "--count", "2", "--out", str(tmp_path)])
    assert (result.exit_code, result.output) == (0, f"wrote 2 variants to {tmp_path} (roster: {tmp_path / 'roster.csv'})\n")
    assert (tmp_path / "roster.csv").read_text(encoding="utf-8") == (
        "student,variant\nstudent-001,student-001\nstudent-002,student-002\n"
    )


def test_generate_from_a_roster_with_bounds(runner, tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("student\nada\n", encoding="utf-8")
    args = ["generate", "--seed", "3", "--roster", str(roster), "--out", str(tmp_path / "out"),
            "--sizes", "3-4-3", "--activation", "tanh"]
    result = runner.invoke(main, args)
    assert (result.exit_code, result.output) == (0, f"wrote 1 variant to {tmp_path / 'out'} (roster: {tmp_path / 'out' / 'roster.csv'})\n")
    network = json.loads((tmp_path / "out" / "ada" / "key.json").read_text(encoding="utf-8"))["network"]
    assert network["activation"] == "tanh" and [len(W[0]) for W, _ in network["params"]] + [len(network["y"][0])] == [3, 4, 3]


@pytest.mark.parametrize("args", [["--out", "o"], ["--count", "2", "--roster", "r.csv", "--out", "o"]])
def test_generate_needs_exactly_one_of_count_and_roster(runner, args):
    result = runner.invoke(main, ["generate", "--seed", "1", *args])
    assert result.exit_code == 2
    assert result.output == "grader: give either --count N or --roster ROSTER.CSV (try 'grader generate --help')\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--count", "0"], "grader: --count must be between 1 and 10000, got 0\n"),
        (["--count", "2", "--sizes", "2-2"], "grader: --sizes '2-2': expected IN-HIDDEN-OUT or SMALLEST:LARGEST, such as 2-2-2:3-4-3\n"),
        (["--roster", "nowhere.csv"], "grader: nowhere.csv: cannot be read: No such file or directory\n"),
    ],
)
def test_generate_errors_are_one_line_with_exit_code_2(runner, tmp_path, args, message):
    result = runner.invoke(main, ["generate", "--seed", "1", "--out", str(tmp_path), *args])
    assert (result.exit_code, result.output) == (2, message)


def test_release_writes_the_student_version_and_lists_it(runner, tmp_path):
    result = runner.invoke(main, ["release", str(REFERENCE), "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert result.output == "".join(f"{tmp_path / f'{m}.py'}\n" for m in sorted(MODULES))
    assert files(tmp_path) == {f"{m}.py": (STUBS / f"{m}.py").read_bytes() for m in MODULES}


def test_release_errors_are_one_line_with_exit_code_2(runner, tmp_path):
    source = tmp_path / "solution.py"
    source.write_text("def f():\n    ### BEGIN SOLUTION\n    return 1\n", encoding="utf-8")
    result = runner.invoke(main, ["release", str(source), "--out", str(tmp_path / "out.py")])
    assert (result.exit_code, result.output) == (2, f"grader: {source}, line 2: BEGIN SOLUTION without an END SOLUTION\n")
    assert not (tmp_path / "out.py").exists()


def test_batch_grading_takes_each_students_variant_from_the_roster(tmp_path):
    from grader.batch import grade_batch

    generate(seed=3, students=["ada", "bob"], out=tmp_path / "set", bounds=Bounds((2, 3, 2), (2, 3, 2)))
    ada_output = json.loads((tmp_path / "set" / "ada" / "key.json").read_text(encoding="utf-8"))["output"]
    hardcoded = {"forward": HARDCODED["forward"].format(output=ada_output)}
    (tmp_path / "in").mkdir()
    for student in ("ada", "bob"):  # both hand in ada's answers
        filled_in(tmp_path / "set" / student / "assignment.ipynb", tmp_path / "in" / f"{student}.ipynb", hardcoded)
    grade_batch(tmp_path / "in", out=tmp_path / "out", jobs=1, roster=tmp_path / "set" / "roster.csv",
                examples=1, only=("forward.forward",))

    def canonical_check(student):
        report = json.loads((tmp_path / "out" / "reports" / f"{student}.json").read_text(encoding="utf-8"))
        (exercise,) = report["exercises"]
        return [check["passed"] for check in exercise["checks"] if check["name"].startswith("canonical")]

    assert (canonical_check("ada"), canonical_check("bob")) == ([True], [False])
