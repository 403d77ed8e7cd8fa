"""Where a network exercise first goes wrong, in the lesson's order.

The lesson computes z1, a1, z2, a2 (the output), the loss, the output delta
dL/dz2, dW2, db2, the error sent back dL/da1, the hidden delta dL/dz1, dW1,
db1 and the updated parameters, in that order. `first_divergence` follows
those intermediates on one case and names the first that differs from the
reference's. Each intermediate comes from the exercise's own result where
that shows it (backward's dW and db; with one sample db is the delta itself)
and otherwise from the student's smaller functions (linear_forward, sigmoid,
half_sse, activation_backward, linear_backward, sgd_update), each given the
reference's inputs so that it is judged alone. On the 2-2-2 example the
entries also get the lesson's names: w1..w8, net_h1, out_o2, E_total.
Which case is traced, and how the student's functions are called: explain.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from reference import backward as ref_backward
from reference import forward as ref_forward

from .cases import shape_name
from .compare import RTOL, Mismatch, compare_arrays, relative_error
from .i18n import _, listing
from .network import Network

if TYPE_CHECKING:
    from .explain import Student

SHOWN_ENTRIES = 3


# The reference's intermediates ------------------------------------------------------------


@dataclass(frozen=True)
class LessonPass:
    """The reference's intermediates on one network; lists are indexed by layer (index 0 unused for z, dz)."""

    a: list  # a[0] = x, a[k] = activation(z[k]) for layer k
    z: list
    loss: float | None
    dz: list
    da: list  # da[k] = dL/da[k]; da[-1] = y_hat - y
    grads: list  # grads[k] = (dW, db)
    new_params: list | None  # [(W, b)] after one step, when a learning rate is given


def lesson_pass(net: Network, lr: float | None = None) -> LessonPass:
    layers = len(net.params)
    a, z = [np.asarray(net.x, dtype=float)], [None]
    for W, b in net.params:
        z.append(ref_forward.linear_forward(a[-1], W, b))
        a.append(ref_forward.ACTIVATIONS[net.activation](z[-1]))
    dz, da, grads = [None] * (layers + 1), [None] * (layers + 1), [None] * (layers + 1)
    if net.y is None:  # forward's cases have no targets
        return LessonPass(a, z, None, dz, da, grads, None)
    da[layers] = a[layers] - np.asarray(net.y, dtype=float)
    for layer in range(layers, 0, -1):
        dz[layer] = ref_backward.activation_backward(da[layer], z[layer], net.activation)
        W = net.params[layer - 1][0]
        da[layer - 1], dW, db = ref_backward.linear_backward(dz[layer], a[layer - 1], W)
        grads[layer] = (dW, db)
    new = None
    if lr is not None:
        new = [(W - lr * grads[k][0], b - lr * grads[k][1]) for k, (W, b) in enumerate(net.params, start=1)]
    return LessonPass(a, z, ref_forward.half_sse(a[-1], net.y), dz, da, grads, new)


# The lesson's names -----------------------------------------------------------------------

UNIT_NAMES = {"z1": "net_h", "a1": "out_h", "z2": "net_o", "a2": "out_o"}
UNIT_NAMES.update({f"d{key}": f"dE/d{name}" for key, name in UNIT_NAMES.items() if key != "a2"})


def lesson_name(key: str, index: tuple[int, ...]) -> str:
    """The 2-2-2 example's name of an entry: W1[0, 1] -> w2, dW2[1, 0] -> dE/dw7, z1[0, 1] -> net_h2."""
    if key == "loss":
        return "E_total"
    for prefix, fmt in (("W", "w{}"), ("dW", "dE/dw{}")):
        if key[: len(prefix)] == prefix and key[len(prefix) :].isdigit() and len(index) == 2:
            layer = int(key[len(prefix) :])
            return fmt.format(4 * (layer - 1) + 2 * index[0] + index[1] + 1)
    if key in UNIT_NAMES and len(index) == 2:
        return f"{UNIT_NAMES[key]}{index[1] + 1}"
    return ""


def entry_name(key: str, index: tuple[int, ...], lesson: bool) -> str:
    where = key + (f"[{', '.join(map(str, index))}]" if index else "")
    named = lesson_name(key, index) if lesson else ""
    return f"{where} ({named})" if named else where


def is_lesson_example(net: Network) -> bool:
    """The lesson's own network shape, one sample: its entries have names (w1..w8)."""
    return shape_name(net) == "2-2-2" and len(net.x) == 1


# Stages -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """Where the student's value of a stage comes from: the exercise's result, or one smaller function."""

    what: str  # "your linear_backward", "your backward"
    function: str  # the smaller function called, "" for the exercise's own result
    value: Callable[[], dict | None]  # {key: array}, or None when it cannot be had


