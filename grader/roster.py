"""Rosters: the CSV files that name a class's students, read and written in one place.

A roster is a header row, then one student a row; blank rows are skipped, each
cell is stripped, and rows are counted from the header (row 1). Two readers:

- `read_students`: the ids `grader generate` makes problem sets for (the
  `student` or `id` column, else the first);
- `read_roster`: the rows `grader grade` maps to submissions and answer keys
  (`student`, optionally `submission`, `key` or `variant`), among them the
  `student,variant` roster that `grader generate` writes (`roster_text`).

Every student id must be able to name a file: `grader grade` names reports after it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import api
from .errors import KeyFileError

VARIANT_KEY = "key.json"  # a variant folder's answer key, as `grader generate` writes it
_BAD_ID = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RosterRow:
    student: str
    submission: str = ""  # the entry's name in SUBMISSIONS, with or without extension; default: student
    key: Path | None = None  # this student's answer key (from `grader generate`)


def table(path: str | os.PathLike) -> tuple[list[str] | None, list[tuple[int, list[str]]]]:
    """The header in lower case (None: the file has no row at all) and the other non-blank rows by number.

    Raises what reading raises (OSError, UnicodeDecodeError, csv.Error): each reader words it.
    """
    reader = csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"), newline=""))
    first = next(reader, None)
    header = None if first is None else [cell.strip().lower() for cell in first]
    rows = [
        (number, [cell.strip() for cell in cells])
        for number, cells in enumerate(reader, start=2)
        if any(cell.strip() for cell in cells)
    ]
    return header, rows


def check_student(student: str, where: str) -> str:
    """A student id that can name a file, as `grader grade --roster` requires."""
    if _BAD_ID.search(student) or student.startswith(".") or len(student) > 200:
        raise KeyFileError(f"{where}: student id {student!r} cannot name a file (no '/', '\\', leading '.')")
    return student


def read_students(path: str | os.PathLike) -> list[str]:
    """The student ids of a CSV roster: its `student` column (or `id`), else its first column.

    A blank or repeated id is an error, and so is one that cannot name a file.
    """
    try:
        header, rows = table(path)
    except OSError as error:
        raise KeyFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise KeyFileError(f"{path}: not a CSV roster: {error}") from None
    if header is None:
        raise KeyFileError(f"{path}: empty roster (expected a header, then one student per row)")
    column = next((header.index(name) for name in ("student", "id") if name in header), 0)
    students, seen = [], {}
    for line, cells in rows:
        student = cells[column] if column < len(cells) else ""
        if not student:
            raise KeyFileError(f"{path}, line {line}: no student id in column {column + 1}")
        if student in seen:
            raise KeyFileError(f"{path}, line {line}: {student!r} is already on line {seen[student]}")
        seen[student] = line
        students.append(check_student(student, f"{path}, line {line}"))
    if not students:
        raise KeyFileError(f"{path}: no students (expected a header, then one student per row)")
    return students


def read_roster(path: str | os.PathLike) -> list[RosterRow]:
    """roster.csv: a header row naming `student` and optionally `submission`, `key` or `variant` columns.

    Other columns (name, email) are ignored. Errors name the file and the row.
    """
    shown = os.fspath(path)
    try:
        header, rows = table(path)
    except FileNotFoundError:
        raise KeyFileError(f"{shown}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise KeyFileError(f"{shown}: cannot read the roster ({error})") from None
    header = header or []
    if "student" not in header:
        found = ", ".join(header) or "nothing"
        raise KeyFileError(f"{shown}: no 'student' column in the header row (found: {found})")
    result, seen, submissions = [], {}, {}
    for number, cells in rows:
        if len(cells) > len(header):
            raise KeyFileError(f"{shown}, row {number}: {len(cells)} fields, the header has {len(header)}")
        row = roster_row(dict(zip(header, cells)), Path(shown).parent, f"{shown}, row {number}")
        if row.student in seen:
            raise KeyFileError(
                f"{shown}, row {number}: student {row.student!r} is already on row {seen[row.student]}"
            )
        wanted = row.submission or row.student
        if wanted in submissions:
            raise KeyFileError(
                f"{shown}, row {number}: submission {wanted!r} is already on row {submissions[wanted]}"
            )
        seen[row.student], submissions[wanted] = number, number
        result.append(row)
    return result


def roster_row(cell: dict[str, str], base: Path, where: str) -> RosterRow:
    student = cell.get("student", "")
    if not student:
        raise KeyFileError(f"{where}: empty student id")
    check_student(student, where)
    key = None
    if cell.get("key") or cell.get("variant"):
        # `variant`: a folder beside the roster holding key.json, as `grader generate` writes them.
        key = base / cell["key"] if cell.get("key") else base / cell["variant"] / VARIANT_KEY
        try:
            api.read_key(key)
        except KeyFileError as error:
            raise KeyFileError(f"{where}: {error}") from None
    return RosterRow(student, cell.get("submission", ""), key)


def roster_text(variants: Iterable[tuple[str, str]]) -> str:
    """The roster `grader generate` writes: `student,variant`, each variant a folder beside it."""
    lines = io.StringIO(newline="")
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(["student", "variant"])
    writer.writerows(variants)
    return lines.getvalue()
