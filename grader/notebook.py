"""Notebook code cells as plain Python.

This is the only module that knows about nbformat (imported lazily inside
`code_cells`: importing it costs a noticeable fraction of a second) and about
IPython's syntax.

`neutralise(source)` turns one cell written for IPython into plain Python with
the *same number of lines*, so that line numbers in tracebacks still point at
the student's cell:

- line magics (`%matplotlib inline`) and shell lines (`!pip install x`) become
  `pass` at their indentation (a block holding only a magic stays valid);
  `%time STMT` and `%timeit [options] STMT` keep `STMT` (run once);
  `name = !cmd` and `name = %magic ...` become `name = None`
  (`name = %time EXPR` becomes `name = EXPR`);
- help lines (`obj?`, `obj??`, `?obj`) become `pass`, and so do the common
  automagics written without `%` (`pip install x`, `matplotlib inline`) when
  the line is not valid Python;
- a magic line ending in a backslash swallows its continuation lines (they
  become blank); `%time`/`%timeit` also swallow the lines of an unclosed
  bracket, as IPython does;
- cell magics: `%%time`, `%%timeit`, `%%capture` and `%%prun` keep their body
  (the first line becomes blank, or `%%timeit`'s setup statement); any other
  cell magic (`%%bash`, `%%writefile`, `%%html`, ...) turns the whole cell into
  blank lines;
- as in IPython, a cell whose first line is indented loses that common
  indentation, and `>>> ` / `In [1]: ` prompts of pasted sessions are removed.

Only lines that start a statement are looked at: a small scanner follows
brackets, strings (triple-quoted ones spanning lines included), comments and
backslash continuations, so a `%` or `!` inside a multi-line string or inside
brackets is left alone. Every rewrite only touches a line that is not valid
Python at that place, so a plain-Python cell comes out unchanged (apart from
newlines, normalised to "\\n"). The scanner does not know nested same-quote
f-strings (Python 3.12), which only matters if a magic follows one in a cell.
"""

from __future__ import annotations

import json
import re
import warnings

from grader.errors import SubmissionError

# Cell magics whose body is Python run in the user's namespace.
_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})

# Magics commonly typed without their `%` (IPython's automagic is on by default).
_AUTOMAGICS = frozenset(
    {
        "autoreload", "cd", "conda", "config", "env", "history", "load", "load_ext", "ls",
        "mamba", "matplotlib", "pip", "precision", "pwd", "pylab", "reload_ext", "run",
        "time", "timeit", "who", "whos", "xmode",
    }
)  # fmt: skip

_CELL_MAGIC_RE = re.compile(r"%%\s*(\w*)(.*)$")
_ASSIGN_RE = re.compile(
    r"(?P<indent>\s*)(?P<lhs>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*(?P<esc>[%!])(?P<rest>.*)$"
)
_TIME_RE = re.compile(r"(?P<indent>\s*)%(?P<name>timeit|time)(?![\w.])(?P<rest>.*)$")
_HELP_RE = re.compile(r"\s*(?:\?{1,2}\s*%{0,2}[\w.*]+|%{0,2}[\w.*]+\s*\?{1,2})\s*$")
_AUTOMAGIC_RE = re.compile(r"\s*(?P<name>[A-Za-z_]\w*)\s+[^\s=]")
_TIMEIT_OPTION_RE = re.compile(r"\s*-(?:[nrp]\s*\d+|[tcqo]+)(?=\s|$)")
_TIME_OPTION_RE = re.compile(r"\s*--no-raise-error(?=\s|$)")
_CLASSIC_PROMPT_RE = re.compile(r"(?:>>>|\.\.\.)(?: |$)")
_IPYTHON_PROMPT_RE = re.compile(r"(?:In \[\d+\]: ?|\s*\.\.\.: ?)")


