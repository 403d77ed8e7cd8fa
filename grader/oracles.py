"""Three oracles for a gradient that failed: the reference, the student's own forward, and the result itself.

Comparing a gradient with the reference alone says that it is wrong, not
where the mistake lies. Central differences of the student's own forward
(and half_sse) give the gradient their forward implies, so the two together
tell "your backward matches your own forward, but your forward is wrong" from
"your forward is right and your backward is not". The student's forward runs
in their worker on perturbed parameters (h = 1e-6), one entry at a time: every
entry of the 2-2-2 example, the most wrong of each array on a larger case.
PyTorch autograd, the third oracle of the tests, equals the reference there
(reference/torch_oracle.py) and is never imported in this process.

For train_step the gradient is the one its update steps along,
(params - new params) / lr.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from reference import forward as ref_forward

from .compare import compare_arrays
from .divergence import by_layer, entry_name, lesson_pass
from .plans import input_scale
from .i18n import N_, _, listing
from .suite import net_of

if TYPE_CHECKING:
    from .explain import Student

H = 1e-6
MAX_ENTRIES = 12  # every parameter of the 2-2-2 example
AGREE_RTOL = 1e-5  # central differences err by ~1e-10 here; the mistakes they must show, by 1e-3 or more
AGREE_ATOL = 1e-8
KINK_MARGIN = 1e-3  # a relu z this close to 0 makes central differences average two slopes
SUBJECTS = {"backward.backward": N_("your backward"), "training.train_step": N_("your train_step's gradient")}


def triangulate(name: str, student: Student, trial, *, place: str, lesson: bool) -> list[str]:
    """Two lines placing the mistake in forward or in backward; [] when the oracles cannot tell."""
    if name not in SUBJECTS or trial.outcome.status != "ok":
        return []
    net = net_of(trial.case)
    lr = trial.case.args[3] if name == "training.train_step" else None
    mine = gradient_of(trial.outcome.value, net.params, lr)
    ref = lesson_pass(net)
    reference = by_layer(ref.grads[1:], ("dW", "db"))
    scale = input_scale(trial.case)
    if mine is None or all(compare_arrays(mine[k], ref_k, input_scale=scale) is None
                           for k, ref_k in reference.items()):
        return []
    if net.activation == "relu" and any(np.any(np.abs(z) < KINK_MARGIN) for z in ref.z[1:]):
        return []
    own = own_forward(student, net, scale)
    if own is None:
        return []
    loss, forward_ok, loss_ok = own
    with np.errstate(all="ignore"):  # a student's inf or nan is an answer, not a warning
        entries = chosen_entries(mine, reference, min(MAX_ENTRIES, student.left // (2 if loss_ok else 4)))
        numeric = central_differences(loss, net, entries) if entries else None
        if numeric is None:
            return []
        tried = dict.fromkeys(key for key, _index in entries)
        disagree = [k for k in reference if k in tried and not agree(mine[k], numeric, k)]
    head = _("Oracles on {place}").format(place=place)
    if lr is not None:
        head += _(" (your train_step's gradient is (params - new params) / lr)")
    line = verdict(head, _(SUBJECTS[name]), forward_ok, loss_ok, disagree)
    return [line, example_line(mine, numeric, reference, lesson, disagree)] if line else []


def gradient_of(value, params: list, lr: float | None) -> dict | None:
    """{dW1: ..., db1: ...} from backward's result, or from train_step's update when `lr` is given."""
    if lr == 0:
        return None
    try:
        pairs = value if lr is None else value[0]
        if len(pairs) != len(params) or any(len(pair) != 2 for pair in pairs):
            return None
        got, before = by_layer(pairs, ("dW", "db")), by_layer(params, ("dW", "db"))
        if any(got[k].shape != before[k].shape for k in got):
            return None
        return got if lr is None else {k: (before[k] - got[k]) / lr for k in got}
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None


def own_forward(student: Student, net, scale: float):
    """(loss of params, forward right?, half_sse right?) by the student's forward and half_sse, or None.

    When the student's half_sse agrees with the reference's on their own
    output, the loss is taken in this process: one call per evaluation, not two.
    """
    y_hat = student.call("forward", "forward", net.x, net.params, activation=net.activation)
    if y_hat is None or y_hat.shape != np.shape(net.y):
        return None
    theirs = student.call("forward", "half_sse", y_hat, net.y, returns="number")
    if theirs is None or theirs.size != 1:
        return None
    right_loss = np.asarray(ref_forward.half_sse(y_hat, net.y))
    loss_ok = compare_arrays(theirs.reshape(()), right_loss, input_scale=scale) is None
    right = ref_forward.forward(net.x, net.params, net.activation)
    forward_ok = compare_arrays(y_hat, right, input_scale=scale) is None

    def loss(params):
        out = student.call("forward", "forward", net.x, params, activation=net.activation)
        if out is None or out.shape != np.shape(net.y):
            return None
        if loss_ok:
            return ref_forward.half_sse(out, net.y)
        value = student.call("forward", "half_sse", out, net.y, returns="number")
        return None if value is None or value.size != 1 else float(value.reshape(()))

    return loss, forward_ok, loss_ok


def chosen_entries(mine: dict, reference: dict, limit: int) -> list[tuple[str, tuple[int, ...]]]:
    """Up to `limit` (key, index) pairs, taken in turn from each array, most wrong first."""
    error = {key: np.abs(mine[key] - reference[key]) for key in mine}
    queues = {key: [np.unravel_index(flat, e.shape) for flat in np.argsort(-e, axis=None, kind="stable")]
              for key, e in error.items()}
    order = sorted(queues, key=lambda key: -float(np.max(error[key], initial=0.0)))
    chosen: list[tuple[str, tuple[int, ...]]] = []
    while len(chosen) < limit and any(queues.values()):
        for key in order:
            if queues[key] and len(chosen) < limit:
                chosen.append((key, tuple(int(i) for i in queues[key].pop(0))))
    return chosen


def central_differences(loss, net, entries) -> dict | None:
    """{(key, index): dL/dparam} by central differences of `loss`; None if a call fails."""
    numeric = {}
    for key, index in entries:
        layer, part = int(key[2:]) - 1, 0 if key.startswith("dW") else 1
        values = []
        for step in (H, -H):
            params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in net.params]
            params[layer][part][index] += step
            values.append(loss(params))
        if None in values:
            return None
        numeric[(key, index)] = (values[0] - values[1]) / (2 * H)
    return numeric


def agree(mine: np.ndarray, numeric: dict, key: str) -> bool:
    """The student's gradient and central differences agree on the entries of `key` tried."""
    ours = np.array([mine[index] for (k, index) in numeric if k == key])
    theirs = np.array([v for (k, _index), v in numeric.items() if k == key])
    scale = float(np.max(np.abs(ours)) + np.max(np.abs(theirs)))
    return bool(np.max(np.abs(ours - theirs)) <= AGREE_RTOL * scale + AGREE_ATOL)