@dataclass(frozen=True)
class Stage:
    """One intermediate of the lesson: the reference's value; the student's is the first a source gives."""

    short: str  # "the hidden delta dL/dz1", in the list of what matched
    title: str
    expected: dict  # key -> ndarray
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Sourcing:
    """Makes sources: the exercise's result `result` shows `observed` (by key: a2, dW1, loss, W1, ...)."""

    student: Student
    observed: dict
    result: str = ""  # "your backward"; "" for "your result"

    def given(self, key: str) -> Source | None:
        what = self.result or _("your result")
        return Source(what, "", lambda: {key: self.observed[key]}) if key in self.observed else None

    def small(self, module: str, function: str, args: tuple, key: str, pick=None, what="", **kw) -> Source:
        def value():
            got = self.student.call(module, function, *args, **kw)
            return None if got is None else {key: got if pick is None else got[pick]}

        return Source(what or yours(function), function, value)


def yours(function: str) -> str:
    """'your backward'."""
    return _("your {function}").format(function=function)


def stage(short: str, title: str, expected: dict, *sources: Source | None) -> Stage:
    return Stage(short, title, expected, tuple(s for s in sources if s is not None))


def network_stages(net: Network, ref: LessonPass, by: Sourcing, *, upto: str, lr=None) -> Iterator[Stage]:
    """The lesson's intermediates in order, down to `upto`: "output", "grads" or "update"."""
    yield from forward_stages(net, ref, by)
    if upto != "output":
        yield from backward_stages(net, ref, by)
    if upto == "update" and ref.new_params is not None:
        expected = by_layer(ref.new_params, ("W", "b"))
        seen = by.observed if set(expected) <= set(by.observed) else None
        yield stage(_("the updated parameters"), _("the updated parameters W - lr * dW, b - lr * db"), expected,
                    Source(by.result or _("your result"), "", lambda: {k: seen[k] for k in expected}) if seen else None,
                    Source(yours("sgd_update"), "sgd_update", lambda: updates_by(by.student, net, ref, lr)))


def forward_stages(net: Network, ref: LessonPass, by: Sourcing) -> Iterator[Stage]:
    layers, act = len(net.params), net.activation
    for k, (W, b) in enumerate(net.params, start=1):
        yield stage(f"z{k}", _("z{layer}, the pre-activation of layer {layer} (forward pass)").format(layer=k),
                    {f"z{k}": ref.z[k]}, by.small("forward", "linear_forward", (ref.a[k - 1], W, b), f"z{k}"))
        last = k == layers
        whole = by.small("forward", "forward", (net.x, net.params), f"a{k}", activation=act) if last else None
        title = (_("a{layer} = {activation}(z{layer}), the output (forward pass)") if last
                 else _("a{layer} = {activation}(z{layer}) (forward pass)"))
        yield stage(f"a{k}", title.format(layer=k, activation=act),
                    {f"a{k}": ref.a[k]}, by.given(f"a{k}"), whole if net.y is not None else None,
                    by.small("activations", act, (ref.z[k],), f"a{k}"))


def backward_stages(net: Network, ref: LessonPass, by: Sourcing) -> Iterator[Stage]:
    layers, three = len(net.params), ["array", "array", "array"]
    loss = by.small("forward", "half_sse", (ref.a[-1], net.y), "loss", returns="number")
    expected = {"loss": np.asarray(ref.loss)}
    yield stage(_("the loss"), _("the loss L = half_sse(a{layer}, y)").format(layer=layers), expected,
                by.given("loss"), loss)
    for k in range(layers, 0, -1):
        W = net.params[k - 1][0]
        if k == layers:
            short = _("the output delta dL/dz{layer}").format(layer=k)
            title = _("back propagation, step {step}").format(step=3)
        else:
            W_above = net.params[k][0]
            sent = _("dL/da{layer} = dz{above} @ W{above}, the error sent back through W{above} (back propagation, "
                     "step {step})").format(layer=k, above=k + 1, step=4)
            yield stage(f"dL/da{k}", sent, {f"da{k}": ref.da[k]},
                        by.small("backward", "linear_backward", (ref.dz[k + 1], ref.a[k], W_above), f"da{k}",
                                 pick=0, what=_("your linear_backward's dx"), returns=three))
            short = _("the hidden delta dL/dz{layer}").format(layer=k)
            title = _("back propagation, step {step}: step {again} one layer down").format(step=5, again=3)
        yield stage(short, _("{name} ({step})").format(name=short, step=title), {f"dz{k}": ref.dz[k]}, delta_seen(by.observed, k, ref),
                    by.small("backward", "activation_backward", (ref.da[k], ref.z[k]), f"dz{k}",
                             activation=net.activation))
        for i, part in enumerate(("dW", "db"), start=1):
            step = _("back propagation, step {step}").format(step=4 if k == layers else 5)
            yield stage(f"{part}{k}", _("{name} ({step})").format(name=f"{part}{k}", step=step),
                        {f"{part}{k}": ref.grads[k][i - 1]}, by.given(f"{part}{k}"),
                        by.small("backward", "linear_backward", (ref.dz[k], ref.a[k - 1], W), f"{part}{k}",
                                 pick=i, returns=three))