def neutralise(source: str) -> str:
    """IPython cell source -> plain Python with the same number of lines."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    if _compiles(text):
        return text  # plain Python means the same to IPython: left exactly as it is
    lines = text.split("\n")
    out = _cell(lines)
    if len(out) != len(lines):  # never expected (tests check it); line numbers matter more than magics
        return "\n".join(lines)
    return "\n".join(out)


def _cell(lines: list[str]) -> list[str]:
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return list(lines)
    lines = _strip_prompts(_strip_leading_indent(lines, first), first)
    magic = _CELL_MAGIC_RE.match(lines[first])
    if magic is None:
        return _line_magics(lines)
    name, args = magic.group(1), magic.group(2)
    blank = [""] * first
    if name in _BODY_CELL_MAGICS:
        head = _timeit_setup(args) if name == "timeit" else ""
        return blank + [head] + _cell(lines[first + 1 :])
    return blank + [""] * (len(lines) - first)


def _strip_leading_indent(lines: list[str], first: int) -> list[str]:
    """IPython runs a cell whose code is indented as a whole; comments before the code do not count."""
    code = next((line for line in lines[first:] if line.strip() and not line.lstrip().startswith("#")), "")
    indent = code[: len(code) - len(code.lstrip())]
    if not indent:
        return lines
    return [line[len(indent) :] if line.startswith(indent) else line for line in lines]


def _strip_prompts(lines: list[str], first: int) -> list[str]:
    for prompt, start in ((_CLASSIC_PROMPT_RE, ">>>"), (_IPYTHON_PROMPT_RE, "In [")):
        if lines[first].startswith(start) and prompt.match(lines[first]):
            return [prompt.sub("", line, count=1) if prompt.match(line) else line for line in lines]
    return lines


def _timeit_setup(args: str) -> str:
    """`%%timeit [options] [setup]`: the setup statement, if it is Python."""
    statement = _strip_options(args, _TIMEIT_OPTION_RE).strip()
    return statement if statement and _compiles(statement) else ""


def _strip_options(text: str, option: re.Pattern[str]) -> str:
    while (match := option.match(text)) is not None:
        text = text[match.end() :]
    return text


class _Scanner:
    """Where a line stands in Python's grammar: inside brackets, a string, a continuation."""

    def __init__(self) -> None:
        self.depth = 0  # open brackets
        self.quote = ""  # the quote of the string left open at the end of the line
        self.continued = False  # the line ended with a backslash

    @property
    def at_statement_start(self) -> bool:
        return not (self.depth or self.quote or self.continued)

    def feed(self, line: str) -> None:
        self.continued = False
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if self.quote:
                if c == "\\":
                    i += 2
                elif line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote = ""
                else:
                    i += 1
                continue
            if c == "#":
                break
            if c in "'\"":
                self.quote = c * 3 if line.startswith(c * 3, i) else c
                i += len(self.quote)
                continue
            if c in "([{":
                self.depth += 1
            elif c in ")]}":
                self.depth = max(0, self.depth - 1)
            elif c == "\\" and i == n - 1:
                self.continued = True
            i += 1
        if len(self.quote) == 1 and i <= n:
            self.quote = ""  # a one-quote string ends with its line unless the newline is escaped


def _line_magics(lines: list[str]) -> list[str]:
    out: list[str] = []
    scanner = _Scanner()
    i = 0
    while i < len(lines):
        if scanner.at_statement_start:
            replaced = _replace_magic(lines, i)
            if replaced is not None:
                out.extend(replaced)
                i += len(replaced)
                continue
        scanner.feed(lines[i])
        out.append(lines[i])
        i += 1
    return out


def _replace_magic(lines: list[str], i: int) -> list[str] | None:
    """The replacement of the magic starting at line `i` (one string per line it spans), or None."""
    line = lines[i]
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if not stripped or stripped.startswith("#"):
        return None

    if (match := _TIME_RE.match(line)) is not None:
        end = _statement_end(lines, i, brackets=True)
        option = _TIMEIT_OPTION_RE if match["name"] == "timeit" else _TIME_OPTION_RE
        statement = _strip_options(match["rest"], option).strip()
        return _keep_or_pass(indent, statement, lines[i + 1 : end])

    if (match := _ASSIGN_RE.match(line)) is not None:
        lhs, rest = match["lhs"], match["rest"]
        time = _TIME_RE.match("%" + rest) if match["esc"] == "%" else None
        end = _statement_end(lines, i, brackets=time is not None)
        more = lines[i + 1 : end]
        if time is not None and time["name"] == "time":
            value = _strip_options(time["rest"], _TIME_OPTION_RE).strip()
            if value and _compiles("\n".join([f"{lhs} = {value}", *more])):
                return [f"{indent}{lhs} = {value}", *more]
        count = len(re.split(r"\s*,\s*", lhs))
        none = ", ".join(["None"] * count)
        return [f"{indent}{lhs} = {none}"] + [""] * len(more)

    if stripped[0] in "%!" or _HELP_RE.match(line):
        end = _statement_end(lines, i, brackets=False)
        return [f"{indent}pass"] + [""] * (end - i - 1)

    automagic = _AUTOMAGIC_RE.match(line)
    if automagic is not None and automagic["name"] in _AUTOMAGICS and not line.endswith("\\"):
        alone = _Scanner()
        alone.feed(line)
        if alone.at_statement_start and not _compiles(stripped):
            return [f"{indent}pass"]
    return None


