"""Release: the stubs in exercises/ are the reference with its solutions cut out."""

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

import nbformat
import pytest

from grader.errors import GraderError, ReleaseError
from grader.release import main, release_notebook, release_path, release_source

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["gradient_descent", "chain_rule", "activations", "forward", "backward", "training", "torch_net"]


def import_stub(module):
    path = ROOT / "exercises" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"stub_{module}", path)
    stub = importlib.util.module_from_spec(spec)
    write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ in exercises/
    try:
        spec.loader.exec_module(stub)
    finally:
        sys.dont_write_bytecode = write_bytecode
    return stub


def public_functions(module):
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    }


def reference_functions():
    return [
        pytest.param(module, name, id=f"{module}.{name}")
        for module in MODULES
        for name in public_functions(importlib.import_module(f"reference.{module}"))
    ]


def function_pair(module, name):
    reference = getattr(importlib.import_module(f"reference.{module}"), name)
    return reference, getattr(import_stub(module), name)


@pytest.mark.parametrize("module", MODULES)
def test_exercises_are_the_released_reference(module):
    reference = ROOT / "reference" / f"{module}.py"
    expected = release_source(reference.read_bytes().decode("utf-8"), str(reference))
    stub = ROOT / "exercises" / f"{module}.py"
    assert stub.exists() and stub.read_bytes() == expected.encode("utf-8"), (
        f"exercises/{module}.py is out of date with reference/{module}.py: "
        "run `python -m grader.release reference exercises`"
    )


def test_releasing_the_reference_folder_writes_exactly_the_exercise_modules(tmp_path):
    written = release_path(ROOT / "reference", tmp_path)
    assert sorted(path.name for path in written) == sorted(f"{module}.py" for module in MODULES)
    assert sorted(path.name for path in (ROOT / "exercises").glob("*.py")) == sorted(
        f"{module}.py" for module in MODULES
    )


