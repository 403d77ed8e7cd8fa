"""Per-student variants: a small network drawn within an instructor's bounds, and its figures.

A variant is everything a student computes by hand: a one-hidden-layer network
(from 2-2-2 up to 3-4-3 by default) with one input sample, its targets, the
learning rate, a point (x, w, b) for the chain-rule exercise and a training set
size, batch size and epoch count. Every drawn number has two decimals, so a
hand calculation stays feasible. The draw depends only on (seed, student id)
and the bounds: a student keeps their variant when the roster is reordered or
grows, and the same inputs always give the same numbers.

A draw is kept only when it is well conditioned (`conditioning_problem`):
no saturated unit, every relu clear of its kink with live units in every
layer, outputs visibly off their targets, no symmetric square weight matrix
(which would hide a transposed gradient). Otherwise the next draw is tried.

`key_figures(variant)` computes what `key.json` holds, in the layout of
reference/canonical-2-2-2.json, with the NumPy reference.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from reference import backward, chain_rule, forward, gradient_descent, training

from .errors import UsageError

ACTIVATIONS = ("sigmoid", "tanh", "relu")
LARGEST_LAYER = 6  # beyond this a hand calculation stops being an exercise
MAX_DRAWS = 10_000

# Each activation's domain where its derivative stays large (sigmoid' >= 0.10,
# tanh' >= 0.30), and the range its targets are drawn from.
SATURATION = {"sigmoid": 2.0, "tanh": 1.2, "relu": float("inf")}
TARGETS = {"sigmoid": (0.05, 0.95), "tanh": (-0.9, 0.9), "relu": (0.0, 1.0)}
RELU_CLEARANCE = 0.05  # |z| of a relu unit, off its kink
MIN_ERROR = 0.05  # |y_hat - y| of every output
BATCH_SIZES = (16, 20, 25, 32, 50, 64, 100, 128, 200, 250, 256, 500, 512)


@dataclass(frozen=True)
class Bounds:
    """What an instructor lets vary: layer sizes between `smallest` and `largest`, and the activations."""

    smallest: tuple[int, int, int] = (2, 2, 2)
    largest: tuple[int, int, int] = (3, 4, 3)
    activations: tuple[str, ...] = ("sigmoid",)


@dataclass(frozen=True)
class Variant:
    """One student's numbers; `params` is ((W1, b1), (W2, b2)) as nested tuples, W of shape (n_out, n_in)."""

    student: str
    seed: int
    activation: str
    x: tuple[float, ...]  # one input sample
    y: tuple[float, ...]  # its targets
    params: tuple
    lr: float
    chain: tuple[float, float, float]  # (x, w, b) of the chain-rule exercise
    batches: tuple[int, int, int]  # (num_samples, batch_size, epochs)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (len(self.x), *(len(b) for _, b in self.params))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """(x (1, n_in), y (1, n_out), [(W, b), ...]) as float64 arrays, a batch of one."""
        params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in self.params]
        return np.array([self.x]), np.array([self.y]), params


