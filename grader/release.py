"""Release: the student version of the reference, its solutions cut out.

Solution code sits between comment lines `### BEGIN SOLUTION` and
`### END SOLUTION` (nbgrader's markers; any comment line holding the words
counts, so a decorated marker cannot leak a solution). Inside a function body
a block becomes `raise NotImplementedError` at the block's indentation, so the
stub keeps its signature and teaching docstring. A block at module level
(imports of sibling modules, helper classes) is removed, and the blank lines
around it are cut to two (none at the start or end of the file). Everything
else is kept byte for byte, imports included: a stub's `import numpy as np`
or `import math` is there for the student to use, even if the stub itself no
longer needs it.

    python -m grader.release reference exercises
"""

import ast
import io
import re
import sys
import warnings
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from grader.errors import GraderError, ReleaseError

_MARKER = re.compile(r"[ \t]*#.*\b(BEGIN|END) SOLUTION\b")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class _Block:
    """One solution block: the lines of its markers (1-based) and its indentation."""

    begin: int
    end: int
    indent: str


def release_source(text: str, filename: str) -> str:
    """The student version of one Python file; `filename` names it in errors."""
    return _release(text, filename, tree=_parse(text), must_compile=True)


def release_notebook(nb_json_text: str, filename: str) -> str:
    """The student version of a notebook: code cells stripped, outputs cleared.

    Errors name the cell as `FILE, cell N` (N counts every cell from 1). A
    cell that is not plain Python (IPython magics, `!shell` lines) is stripped
    all the same but not compiled.
    """
    import nbformat  # only notebooks need it

    try:
        nb = nbformat.reads(nb_json_text, as_version=4)
    except (ValueError, nbformat.ValidationError) as error:
        raise ReleaseError(f"{filename}: not a notebook: {error}") from None
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        tree = _parse(cell.source)
        name = f"{filename}, cell {number}"
        cell.source = _release(cell.source, name, tree=tree, must_compile=tree is not None)
        cell.outputs = []
        cell.execution_count = None
    return nbformat.writes(nb) + "\n"  # the final newline nbformat.write adds


_RELEASERS = {".py": release_source, ".ipynb": release_notebook}


def release_path(source: Path, out: Path) -> list[Path]:
    """Release a .py/.ipynb file, or every exercise file in a folder, into `out`.

    For a folder, `out` is a folder and only files holding a solution block
    are released: the others (`__init__.py`, an oracle) are not exercises.
    For a file, `out` is the file to write, or a folder to write it into.
    Every file is released before any is written, so an error writes nothing.
    Returns the written paths.
    """
    source, out = Path(source), Path(out)
    if source.is_dir():
        pairs = [
            (path, out / path.name)
            for path in sorted(source.iterdir())
            if path.suffix in _RELEASERS and "BEGIN SOLUTION" in _read(path)
        ]
    elif source.is_file() and source.suffix in _RELEASERS:
        pairs = [(source, out / source.name if out.is_dir() else out)]
    else:
        raise ReleaseError(f"{source}: not a .py or .ipynb file, nor a folder of them")
    released = []
    for path, target in pairs:
        if target.resolve() == path.resolve():
            raise ReleaseError(f"{path}: refusing to overwrite the reference with its stub")
        released.append((target, _RELEASERS[path.suffix](_read(path), str(path))))
    for target, text in released:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    return [target for target, _ in released]


def _release(text: str, filename: str, *, tree: ast.Module | None, must_compile: bool) -> str:
    lines = io.StringIO(text, newline="").readlines()  # Python's line ends only, kept as they are
    blocks = _find_blocks(lines, filename)
    if tree is not None:
        _check_scopes(blocks, lines, tree, filename)
    numbered = _tidy(_cut(lines, blocks))
    stub = "".join(line for _, line in numbered)
    if must_compile:
        _check_compiles(stub, numbered, filename)
    return stub