def delta_seen(observed: dict, layer: int, ref: LessonPass) -> Source | None:
    """A delta as backward's result shows it: with one sample db is the delta, when dW agrees with it."""
    db, dW = observed.get(f"db{layer}"), observed.get(f"dW{layer}")
    a_in = ref.a[layer - 1]
    if db is None or dW is None or len(a_in) != 1 or db.ndim != 1 or dW.shape != (db.size, a_in.shape[1]):
        return None
    if compare_arrays(dW, np.outer(db, a_in[0])) is not None:
        return None  # dW and db tell different deltas: the delta is not what went wrong
    what = _("your backward's db{layer} (with one sample, db{layer} is the delta)").format(layer=layer)
    return Source(what, "", lambda: {f"dz{layer}": db[None, :]})


def updates_by(student: Student, net: Network, ref: LessonPass, lr: float) -> dict | None:
    """Every parameter after one step, by the student's sgd_update on the reference's gradients."""
    got = {}
    for k, (W, b) in enumerate(net.params, start=1):
        for name, param, grad in (("W", W, ref.grads[k][0]), ("b", b, ref.grads[k][1])):
            value = student.call("gradient_descent", "sgd_update", param, grad, lr)
            if value is None:
                return None
            got[f"{name}{k}"] = value
    return got


def by_layer(pairs, names: tuple[str, str]) -> dict:
    """[(W, b), ...] -> {"W1": W, "b1": b, ...}."""
    named = ((f"{n}{k}", v) for k, pair in enumerate(pairs, start=1) for n, v in zip(names, pair))
    return {key: np.asarray(v, dtype=float) for key, v in named}


# The first divergence ----------------------------------------------------------------------


@dataclass(frozen=True)
class Divergence:
    stage: Stage
    source: str
    got: dict
    matched: tuple[str, ...]  # the stages before it, each checked and equal
    unchecked: tuple[str, ...]  # the stages before it no function of the student's could give
    scale: float = 1.0


def first_divergence(stages, scale: float = 1.0) -> Divergence | None:
    """The first stage whose value differs; `scale`: the largest |input|, which round-off grows with."""
    matched, unchecked = [], []
    for stage in stages:
        for source in stage.sources:
            got = source.value()
            if got is not None:
                break
        else:
            unchecked.append(stage.short)
            continue
        if any(mismatch(got[key], want, scale) is not None for key, want in stage.expected.items()):
            return Divergence(stage, source.what, got, tuple(matched), tuple(unchecked), scale)
        matched.append(stage.short)
    return None


def mismatch(got, want, scale: float = 1.0) -> Mismatch | None:
    try:
        got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return Mismatch(problem=_("is not an array of numbers"))
    if want.ndim == 0 and got.size == 1:
        got = got.reshape(())
    return compare_arrays(got, want, input_scale=scale)


def describe(divergence: Divergence, *, place: str, lesson: bool) -> list[str]:
    """The divergence in a few lines: where, a handful of entries, and what matched before it."""
    from .verdict import relayed

    stage, lines, shown = divergence.stage, [], 0
    found = {k: mismatch(divergence.got[k], want, divergence.scale) for k, want in stage.expected.items()}
    differing = [k for k, m in found.items() if m is not None]
    which = _(" ({keys} differ)").format(keys=listing(differing)) if len(stage.expected) > 1 else ""
    lines.append(_("First divergence on {place}: {stage}{which}, from {source}:").format(
        place=place, stage=stage.title, which=which, source=divergence.source))
    for key in differing:
        if found[key].problem:
            lines.append(f"  {key} {relayed(found[key].problem)}")
            continue
        listed = found[key].entries[: max(1, SHOWN_ENTRIES - shown)]  # one at least of every differing array
        for index, want, got in listed:
            error = ""
            if np.isfinite(got):
                error = _(" (rel. error {error:.1e} > {tolerance:g})").format(error=relative_error(got, want), tolerance=RTOL)
            name = entry_name(key, index, lesson)
            text = _("expected {want:.10g}, got {got:.10g}").format(want=want + 0.0, got=got + 0.0)  # no "-0"
            lines.append(f"  {name}: {text}{error}")
        shown += len(listed)
        if found[key].count > len(listed):
            lines.append("  " + _("({count} of {size} entries of {key} differ)").format(
                count=found[key].count, size=found[key].size, key=key))
    if divergence.matched:
        lines.append("  " + _("Everything before it matches: {stages}.").format(stages=listing(divergence.matched)))
    if divergence.unchecked:
        lines.append("  " + _("Not checked (none of your functions gives it): {stages}.").format(
            stages=listing(divergence.unchecked)))
    return lines