def verdict(head: str, subject: str, forward_ok: bool, loss_ok: bool, disagree: list[str]) -> str:
    """Which of forward and backward is wrong, as one sentence; "" when the oracles do not say."""
    wrong = [f for f, ok in (("forward", forward_ok), ("half_sse", loss_ok)) if not ok]
    names, fix = _(" and ").join(wrong), _(" and ").join(f"forward.{f}" for f in wrong)
    where = listing(disagree)
    if not wrong:
        if not disagree:
            return ""
        return _("{head}: your forward is right and {subject} is not: it disagrees with the reference and "
                 "with central differences of your own forward at {where}.").format(head=head, subject=subject, where=where)
    if not disagree:
        return _("{head}: {subject} matches your own forward, but your {names} is wrong: central differences "
                 "of your forward and half_sse agree with it, and they do not match the reference. "
                 "Fix {fix} first.").format(head=head, subject=subject, names=names, fix=fix)
    return _("{head}: {subject} disagrees with your own forward (central differences of your forward and "
             "half_sse, at {where}), and your {names} is wrong too. Fix {fix} first, then compare {subject} "
             "with central differences of it.").format(head=head, subject=subject, where=where, names=names, fix=fix)


def example_line(mine: dict, numeric: dict, reference: dict, lesson: bool, disagree: list[str]) -> str:
    """The three oracles at one entry: where yours differs most from your forward's (else the reference's)."""

    def gap(entry):
        key, index = entry
        return abs(mine[key][index] - (numeric[entry] if disagree else reference[key][index]))

    key, index = max((e for e in numeric if not disagree or e[0] in disagree), key=gap)
    text = _("yours {yours:.10g}, central differences of your forward {numeric:.10g}, reference {reference:.10g}")
    text = text.format(yours=mine[key][index], numeric=numeric[(key, index)], reference=reference[key][index])
    return f"  {entry_name(key, index, lesson)}: {text}"
