"""Turn the path a user gives into a Submission: the texts of the exercise modules.

Nothing is executed and nothing is written here; the engine runs the cells.
What `load_submission(path)` accepts (CONTRACT.md, "What the grader accepts"):

- A folder laid out like `exercises/`: `<module>.py` or `<module>.ipynb` for
  each module of MODULES, at its top level (names matched without regard to
  case; `Forward.py` is graded as `forward` with a note). When a module exists
  in both forms the `.py` is graded and a note says so. Other files are
  ignored (stray `.py`/`.ipynb` files get a note), and so are dotfiles and
  folders (`.ipynb_checkpoints/`, `__MACOSX/`, `__pycache__/`).
  With no module file but exactly one `.ipynb`, the folder is a notebook
  submission (what an LMS or Gradescope hands over when a student uploads one
  notebook). With nothing usable at the top level but a single folder inside,
  that folder is read instead (a zip extracted by an LMS), as for zips.
- One `.ipynb` notebook: a single ModuleSource named NOTEBOOK holding its code
  cells in order, every function in one namespace.
- One `.py` file given directly (not found in a folder): also a single
  ModuleSource named NOTEBOOK, one cell, every function in one namespace, so a
  student may hand in all the exercises as one script.
- A `.zip` holding either of the above at its top level or inside a single
  top-level folder (`__MACOSX/` and dotfiles ignored). Members are read in
  memory, never extracted. A zip with a member that has an absolute path, a
  `..` component or is a symbolic link is refused, and so are files that
  expand beyond MAX_PY_BYTES / MAX_NOTEBOOK_BYTES, or beyond MAX_TOTAL_BYTES
  together (the same caps apply to files in a folder).

A module that cannot be run gets a `problem` and the others are still graded:
a `.py` with a syntax error (checked with `compile`, never run), or a `.py` or
`.ipynb` module file that is not UTF-8 text (a `.py` may declare another
encoding, as PEP 263 allows). A notebook cell with a syntax error is not a
problem: the engine reports it when the cell runs, and later cells still run.

What cannot be read at all raises SubmissionError with a one-line message
naming the path: a missing path, an unsupported file type, no exercise module,
a corrupt or unsafe zip, a notebook that is not JSON or not a valid notebook,
a single notebook or single `.py` that is not UTF-8. Messages and notes are
in the language of the run (grader/i18n.py).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from grader.errors import SubmissionError
from grader.i18n import N_, _, listing

MODULES = ("gradient_descent", "chain_rule", "activations", "forward", "backward", "training", "torch_net")
NOTEBOOK = "__notebook__"  # module name of a single-notebook submission (all functions in one namespace)

MB = 1024 * 1024
MAX_PY_BYTES = 5 * MB  # one .py file
MAX_NOTEBOOK_BYTES = 20 * MB  # one notebook: outputs (plots) make notebooks larger than scripts
MAX_TOTAL_BYTES = 50 * MB  # every file read for one submission

def _expected(modules: tuple[str, ...]) -> str:
    """'expected gradient_descent, ..., training or torch_net as .py or .ipynb, or a single notebook'."""
    if len(modules) > 1:
        names = _("{names} or {last}").format(names=listing(modules[:-1]), last=modules[-1])
    else:
        names = modules[0]
    return _("expected {names} as .py or .ipynb, or a single notebook").format(names=names)


@dataclass(frozen=True)
class Cell:
    source: str  # plain Python after magics are neutralised; same line count as the original cell
    label: str  # for messages/tracebacks: "forward.py" or "assignment.ipynb, cell 3"


@dataclass(frozen=True)
class ModuleSource:
    name: str  # one of MODULES, or NOTEBOOK
    filename: str  # display name, e.g. "forward.py", "forward.ipynb", "work.ipynb"
    cells: tuple[Cell, ...]  # a .py file is one cell
    problem: str = ""  # non-empty: this module cannot be run (its exercises become `error`)


@dataclass(frozen=True)
class Submission:
    path: str  # as the user gave it
    modules: tuple[ModuleSource, ...]
    notes: tuple[str, ...] = ()  # e.g. "forward: forward.py graded, forward.ipynb ignored"


def load_submission(path: str | os.PathLike, *, modules: tuple[str, ...] = MODULES) -> Submission:
    """Read the submission at `path` (see the module docstring); SubmissionError if it cannot be read.

    `modules`: the exercise modules to look for (MODULES, plus those of
    exercises an instructor registers).
    """
    shown = os.fsdecode(path)
    try:
        status = os.stat(shown)
    except (FileNotFoundError, NotADirectoryError):
        raise SubmissionError(_("{path}: no such file or directory").format(path=shown)) from None
    except OSError as error:
        raise SubmissionError(_("{path}: cannot read ({reason})").format(path=shown, reason=error.strerror or error)) from None

    if stat.S_ISDIR(status.st_mode):
        return _load_folder(shown, modules)
    if not stat.S_ISREG(status.st_mode):
        raise SubmissionError(_("{path}: not a regular file or folder").format(path=shown))
    extension = os.path.splitext(shown)[1].lower()
    if extension == ".zip":
        return _load_zip(shown, modules)
    if extension in (".ipynb", ".py"):
        entry = _file_entry(shown, os.path.basename(shown), status.st_size)
        module = _single_notebook(entry, _Budget(shown, zipped=False))
        return Submission(shown, (module,))
    kind = _("file type '{extension}'").format(extension=extension) if extension else _("file (no extension)")
    raise SubmissionError(
        _("{path}: unsupported {kind}; expected a folder, a .zip, a .ipynb notebook or a .py file").format(
            path=shown, kind=kind
        )
    )


# --- files in a folder or a zip -------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    name: str  # file name at its level, e.g. "forward.py"
    where: str  # for messages: "sub/forward.py", "work.zip/sub/forward.py"
    size: int  # size on disk, or the size the zip declares
    read: Callable[[int], bytes]  # read(n): at most n bytes
    refused: str = ""  # why it is not read: REFUSED's "a symbolic link", "not a regular file" (in English)


class _Budget:
    """Size caps for one submission (against zip bombs and stray huge files)."""

    def __init__(self, shown: str, *, zipped: bool) -> None:
        self.shown = shown
        self.zipped = zipped
        self.total = 0

    def read(self, entry: _Entry) -> bytes:
        limit = MAX_NOTEBOOK_BYTES if entry.name.lower().endswith(".ipynb") else MAX_PY_BYTES
        data = b"" if entry.size > limit else entry.read(limit + 1)
        if entry.size > limit or len(data) > limit:
            kind = os.path.splitext(entry.name)[1] or _("exercise")
            if self.zipped:
                raise SubmissionError(
                    _("{where}: expands to more than {size} MB, the limit for a {kind} file;"
                      " refusing a possible zip bomb").format(where=entry.where, size=limit // MB, kind=kind)
                )
            raise SubmissionError(
                _("{where}: larger than {size} MB, the limit for a {kind} file").format(
                    where=entry.where, size=limit // MB, kind=kind
                )
            )
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            if self.zipped:
                raise SubmissionError(
                    _("{path}: the exercise files expand to more than {size} MB; refusing a possible zip bomb").format(
                        path=self.shown, size=MAX_TOTAL_BYTES // MB
                    )
                )
            raise SubmissionError(
                _("{path}: the exercise files total more than {size} MB").format(path=self.shown, size=MAX_TOTAL_BYTES // MB)
            )
        return data


def _ignored_name(name: str) -> bool:
    return name.startswith(".") or name in ("__MACOSX", "__pycache__")


def _file_entry(path: str, name: str, size: int) -> _Entry:
    def read(limit: int) -> bytes:
        try:
            with open(path, "rb") as file:
                return file.read(limit)
        except OSError as error:
            raise SubmissionError(_("{path}: cannot read ({reason})").format(path=path, reason=error.strerror or error)) from None

    return _Entry(name, path, size, read)


def _scan_folder(folder: str) -> tuple[dict[str, _Entry], list[str]]:
    """The files (by name) and the folders directly inside `folder`, ignored names left out."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as error:
        raise SubmissionError(
            _("{path}: cannot read the folder ({reason})").format(path=folder, reason=error.strerror or error)
        ) from None
    files, folders = {}, []
    for entry in entries:
        if _ignored_name(entry.name):
            continue
        try:
            if entry.is_symlink() or not (entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False)):
                # Never followed: a link could hand in someone else's file (the grader's reference, say).
                why = N_("a symbolic link") if entry.is_symlink() else N_("not a regular file")
                files[entry.name] = _Entry(entry.name, entry.path, 0, lambda limit: b"", refused=why)
            elif entry.is_file(follow_symlinks=False):
                files[entry.name] = _file_entry(entry.path, entry.name, entry.stat(follow_symlinks=False).st_size)
            else:
                folders.append(entry.name)
        except OSError:
            continue  # an unreadable entry: not an exercise file
    return files, folders


