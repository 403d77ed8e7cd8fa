"""Reading submissions: folders, notebooks, single scripts, zips (grader/loading.py, grader/notebook.py)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tokenize
import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat import v4

from grader import loading, notebook
from grader.errors import SubmissionError
from grader.loading import MODULES, NOTEBOOK, Cell, ModuleSource, Submission, load_submission
from grader.notebook import neutralise

ROOT = Path(__file__).resolve().parent.parent

FORWARD = "import numpy as np\n\n\ndef linear_forward(x, W, b):\n    return x @ W.T + b\n"
BACKWARD = "def linear_backward(dz, x, W):\n    return dz @ W, dz.T @ x, dz.sum(axis=0)\n"


def notebook_text(*cells, **kwargs) -> str:
    """A v4 notebook; a str cell is a code cell, ("markdown", text) a markdown cell."""
    built = []
    for cell in cells:
        if isinstance(cell, tuple):
            built.append(v4.new_markdown_cell(cell[1]))
        else:
            built.append(v4.new_code_cell(cell))
    return nbformat.writes(v4.new_notebook(cells=built, **kwargs))


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def make_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def error_of(path) -> str:
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message
    return message


def by_name(submission: Submission) -> dict[str, ModuleSource]:
    return {module.name: module for module in submission.modules}


# --- folders --------------------------------------------------------------------------


def test_folder_of_python_files(tmp_path):
    folder = write(tmp_path / "sub", {"backward.py": BACKWARD, "forward.py": FORWARD, "README.md": "hi"})
    submission = load_submission(folder)
    assert submission == Submission(
        path=str(folder),
        modules=(
            ModuleSource("forward", "forward.py", (Cell(FORWARD, "forward.py"),)),
            ModuleSource("backward", "backward.py", (Cell(BACKWARD, "backward.py"),)),
        ),
    )


def test_path_is_kept_as_given(tmp_path, monkeypatch):
    write(tmp_path / "sub", {"forward.py": FORWARD})
    monkeypatch.chdir(tmp_path)
    assert load_submission("sub").path == "sub"
    assert load_submission(Path("sub")).path == "sub"


def test_folder_mixing_python_and_notebooks(tmp_path):
    folder = write(
        tmp_path / "sub",
        {
            "forward.py": FORWARD,
            "backward.ipynb": notebook_text(("markdown", "# Backward"), "import numpy as np", BACKWARD),
        },
    )
    modules = by_name(load_submission(folder))
    assert list(modules) == ["forward", "backward"]
    assert modules["backward"] == ModuleSource(
        "backward",
        "backward.ipynb",
        (Cell("import numpy as np", "backward.ipynb, cell 2"), Cell(BACKWARD, "backward.ipynb, cell 3")),
    )


def test_both_forms_of_a_module_grade_the_python_file(tmp_path):
    folder = write(
        tmp_path / "sub",
        {"forward.py": FORWARD, "forward.ipynb": notebook_text("raise SystemExit"), "backward.py": BACKWARD},
    )
    submission = load_submission(folder)
    assert by_name(submission)["forward"].filename == "forward.py"
    assert submission.notes == ("forward: forward.py graded, forward.ipynb ignored",)


def test_stray_python_files_and_notebooks_get_a_note(tmp_path):
    folder = write(
        tmp_path / "sub",
        {"forward.py": FORWARD, "helpers.py": "", "scratch.ipynb": notebook_text("1"), "data.csv": "1,2"},
    )
    submission = load_submission(folder)
    assert [m.name for m in submission.modules] == ["forward"]
    assert submission.notes == ("ignored (not named after an exercise module): helpers.py, scratch.ipynb",)


def test_module_names_are_matched_without_case(tmp_path):
    folder = write(tmp_path / "sub", {"Forward.py": FORWARD})
    submission = load_submission(folder)
    assert submission.modules == (ModuleSource("forward", "Forward.py", (Cell(FORWARD, "Forward.py"),)),)
    assert submission.notes == ("forward: Forward.py graded as forward.py",)


def test_dotfiles_and_subfolders_are_ignored(tmp_path):
    folder = write(
        tmp_path / "sub",
        {
            "forward.py": FORWARD,
            ".backward.py": BACKWARD,
            ".ipynb_checkpoints/backward-checkpoint.ipynb": notebook_text(BACKWARD),
            "old/backward.py": BACKWARD,
        },
    )
    assert [m.name for m in load_submission(folder).modules] == ["forward"]


def test_folder_with_a_single_notebook_is_a_notebook_submission(tmp_path):
    # What Gradescope hands over when a student uploads one notebook.
    folder = write(tmp_path / "submission", {"assignment.ipynb": notebook_text(FORWARD)})
    submission = load_submission(folder)
    assert submission.modules == (
        ModuleSource(NOTEBOOK, "assignment.ipynb", (Cell(FORWARD, "assignment.ipynb, cell 1"),)),
    )


def test_folder_holding_a_single_folder_is_read_through(tmp_path):
    folder = write(tmp_path / "submission", {"exercises/forward.py": FORWARD, ".DS_Store": b"\0"})
    submission = load_submission(folder)
    assert [m.name for m in submission.modules] == ["forward"]
    assert submission.notes == (f"exercise files read from {folder / 'exercises'}",)


def test_folder_with_several_notebooks_and_no_module(tmp_path):
    folder = write(tmp_path / "sub", {"a.ipynb": notebook_text("1"), "b.ipynb": notebook_text("2")})
    assert error_of(folder) == (
        f"{folder}: no exercise module found (expected gradient_descent, chain_rule, activations, forward,"
        " backward, training or torch_net as .py or .ipynb, or a single notebook); found several notebooks:"
        " a.ipynb, b.ipynb"
    )


def test_empty_folder(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    write(folder, {".DS_Store": b"\0"})
    assert error_of(folder) == f"{folder}: no exercise module found (the folder is empty)"


def test_folder_with_only_unrelated_files(tmp_path):
    folder = write(tmp_path / "sub", {"README.md": "# hi", "helpers.py": "x = 1\n", "forward.txt": FORWARD})
    assert error_of(folder) == (
        f"{folder}: no exercise module found (expected gradient_descent, chain_rule, activations, forward,"
        " backward, training or torch_net as .py or .ipynb, or a single notebook)"
    )


def test_every_module_name_is_recognised(tmp_path):
    folder = write(tmp_path / "sub", {f"{name}.py": f"# {name}\n" for name in MODULES})
    assert [m.name for m in load_submission(folder).modules] == list(MODULES)


# --- problems of one module -------------------------------------------------------------


def test_non_utf8_python_file_is_a_problem_of_its_module(tmp_path):
    folder = write(tmp_path / "sub", {"forward.py": b"# caf\xe9\nx = 1\n", "backward.py": BACKWARD})
    modules = by_name(load_submission(folder))
    assert modules["forward"] == ModuleSource(
        "forward", "forward.py", (), problem="forward.py: not UTF-8 text (byte 0xe9 at offset 5, line 1)"
    )
    assert modules["backward"].problem == ""
    assert modules["backward"].cells == (Cell(BACKWARD, "backward.py"),)


def test_non_utf8_notebook_module_is_a_problem_of_its_module(tmp_path):
    folder = write(tmp_path / "sub", {"forward.ipynb": b'{"cells": ["\xff"]}', "backward.py": BACKWARD})
    modules = by_name(load_submission(folder))
    assert modules["forward"].problem == "forward.ipynb: not UTF-8 text (byte 0xff at offset 12, line 1)"
    assert modules["backward"].problem == ""


def test_utf16_file_is_named(tmp_path):
    folder = write(tmp_path / "sub", {"forward.py": FORWARD.encode("utf-16")})
    assert by_name(load_submission(folder))["forward"].problem == (
        "forward.py: not UTF-8 text (it is UTF-16: save it as UTF-8)"
    )


def test_python_file_may_declare_its_encoding(tmp_path):
    source = "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n"
    folder = write(tmp_path / "sub", {"forward.py": source.encode("latin-1")})
    assert by_name(load_submission(folder))["forward"].cells == (Cell(source, "forward.py"),)


def test_unknown_declared_encoding(tmp_path):
    folder = write(tmp_path / "sub", {"forward.py": "# coding: klingon\nx = 1\n"})
    assert by_name(load_submission(folder))["forward"].problem == (
        "forward.py: unknown encoding 'klingon' in its coding declaration"
    )


def test_bom_and_windows_newlines_are_read(tmp_path):
    folder = write(tmp_path / "sub", {"forward.py": b"\xef\xbb\xbfx = 1\r\ny = 2\r\n"})
    assert by_name(load_submission(folder))["forward"].cells == (Cell("x = 1\ny = 2\n", "forward.py"),)


def test_syntax_error_is_a_problem_with_its_line(tmp_path):
    broken = "import numpy as np\n\ndef backward(x, y, params:\n    return []\n"
    folder = write(tmp_path / "sub", {"backward.py": broken, "forward.py": FORWARD})
    with pytest.raises(SyntaxError) as expected:
        compile(broken, "backward.py", "exec")
    modules = by_name(load_submission(folder))
    assert modules["backward"].problem == f"backward.py, line 3: {expected.value.msg} (SyntaxError)"
    assert modules["backward"].cells == (Cell(broken, "backward.py"),)
    assert modules["forward"].problem == ""


def test_indentation_error_names_its_kind(tmp_path):
    folder = write(tmp_path / "sub", {"forward.py": "def f():\nreturn 1\n"})
    problem = by_name(load_submission(folder))["forward"].problem
    assert problem.startswith("forward.py, line 2: ") and problem.endswith(" (IndentationError)")


def test_syntax_warnings_do_not_count(tmp_path):
    # `x is 1` and "\d" warn at compile time; pytest runs with warnings as errors.
    folder = write(tmp_path / "sub", {"forward.py": 'x = 1\nok = x is 1\npattern = "\\d"\n'})
    assert by_name(load_submission(folder))["forward"].problem == ""


def test_python_file_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    folder = write(tmp_path / "sub", {"forward.py": f"open({str(marker)!r}, 'w').close()\n"})
    load_submission(folder)
    assert not marker.exists()


# --- single files ---------------------------------------------------------------------


MAGIC_CELL = """\
%matplotlib inline
!pip install numpy \\
    torch
