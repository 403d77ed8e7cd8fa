"""Problem sets: one folder per student, and the roster that says whose is whose.

    OUT/roster.csv               student,variant  (the variant is a folder of OUT)
    OUT/<variant>/assignment.ipynb  the lesson with the student's numbers, then the stubs
    OUT/<variant>/answers.json      the hand-calculation sheet, blank
    OUT/<variant>/key.json          the answer key (the instructor's: hand out the other two)

The same seed, students and bounds give the same bytes: numbers come from
variants.draw_variant, JSON keeps its keys in a fixed order, floats print as
Python's shortest repr, and the notebook's cell ids are names, not random.
The code cells are the stubs grader.release cuts from reference/*.py, so the
notebook and exercises/ cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat import v4

import reference

from .answers import blank_sheet
from .errors import UsageError
from .lesson import lesson
from .loading import MODULES
from .release import release_source
from .roster import VARIANT_KEY, roster_text
from .variants import Bounds, Variant, draw_variant, key_figures

REFERENCE = Path(reference.__file__).parent
ROSTER = "roster.csv"
FILES = ("assignment.ipynb", "answers.json", VARIANT_KEY)
MAX_STUDENTS = 10_000


def count_students(count: int) -> list[str]:
    """student-001, student-002, ...: ids for --count."""
    if not 1 <= count <= MAX_STUDENTS:
        raise UsageError(f"--count must be between 1 and {MAX_STUDENTS}, got {count}")
    width = max(3, len(str(count)))
    return [f"student-{n:0{width}d}" for n in range(1, count + 1)]


def folder_name(student: str) -> str:
    """A folder name for a student id: letters, digits, '.', '_' and '-' kept, the rest '-'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", student).strip(".-") or "student"


def generate(*, seed: int, students: list[str], out: str | Path, bounds: Bounds = Bounds()) -> list[Path]:
    """Write every student's variant folder and OUT/roster.csv; returns the written files.

    Folder names that collide (ids that differ only in case or punctuation) are
    an error, since two students would share one folder.
    """
    out = Path(out)
    folders = _folders(students)
    variants = [draw_variant(seed, student, bounds) for student in students]  # all drawn before any is written
    written = []
    for variant, folder in zip(variants, folders):
        written += write_variant(variant, out / folder, folder)
    roster = out / ROSTER
    roster.write_bytes(roster_text(zip(students, folders)).encode("utf-8"))
    return [*written, roster]


def _folders(students: list[str]) -> list[str]:
    folders, owners = [], {}
    for student in students:
        folder = folder_name(student)
        other = owners.setdefault(folder.lower(), student)
        if other != student:
            raise UsageError(f"students {other!r} and {student!r} would share the folder {folder!r}: rename one")
        folders.append(folder)
    return folders


def write_variant(variant: Variant, folder: Path, name: str) -> list[Path]:
    """Write the three files of one variant into `folder`."""
    sizes = "-".join(map(str, variant.sizes))
    source = (
        f"variant {name} of `grader generate --seed {variant.seed}`: a {sizes} {variant.activation} network,"
        " computed in float64 by the NumPy reference"
    )
    key = key_figures(variant, source)
    texts = {
        "assignment.ipynb": nbformat.writes(assignment(key, name)) + "\n",
        "answers.json": _json(blank_sheet(key, name)),
        VARIANT_KEY: _json(key),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for file, text in texts.items():
        (folder / file).write_bytes(text.encode("utf-8"))
    return [folder / file for file in FILES]


def _json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def assignment(key: dict, name: str) -> nbformat.NotebookNode:
    """The variant's notebook: the lesson, the network as Python, then one stub cell per module."""
    cells = [_cell(v4.new_markdown_cell, f"lesson-{cell_id}", text) for cell_id, text in lesson(key, name)]
    cells.append(_cell(v4.new_code_cell, "network", network_code(key["network"])))
    for module in MODULES:
        cells.append(_cell(v4.new_markdown_cell, f"heading-{module}", f"### `{module}`"))
        cells.append(_cell(v4.new_code_cell, f"code-{module}", stub(module)))
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(notebook)
    return notebook


def _cell(make, cell_id: str, source: str):
    cell = make(source.rstrip("\n"))
    cell.id = cell_id  # named, not random: the same problem set gives the same bytes
    return cell


def stub(module: str) -> str:
    """exercises/<module>.py as grader.release makes it from the reference."""
    path = REFERENCE / f"{module}.py"
    return release_source(path.read_bytes().decode("utf-8"), str(path))


def network_code(network: dict) -> str:
    (W1, b1), (W2, b2) = network["params"]
    return "\n".join([
        "import numpy as np",
        "",
        "# Your network (section 4): try your functions on it.",
        f"x = np.array({network['x']})",
        f"y = np.array({network['y']})",
        f"params = [(np.array({W1}), np.array({b1})), (np.array({W2}), np.array({b2}))]",
        f"activation = {network['activation']!r}",
        f"lr = {network['lr']}",
    ])