def _load_folder(shown: str, modules: tuple[str, ...]) -> Submission:
    files, folders = _scan_folder(shown)
    budget = _Budget(shown, zipped=False)
    if _usable(files, modules) or len(folders) != 1:
        return _from_files(shown, files, budget, empty=not files and not folders, what="folder", modules=modules)
    inner = os.path.join(shown, folders[0])
    inner_files, _inner_folders = _scan_folder(inner)
    if not _usable(inner_files, modules):
        return _from_files(shown, files, budget, empty=False, what="folder", modules=modules)
    submission = _from_files(shown, inner_files, budget, empty=False, what="folder", modules=modules)
    note = _("exercise files read from {folder}").format(folder=inner)
    return Submission(shown, submission.modules, (note, *submission.notes))


def _load_zip(shown: str, modules: tuple[str, ...]) -> Submission:
    try:
        archive = zipfile.ZipFile(shown)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
        raise SubmissionError(_("{path}: not a valid zip file").format(path=shown)) from None
    except OSError as error:
        raise SubmissionError(_("{path}: cannot read ({reason})").format(path=shown, reason=error.strerror or error)) from None
    with archive:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            name = info.filename.replace("\\", "/")
            parts = [part for part in name.split("/") if part not in ("", ".")]
            if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
                raise SubmissionError(
                    _("{path}: unsafe member '{member}' (absolute path or '..'); the zip is refused").format(
                        path=shown, member=info.filename
                    )
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SubmissionError(
                    _("{path}: member '{member}' is a symbolic link; the zip is refused").format(
                        path=shown, member=info.filename
                    )
                )
            if name.endswith("/") or not parts or any(_ignored_name(part) for part in parts):
                continue
            members["/".join(parts)] = info

        def level(prefix: str) -> dict[str, _Entry]:
            entries = {}
            for name, info in sorted(members.items()):
                rest = name[len(prefix) :]
                if name.startswith(prefix) and "/" not in rest:
                    where = f"{shown}/{name}"
                    entries[rest] = _Entry(rest, where, info.file_size, _member_reader(archive, info, where))
            return entries

        budget = _Budget(shown, zipped=True)
        top = level("")
        folders = sorted({name.split("/", 1)[0] for name in members if "/" in name})
        if not _usable(top, modules) and len(folders) == 1:
            inner = level(folders[0] + "/")
            if _usable(inner, modules):
                return _from_files(shown, inner, budget, empty=False, what="zip", modules=modules)
        return _from_files(shown, top, budget, empty=not members, what="zip", modules=modules)


# CRC mismatch, corrupt data, unsupported compression, encryption (RuntimeError), truncation.
_ZIP_READ_ERRORS = (
    zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError
)


def _member_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        try:
            with archive.open(info) as member:
                return member.read(limit)
        except _ZIP_READ_ERRORS as error:
            raise SubmissionError(_("{where}: cannot be read from the zip ({error})").format(where=where, error=error)) from None

    return read


# --- choosing and reading the module files -----------------------------------------


def _split(name: str) -> tuple[str, str]:
    """("forward", "py") for "Forward.PY"; ("", "") when the name is not an exercise file name."""
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower()
    if not dot or extension not in ("py", "ipynb"):
        return "", ""
    return stem.lower(), extension


def _usable(files: dict[str, _Entry], modules: tuple[str, ...]) -> bool:
    """Whether these files hold a submission: a module file or a notebook."""
    return any(stem in modules or extension == "ipynb" for stem, extension in map(_split, files) if extension)


def _from_files(
    shown: str, files: dict[str, _Entry], budget: _Budget, *, empty: bool, what: str, modules: tuple[str, ...]
) -> Submission:
    chosen: dict[str, dict[str, _Entry]] = {}  # module -> extension -> entry
    others: list[str] = []  # .py / .ipynb files that are not module files
    for name in sorted(files):
        stem, extension = _split(name)
        if not extension:
            continue
        if stem not in modules:
            others.append(name)
            continue
        slot = chosen.setdefault(stem, {})
        previous = slot.get(extension)
        if previous is None or (name == f"{stem}.{extension}" and previous.name != name):
            if previous is not None:
                others.append(previous.name)
            slot[extension] = files[name]
        else:
            others.append(name)

    if not chosen:
        notebooks = [name for name in others if _split(name)[1] == "ipynb"]
        if len(notebooks) == 1:
            module = _single_notebook(files[notebooks[0]], budget)
            rest = [name for name in others if name != notebooks[0]]
            notes = (_("ignored (not an exercise module): {names}").format(names=listing(rest)),) if rest else ()
            return Submission(shown, (module,), notes)
        if notebooks:
            raise SubmissionError(
                _("{path}: no exercise module found ({expected}); found several notebooks: {names}").format(
                    path=shown, expected=_expected(modules), names=listing(notebooks)
                )
            )
        if empty:
            empty_message = (_("{path}: no exercise module found (the zip is empty)") if what == "zip"
                             else _("{path}: no exercise module found (the folder is empty)"))
            raise SubmissionError(empty_message.format(path=shown))
        raise SubmissionError(_("{path}: no exercise module found ({expected})").format(path=shown, expected=_expected(modules)))

    sources, notes = [], []
    for name in modules:
        slot = chosen.get(name)
        if not slot:
            continue
        entry = slot.get("py") or slot["ipynb"]
        if "py" in slot and "ipynb" in slot:
            notes.append(_("{module}: {graded} graded, {ignored} ignored").format(
                module=name, graded=slot["py"].name, ignored=slot["ipynb"].name))
        extension = "py" if "py" in slot else "ipynb"
        if entry.name != f"{name}.{extension}":
            notes.append(_("{module}: {file} graded as {name}").format(module=name, file=entry.name, name=f"{name}.{extension}"))
        sources.append(_module_file(name, entry, budget))
    if others:
        notes.append(_("ignored (not named after an exercise module): {names}").format(names=listing(others)))
    return Submission(shown, tuple(sources), tuple(notes))


def _module_file(name: str, entry: _Entry, budget: _Budget) -> ModuleSource:
    """One module's file in a folder or a zip: its problems are its own."""
    if entry.refused:
        return ModuleSource(name, entry.name, (), problem=_refused(entry.name, entry))
    data = budget.read(entry)
    if entry.name.lower().endswith(".py"):
        try:
            text = _decode_python(data)
        except _Unreadable as error:
            return ModuleSource(name, entry.name, (), problem=f"{entry.name}: {error}")
        return ModuleSource(name, entry.name, (Cell(text, entry.name),), _syntax_problem(text, entry.name))
    try:
        text = _decode_utf8(data)
    except _Unreadable as error:
        return ModuleSource(name, entry.name, (), problem=f"{entry.name}: {error}")
    return ModuleSource(name, entry.name, _notebook_cells(text, entry))


def _single_notebook(entry: _Entry, budget: _Budget) -> ModuleSource:
    """A whole submission in one file (.ipynb, or a .py given directly): one namespace."""
    if entry.refused:
        raise SubmissionError(_refused(entry.where, entry))
    data = budget.read(entry)
    python = entry.name.lower().endswith(".py")
    try:
        text = _decode_python(data) if python else _decode_utf8(data)
    except _Unreadable as error:
        raise SubmissionError(f"{entry.where}: {error}") from None
    if python:
        cells = (Cell(text, entry.name),)
        return ModuleSource(NOTEBOOK, entry.name, cells, _syntax_problem(text, entry.name))
    return ModuleSource(NOTEBOOK, entry.name, _notebook_cells(text, entry))


def _refused(where: str, entry: _Entry) -> str:
    return _("{where}: {why}, not graded (hand in the file itself)").format(where=where, why=_(entry.refused))


def _notebook_cells(text: str, entry: _Entry) -> tuple[Cell, ...]:
    from grader import notebook  # noqa: PLC0415  (keeps nbformat out of the import of this module)

    cells = notebook.code_cells(text, entry.where)
    return tuple(Cell(source, f"{entry.name}, cell {number}") for number, source in cells)


# --- text ------------------------------------------------------------------------------


class _Unreadable(Exception):
    """A file's bytes are not text in its encoding; str() is the detail after "FILE: "."""


_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT_RE = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


def _decode_python(data: bytes) -> str:
    """Python source bytes -> text, as Python reads them: UTF-8 unless a PEP 263 line says otherwise."""
    encoding = "utf-8"
    if not data.startswith(codecs.BOM_UTF8):
        for number, line in enumerate(data.split(b"\n", 2)[:2]):
            match = _CODING_RE.match(line)
            if match is not None:
                encoding = match.group(1).decode("ascii")
                break
            if number == 0 and not _BLANK_OR_COMMENT_RE.match(line):
                break
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise _Unreadable(_("unknown encoding '{encoding}' in its coding declaration").format(encoding=encoding)) from None
    return _decode(data, codec)


def _decode_utf8(data: bytes) -> str:
    return _decode(data, "utf-8")


def _decode(data: bytes, codec: str) -> str:
    skip = len(codecs.BOM_UTF8) if codec == "utf-8" and data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as error:
        if codec == "utf-8" and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise _Unreadable(_("not UTF-8 text (it is UTF-16: save it as UTF-8)")) from None
        offset = skip + error.start
        line = data[:offset].count(b"\n") + 1
        name = "UTF-8" if codec == "utf-8" else codec
        detail = _("byte 0x{byte:02x} at offset {offset}, line {line}").format(byte=data[offset], offset=offset, line=line)
        raise _Unreadable(_("not {encoding} text ({detail})").format(encoding=name, detail=detail)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _syntax_problem(text: str, filename: str) -> str:
    """"FILE, line N: MESSAGE (SyntaxError)" if `text` does not compile, else "". Never runs it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning and friends are not the grader's business
        try:
            compile(text, filename, "exec", dont_inherit=True)
        except SyntaxError as error:
            where = _("{file}, line {line}").format(file=filename, line=error.lineno) if error.lineno else filename
            return f"{where}: {error.msg} ({type(error).__name__})"
        except (ValueError, OverflowError, RecursionError, MemoryError) as error:
            return _("{file}: cannot be compiled ({error})").format(file=filename, error=f"{type(error).__name__}: {error}")
    return ""
