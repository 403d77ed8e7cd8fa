"""The numbers behind the HTML report's plots, taken from a failed exercise's trials.

- fit: the student's loss per iteration against the reference's, on the first
  named case where fit ran but went wrong;
- gradients and updated parameters: the relative error of every entry of each
  weight matrix that differs, on the first such case (a heat map per matrix).
Plain numbers only (model.Plot); the reporter draws them. Titles and axis
labels are in the current language; the series' names ("yours", "reference")
are keys, which the reporter names in the report's language.
"""

from __future__ import annotations

import numpy as np

from .i18n import _
from .model import Plot

HEATMAP_FORMS = ("grads", "tuple", "params+loss", "params+losses")
ERROR_CAP = 1e3  # a relative error past this is drawn as this


def plots_for(exercise, trials) -> tuple[Plot, ...]:
    """The plots of a failed exercise (none for one that passed or never ran)."""
    failed = [t for t in trials if t.outcome.status == "ok" and t.verdict.kind == "failed" and t.expected is not None]
    if not failed:
        return ()
    first = failed[0]
    plots = []
    if exercise.form == "params+losses":
        plots.append(loss_curve(first))
    if exercise.form in HEATMAP_FORMS:
        plots += error_maps(exercise, first)
    return tuple(p for p in plots if p is not None)


def loss_curve(trial) -> Plot | None:
    got, expected = np.ravel(trial.outcome.value[1]), np.ravel(np.asarray(trial.expected[1], dtype=float))
    if not got.size or not np.all(np.isfinite(got)):
        return None
    return Plot(
        "curve",
        _("fit's loss per iteration: yours and the reference's"),
        {"x_label": _("iteration"), "y_label": _("batch loss"), "series": {"yours": got.tolist(), "reference": expected.tolist()}},
    )


def matrices(exercise, value) -> list[tuple[str, np.ndarray]]:
    """The named weight matrices of a result: dW1, dW2, ... or W1, W2, ... or dW."""
    if exercise.form == "tuple":
        return [(exercise.parts[1], np.asarray(value[1], dtype=float))]
    layers = value if exercise.form == "grads" else value[0]
    name = "dW" if exercise.form == "grads" else "W"
    return [(f"{name}{i}", np.asarray(pair[0], dtype=float)) for i, pair in enumerate(layers, start=1)]


def error_maps(exercise, trial) -> list[Plot]:
    try:
        pairs = zip(matrices(exercise, trial.outcome.value), matrices(exercise, trial.expected))
    except (TypeError, IndexError, ValueError):
        return []
    plots = []
    for (name, got), (_name, want) in pairs:
        if got.shape != want.shape or got.ndim != 2:
            continue
        error = np.abs(got - want) / np.maximum(np.abs(want), 1e-12)
        error = np.where(np.isfinite(error), np.minimum(error, ERROR_CAP), ERROR_CAP)
        if np.max(error) > 1e-6:
            title = _("relative error of each entry of {matrix}").format(matrix=name)
            plots.append(Plot("heatmap", title, {"label": name, "rows": error.tolist()}))
    return plots
