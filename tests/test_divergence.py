"""The first divergence in the lesson's order, and the command that replays a failure.

Unit tests drive the stages with `FakeStudent` (the reference's functions,
some swapped for buggy ones, called in this process); the rest grade buggy
submissions end to end, each the reference with one function rewritten.
"""

from __future__ import annotations

import copy
import importlib
import json
import shlex

import numpy as np
import pytest

from conftest import student_source
from grader import divergence, explain
from grader.api import check
from grader.cases import canonical, canonical_figures, random_network
from grader.cli import main
from grader.divergence import Sourcing, entry_name, first_divergence, lesson_pass, network_stages
from grader.explain import MAX_CALLS
from grader.sandbox import Limits
from reference import training

NETWORK = ("forward", "backward", "training")
MAZUR = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]  # w1..w8 in the lesson's figure


class FakeStudent:
    """explain.Student in this process: the reference's functions, some replaced by `functions`."""

    def __init__(self, budget: int = MAX_CALLS, **functions):
        self.functions, self.left, self.calls = functions, budget, 0

    def call(self, module, function, *args, returns="array", **kwargs):
        self.calls += 1
        if self.left <= 0:
            return None
        self.left -= 1
        reference = getattr(importlib.import_module(f"reference.{module}"), function)
        target = self.functions.get(function, reference)
        if target is None:  # the student has not written it
            return None
        return as_worker_sends(target(*copy.deepcopy(args), **kwargs), returns)


def as_worker_sends(value, kind):
    if isinstance(kind, list):
        kinds = [kind[1]] * len(value) if kind[0] == "list" else kind
        return [as_worker_sends(v, k) for v, k in zip(value, kinds)]
    return np.asarray(value, dtype=float)


def replaced(module: str, old: str, new: str) -> str:
    source = student_source(module)
    assert old in source, f"{module}.py no longer holds the text this test rewrites"
    return source.replace(old, new)


def feedback(report, name: str) -> str:
    return next(e for e in report.exercises if e.name == name).feedback


# The lesson's names and intermediates ------------------------------------------------------


def test_the_weights_of_the_2_2_2_example_are_named_w1_to_w8_as_in_the_lesson():
    net = canonical()
    for layer, (W, _) in enumerate(net.params, start=1):
        for index in np.ndindex(W.shape):
            name = entry_name(f"W{layer}", index, lesson=True)
            number = int(name.split("(w")[1].rstrip(")"))
            assert MAZUR[number - 1] == W[index], name


def test_entries_get_the_lessons_names_only_on_the_lessons_example():
    assert entry_name("dW1", (0, 1), lesson=True) == "dW1[0, 1] (dE/dw2)"
    assert entry_name("dW2", (1, 0), lesson=True) == "dW2[1, 0] (dE/dw7)"
    assert entry_name("z1", (0, 1), lesson=True) == "z1[0, 1] (net_h2)"
    assert entry_name("a2", (0, 0), lesson=True) == "a2[0, 0] (out_o1)"
    assert entry_name("dz1", (0, 0), lesson=True) == "dz1[0, 0] (dE/dnet_h1)"
    assert entry_name("loss", (), lesson=True) == "loss (E_total)"
    assert entry_name("b1", (1,), lesson=True) == "b1[1]"
    assert entry_name("dW1", (0, 1), lesson=False) == "dW1[0, 1]"


def test_the_intermediates_end_in_the_canonical_figures_computed_by_pytorch():
    figures, net = canonical_figures(), canonical()
    ref = lesson_pass(net, figures["network"]["lr"])
    np.testing.assert_allclose(ref.a[-1], figures["output"], rtol=1e-12)
    np.testing.assert_allclose(ref.loss, figures["loss"], rtol=1e-12)
    for (dW, db), (want_dW, want_db) in zip(ref.grads[1:], figures["grads"]):
        np.testing.assert_allclose(dW, want_dW, rtol=1e-12)
        np.testing.assert_allclose(db, want_db, rtol=1e-12)
    for (W, b), (want_W, want_b) in zip(ref.new_params, figures["params_after_step"]):
        np.testing.assert_allclose(W, want_W, rtol=1e-12)
        np.testing.assert_allclose(b, want_b, rtol=1e-12)


def trace(student, net=None, observed=None, *, upto="update", lr=0.5):
    net = net or canonical()
    stages = network_stages(net, lesson_pass(net, lr), Sourcing(student, observed or {}), upto=upto, lr=lr)
    return first_divergence(stages)


def test_correct_functions_give_no_divergence():
    assert trace(FakeStudent()) is None
    assert trace(FakeStudent(), random_network([3, 4, 2, 3], 4, "tanh", seed=1)) is None


def test_a_wrong_building_block_is_the_divergence_and_everything_before_it_matched():
    def a_formula_on_z(da, z, activation="sigmoid"):  # z * (1 - z): the a-formula applied to z
        return da * z * (1 - z)

    found = trace(FakeStudent(activation_backward=a_formula_on_z))
    assert found.stage.short == "the output delta dL/dz2"
    assert found.source == "your activation_backward"
    assert found.matched == ("z1", "a1", "z2", "a2", "the loss")