def _statement_end(lines: list[str], i: int, *, brackets: bool) -> int:
    """One past the last line of the magic starting at `i` (backslash continuations, open brackets)."""
    scanner = _Scanner()
    end = i
    while end < len(lines):
        line = lines[end]
        end += 1
        if brackets:
            scanner.feed(line)
            if scanner.at_statement_start:
                break
        elif not line.endswith("\\"):
            break
    return end


def _keep_or_pass(indent: str, statement: str, more: list[str]) -> list[str]:
    if statement and _compiles("\n".join([statement, *more])):
        return [indent + statement, *more]
    return [f"{indent}pass"] + [""] * len(more)


def _compiles(code: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(code, "<cell>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
            return False
    return True


# --- reading a notebook -------------------------------------------------------------


def code_cells(text: str, filename: str) -> list[tuple[int, str]]:
    """The code cells of a notebook as `(cell number, plain Python)`, in order.

    `text` is the notebook's decoded JSON text. Cells are numbered from 1 over
    *every* cell (markdown and raw included), as a reader counts them from the
    top of the notebook. Outputs and metadata are ignored, and not validated:
    a notebook whose outputs a tool wrote oddly is still read. The rest of the
    structure is checked with nbformat (older v3 notebooks are converted to
    v4). Raises SubmissionError "FILE: not a valid notebook (...)".
    """

    def invalid(detail: str) -> SubmissionError:
        return SubmissionError(f"{filename}: not a valid notebook ({detail})")

    try:
        data = json.loads(text)
    except ValueError as error:  # json.JSONDecodeError
        raise invalid(f"not JSON: {error}") from None
    except RecursionError:
        raise invalid("not JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise invalid("the top level is not a JSON object")
    version = data.get("nbformat")
    if version is None:
        raise invalid("no nbformat version")
    if type(version) is not int or version not in (3, 4):
        raise invalid(f"unsupported nbformat version {version!r}, expected 4")
    if version == 3:
        data = _upgrade_v3(data, invalid)

    cells = data.get("cells")
    if not isinstance(cells, list):
        raise invalid("no list of cells")
    for number, cell in enumerate(cells, 1):
        _check_cell(cell, number, invalid)
    _validate(_without_outputs_and_metadata(data), 4, invalid)

    result = []
    for number, cell in enumerate(cells, 1):
        if cell["cell_type"] == "code":
            source = cell["source"]
            result.append((number, neutralise(source if isinstance(source, str) else "".join(source))))
    return result


def _check_cell(cell: object, number: int, invalid) -> None:
    if not isinstance(cell, dict):
        raise invalid(f"cell {number} is not a JSON object")
    kind = cell.get("cell_type")
    if kind not in ("code", "markdown", "raw"):
        raise invalid(f"cell {number} has cell_type {kind!r}, expected 'code', 'markdown' or 'raw'")
    source = cell.get("source")
    lines = source if isinstance(source, list) else [source]
    if not all(isinstance(line, str) for line in lines):
        raise invalid(f"cell {number} has no source text")


def _without_outputs_and_metadata(data: dict) -> dict:
    """A copy of a v4 notebook with what the grader ignores reset to valid empty values."""
    cells = []
    for cell in data["cells"]:
        cell = {key: value for key, value in cell.items() if key not in ("id", "attachments")}
        cell["metadata"] = {}
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    return {**data, "metadata": {}, "cells": cells}


def _validate(data: dict, version: int, invalid) -> None:
    import nbformat  # noqa: PLC0415  (slow import, only when a notebook is read)

    try:
        with warnings.catch_warnings():
            # nbformat warns about (and adds) the cell ids stripped above.
            warnings.simplefilter("ignore")
            nbformat.validate(data, version=version, relax_add_props=True)
    except nbformat.ValidationError as error:
        raise invalid(_describe(error)) from None
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        raise invalid(f"{type(error).__name__}: {error}") from None


def _upgrade_v3(data: dict, invalid) -> dict:
    import nbformat  # noqa: PLC0415

    _validate(data, 3, invalid)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            upgraded = nbformat.convert(nbformat.from_dict(data), 4)
    except (nbformat.ValidationError, KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        raise invalid(f"cannot convert it from version 3: {error}") from None
    return json.loads(json.dumps(upgraded))  # plain dicts and lists again


def _describe(error: Exception) -> str:
    """One short line from a (long, multi-line) schema validation error."""
    message = str(getattr(error, "message", None) or error).strip().splitlines()[0]
    if len(message) > 160:
        message = message[:157] + "..."
    path = list(getattr(error, "absolute_path", None) or ())
    if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
        where = f"cell {path[1] + 1}" + "".join(f".{p}" for p in path[2:])
    else:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f"{where}: {message}" if where else message
