"""Plain frozen records that cross module boundaries, and their JSON form.

Statuses, check results and the report are data: the engine builds them,
reporters render them, and `Report.from_dict(report.to_dict())` gives the
same report back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass

from .i18n import N_

STATUSES = ("passed", "failed", "error", "timeout", "missing", "forbidden")
# A status as a reader sees it, in the report's language (the JSON keeps the ids above).
STATUS_NAMES = {
    "passed": N_("passed"),
    "failed": N_("failed"),
    "error": N_("error"),
    "timeout": N_("timeout"),
    "missing": N_("missing"),
    "forbidden": N_("forbidden"),
}


@dataclass(frozen=True)
class Check:
    """One check of one exercise: a named case or a generated property.

    `ran` is False when the check could not run (after a timeout, say); such a
    check is never counted as passed.
    """

    name: str
    passed: bool
    message: str = ""
    ran: bool = True


@dataclass(frozen=True)
class Diagnosis:
    """A classic mistake the results match, by its stable id in CONTRACT.md."""

    id: str
    message: str


@dataclass(frozen=True)
class Plot:
    """Numbers a student would rather look at than read, for the HTML report.

    kind "curve": data = {"x_label", "y_label", "series": {label: [y, ...]}}
    kind "heatmap": data = {"label", "rows": [[value, ...], ...]} (relative
    error per entry of a matrix; NaN-free, capped)
    """

    kind: str
    title: str
    data: dict


@dataclass(frozen=True)
class ExerciseResult:
    name: str  # "module.function"
    status: str  # one of STATUSES
    score: float
    max_score: float
    feedback: str
    checks: tuple[Check, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    output: str = ""  # what the student's code printed, truncated
    plots: tuple[Plot, ...] = ()

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        return cls(
            **{
                **data,
                "checks": tuple(Check(**c) for c in data.get("checks", ())),
                "diagnoses": tuple(Diagnosis(**d) for d in data.get("diagnoses", ())),
                "plots": tuple(Plot(**p) for p in data.get("plots", ())),
            }
        )


@dataclass(frozen=True)
class Report:
    score: float
    max_score: float
    seed: int
    exercises: tuple[ExerciseResult, ...]
    submission: str = ""
    notes: tuple[str, ...] = field(default=())
    grader_version: str = ""
    lang: str = "en"  # the language of its text ("en", "zh"): reporters write their own labels in it

    @property
    def all_passed(self) -> bool:
        return all(e.status == "passed" for e in self.exercises)

    def to_dict(self) -> dict:
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        return cls(
            **{
                **data,
                "exercises": tuple(ExerciseResult.from_dict(e) for e in data["exercises"]),
                "notes": tuple(data.get("notes", ())),
            }
        )


def plain(value):
    """`value` as dataclasses.asdict gives it, without the deep copy of every leaf that makes asdict slow
    (a batch converts each report several times); lists, tuples and dicts are still new."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