def test_a_missing_building_block_is_skipped_and_said_unchecked():
    found = trace(FakeStudent(linear_forward=None, sigmoid=lambda z: z))
    assert (found.stage.short, found.matched, found.unchecked) == ("a1", (), ("z1",))


def test_the_exercises_own_result_decides_over_its_building_blocks():
    new_params, loss = training.train_step(*canonical()[:3], 0.5)
    good = {**divergence.by_layer(new_params, ("W", "b")), "loss": np.asarray(loss)}
    assert trace(FakeStudent(), observed=good) is None
    found = trace(FakeStudent(), observed={**good, "W1": good["W1"] + 1e-4})  # its sgd_update is right
    assert found.stage.short == "the updated parameters" and found.source == "your result"


def test_with_one_sample_a_delta_is_read_from_db_when_dw_agrees_with_it():
    ref = lesson_pass(canonical())
    dW1, db1 = ref.grads[1]
    observed = {"dW2": ref.grads[2][0], "db2": ref.grads[2][1], "dW1": 2 * dW1, "db1": 2 * db1}
    found = trace(FakeStudent(), observed=observed, upto="grads")
    assert found.stage.short == "the hidden delta dL/dz1" and "db1" in found.source
    observed["db1"] = db1  # dW1 wrong, db1 right: not the delta, dW1 itself
    assert trace(FakeStudent(), observed=observed, upto="grads").stage.short == "dW1"


def test_the_replay_command_quotes_the_path_and_keeps_what_changes_the_cases():
    figures = canonical_figures()
    command = explain.replay_command("backward.backward", "my work/a.ipynb", Limits(), figures, 3, 7)
    assert command == "Replay: grader check 'my work/a.ipynb' --only backward.backward --seed 3 --examples 7"
    key = {**figures, "loss": 0.3}  # an answer key's figures
    command = explain.replay_command("training.fit", "a", Limits(timeout=30), key, 0, 25)
    assert command.endswith("--examples 25 --timeout 30 --key KEY.JSON")


# Buggy submissions, end to end -------------------------------------------------------------

HIDDEN_LOOP = """    for (W, _), (a_in, z) in zip(reversed(params), reversed(cache)):
        dz = activation_backward(da, z, activation)"""

NO_HIDDEN_DERIVATIVE = {
    "vectorised": """    for i, ((W, _), (a_in, z)) in enumerate(zip(reversed(params), reversed(cache))):
        dz = activation_backward(da, z, activation) if i == 0 else da""",
    "loops": """    for (W, _), (a_in, z) in zip(reversed(params), reversed(cache)):
        if W is params[-1][0]:
            dz = activation_backward(da, z, activation)
        else:
            dz = np.zeros_like(da)
            for r in range(da.shape[0]):
                for c in range(da.shape[1]):
                    dz[r, c] = da[r, c]  # the activation's derivative forgotten""",
}
NO_OUTPUT_DERIVATIVE = """    for i, ((W, _), (a_in, z)) in enumerate(zip(reversed(params), reversed(cache))):
        dz = da if i == 0 else activation_backward(da, z, activation)"""


@pytest.mark.parametrize("style", sorted(NO_HIDDEN_DERIVATIVE))
def test_a_wrong_hidden_delta_is_the_first_divergence(submissions, style):
    source = replaced("backward", HIDDEN_LOOP, NO_HIDDEN_DERIVATIVE[style])
    report = check(submissions.folder(replace={"backward": source}), only=("backward.backward",), examples=5)
    text = feedback(report, "backward.backward")
    assert "First divergence on the 2-2-2 example: the hidden delta dL/dz1" in text
    assert "dz1[0, 0] (dE/dnet_h1): expected 0.008771354689" in text
    before = "z1, a1, z2, a2, the loss, the output delta dL/dz2, dW2, db2, dL/da1"
    assert f"Everything before it matches: {before}." in text
    assert "your forward is right and your backward is not" in text


@pytest.mark.parametrize("form", ["folder", "notebook"])  # a notebook's functions share one module
def test_stale_weights_diverge_at_the_updated_first_layer(submissions, form):
    path = getattr(submissions, form)("training__stale_weights")
    report = check(path, only=("training.train_step",), examples=5)
    text = feedback(report, "training.train_step")
    assert "on the 2-2-2 example: the updated parameters W - lr * dW, b - lr * db (W1, b1 differ)" in text
    assert "W1[0, 0] (w1): expected 0.1497807161, got 0.1498176386" in text
    assert "the hidden delta dL/dz1, dW1, db1." in text
    assert "your forward is right and your train_step's gradient is not" in text


LAST_LAYER = '''    for W, b in params:
        a = ACTIVATIONS[activation](linear_forward(a, W, b))
    return a'''
LINEAR_OUTPUT = '''    for i, (W, b) in enumerate(params):
        z = linear_forward(a, W, b)
        a = ACTIVATIONS[activation](z) if i < len(params) - 1 else z  # no activation on the output
    return a'''