def _find_blocks(lines: list[str], filename: str) -> list[_Block]:
    blocks, begin = [], None
    for number, line in enumerate(lines, start=1):
        marker = _MARKER.match(line)
        if marker is None:
            continue
        if marker[1] == "BEGIN":
            if begin is not None:
                raise ReleaseError(
                    f"{filename}, line {number}: BEGIN SOLUTION inside the block opened at line {begin}"
                )
            begin = number
        elif begin is None:
            raise ReleaseError(f"{filename}, line {number}: END SOLUTION without a BEGIN SOLUTION")
        else:
            indent = re.match(r"[ \t]*", lines[begin - 1])[0]
            blocks.append(_Block(begin, number, indent))
            begin = None
    if begin is not None:
        raise ReleaseError(f"{filename}, line {begin}: BEGIN SOLUTION without an END SOLUTION")
    return blocks


def _check_scopes(blocks: list[_Block], lines: list[str], tree: ast.Module, filename: str) -> None:
    """Indented blocks sit in function bodies, unindented ones at module level.

    `raise` in a class body would fail on import; removing a function's whole
    body would leave a stub that silently returns None.
    """
    scope = {}  # line -> innermost def or class whose body holds it
    for node in ast.walk(tree):  # breadth first: inner scopes overwrite outer ones
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            scope.update(dict.fromkeys(range(node.lineno + 1, node.end_lineno + 1), node))
    for block in blocks:
        code = (n for n in range(block.begin + 1, block.end) if lines[n - 1].strip()[:1] not in ("", "#"))
        in_function = isinstance(scope.get(next(code, block.begin)), _FUNCTIONS)
        if block.indent and not in_function:
            raise ReleaseError(
                f"{filename}, line {block.begin}: indented solution block outside a function body"
                " (only function bodies and module level can be released)"
            )
        if in_function and not block.indent:
            raise ReleaseError(
                f"{filename}, line {block.begin}: solution markers in a function body must be"
                " indented like its code"
            )


def _cut(lines: list[str], blocks: list[_Block]) -> list[tuple[int, str | None]]:
    """(source line number, text) for each line left; text None where a module-level block was."""
    numbered, starts, number = [], {block.begin: block for block in blocks}, 1
    while number <= len(lines):
        block = starts.get(number)
        if block is None:
            numbered.append((number, lines[number - 1]))
            number += 1
            continue
        end_line = lines[block.end - 1]
        newline = end_line[len(end_line.rstrip("\r\n")) :]  # none if the block ends the text
        stub = f"{block.indent}raise NotImplementedError{newline}" if block.indent else None
        numbered.append((number, stub))
        number = block.end + 1
    return numbered


def _tidy(numbered: list[tuple[int, str | None]]) -> list[tuple[int, str]]:
    """At most two blank lines where a block was removed, none at the start or end of the file."""
    gaps = [
        (is_gap, list(group))
        for is_gap, group in groupby(numbered, key=lambda item: item[1] is None or not item[1].strip())
    ]
    tidy = []
    for index, (is_gap, group) in enumerate(gaps):
        if is_gap and any(line is None for _, line in group):
            blanks = [item for item in group if item[1] is not None]
            group = blanks[: 0 if index in (0, len(gaps) - 1) else 2]
        tidy.extend(group)
    return tidy


def _check_compiles(stub: str, numbered: list[tuple[int, str]], filename: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # style, not ours to judge here
            compile(stub, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        released = error.lineno or 1
        line = numbered[released - 1][0] if released <= len(numbered) else released
        message = f"{filename}, line {line}: the released code does not compile: {error.msg}"
        raise ReleaseError(message) from None


def _parse(text: str) -> ast.Module | None:
    """The syntax tree, or None for text that is not plain Python (a cell with magics)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.parse(text)
    except SyntaxError:
        return None


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")  # bytes: keep \r\n as they are
    except (OSError, UnicodeDecodeError) as error:
        raise ReleaseError(f"{path}: cannot be read: {error}") from None


def main(argv: list[str] | None = None) -> int:
    """`python -m grader.release SOURCE OUT`: print the written paths; exit 2 on error."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m grader.release SOURCE OUT", file=sys.stderr)
        return 2
    try:
        written = release_path(Path(args[0]), Path(args[1]))
    except GraderError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