files = !ls -la
x = %time sum([1, 2])
%timeit -n 3 -r 1 y = sum([1,
                           2])
def helper(a):
    %time b = a * 2
    !echo {a}
    return b
text = '''
%not a magic
!nor this
'''
t = (7
     % 2)
helper?
??helper
pip install torch
"""

MAGIC_CELL_AS_PYTHON = """\
pass
pass

files = None
x = sum([1, 2])
y = sum([1,
                           2])
def helper(a):
    b = a * 2
    pass
    return b
text = '''
%not a magic
!nor this
'''
t = (7
     % 2)
pass
pass
pass
"""


def test_single_notebook_with_magics(tmp_path):
    cells = [
        MAGIC_CELL,
        ("markdown", "Some *text* with %magic and !bang"),
        "%%time\nimport numpy as np\n%pwd\n",
        "%%bash\necho hi\nls\n",
        "%%writefile forward.py\ndef f(:\n",
        "%%timeit -n 10 z = 3\nz * 2",
        "%%capture captured\nprint('hi')",
        "  indented = 1\n  more = 2",
    ]
    path = tmp_path / "assignment.ipynb"
    path.write_text(notebook_text(*cells), encoding="utf-8")
    submission = load_submission(path)
    assert submission.path == str(path)
    assert submission.notes == ()
    (module,) = submission.modules
    assert (module.name, module.filename, module.problem) == (NOTEBOOK, "assignment.ipynb", "")
    assert [cell.label for cell in module.cells] == [
        f"assignment.ipynb, cell {n}" for n in (1, 3, 4, 5, 6, 7, 8)
    ]
    assert [cell.source for cell in module.cells] == [
        MAGIC_CELL_AS_PYTHON,
        "\nimport numpy as np\npass\n",
        "\n\n\n",
        "\n\n",
        "z = 3\nz * 2",
        "\nprint('hi')",
        "indented = 1\nmore = 2",
    ]
    code = [cell for cell in cells if isinstance(cell, str)]
    for original, cell in zip(code, module.cells):
        compile(cell.source, cell.label, "exec", dont_inherit=True)
        assert cell.source.count("\n") == original.count("\n")


def test_notebook_cells_with_syntax_errors_are_left_to_the_engine(tmp_path):
    path = tmp_path / "work.ipynb"
    path.write_text(notebook_text("def f(:\n    pass", FORWARD), encoding="utf-8")
    (module,) = load_submission(path).modules
    assert module.problem == ""
    assert [cell.source for cell in module.cells] == ["def f(:\n    pass", FORWARD]


def test_notebook_outputs_and_metadata_are_ignored(tmp_path):
    nb = v4.new_notebook(cells=[v4.new_code_cell(FORWARD)])
    data = nbformat.writes(nb).replace('"outputs": []', '"outputs": [{"weird": true}]')
    data = data.replace('"metadata": {}', '"metadata": 7')
    assert '"weird"' in data and '"metadata": 7' in data
    path = tmp_path / "work.ipynb"
    path.write_text(data, encoding="utf-8")
    assert load_submission(path).modules[0].cells == (Cell(FORWARD, "work.ipynb, cell 1"),)


def test_notebook_without_cell_ids_and_with_list_sources(tmp_path):
    # nbformat 4.4 style, as older Jupyter and many tools write it: no ids, source as a list of lines.
    path = tmp_path / "old.ipynb"
    path.write_text(
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code",'
        ' "metadata": {}, "outputs": [], "execution_count": null, "source": ["x = 1\\n", "y = 2"]}]}',
        encoding="utf-8",
    )
    assert load_submission(path).modules[0].cells == (Cell("x = 1\ny = 2", "old.ipynb, cell 1"),)


def test_version_3_notebook_is_converted(tmp_path):
    from nbformat import v3

    nb = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[v3.new_code_cell(input="x = 1")])])
    path = tmp_path / "v3.ipynb"
    path.write_text(nbformat.writes(nb, version=3), encoding="utf-8")
    assert load_submission(path).modules[0].cells == (Cell("x = 1", "v3.ipynb, cell 1"),)


def test_not_json_notebook(tmp_path):
    path = tmp_path / "work.ipynb"
    path.write_text("print('hello')\n", encoding="utf-8")
    assert error_of(path) == (
        f"{path}: not a valid notebook (not JSON: Expecting value: line 1 column 1 (char 0))"
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("[1, 2]", "the top level is not a JSON object"),
        ('{"cells": []}', "no nbformat version"),
        ('{"nbformat": 2, "cells": []}', "unsupported nbformat version 2, expected 4"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "x = 1"}', "no list of cells"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [1]}', "cell 1 is not a JSON object"),
        (
            '{"nbformat": 4, "nbformat_minor": 5, "metadata": {},'
            ' "cells": [{"cell_type": "python", "source": ""}]}',
            "cell 1 has cell_type 'python', expected 'code', 'markdown' or 'raw'",
        ),
        (
            '{"nbformat": 4, "nbformat_minor": 5, "metadata": {},'
            ' "cells": [{"cell_type": "code", "metadata": {}}]}',
            "cell 1 has no source text",
        ),
        (
            '{"nbformat": 4, "metadata": {}, "cells": []}',
            "'nbformat_minor' is a required property",
        ),
    ],
)
def test_invalid_notebook_structure(tmp_path, text, detail):
    path = tmp_path / "work.ipynb"
    path.write_text(text, encoding="utf-8")
    assert error_of(path) == f"{path}: not a valid notebook ({detail})"


def test_invalid_notebook_module_in_a_folder_cannot_be_read(tmp_path):
    folder = write(tmp_path / "sub", {"forward.ipynb": "{not json", "backward.py": BACKWARD})
    assert error_of(folder) == (
        f"{folder / 'forward.ipynb'}: not a valid notebook"
        " (not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"
    )


def test_non_utf8_single_notebook(tmp_path):
    path = tmp_path / "work.ipynb"
    path.write_bytes(b'{"cells": [], "x": "\xe9t\xe9"}')
    assert error_of(path) == f"{path}: not UTF-8 text (byte 0xe9 at offset 20, line 1)"


def test_single_python_file_is_one_namespace(tmp_path):
    path = write(tmp_path, {"work.py": FORWARD + BACKWARD}) / "work.py"
    assert load_submission(path) == Submission(
        str(path), (ModuleSource(NOTEBOOK, "work.py", (Cell(FORWARD + BACKWARD, "work.py"),)),)
    )


def test_single_python_file_with_a_syntax_error(tmp_path):
    path = write(tmp_path, {"work.py": "x = (1,\n"}) / "work.py"
    (module,) = load_submission(path).modules
    assert module.problem.startswith("work.py, line 1: ") and module.problem.endswith("(SyntaxError)")


def test_non_utf8_single_python_file(tmp_path):
    path = write(tmp_path, {"work.py": b"x = '\xff'\n"}) / "work.py"
    assert error_of(path) == f"{path}: not UTF-8 text (byte 0xff at offset 5, line 1)"


def test_missing_path(tmp_path):
    assert error_of(tmp_path / "nope") == f"{tmp_path / 'nope'}: no such file or directory"
    assert error_of(tmp_path / "nope" / "x.py") == f"{tmp_path / 'nope' / 'x.py'}: no such file or directory"


def test_unsupported_extension(tmp_path):
    path = write(tmp_path, {"forward.txt": FORWARD, "Makefile": ""}) / "forward.txt"
    assert error_of(path) == (
        f"{path}: unsupported file type '.txt'; expected a folder, a .zip, a .ipynb notebook or a .py file"
    )
    assert error_of(tmp_path / "Makefile") == (
        f"{tmp_path / 'Makefile'}: unsupported file (no extension); expected a folder, a .zip,"
        " a .ipynb notebook or a .py file"
    )


# --- zips -----------------------------------------------------------------------------


def test_zip_at_top_level(tmp_path):
    path = make_zip(
        tmp_path / "work.zip",
        {"forward.py": FORWARD, "backward.ipynb": notebook_text(BACKWARD), "notes.txt": "hi"},
    )
    submission = load_submission(path)
    assert submission == Submission(
        str(path),
        (
            ModuleSource("forward", "forward.py", (Cell(FORWARD, "forward.py"),)),
            ModuleSource("backward", "backward.ipynb", (Cell(BACKWARD, "backward.ipynb, cell 1"),)),
        ),
    )


def test_zip_inside_a_single_folder_with_macos_litter(tmp_path):
    path = make_zip(
        tmp_path / "work.zip",
        {
            "exercises/": b"",
            "exercises/forward.py": FORWARD,
            "exercises/.hidden.py": "x = 1",
            "exercises/deeper/backward.py": BACKWARD,
            "__MACOSX/exercises/._forward.py": b"\x00\x05\x16\x07",
            "__MACOSX/._exercises": b"\x00",
            ".DS_Store": b"\x00",
        },
    )
    submission = load_submission(path)
    assert submission.modules == (ModuleSource("forward", "forward.py", (Cell(FORWARD, "forward.py"),)),)
    assert submission.notes == ()


def test_zip_with_one_notebook_is_a_notebook_submission(tmp_path):
    notebook = notebook_text("%pip install numpy", FORWARD)
    path = make_zip(tmp_path / "work.zip", {"hw/assignment.ipynb": notebook})
    assert load_submission(path).modules == (
        ModuleSource(
            NOTEBOOK,
            "assignment.ipynb",
            (Cell("pass", "assignment.ipynb, cell 1"), Cell(FORWARD, "assignment.ipynb, cell 2")),
        ),
    )


def test_zip_with_two_folders_is_not_looked_into(tmp_path):
    path = make_zip(tmp_path / "work.zip", {"a/forward.py": FORWARD, "b/backward.py": BACKWARD})
    assert error_of(path).startswith(f"{path}: no exercise module found (expected gradient_descent,")


def test_empty_zip(tmp_path):
    path = make_zip(tmp_path / "work.zip", {})
    assert error_of(path) == f"{path}: no exercise module found (the zip is empty)"


def test_zip_problems_are_per_module(tmp_path):
    path = make_zip(tmp_path / "work.zip", {"forward.py": b"\xff\xfe\x00", "backward.py": BACKWARD})
    modules = by_name(load_submission(path))
    assert modules["forward"].problem == "forward.py: not UTF-8 text (it is UTF-16: save it as UTF-8)"
    assert modules["backward"].problem == ""


def test_invalid_notebook_in_a_zip_names_the_member(tmp_path):
    path = make_zip(tmp_path / "work.zip", {"sub/forward.ipynb": "nope"})
    assert error_of(path) == (
        f"{path}/sub/forward.ipynb: not a valid notebook"
        " (not JSON: Expecting value: line 1 column 1 (char 0))"
    )


def test_not_a_zip(tmp_path):
    path = write(tmp_path, {"work.zip": FORWARD}) / "work.zip"
    assert error_of(path) == f"{path}: not a valid zip file"
    truncated = make_zip(tmp_path / "cut.zip", {"forward.py": FORWARD})
    truncated.write_bytes(truncated.read_bytes()[:40])
    assert error_of(truncated) == f"{truncated}: not a valid zip file"


@pytest.mark.parametrize(
    "member", ["../evil.py", "sub/../../evil.py", "/etc/forward.py", "C:/forward.py", "..\\evil.py"]
)
def test_zip_with_unsafe_member(tmp_path, member):
    path = make_zip(tmp_path / "work.zip", {"forward.py": FORWARD, member: "x = 1"})
    assert error_of(path) == f"{path}: unsafe member '{member}' (absolute path or '..'); the zip is refused"


def test_zip_with_symlink_member(tmp_path):
    path = tmp_path / "work.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("forward.py", FORWARD)
        link = zipfile.ZipInfo("backward.py")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert error_of(path) == f"{path}: member 'backward.py' is a symbolic link; the zip is refused"


def test_zip_bomb_member(tmp_path):
    path = make_zip(tmp_path / "work.zip", {"forward.py": b"#" * (loading.MAX_PY_BYTES + 1)})
    assert path.stat().st_size < 100_000
    assert error_of(path) == (
        f"{path}/forward.py: expands to more than 5 MB, the limit for a .py file;"
        " refusing a possible zip bomb"
    )


def test_zip_member_lying_about_its_size(tmp_path):
    # zipfile reads no more than the declared size, so the lie shows as a bad checksum.
    path = make_zip(tmp_path / "work.zip", {"forward.py": b"#" * (loading.MAX_PY_BYTES + 1)})
    data = bytearray(path.read_bytes())
    declared = (loading.MAX_PY_BYTES + 1).to_bytes(4, "little")
    assert data.count(declared) == 2  # local header and central directory
    path.write_bytes(bytes(data).replace(declared, (10).to_bytes(4, "little")))
    assert error_of(path) == (
        f"{path}/forward.py: cannot be read from the zip (Bad CRC-32 for file 'forward.py')"
    )


def test_zip_bomb_total(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "MAX_TOTAL_BYTES", loading.MB)
    half = "#" * (loading.MB // 2 + 1)
    path = make_zip(tmp_path / "work.zip", {"forward.py": half, "backward.py": half})
    assert error_of(path) == (
        f"{path}: the exercise files expand to more than 1 MB; refusing a possible zip bomb"
    )


def test_large_file_in_a_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "MAX_PY_BYTES", 2 * loading.MB)
    folder = write(tmp_path / "sub", {"forward.py": b"#" * (2 * loading.MB + 1)})
    assert error_of(folder) == f"{folder / 'forward.py'}: larger than 2 MB, the limit for a .py file"


# --- general properties -----------------------------------------------------------------


def test_loading_writes_nothing(tmp_path):
    folder = write(tmp_path / "sub", {"forward.py": FORWARD, "backward.ipynb": notebook_text(BACKWARD)})
    zipped = make_zip(
        tmp_path / "work.zip", {"sub/forward.py": FORWARD, "sub/backward.ipynb": notebook_text(BACKWARD)}
    )
    before = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    first, second = load_submission(folder), load_submission(zipped)
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before
    assert first.modules == second.modules
    assert load_submission(folder) == first


def test_importing_the_loader_does_not_import_nbformat():
    code = "import sys, grader.loading; print('nbformat' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "False"


PYTHON_FILES = [
    *sorted((ROOT / "reference").glob("*.py")),
    ROOT / "grader" / "loading.py",
    ROOT / "grader" / "notebook.py",
    Path(__file__),
]


def test_plain_python_is_left_alone():
    for path in PYTHON_FILES:
        text = path.read_text(encoding="utf-8")
        assert neutralise(text) == text, path
        lines = text.split("\n")
        assert notebook._cell(lines) == lines, path  # the scanner too, past the "it compiles" shortcut


def statement_starts(text: str) -> list[int]:
    """0-based lines where a logical line starts, except where `pass` cannot go before it."""
    starts, at_start, previous = [], True, ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            at_start = at_start or token.type == tokenize.NEWLINE
            continue
        if at_start and token.type != tokenize.ENDMARKER:
            keyword = token.string
            if keyword not in ("else", "elif", "except", "finally", "case") and previous != "@":
                starts.append(token.start[0] - 1)
            previous = keyword
        at_start = False
    return starts


@pytest.mark.parametrize("magic", ["%matplotlib inline", "!pip install numpy", "helper??", "pip install x"])
def test_magics_at_every_statement_of_real_code(magic):
    for path in PYTHON_FILES:
        lines = path.read_text(encoding="utf-8").split("\n")
        if not notebook._compiles("\n".join(lines)):
            continue  # another file being edited right now
        future = max((n for n, line in enumerate(lines) if line.startswith("from __future__")), default=-1)
        starts = {n for n in statement_starts("\n".join(lines)) if n > future}  # __future__ stays first
        assert starts, path
        cell, expected = [], []
        for number, line in enumerate(lines):
            if number in starts:
                indent = line[: len(line) - len(line.lstrip())]
                cell.append(indent + magic)
                expected.append(indent + "pass")
            cell.append(line)
            expected.append(line)
        out = neutralise("\n".join(cell))
        assert out == "\n".join(expected), path
        compile(out, str(path), "exec", dont_inherit=True)


SNIPPETS = [*"%!?=x (')\"\\#\n\t:;,.-019abpr", "%%time\n", '"""', "\r\n", "\r", ">>> ", "    ", "pip "]