def test_a_backward_true_to_a_wrong_forward_is_told_to_fix_forward(submissions):
    backward = replaced("backward", "        a = ACTIVATIONS[activation](z)\n    da =",
                        "        a = ACTIVATIONS[activation](z) if len(cache) < len(params) else z\n    da =")
    backward = backward.replace(HIDDEN_LOOP, NO_OUTPUT_DERIVATIVE)  # a linear output, consistently
    forward = replaced("forward", LAST_LAYER, LINEAR_OUTPUT)
    report = check(submissions.folder(replace={"backward": backward, "forward": forward}),
                   only=("backward.backward",), examples=5)
    text = feedback(report, "backward.backward")
    assert "on the 2-2-2 example: a2 = sigmoid(z2), the output (forward pass), from your forward" in text
    assert "your backward matches your own forward, but your forward is wrong" in text
    assert "Fix forward.forward first." in text


def test_a_backward_wrong_with_a_wrong_forward_disagrees_with_it(submissions):
    backward = replaced("backward", HIDDEN_LOOP, NO_HIDDEN_DERIVATIVE["vectorised"])
    forward = replaced("forward", LAST_LAYER, LINEAR_OUTPUT)
    report = check(submissions.folder(replace={"backward": backward, "forward": forward}),
                   only=("backward.backward",), examples=5)
    assert "your backward disagrees with your own forward" in feedback(report, "backward.backward")


def test_a_wrong_building_block_is_traced_in_its_own_exercise(submissions):
    source = replaced("backward", "    return np.asarray(da, dtype=float) * ACTIVATION_GRADS[activation](z)",
                      "    return np.asarray(da, dtype=float) * ACTIVATION_GRADS[activation](da)")
    folder = submissions.folder(replace={"backward": source})
    report = check(folder, only=("backward.activation_backward",), examples=5)
    text = feedback(report, "backward.activation_backward")
    assert ("First divergence on the 2-2-2 example: the output delta dL/dz2 (back propagation, step 3), "
            "from your activation_backward:") in text


def test_fit_diverging_after_a_correct_first_step_names_the_iteration(submissions):
    # Rows reordered the same way on every run. tests/buggy's shuffled_batches draws np.random.permutation
    # afresh in each run: in one run of six or so the traced case's first epoch kept its first batch, and
    # the feedback named a later iteration instead ("The 2 iterations before it match").
    source = replaced("training", "    for _ in range(epochs):\n",
                      "    for _ in range(epochs):\n        x, y = x[::-1], y[::-1]\n")
    report = check(submissions.folder(replace={"training": source}), only=("training.fit",), examples=5)
    text = feedback(report, "training.fit")
    assert "the loss of iteration 1 (epoch 1, batch 1), from your fit" in text
    assert "Your train_step on rows 0 to" in text


def test_the_reference_gets_no_explanation_and_stubs_no_replay(submissions):
    report = check(submissions.folder(), only=NETWORK, examples=5)
    assert report.all_passed
    stubs = check(submissions.stubs(), only=NETWORK, examples=5)
    for exercise in (*report.exercises, *stubs.exercises):
        said = [word for word in ("First divergence", "Oracles", "Replay") if word in exercise.feedback]
        assert not said, exercise.name


def test_the_replay_command_reproduces_the_failure(submissions, runner):
    path = submissions.folder("training__stale_weights", "backward__batch_mean")
    report = check(path, only=("backward", "training.train_step"), seed=3, examples=4)
    for exercise in (e for e in report.exercises if e.status != "passed"):
        words = shlex.split(exercise.feedback.rsplit("Replay: ", 1)[1])
        assert words[:3] == ["grader", "check", str(path)]
        replayed = runner.invoke(main, [*words[1:], "--format", "json"])
        again = json.loads(replayed.output)["exercises"]
        assert [e["name"] for e in again] == [exercise.name]
        assert [(c["name"], c["message"]) for c in again[0]["checks"]] == [
            (c.name, c.message) for c in exercise.checks
        ]


def test_the_explanations_calls_are_few_and_their_prints_are_not_the_exercises(submissions, monkeypatch):
    from grader.engine import Runner

    extra, call = [], Runner.call

    def counted(self, *args, module=None, **kwargs):
        if module is not None:  # only the explanation names another module
            extra.append(self.exercise.name)
        return call(self, *args, module=module, **kwargs)

    monkeypatch.setattr(Runner, "call", counted)
    loop = "    a = np.asarray(x, dtype=float)\n    for W, b in params:"
    forward = replaced("forward", loop, "    print('forward ran')\n" + loop)
    source = replaced("backward", HIDDEN_LOOP, NO_HIDDEN_DERIVATIVE["loops"])
    folder = submissions.folder(replace={"backward": source, "forward": forward})
    report = check(folder, only=("backward.backward", "training.train_step"), examples=5)
    alone = check(folder, only=("training.train_step",), examples=5)
    assert 20 <= extra.count("backward.backward") <= MAX_CALLS  # the oracles ran, within the budget
    assert "forward ran" not in next(e for e in report.exercises if e.name == "backward.backward").output
    assert report.exercises[1].output == alone.exercises[0].output