def parse_sizes(text: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """'2-2-2:3-4-3' (smallest:largest) or '2-3-2' (exactly) -> (smallest, largest)."""
    parts = text.split(":")
    if len(parts) > 2 or not all(re.fullmatch(r"\d+-\d+-\d+", part.strip()) for part in parts):
        raise UsageError(f"--sizes {text!r}: expected IN-HIDDEN-OUT or SMALLEST:LARGEST, such as 2-2-2:3-4-3")
    smallest, largest = (tuple(int(n) for n in part.split("-")) for part in (parts[0], parts[-1]))
    if not all(1 <= low <= high <= LARGEST_LAYER for low, high in zip(smallest, largest)):
        raise UsageError(
            f"--sizes {text!r}: each layer needs 1 <= smallest <= largest <= {LARGEST_LAYER} units"
        )
    return smallest, largest


def check_activations(names: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [name for name in names if name not in ACTIVATIONS]
    if unknown or not names:
        raise UsageError(f"--activation {unknown[0] if unknown else ''!r}: expected one of {', '.join(ACTIVATIONS)}")
    return tuple(dict.fromkeys(names))


def student_rng(seed: int, student: str) -> np.random.Generator:
    """A generator that depends on (seed, student) alone, on every platform and Python run."""
    digest = hashlib.sha256(f"{seed}\x00{student}".encode("utf-8")).digest()
    return np.random.default_rng(list(np.frombuffer(digest, dtype=np.uint32)))


def draw_variant(seed: int, student: str, bounds: Bounds = Bounds()) -> Variant:
    """The well-conditioned variant of `student` for `seed`; UsageError when the bounds allow none."""
    rng = student_rng(seed, student)
    # Shape and activation first, then numbers until they fit: redrawing the shape
    # too would favour the shapes and activations that are easiest to condition.
    sizes = [int(rng.integers(low, high + 1)) for low, high in zip(bounds.smallest, bounds.largest)]
    activation = str(rng.choice(bounds.activations))
    for _ in range(MAX_DRAWS):
        variant = _draw(rng, seed, student, sizes, activation)
        if conditioning_problem(variant) is None:
            return variant
    raise UsageError(
        f"no well-conditioned network for {student!r} ({'-'.join(map(str, sizes))} {activation}) in {MAX_DRAWS} draws"
    )


def _draw(rng: np.random.Generator, seed: int, student: str, sizes: list[int], activation: str) -> Variant:
    params = tuple(
        (_grid(rng, (n_out, n_in), 1.0, floor=0.05), _grid(rng, (n_out,), 0.5))
        for n_in, n_out in zip(sizes, sizes[1:])
    )
    low, high = TARGETS[activation]
    y = tuple(float(v) + 0.0 for v in rng.uniform(low, high, sizes[-1]).round(2))  # no -0.0
    x = _grid(rng, (sizes[0],), 1.0, floor=0.05)
    lr = float(rng.integers(10, 101)) / 100
    return Variant(student, seed, activation, x, y, params, lr, _chain_point(rng), _batches(rng))


def _grid(rng: np.random.Generator, shape: tuple[int, ...], bound: float, *, floor: float = 0.0):
    """Nested tuples of two-decimal numbers in [-bound, bound], none smaller than `floor` in size."""
    values = rng.uniform(-bound, bound, shape).round(2)
    tiny = np.abs(values) < floor
    values[tiny] = np.where(values[tiny] < 0, -floor, floor)
    values = values + 0.0  # no -0.0
    return tuple(_nested(values))


def _nested(values: np.ndarray):
    return [float(v) for v in values] if values.ndim == 1 else [tuple(_nested(row)) for row in values]


def _chain_point(rng: np.random.Generator) -> tuple[float, float, float]:
    """(x, w, b) with x, w away from 0 and 0.1 <= |w * x + b| <= 3: f clear of 0, 1/2 and 1."""
    while True:
        x, w = (float(v) for v in _grid(rng, (2,), 2.0, floor=0.1))
        b = round(float(rng.uniform(-1, 1)), 2) + 0.0
        if 0.1 <= abs(w * x + b) <= 3:
            return x, w, b


def _batches(rng: np.random.Generator) -> tuple[int, int, int]:
    """(N, B, epochs) with B not dividing N, so the last partial batch matters."""
    while True:
        n, b = int(rng.integers(10, 601)) * 100, int(rng.choice(BATCH_SIZES))
        if n % b:
            return n, b, int(rng.integers(2, 21))


def conditioning_problem(variant: Variant) -> str | None:
    """Why the variant is unfit for a hand calculation, or None when it is fit."""
    x, y, params = variant.arrays()
    activation = variant.activation
    a = x
    for layer, (W, b) in enumerate(params, start=1):
        z = forward.linear_forward(a, W, b)  # (1, n_out)
        if np.any(np.abs(z) > SATURATION[activation]):
            return f"layer {layer} saturates"
        if activation == "relu":
            if np.any(np.abs(z) < RELU_CLEARANCE):
                return f"a relu unit of layer {layer} sits on its kink"
            live = z > 0
            if not np.any(live) or (layer == len(params) and not np.all(live)):
                return f"dead relu units in layer {layer}"
        if W.shape[0] == W.shape[1] > 1 and np.max(np.abs(W - W.T)) < 0.05:
            return f"W{layer} is symmetric: a transposed gradient would go unseen"
        a = forward.ACTIVATIONS[activation](z)
    if np.any(np.abs(a - y) < MIN_ERROR):
        return "an output is already on its target"
    return None


def key_figures(variant: Variant, source: str) -> dict:
    """key.json's content: the layout of reference/canonical-2-2-2.json, by the NumPy reference."""
    x, y, params = variant.arrays()
    activation, lr = variant.activation, variant.lr
    hidden = forward.forward(x, params[:1], activation)
    cx, cw, cb = variant.chain
    df_dw, df_db = chain_rule.composite_grad(cx, cw, cb)
    n, b, epochs = variant.batches
    new_params, _ = training.train_step(x, y, params, lr, activation)
    return {
        "source": source,
        "network": {"x": x.tolist(), "y": y.tolist(), "params": _plain(params), "activation": activation, "lr": lr},
        "hidden": hidden.tolist(),
        "output": forward.forward(x, params, activation).tolist(),
        "loss": forward.half_sse(forward.forward(x, params, activation), y),
        "grads": _plain(backward.backward(x, y, params, activation)),
        "params_after_step": _plain(new_params),
        "chain_rule": {
            "x": cx, "w": cw, "b": cb,
            "f": chain_rule.composite(cx, cw, cb),
            "local_derivatives": [float(d) for d in chain_rule.local_derivatives(cx, cw, cb)],
            "df_dw": float(df_dw),
            "df_db": float(df_db),
        },
        "batches": {
            "num_samples": n,
            "batch_size": b,
            "epochs": epochs,
            "num_batches": int(gradient_descent.num_batches(n, b)),
            "num_iterations": int(gradient_descent.num_iterations(n, b, epochs)),
        },
    }


def _plain(params) -> list:
    return [[np.asarray(W, dtype=float).tolist(), np.asarray(b, dtype=float).tolist()] for W, b in params]