@given(st.lists(st.sampled_from(SNIPPETS), max_size=60).map("".join))
def test_neutralise_keeps_the_line_count_and_leaves_python_alone(source):
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert len(notebook._cell(lines)) == len(lines)  # neutralise() itself would fall back to the input
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return
    assert neutralise(source) == "\n".join(lines)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%load_ext autoreload", "pass"),
        ("if x:\n  !ls", "if x:\n  pass"),
        ("  !ls", "pass"),  # a cell's common indentation goes, as in IPython
        ("a, b = %sx ls", "a, b = None, None"),
        ("x = %time f(1)", "x = f(1)"),
        ("x = %time ???", "x = None"),
        ("%time --no-raise-error y = 1", "y = 1"),
        ("%timeit -qo f(1)", "f(1)"),
        ("%time return 1", "pass"),
        ("%time", "pass"),
        ("np.*load*?", "pass"),
        ("matplotlib inline", "pass"),
        ("conda install numpy", "pass"),
        ("pip.main(['install'])", "pip.main(['install'])"),
        ("x = 5 % 3", "x = 5 % 3"),
        ("y = x != 1", "y = x != 1"),
        ("s = '%d' % 3  # !", "s = '%d' % 3  # !"),
        ("# %matplotlib inline", "# %matplotlib inline"),
        ("f'{x!r}'", "f'{x!r}'"),
    ],
)
def test_neutralise_one_line(line, expected):
    assert neutralise(line) == expected


