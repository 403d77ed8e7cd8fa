"""Shared fixtures: the reference solution handed in as a student would, in every accepted form.

The reference modules import each other relatively (`from .activations import
sigmoid`); a student's folder holds top-level modules, so those imports become
`from activations import sigmoid`. A single notebook shares one namespace, so
there they are dropped. Any module can be swapped for a buggy copy from
tests/buggy/ (`backward__batch_mean.py` is backward.py with one mistake) or for
any source text.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
STUBS = ROOT / "exercises"
BUGGY = Path(__file__).resolve().parent / "buggy"
GOLDEN = Path(__file__).resolve().parent / "golden"

MODULES = ("gradient_descent", "chain_rule", "activations", "forward", "backward", "training", "torch_net")

_RELATIVE_IMPORT = re.compile(r"^(?P<indent>[ \t]*)from \.(?P<module>\w+) import", re.MULTILINE)
_SIBLING_IMPORT = re.compile(
    rf"^(?P<indent>[ \t]*)from \.?(?:{'|'.join(MODULES)}) import [^\n(]*$", re.MULTILINE
)


def student_source(module: str) -> str:
    """The reference module as a top-level file of a student's folder."""
    text = (REFERENCE / f"{module}.py").read_text(encoding="utf-8")
    return _RELATIVE_IMPORT.sub(r"\g<indent>from \g<module> import", text)


def buggy(name: str) -> tuple[str, str]:
    """(module, source) of tests/buggy/<name>.py, e.g. buggy("backward__batch_mean")."""
    return name.split("__", 1)[0], (BUGGY / f"{name}.py").read_text(encoding="utf-8")


def buggy_names() -> list[str]:
    return sorted(path.stem for path in BUGGY.glob("*__*.py"))


def one_namespace(source: str) -> str:
    """A module's source for a single notebook: imports of sibling modules become `pass`.

    `pass` rather than nothing keeps an import that is a block's only statement valid.
    """
    return _SIBLING_IMPORT.sub(r"\g<indent>pass", source)


def check_golden(path: str, text: str, *, compare=None) -> None:
    """`text` equals tests/golden/<path> byte for byte (or by `compare(text, golden)`).

    With UPDATE_GOLDEN=1 the golden copy is rewritten first: review the diff.
    """
    golden = GOLDEN / path
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(text.encode("utf-8"))
    if not golden.exists():
        pytest.fail(f"tests/golden/{path} is missing: run with UPDATE_GOLDEN=1 to create it")
    expected = golden.read_bytes().decode("utf-8")
    message = f"tests/golden/{path} changed: run with UPDATE_GOLDEN=1 and review the diff"
    assert (compare or str.__eq__)(text, expected), message


def notebook_json(cells: list[str | tuple[str, str]]) -> str:
    """A v4 notebook; a str is a code cell, ("markdown", text) a markdown cell."""
    built = [v4.new_markdown_cell(c[1]) if isinstance(c, tuple) else v4.new_code_cell(c) for c in cells]
    notebook = v4.new_notebook(cells=built)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(notebook)


class Submissions:
    """Writes submissions into one temporary folder, each under a fresh name.

    `modules` picks the modules handed in (all by default); `replace` maps a
    module to its source, and `bugs` names tests/buggy files that replace
    their module.
    """

    def __init__(self, root: Path):
        self.root = root
        self.count = 0

    def _fresh(self, stem: str) -> Path:
        self.count += 1
        return self.root / f"{stem}{self.count}"

    def sources(self, *bugs: str, modules=MODULES, replace: dict[str, str] | None = None) -> dict[str, str]:
        chosen = {module: student_source(module) for module in modules}
        for name in bugs:
            module, text = buggy(name)
            chosen[module] = text
        chosen.update(replace or {})
        return chosen

    def folder(self, *bugs: str, modules=MODULES, replace=None, extra: dict[str, str | bytes] | None = None) -> Path:
        """A folder of <module>.py files (plus `extra` files by name)."""
        folder = self._fresh("submission")
        folder.mkdir()
        files = {f"{m}.py": text for m, text in self.sources(*bugs, modules=modules, replace=replace).items()}
        for name, content in {**files, **(extra or {})}.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return folder

    def notebook(self, *bugs: str, modules=MODULES, replace=None, magics: bool = True) -> Path:
        """One .ipynb: a markdown and a code cell per module, in one namespace.

        With `magics`, a first cell of `%matplotlib inline` and `!pip install`
        lines, and magics inside module cells too, as students leave them.
        """
        cells: list[str | tuple[str, str]] = []
        if magics:
            cells.append("%matplotlib inline\n!pip install numpy\nimport numpy as np")
        for module, text in self.sources(*bugs, modules=modules, replace=replace).items():
            cells.append(("markdown", f"## {module}"))
            code = one_namespace(text)
            if magics:
                code = f"!pip install x\n{code}\n%time _ = 1 + 1\n"
            cells.append(code)
        path = self._fresh("assignment").with_suffix(".ipynb")
        path.write_text(notebook_json(cells), encoding="utf-8")
        return path

    def zip(self, *bugs: str, modules=MODULES, replace=None, inside: str | None = None) -> Path:
        """A zip of <module>.py files at its top level, or inside the folder `inside`."""
        path = self._fresh("submission").with_suffix(".zip")
        prefix = f"{inside}/" if inside else ""
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for module, text in self.sources(*bugs, modules=modules, replace=replace).items():
                archive.writestr(f"{prefix}{module}.py", text)
        return path

    def mixed(self, *bugs: str, notebooks=("chain_rule", "training", "torch_net"), replace=None) -> Path:
        """A folder with `notebooks` as <module>.ipynb (the module's code in one cell), the rest as .py.

        The default notebook modules are those no other module imports: a
        notebook cannot be imported, in Jupyter either.
        """
        folder = self.folder(*bugs, replace=replace)
        for module in notebooks:
            source = folder / f"{module}.py"
            cells = [("markdown", f"# {module}"), source.read_text(encoding="utf-8")]
            (folder / f"{module}.ipynb").write_text(notebook_json(cells), encoding="utf-8")
            source.unlink()
        return folder

    def stubs(self) -> Path:
        """A copy of exercises/, the stubs a student starts from."""
        folder = self._fresh("stubs")
        shutil.copytree(STUBS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        return folder


@pytest.fixture
def submissions(tmp_path) -> Submissions:
    return Submissions(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """Tests assert English text: a developer's zh locale must not change the CLI's default language."""
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