@pytest.mark.parametrize("module", MODULES)
def test_stub_compiles_and_holds_no_solution(module):
    text = (ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
    compile(text, f"exercises/{module}.py", "exec", dont_inherit=True)
    assert "SOLUTION" not in text


@pytest.mark.parametrize("module", MODULES)
def test_stub_defines_the_reference_functions_and_keeps_its_docstrings(module):
    reference = importlib.import_module(f"reference.{module}")
    stub = import_stub(module)
    assert public_functions(stub).keys() == public_functions(reference).keys()
    assert stub.__doc__ == reference.__doc__


@pytest.mark.parametrize("module, name", reference_functions())
def test_stub_function_has_the_reference_signature_and_docstring(module, name):
    reference, stub = function_pair(module, name)
    assert inspect.signature(stub) == inspect.signature(reference)
    assert list(inspect.signature(stub).parameters) == list(inspect.signature(reference).parameters)
    assert stub.__doc__ == reference.__doc__


@pytest.mark.parametrize("module, name", reference_functions())
def test_calling_a_stub_function_raises_not_implemented(module, name):
    _, stub = function_pair(module, name)
    required = [p for p in inspect.signature(stub).parameters.values() if p.default is p.empty]
    with pytest.raises(NotImplementedError):
        stub(*[None] * len(required))


FUNCTION = '''\
import numpy as np


def f(x):
    """Doc."""
    ### BEGIN SOLUTION
    y = x * 2
    return y
    ### END SOLUTION
'''

FUNCTION_STUB = '''\
import numpy as np


def f(x):
    """Doc."""
    raise NotImplementedError
'''

MODULE_LEVEL = '''\
"""Module."""

import numpy as np

### BEGIN SOLUTION
from .other import helper
### END SOLUTION


def f(x):
    ### BEGIN SOLUTION
    return helper(x)
    ### END SOLUTION
'''

MODULE_LEVEL_STUB = '''\
"""Module."""

import numpy as np


def f(x):
    raise NotImplementedError
'''

CLASS_AND_TRAILING = '''\
import torch


### BEGIN SOLUTION
class Net:
    pass
### END SOLUTION


def g():
    pass


### BEGIN SOLUTION
def helper():
    pass
### END SOLUTION
'''

CLASS_AND_TRAILING_STUB = '''\
import torch


def g():
    pass
'''

NESTED_INDENT = """\
class A:
    def method(self, x):
        if x:
            # BEGIN SOLUTION
            return 1
            # END SOLUTION
        return 2
"""

NESTED_INDENT_STUB = """\
class A:
    def method(self, x):
        if x:
            raise NotImplementedError
        return 2
"""


@pytest.mark.parametrize(
    "text, expected",
    [
        (FUNCTION, FUNCTION_STUB),
        (MODULE_LEVEL, MODULE_LEVEL_STUB),
        (CLASS_AND_TRAILING, CLASS_AND_TRAILING_STUB),
        (NESTED_INDENT, NESTED_INDENT_STUB),
        ("def f():\n    pass\n", "def f():\n    pass\n"),
        (
            "def f():\r\n    ### BEGIN SOLUTION\r\n    return 1\r\n    ### END SOLUTION\r\n",
            "def f():\r\n    raise NotImplementedError\r\n",
        ),
        (
            "def f():\n\t### BEGIN SOLUTION\n\treturn 1\n\t### END SOLUTION\n",
            "def f():\n\traise NotImplementedError\n",
        ),
        (
            "def f():\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
            "def f():\n    raise NotImplementedError\n",
        ),
        (
            "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
            "def f():\n    raise NotImplementedError",
        ),
        (
            'def f():\n    ### BEGIN SOLUTION\n    return "\u2028"\n    ### END SOLUTION\nx = "\u2028\x0c"\n',
            'def f():\n    raise NotImplementedError\nx = "\u2028\x0c"\n',
        ),
    ],
    ids=[
        "function", "module-level", "class-and-trailing", "nested-indent", "no-block",
        "crlf", "tab", "empty-block", "no-final-newline", "unicode-line-separator-in-a-string",
    ],
)
def test_release_source(text, expected):
    assert release_source(text, "x.py") == expected


def test_blank_lines_away_from_removed_blocks_are_kept():
    text = "a = 1\n\n\n\nb = 2\n### BEGIN SOLUTION\nc = 3\n### END SOLUTION\nd = 4\n"
    assert release_source(text, "x.py") == "a = 1\n\n\n\nb = 2\nd = 4\n"


BAD_MARKERS = [
    (
        "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
        "x.py, line 3: BEGIN SOLUTION inside the block opened at line 2",
    ),
    ("def f():\n    pass\n    ### END SOLUTION\n", "x.py, line 3: END SOLUTION without a BEGIN SOLUTION"),
    (
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n",
        "x.py, line 2: BEGIN SOLUTION without an END SOLUTION",
    ),
    (
        "class A:\n    ### BEGIN SOLUTION\n    def f(self):\n        pass\n    ### END SOLUTION\n",
        "x.py, line 2: indented solution block outside a function body"
        " (only function bodies and module level can be released)",
    ),
    (
        'def f():\n    """Doc."""\n### BEGIN SOLUTION\n    return 1\n### END SOLUTION\n',
        "x.py, line 3: solution markers in a function body must be indented like its code",
    ),
    (
        "x = f(\n    ### BEGIN SOLUTION\n    1,\n    ### END SOLUTION\n)\n",
        "x.py, line 2: indented solution block outside a function body"
        " (only function bodies and module level can be released)",
    ),
    ("def f(:\n    pass\n", "x.py, line 1: the released code does not compile: invalid syntax"),
]


@pytest.mark.parametrize("text, message", BAD_MARKERS)
def test_release_source_rejects(text, message):
    with pytest.raises(ReleaseError) as caught:
        release_source(text, "x.py")
    assert str(caught.value) == message
    assert isinstance(caught.value, GraderError) and caught.value.exit_code == 2


def test_a_decorated_marker_still_counts_so_no_solution_leaks():
    text = "def f():\n    ### BEGIN SOLUTION ###\n    return 42\n    ### END SOLUTION ###\n"
    assert release_source(text, "x.py") == "def f():\n    raise NotImplementedError\n"


def test_marker_words_in_prose_are_not_markers():
    text = 'def f():\n    """Write it between\n    the ### BEGIN SOLUTION lines."""\n'
    assert release_source(text, "x.py") == text


def make_notebook():
    nb = nbformat.v4.new_notebook()
    solved = nbformat.v4.new_code_cell(FUNCTION.rstrip("\n"))
    solved.execution_count = 3
    solved.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n### BEGIN SOLUTION is prose here"),
        solved,
        nbformat.v4.new_code_cell("%matplotlib inline\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n!ls"),
    ]
    return nb