def test_magic_inside_an_open_bracket_or_string_is_not_touched():
    source = "x = [\n%d,\n]\ns = 'a\\\n%b'\ny = 1 + \\\n    !z"
    assert neutralise(source) == source


def test_cell_magic_after_blank_lines_and_nested():
    assert neutralise("\n%%capture out\n%%time\nx = 1\n!ls") == "\n\n\nx = 1\npass"
    assert neutralise("%%HTML\n<b>hi</b>") == "\n"


def test_prompts_of_a_pasted_session_are_removed():
    assert neutralise(">>> def f():\n...     return 1\n>>> f()") == "def f():\n    return 1\nf()"


def test_windows_newlines_in_a_cell():
    assert neutralise("%pwd\r\nx = 1\r\n") == "pass\nx = 1\n"


def test_zip_member_read_from_memory(tmp_path):
    # No extraction: a zip whose members are written with a directory prefix that does not exist on disk.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("deep/forward.py", FORWARD)
    path = tmp_path / "work.zip"
    path.write_bytes(buffer.getvalue())
    load_submission(path)
    assert sorted(os.listdir(tmp_path)) == ["work.zip"]


def test_a_module_that_is_a_symbolic_link_is_refused_not_followed(tmp_path):
    target = tmp_path / "elsewhere.py"
    target.write_text("def sigmoid(z):\n    return z\n")
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "activations.py").symlink_to(target)
    (folder / "forward.py").write_text("x = 1\n")
    submission = load_submission(folder)
    refused = {m.name: m.problem for m in submission.modules}
    assert refused == {
        "activations": "activations.py: a symbolic link, not graded (hand in the file itself)",
        "forward": "",
    }
