"""A batch's files in OUT: reports/<student>.json and .html, state.json, grades.csv, summary.html.

Each file is replaced atomically (api.write_atomically), and a student's
reports are written before their grade goes into state.json: a grade found
there has its reports, so a batch killed at any moment can be resumed.
state.json keeps each grade with the content hash it was made from; batch.py
decides from it what to grade again.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import api
from .errors import UsageError

if TYPE_CHECKING:
    from .batch import Job, Settings
    from .model import Report

STATE_FORMAT = 1
REPORT_SUFFIXES = (".json", ".html")

# What grading one submission gave: batch.grade_one's JSON-able dict, or the failure of ours that stopped it.
Outcome = dict | BaseException


@dataclass(frozen=True)
class ExerciseGrade:
    name: str
    status: str
    score: float
    max_score: float
    diagnoses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grade:
    """One row of grades.csv.

    status: "graded", "unreadable" (the grader cannot read it: score 0),
    "no_submission" (on the roster, nothing handed in) or "grader_error" (the
    grader itself failed; not kept, so the next run tries again).
    """

    student: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    message: str = ""
    entry: str = ""
    digest: str = ""
    exercises: tuple[ExerciseGrade, ...] = ()

    @classmethod
    def from_dict(cls, data: dict) -> Grade:
        exercises = tuple(
            ExerciseGrade(**{**e, "diagnoses": tuple(e["diagnoses"])}) for e in data["exercises"]
        )
        return cls(**{**data, "exercises": exercises})


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One batch at a time in `folder`: two would overwrite each other's grades."""
    try:
        (folder / "reports").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {folder}: cannot make the folder ({error.strerror or error})") from None
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{folder}: another 'grader grade' is writing there") from None
        for leftover in [*folder.glob(".*.tmp"), *(folder / "reports").glob(".*.tmp")]:
            leftover.unlink(missing_ok=True)  # half-written files of a batch that was killed
        yield


class Gradebook:
    """OUT's files: reports, state.json, grades.csv, summary.html; every write atomic.

    `settings`: the batch's (default: batch.Settings()); state.json records
    them, and the class summary says them and is written in their language.
    """

    def __init__(self, folder: Path, exercises: list[str], max_score: float,
                 settings: Settings | None = None):
        from .batch import Settings  # batch imports this module

        self.folder, self.exercises, self.max_score = folder, exercises, max_score
        self.settings = Settings() if settings is None else settings
        self.reports = folder / "reports"
        self.state = self.read_state()
        self.encoded: dict[str, tuple[Grade, str]] = {}  # student -> (grade, as JSON): state.json is rewritten per grade


    def read_state(self) -> dict[str, Grade]:
        try:
            data = json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT:
                return {}
            return {student: Grade.from_dict(g) for student, g in data["grades"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # no state, or not ours: everything is graded again

    def has_reports(self, student: str) -> bool:
        return all((self.reports / f"{student}{suffix}").is_file() for suffix in REPORT_SUFFIXES)

    def forget(self, students: set[str]) -> None:
        """Students with nothing to grade any more: their reports would mislead."""
        for student in students:
            for suffix in REPORT_SUFFIXES:
                (self.reports / f"{student}{suffix}").unlink(missing_ok=True)
            del self.state[student]
        if students:
            self.write_state()

    def record(self, job: Job, outcome: Outcome) -> Grade:
        """Write one finished submission's reports, then its grade into state.json."""
        from .i18n import using
        from .model import Report
        from .reporters import html, json_report

        if isinstance(outcome, BaseException):
            message = f"{type(outcome).__name__}: {outcome}".splitlines()[0]
            return Grade(job.student, "grader_error", 0.0, self.max_score, message, job.entry)
        if outcome["status"] == "graded":
            report = Report.from_dict(outcome["report"])
            texts = {".json": json_report.render(report), ".html": html.render(report)}
            grade = graded(job, report, outcome["digest"])
        else:
            grade = Grade(
                job.student,
                "unreadable",
                0.0,
                self.max_score,
                outcome["message"],
                job.entry,
                outcome["digest"],
            )
            with using(job.settings.lang):
                texts = {
                    ".json": unreadable_json(grade),
                    ".html": html.render_unreadable(job.entry, grade.message),
                }
        for suffix, text in texts.items():
            api.write_atomically(self.reports / f"{job.student}{suffix}", text)
        if grade.digest:
            self.state[job.student] = grade
            self.write_state()
        return grade

    def write_state(self) -> None:
        """state.json, as json.dumps of {"format", "settings", "grades"} would write it, each grade encoded once
        (it is rewritten after every submission). The settings are the run's that wrote it; each grade's
        digest says whether it was made with them."""
        for student, grade in self.state.items():
            if self.encoded.get(student, (None,))[0] is not grade:
                self.encoded[student] = (grade, json.dumps(asdict(grade)))
        grades = ", ".join(f"{json.dumps(s)}: {self.encoded[s][1]}" for s in sorted(self.state))
        head = json.dumps({"format": STATE_FORMAT, "settings": asdict(self.settings)})[:-1]
        api.write_atomically(self.folder / "state.json", f'{head}, "grades": {{{grades}}}}}')

    def write_tables(self, grades: list[Grade]) -> None:
        api.write_atomically(self.folder / "grades.csv", grades_csv(grades, self.exercises))

    def write_summary(self, grades: list[Grade]) -> None:
        from .class_summary import render

        api.write_atomically(self.folder / "summary.html", render(grades, self.exercises, self.settings))


def graded(job: Job, report: Report, digest: str) -> Grade:
    exercises = tuple(
        ExerciseGrade(e.name, e.status, e.score, e.max_score, tuple(d.id for d in e.diagnoses))
        for e in report.exercises
    )
    return Grade(job.student, "graded", report.score, report.max_score, "", job.entry, digest, exercises)


def unreadable_json(grade: Grade) -> str:
    data = {
        "student": grade.student,
        "status": "unreadable",
        "score": 0,
        "max_score": grade.max_score,
        "message": grade.message,
        "submission": grade.entry,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- grades.csv ----------------------------------------------------------------------------------


def number(value: float) -> str:
    value = round(float(value), 6)
    return str(int(value)) if value.is_integer() else repr(value)


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def grades_csv(grades: list[Grade], exercises: list[str]) -> str:
    """student, score, max_score, status, then each exercise's score and status, then a message."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = [f"{name} {what}" for name in exercises for what in ("score", "status")]
    writer.writerow(["student", "score", "max_score", "status", *columns, "message"])
    for grade in grades:
        by_name = {e.name: e for e in grade.exercises}
        cells = []
        for name in exercises:
            exercise = by_name.get(name)
            cells += [number(exercise.score), exercise.status] if exercise else ["0", ""]
        writer.writerow(
            [
                spreadsheet_safe(grade.student),
                number(grade.score),
                number(grade.max_score),
                grade.status,
                *cells,
                spreadsheet_safe(grade.message),
            ]
        )
    return buffer.getvalue()