def test_notebook_round_trip():
    released_text = release_notebook(nbformat.writes(make_notebook()), "nb.ipynb")
    released = nbformat.reads(released_text, as_version=4)
    markdown, solved, magic = released.cells
    assert markdown.source == "# Title\n### BEGIN SOLUTION is prose here"
    assert solved.source == FUNCTION_STUB.rstrip("\n")
    assert (solved.outputs, solved.execution_count) == ([], None)
    assert magic.source == "%matplotlib inline\n!ls"


def test_notebook_errors_name_the_cell():
    nb = make_notebook()
    nb.cells[2].source = "x = 1\n### END SOLUTION"
    message = r"^nb\.ipynb, cell 3, line 2: END SOLUTION without a BEGIN SOLUTION$"
    with pytest.raises(ReleaseError, match=message):
        release_notebook(nbformat.writes(nb), "nb.ipynb")


def test_a_notebook_that_is_not_json_is_a_release_error():
    with pytest.raises(ReleaseError, match=r"^nb\.ipynb: not a notebook: "):
        release_notebook("not json", "nb.ipynb")


def test_release_path_writes_files_and_folders(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "mod.py").write_text(FUNCTION)
    (source / "__init__.py").write_text('"""No solution here."""\n')
    (source / "nb.ipynb").write_text(nbformat.writes(make_notebook()))
    (source / "notes.txt").write_text("### BEGIN SOLUTION\n")
    written = release_path(source, tmp_path / "out")
    assert written == [tmp_path / "out" / "mod.py", tmp_path / "out" / "nb.ipynb"]
    assert (tmp_path / "out" / "mod.py").read_text() == FUNCTION_STUB
    assert release_path(source / "mod.py", tmp_path / "out") == [tmp_path / "out" / "mod.py"]
    assert release_path(source / "mod.py", tmp_path / "one.py") == [tmp_path / "one.py"]
    assert (tmp_path / "one.py").read_text() == FUNCTION_STUB


def test_release_path_writes_nothing_when_one_file_fails(tmp_path):
    (tmp_path / "a.py").write_text(FUNCTION)
    (tmp_path / "b.py").write_text("def f():\n    ### BEGIN SOLUTION\n")
    with pytest.raises(ReleaseError, match="b.py, line 2: BEGIN SOLUTION without an END SOLUTION"):
        release_path(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_release_path_refuses_to_overwrite_the_reference(tmp_path):
    (tmp_path / "a.py").write_text(FUNCTION)
    with pytest.raises(ReleaseError, match="refusing to overwrite the reference with its stub"):
        release_path(tmp_path, tmp_path)
    assert (tmp_path / "a.py").read_text() == FUNCTION


def test_main_prints_the_written_paths(tmp_path, capsys):
    (tmp_path / "a.py").write_text(FUNCTION)
    assert main([str(tmp_path / "a.py"), str(tmp_path / "b.py")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'b.py'}\n"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "usage: python -m grader.release SOURCE OUT\n"),
        (["missing.txt", "out"], "error: missing.txt: not a .py or .ipynb file, nor a folder of them\n"),
    ],
)
def test_main_reports_bad_usage_with_exit_code_2(args, message, capsys):
    assert main(args) == 2
    assert capsys.readouterr().err == message
