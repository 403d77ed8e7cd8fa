"""The exercises of CONTRACT.md: points, cases, reference results and result forms.

Each `Exercise` says how to call one student function (`Case`), what the
reference returns for it, which named cases always run, which strategy draws
the generated ones, and in which form the result must come back. Points sum
to 100; `grader list` shows them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from reference import activations, backward, chain_rule, forward, gradient_descent, training

from . import cases
from .i18n import _, ngettext
from .network import ACTIVATIONS, Network


class Later:
    """A module imported at its first use. Hypothesis (0.1 s to import) is only needed to draw cases,
    which a check whose cases were drawn in an earlier run never does (grader/plan_cache.py)."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self.name), attr)


st = Later("hypothesis.strategies")
gen = Later("grader.strategies")


@dataclass(frozen=True)
class Case:
    """The arguments of one call, as plain data."""

    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Exercise:
    """One contract function as the grader checks it.

    - form: how results are named and compared: "count", "number", "array",
      "numbers" (a list of named scalars), "tuple", "grads", "params+loss",
      "params+losses"
    - parts: names of the results, for messages (dx, dW, db; dW1, db1, ...)
    - reference(case): the expected result, in the student's result form
    - named(figures): [(check name, Case)], always tried; `figures` are the
      canonical example's (reference/canonical-2-2-2.json) or an answer key's
    - generated(): a strategy for Cases, tried `--examples` times
    - kink_check(case): True when relu round-off makes the case unfair
    - mutants: (mistake id, function) pairs, each the student's function with
      one classic mistake: `grader selfcheck` proves the checks catch them
    """

    module: str
    function: str
    points: float
    form: str
    reference: Callable[[Case], object]
    named: Callable[[dict], list[tuple[str, Case]]]
    generated: Callable[[], st.SearchStrategy[Case]]
    parts: tuple[str, ...] = ()
    kink_check: Callable[[Case], bool] = lambda case: False
    mutants: tuple[tuple[str, Callable], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.module}.{self.function}"


def net_case(net: Network, *extra, with_y: bool = True) -> Case:
    args = (net.x, net.y, net.params) if with_y else (net.x, net.params)
    return Case((*args, *extra), {"activation": net.activation})


def named_nets(*extra, with_y: bool = True) -> Callable[[dict], list[tuple[str, Case]]]:
    return lambda f: [(name, net_case(net, *extra, with_y=with_y)) for name, net in cases.named_networks(f)]


def net_of(case: Case) -> Network:
    if len(case.args) >= 3 and isinstance(case.args[2], list):
        return Network(case.args[0], case.args[1], case.args[2], case.kwargs["activation"])
    return Network(case.args[0], None, case.args[1], case.kwargs["activation"])


def kinky(case: Case) -> bool:
    return cases.ambiguous_kink(net_of(case))


def chain_cases(figures: dict) -> list[tuple[str, Case]]:
    """The lesson's example point first (the key's, with --key), then fixed ones."""
    example = tuple(float(figures["chain_rule"][k]) for k in "xwb")
    points = dict.fromkeys([example, (1.0, 0.0, 0.0), (2.0, 0.5, -0.3), (-1.5, 2.0, 0.7)])
    return [("x={:g}, w={:g}, b={:g}".format(*point), Case(point)) for point in points]


def upstream(batch: int, n_out: int) -> np.ndarray:
    """A fixed dL/dz of shape (batch, n_out) with no two entries alike."""
    return np.random.default_rng(batch * 10 + n_out).uniform(-1, 1, (batch, n_out))


def pair_case(pair, *extra) -> Case:
    return Case((*pair, *extra))


def canonical_layer(figures: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    net = cases.network_of(figures)
    return net.x, *net.params[0]


def batch_cases(figures: dict) -> list[tuple[str, tuple[int, int]]]:
    """[(check name, (samples, batch size))]: the worked example's, then BATCH_CASES; names in the current language."""
    b = figures["batches"]
    example = (
        _("{samples} samples, batch {size} ({batches} batches)").format(
            samples=b["num_samples"], size=b["batch_size"], batches=b["num_batches"]
        ),
        (b["num_samples"], b["batch_size"]),
    )
    return [example, *((batch_name(samples, size), (samples, size)) for samples, size in BATCH_CASES)]


def batch_name(samples: int, size: int) -> str:
    """'50000 samples, batch 250 (divides)', '1 sample, batch 1'."""
    if samples > size and samples % size == 0:
        return _("{samples} samples, batch {size} (divides)").format(samples=samples, size=size)
    return ngettext("{samples} sample, batch {size}", "{samples} samples, batch {size}", samples).format(
        samples=samples, size=size
    )


# Gradient-descent bookkeeping -------------------------------------------------------------

BATCH_CASES = [(50000, 250), (1, 1), (5, 10), (7, 3)]  # (samples, batch size), named by batch_name

EXERCISES: list[Exercise] = [
    Exercise(
        "gradient_descent", "num_batches", 3, "count",
        reference=lambda c: gradient_descent.num_batches(*c.args),
        named=lambda f: [(name, Case(args)) for name, args in batch_cases(f)],
        generated=lambda: gen.batch_counts().map(lambda t: Case(t[:2])),
    ),
    Exercise(
        "gradient_descent", "num_iterations", 3, "count",
        reference=lambda c: gradient_descent.num_iterations(*c.args),
        named=lambda f: [
            (_("{case}, {epochs} epochs").format(case=name, epochs=e), Case((*args, e)))
            for (name, args), e in zip(batch_cases(f), (f["batches"]["epochs"], 10, 3, 2, 4))
        ],
        generated=lambda: gen.batch_counts().map(Case),
    ),
    Exercise(
        "gradient_descent", "sgd_update", 4, "array",
        reference=lambda c: gradient_descent.sgd_update(*c.args),
        named=lambda f: [
            (_("canonical output-layer weights"), Case((cases.network_of(f).params[-1][0], np.array(f["grads"][-1][0]), f["network"]["lr"]))),
            (_("a bias vector with lr {lr}").format(lr=0.1), Case((np.array([0.35, -0.2, 0.0]), np.array([0.5, 0.25, -1.0]), 0.1))),
        ],
        generated=lambda: st.tuples(gen.same_shape_pairs(bound=10.0), gen.learning_rates()).map(lambda t: pair_case(*t)),
    ),
    # The chain rule -------------------------------------------------------------------------
    *[
        Exercise(
            "chain_rule", function, points, form,
            reference=lambda c, f=function: getattr(chain_rule, f)(*c.args),
            named=chain_cases,
            generated=lambda: gen.chain_points().map(Case),
            parts=parts,
        )
        for function, points, form, parts in [
            ("composite", 3, "number", ()),
            ("local_derivatives", 5, "numbers", ("dh1/dw", "dh2/dh1", "dh3/dh2", "dh4/dh3", "dh5/dh4", "df/dh5")),
            ("composite_grad", 5, "numbers", ("df/dw", "df/db")),
        ]
    ],
    # Activations ----------------------------------------------------------------------------
    *[
        Exercise(
            "activations", function, points, "array",
            reference=lambda c, f=function: getattr(activations, f)(*c.args),
            named=lambda f: [
                ("z = 0", Case((np.array([0.0]),))),
                (_("a {shape} matrix of z").format(shape="(2, 3)"), Case((np.array([[-2.0, -0.5, 0.0], [0.1, 1.0, 3.0]]),))),
                (_("saturated |z| >= {bound}").format(bound=500), Case((np.array([-1000.0, -710.0, -500.0, 500.0, 710.0, 1000.0]),))),
                # Nearly flat: 1 - s(z) loses digits to cancellation, so a finite difference is visibly off.
                (_("nearly flat: z from {low} to {high}").format(low=6, high=20),
                 Case((np.array([-15.0, 6.0, 8.0, 10.0, 12.0, 15.0, 18.0, 20.0]),))),
            ],
            generated=lambda: gen.pre_activations().map(lambda z: Case((z,))),
        )
        for function, points in [
            ("sigmoid", 2), ("tanh", 2), ("relu", 2), ("sigmoid_grad", 3), ("tanh_grad", 3), ("relu_grad", 3),
        ]
    ],
    # The forward pass -----------------------------------------------------------------------
    Exercise(
        "forward", "linear_forward", 4, "array",
        reference=lambda c: forward.linear_forward(*c.args),
        named=lambda f: [
            (_("canonical layer {layer}").format(layer=1), Case(canonical_layer(f))),
            *[(name, Case((net.x, *net.params[0]))) for name, net in cases.named_networks(f)[1:2]],
        ],
        generated=lambda: gen.networks().map(lambda n: Case((n.x, *n.params[0]))),
    ),
    Exercise(
        "forward", "forward", 6, "array",
        reference=lambda c: forward.forward(*c.args, **c.kwargs),
        named=named_nets(with_y=False),
        generated=lambda: gen.networks().map(lambda n: net_case(n, with_y=False)),
        kink_check=kinky,
    ),
    Exercise(
        "forward", "half_sse", 3, "number",
        reference=lambda c: forward.half_sse(*c.args),
        named=lambda f: [
            (_("canonical output and targets"), Case((np.array(f["output"]), cases.network_of(f).y))),
            (_("a batch of {batch} with {outputs} outputs").format(batch=4, outputs=3), Case(tuple(np.random.default_rng(5).uniform(0, 1, (2, 4, 3))))),
        ],
        generated=lambda: gen.same_shape_pairs(bound=2.0).map(pair_case),
    ),
    # The backward pass ----------------------------------------------------------------------
    Exercise(
        "backward", "linear_backward", 8, "tuple",
        reference=lambda c: backward.linear_backward(*c.args),
        named=lambda f: [
            (name, Case((upstream(len(net.x), net.params[0][0].shape[0]), net.x, net.params[0][0])))
            for name, net in cases.named_networks(f)[:2]
        ],
        generated=lambda: gen.networks().flatmap(
            lambda n: gen.matrices(len(n.x), n.params[0][0].shape[0]).map(lambda dz: Case((dz, n.x, n.params[0][0])))
        ),
        parts=("dx", "dW", "db"),
    ),
    Exercise(
        "backward", "activation_backward", 6, "array",
        reference=lambda c: backward.activation_backward(*c.args, **c.kwargs),
        named=lambda f: [
            (f"{activation}, {label}", Case((da, z), {"activation": activation}))
            for activation in ACTIVATIONS
            for label, da, z in [
                (_("z with zeros"), np.array([[0.5, -1.0, 2.0]]), np.array([[0.0, 1.5, -0.5]])),
                (_("saturated |z| >= {bound}").format(bound=500), np.array([[1.0, -2.0, 0.5]]), np.array([[600.0, -800.0, 800.0]])),
            ]
        ],
        generated=lambda: st.tuples(
            gen.shapes(min_dims=1).flatmap(lambda s: st.tuples(gen.uniform_arrays(s), gen.uniform_arrays(s, bound=800.0))),
            st.sampled_from(ACTIVATIONS),
        ).map(lambda t: Case(t[0], {"activation": t[1]})),
    ),
    Exercise(
        "backward", "backward", 12, "grads",
        reference=lambda c: backward.backward(*c.args, **c.kwargs),
        named=named_nets(),
        generated=lambda: gen.networks().map(net_case),
        kink_check=kinky,
    ),
    # Training -------------------------------------------------------------------------------
    Exercise(
        "training", "train_step", 8, "params+loss",
        reference=lambda c: training.train_step(*c.args, **c.kwargs),
        named=lambda f: [
            # The example's learning rate first, then another: an ignored lr must show.
            (name, net_case(net, f["network"]["lr"] if index == 0 else 0.3))
            for index, (name, net) in enumerate(cases.named_networks(f))
        ],
        generated=lambda: st.tuples(gen.networks(), gen.learning_rates()).map(lambda t: net_case(*t)),
        kink_check=kinky,
    ),
    Exercise(
        "training", "fit", 8, "params+losses",
        reference=lambda c: training.fit(*c.args, **c.kwargs),
        named=lambda f: [
            (_("canonical, {epochs} epochs of batch {size}").format(epochs=3, size=1), net_case(cases.network_of(f), f["network"]["lr"], 3, 1)),
            (_("{samples} samples in batches of {size} (last batch partial), {outputs} outputs").format(samples=7, size=3, outputs=3),
             net_case(cases.random_network([3, 4, 3], 7, "tanh", seed=6), 0.3, 2, 3)),
            (_("{samples} samples in batches of {size}").format(samples=6, size=3), net_case(cases.random_network([3, 4, 2], 6, "sigmoid", seed=7), 0.5, 2, 3)),
            ("relu, " + _("{samples} samples in batches of {size}").format(samples=5, size=2),
             net_case(cases.random_network([2, 3, 2], 5, "relu", seed=8), 0.1, 2, 2)),
            (_("relu with z exactly 0, batches of {size}").format(size=1), net_case(cases.relu_at_zero(), 0.1, 1, 1)),
            (_("saturated sigmoid (|z| >= {bound})").format(bound=500) + ", " + _("batches of {size}").format(size=2),
             net_case(cases.saturated(), 0.1, 1, 2)),
        ],
        generated=lambda: gen.fit_settings().map(lambda t: net_case(t[0], *t[1:])),
        kink_check=kinky,
    ),
    # PyTorch --------------------------------------------------------------------------------
    Exercise(
        "torch_net", "make_net", 3, "array",
        reference=lambda c: forward.forward(c.args[0], c.args[2], c.kwargs["activation"]),
        named=lambda f: [(name, net_case(net)) for name, net in cases.named_networks(f)[:3]],
        generated=lambda: gen.networks(max_batch=4).map(net_case),
        kink_check=kinky,
    ),
    Exercise(
        "torch_net", "torch_train_step", 4, "params+loss",
        reference=lambda c: training.train_step(*c.args, **c.kwargs),
        named=lambda f: [(name, net_case(net, f["network"]["lr"])) for name, net in cases.named_networks(f)[:3]],
        generated=lambda: st.tuples(gen.networks(max_batch=4), gen.learning_rates()).map(lambda t: net_case(*t)),
        kink_check=kinky,
    ),
]
