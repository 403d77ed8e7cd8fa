"""`grader grade`: a class graded in one run, resumed after a kill, and on a Dask cluster.

Every batch grades only the `forward` module with few generated cases, so
each run takes a second or two.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader import api, batch, isolation
from grader.batch import Job, Settings, grade_batch
from grader.errors import KeyFileError, SubmissionError, UsageError
from grader.gradebook import ExerciseGrade, Grade, Gradebook, grades_csv, spreadsheet_safe
from grader.model import Diagnosis, ExerciseResult, Report
from grader.roster import read_roster

ROOT = Path(__file__).resolve().parent.parent
ONLY = ("forward",)
FAST = {"only": ONLY, "examples": 3, "jobs": 2}
FAST_ARGS = ("--only", "forward", "--examples", "3", "--jobs", "1")
GOOD_LOOP = "        a = ACTIVATIONS[activation](linear_forward(a, W, b))\n"
HEADER = (
    "student,score,max_score,status,forward.linear_forward score,forward.linear_forward status,"
    "forward.forward score,forward.forward status,forward.half_sse score,forward.half_sse status,message\n"
)


def forward_source(bug: bool = False) -> str:
    """reference/forward.py as a student's top-level module; `bug`: no activation on the last layer."""
    text = (ROOT / "reference" / "forward.py").read_text(encoding="utf-8")
    text = re.sub(r"^from \.(\w+) import", r"from \1 import", text, flags=re.M)
    if bug:
        assert GOOD_LOOP in text
        text = text.replace(
            GOOD_LOOP,
            (
                "        z = linear_forward(a, W, b)\n"
                "        a = z if W is params[-1][0] else ACTIVATIONS[activation](z)\n"
            ),
        )
    return text


def student(folder: Path, name: str, *, bug: bool = False) -> Path:
    """A student's folder with activations.py (which forward.py imports) and forward.py."""
    path = folder / name
    path.mkdir(parents=True)
    activations = (ROOT / "reference" / "activations.py").read_text(encoding="utf-8")
    (path / "activations.py").write_text(activations, encoding="utf-8")
    (path / "forward.py").write_text(forward_source(bug), encoding="utf-8")
    return path


@pytest.fixture
def class_folder(tmp_path) -> Path:
    """alice (correct), bob (a bug), carol (a zip that is not one), notes.txt (not a submission)."""
    folder = tmp_path / "submissions"
    student(folder, "alice")
    student(folder, "bob", bug=True)
    (folder / "carol.zip").write_bytes(b"not a zip")
    (folder / "notes.txt").write_text("not a submission")
    return folder


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def roster(tmp_path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def rows(out: Path) -> list[str]:
    return (out / "grades.csv").read_text(encoding="utf-8").splitlines()


EXPECTED = [
    "alice,13,13,graded,4,passed,6,passed,3,passed,",
    "bob,7,13,graded,4,passed,0,failed,3,passed,",
    "carol,0,13,unreadable,0,,0,,0,,carol.zip: not a valid zip file",
    "dave,0,13,no_submission,0,,0,,0,,",
]


def test_a_class_with_a_bug_an_unreadable_zip_and_a_missing_student(tmp_path, class_folder):
    out = tmp_path / "out"
    names = roster(tmp_path, "student,email\nalice,a@x\nbob,b@x\ncarol,c@x\ndave,d@x\n")
    result = grade_batch(class_folder, out=out, roster=names, **FAST)

    assert (out / "grades.csv").read_text(encoding="utf-8") == HEADER + "\n".join(EXPECTED) + "\n"
    assert sorted(result.graded) == ["alice", "bob", "carol"] and result.kept == ()
    assert result.ignored == ("notes.txt",)
    assert sorted(p.name for p in (out / "reports").iterdir()) == [
        "alice.html",
        "alice.json",
        "bob.html",
        "bob.json",
        "carol.html",
        "carol.json",
    ]
    bob = Report.from_dict(json.loads((out / "reports" / "bob.json").read_text(encoding="utf-8")))
    assert bob.submission == "bob" and bob.score == 7
    assert json.loads((out / "reports" / "carol.json").read_text(encoding="utf-8")) == {
        "student": "carol",
        "status": "unreadable",
        "score": 0,
        "max_score": 13,
        "message": "carol.zip: not a valid zip file",
        "submission": "carol.zip",
    }
    assert 'forward.forward <span class="status failed">' in (out / "reports" / "bob.html").read_text(
        encoding="utf-8"
    )
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "<td>forward.forward</td><td>50%</td><td>1</td>" in summary
    assert not list(out.rglob(".*.tmp"))


def test_reports_name_the_entry_not_the_scratch_folder_it_was_graded_in(tmp_path, class_folder):
    out = tmp_path / "out"
    grade_batch(class_folder, out=out, **FAST)
    bob = json.loads((out / "reports" / "bob.json").read_text(encoding="utf-8"))
    feedback = next(e["feedback"] for e in bob["exercises"] if e["name"] == "forward.forward")
    assert "Replay: grader check bob --only forward.forward --seed 0 --examples 3" in feedback
    for path in out.rglob("*"):
        if path.is_file():
            assert "grader-batch-" not in path.read_text(encoding="utf-8"), path.name


def test_a_rerun_grades_only_what_is_missing_or_changed(tmp_path, class_folder):
    out = tmp_path / "out"
    student(class_folder, "erin")
    first = grade_batch(class_folder, out=out, **FAST)
    assert sorted(first.graded) == ["alice", "bob", "carol", "erin"]
    before = rows(out)

    again = grade_batch(class_folder, out=out, **FAST)
    assert again.graded == () and sorted(again.kept) == ["alice", "bob", "carol", "erin"]
    assert rows(out) == before

    (out / "reports" / "alice.html").unlink()
    (class_folder / "bob" / "forward.py").write_text(forward_source(), encoding="utf-8")  # bob fixed his bug
    third = grade_batch(class_folder, out=out, **FAST)
    assert sorted(third.graded) == ["alice", "bob"] and sorted(third.kept) == ["carol", "erin"]
    assert rows(out)[2] == "bob,13,13,graded,4,passed,6,passed,3,passed,"
    assert [r for r in rows(out) if not r.startswith("bob,")] == [
        r for r in before if not r.startswith("bob,")
    ]

    new_seed = grade_batch(class_folder, out=out, **{**FAST, "seed": 1})
    assert sorted(new_seed.graded) == ["alice", "bob", "carol", "erin"]


def test_an_interrupted_batch_keeps_its_grades_and_ends_as_an_uninterrupted_one(tmp_path, class_folder):
    out = tmp_path / "out"

    def interrupt(progress):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_batch(class_folder, out=out, progress=interrupt, **{**FAST, "jobs": 1})
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert len(state["grades"]) == 1
    assert len(rows(out)) == 2  # the header and the one finished grade
    resumed = grade_batch(class_folder, out=out, **FAST)
    assert len(resumed.kept) == 1 and len(resumed.graded) == 2
    assert rows(out) == [HEADER.strip(), *EXPECTED[:3]]


def test_a_batch_killed_at_any_moment_resumes(tmp_path, class_folder):
    out = tmp_path / "out"
    for name in ("erin", "frank"):
        student(class_folder, name)
    command = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        str(class_folder),
        "--out",
        str(out),
        "--only",
        "forward",
        "--examples",
        "3",
        "--jobs",
        "1",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not (out / "state.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kept = set(json.loads((out / "state.json").read_text(encoding="utf-8"))["grades"])
    assert 1 <= len(kept) < 5

    resumed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert f"kept {len(kept)} from an earlier run" in resumed.stdout
    correct = EXPECTED[0].removeprefix("alice")
    assert rows(out) == [HEADER.strip(), *EXPECTED[:3], "erin" + correct, "frank" + correct]


def test_writes_are_atomic_a_failed_write_leaves_the_old_file(tmp_path, class_folder, monkeypatch):
    out = tmp_path / "out"
    grade_batch(class_folder, out=out, **FAST)
    before = {name: (out / name).read_bytes() for name in ("grades.csv", "state.json")}
    (out / "reports" / "bob.json").unlink()

    def killed(source, target):
        raise KeyboardInterrupt  # as if killed after the temporary file was written, before the rename

    monkeypatch.setattr(api.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        grade_batch(class_folder, out=out, **FAST)
    monkeypatch.undo()
    assert {name: (out / name).read_bytes() for name in before} == before
    assert list(out.rglob(".*.tmp"))  # the half-done write, never under the real name

    grade_batch(class_folder, out=out, **FAST)
    assert not list(out.rglob(".*.tmp"))
    assert (out / "reports" / "bob.json").exists()


def test_the_same_batch_twice_gives_the_same_grades(tmp_path, class_folder):
    grade_batch(class_folder, out=tmp_path / "one", **FAST)
    grade_batch(class_folder, out=tmp_path / "two", **{**FAST, "jobs": 1})
    assert rows(tmp_path / "one") == rows(tmp_path / "two")


def test_hostile_submissions_do_not_stop_the_batch(tmp_path):
    folder = tmp_path / "submissions"
    student(folder, "alice")
    exits = student(folder, "exits")
    (exits / "forward.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    kills = student(folder, "kills")
    (kills / "forward.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", encoding="utf-8"
    )
    (folder / "link").symlink_to(ROOT / "reference")
    result = grade_batch(folder, out=tmp_path / "out", **FAST)
    statuses = {g.student: (g.status, g.score) for g in result.grades}
    assert statuses == {
        "alice": ("graded", 13),
        "exits": ("graded", 0),
        "kills": ("graded", 0),
        "link": ("unreadable", 0),
    }
    assert result.grades[-1].message == "link: not a regular file or folder"


def test_a_grade_keeps_each_exercise_and_its_mistake_ids(tmp_path):
    report = Report(
        7,
        13,
        0,
        (
            ExerciseResult("forward.linear_forward", "passed", 4, 4, ""),
            ExerciseResult("forward.forward", "failed", 0, 6, "", diagnoses=(Diagnosis("loss_mean", "..."),)),
        ),
    )
    output = Gradebook(tmp_path, ["forward.linear_forward", "forward.forward"], 10)
    (tmp_path / "reports").mkdir()
    grade = output.record(
        Job("bob", "bob.zip", Settings()), {"status": "graded", "report": report.to_dict(), "digest": "d1"}
    )
    assert grade == Grade(
        "bob",
        "graded",
        7,
        13,
        "",
        "bob.zip",
        "d1",
        (
            ExerciseGrade("forward.linear_forward", "passed", 4, 4, ()),
            ExerciseGrade("forward.forward", "failed", 0, 6, ("loss_mean",)),
        ),
    )
    state = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))
    assert Grade.from_dict(state["grades"]["bob"]) == grade
    assert (
        Report.from_dict(json.loads((tmp_path / "reports" / "bob.json").read_text(encoding="utf-8")))
        == report
    )


def test_a_grader_failure_is_a_row_and_is_not_kept(tmp_path):
    output = Gradebook(tmp_path, ["forward.forward"], 6)
    job = Job("alice", "alice", Settings(), digest="abc")
    grade = output.record(job, RuntimeError("the pool broke\nsecond line"))
    assert grade == Grade("alice", "grader_error", 0.0, 6, "RuntimeError: the pool broke", "alice")
    assert output.state == {} and not list((tmp_path / "reports").glob("*"))


def test_two_entries_for_one_student_are_unreadable(tmp_path):
    folder = tmp_path / "submissions"
    student(folder, "alice")
    (folder / "alice.zip").write_bytes(b"PK")
    result = grade_batch(folder, out=tmp_path / "out", **FAST)
    assert [(g.status, g.message) for g in result.grades] == [
        ("unreadable", "alice: more than one submission (alice, alice.zip)")
    ]


def test_a_second_batch_in_the_same_folder_is_refused(tmp_path, class_folder):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(UsageError, match="another 'grader grade' is writing there"):
            grade_batch(class_folder, out=out, **FAST)


# -- the roster ---------------------------------------------------------------------------------------------


def test_roster_maps_students_to_entries_and_keys(tmp_path, class_folder):
    key = tmp_path / "v1" / "key.json"
    key.parent.mkdir()
    key.write_text(
        (ROOT / "reference" / "canonical-2-2-2.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    names = roster(tmp_path, "\ufeffStudent,Submission,Variant\ns-001,alice,v1\ns-002,bob,\n")
    parsed = read_roster(names)
    assert [(r.student, r.submission, r.key) for r in parsed] == [
        ("s-001", "alice", key),
        ("s-002", "bob", None),
    ]
    result = grade_batch(class_folder, out=tmp_path / "out", roster=names, **FAST)
    assert [(g.student, g.entry, g.score) for g in result.grades] == [
        ("s-001", "alice", 13),
        ("s-002", "bob", 7),
    ]
    assert result.unlisted == ("carol.zip",)


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,email\nalice,a@x\n", "roster.csv: no 'student' column in the header row (found: name, email)"),
        ("", "roster.csv: no 'student' column in the header row (found: nothing)"),
        ("student,email\nalice,a@x\n\n,b@x\n", "roster.csv, row 4: empty student id"),
        ("student,submission\nalice,a\nbob,b,extra\n", "roster.csv, row 3: 3 fields, the header has 2"),
        ("student\nalice\nbob\nalice\n", "roster.csv, row 4: student 'alice' is already on row 2"),
        (
            "student,submission\nalice,x.zip\nbob,x.zip\n",
            "roster.csv, row 3: submission 'x.zip' is already on row 2",
        ),
        (
            "student\n../etc\n",
            "roster.csv, row 2: student id '../etc' cannot name a file (no '/', '\\', leading '.')",
        ),
        ("student,key\nalice,nokey.json\n", "roster.csv, row 2: nokey.json: no such file"),
    ],
)
def test_roster_errors_name_the_file_and_row(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    roster(tmp_path, text)
    with pytest.raises(KeyFileError) as error:
        read_roster("roster.csv")
    assert str(error.value) == message


def test_a_missing_roster(tmp_path):
    with pytest.raises(KeyFileError, match=r"^nowhere.csv: no such file$"):
        read_roster("nowhere.csv")


def test_grades_csv_cells_are_not_formulas():
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("alice") == "alice"
    text = grades_csv([Grade("=cmd", "unreadable", 0, 13, "-x: bad")], ["forward.forward"])
    assert text.splitlines()[1] == "'=cmd,0,13,unreadable,0,,'-x: bad"


# -- the command line ---------------------------------------------------------------------------------------


def test_grade_command_prints_plain_lines_when_piped(tmp_path, class_folder, runner):
    from grader.cli import main

    out = tmp_path / "out"
    args = [
        "grade",
        str(class_folder),
        "--out",
        str(out),
        "--only",
        "forward",
        "--examples",
        "3",
        "--jobs",
        "1",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "graded 3, kept 0 from an earlier run (1 unreadable)\n"
        f"grades: {out}/grades.csv\nsummary: {out}/summary.html\n"
    )
    lines = sorted(result.stderr.splitlines())
    assert lines == [
        "[1/3] alice: 13/13",
        "[2/3] bob: 7/13",
        "[3/3] carol: unreadable (carol.zip: not a valid zip file)",
        "grader: ignored (not a folder, .zip, .ipynb or .py): notes.txt",
    ]


HELP = " (try 'grader grade --help')"
# One bad value of each option of `grader grade` (SUBMISSIONS and --out are below): one line, exit 2.
BAD_OPTIONS = [
    (["--only", "nope"], "grader: unknown exercise or module 'nope' for --only (try 'grader list')"),
    (["--jobs", "0"], "grader: --jobs must be at least 1, got 0"),
    (["--jobs", "two"], "grader: Invalid value for '--jobs': 'two' is not a valid integer." + HELP),
    (["--seed", "x"], "grader: Invalid value for '--seed': 'x' is not a valid integer." + HELP),
    (["--examples", "0"], "grader: --examples must be at least 1, got 0"),
    (["--examples", "many"], "grader: Invalid value for '--examples': 'many' is not a valid integer." + HELP),
    (["--timeout", "61"], "grader: --timeout must be between 0 and 60 seconds, got 61"),
    (["--timeout", "0"], "grader: --timeout must be between 0 and 60 seconds, got 0"),
    (["--timeout", "soon"], "grader: Invalid value for '--timeout': 'soon' is not a valid float." + HELP),
    (["--memory", "lots"], "grader: Invalid value for '--memory': 'lots' is not a size such as 2G or 512M" + HELP),
    (["--memory", "0"], "grader: Invalid value for '--memory': '0' is not more than 0" + HELP),
    (["--memory", "-1G"], "grader: Invalid value for '--memory': '-1G' is not more than 0" + HELP),
    (["--roster", "none.csv"], "grader: none.csv: no such file"),
    (["--key", "none.json"], "grader: none.json: no such file"),
    (["--sandbox", "jail"],
     "grader: Invalid value for '--sandbox': 'jail' is not one of 'none', 'process', 'strict'." + HELP),
    (["--lang", "fr"], "grader: Invalid value for '--lang': 'fr' is not one of 'en', 'zh'." + HELP),
    (["--format", "json"], "grader: No such option '--format'. Did you mean '--out'?" + HELP),
]


@pytest.mark.parametrize("args, message", BAD_OPTIONS, ids=[" ".join(args) for args, _message in BAD_OPTIONS])
def test_grade_command_errors(tmp_path, class_folder, runner, args, message, monkeypatch):
    from grader.cli import main

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["grade", str(class_folder), "--out", str(tmp_path / "out"), *args])
    assert (result.exit_code, result.stderr, result.stdout) == (2, message + "\n", "")
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_grade_command_with_a_key_that_is_not_one(tmp_path, class_folder, runner):
    from grader.cli import main

    key = tmp_path / "key.json"
    key.write_text("{}", encoding="utf-8")
    result = runner.invoke(main, ["grade", str(class_folder), "--out", str(tmp_path / "out"), "--key", str(key)])
    assert (result.exit_code, result.stderr) == (2, f"grader: {key}: not an answer key (no 'network')\n")


def test_grade_command_with_an_out_that_cannot_be_a_folder(tmp_path, class_folder, runner):
    from grader.cli import main

    taken = tmp_path / "taken"
    taken.write_text("a file", encoding="utf-8")
    result = runner.invoke(main, ["grade", str(class_folder), "--out", str(taken), *FAST_ARGS])
    assert (result.exit_code, result.stderr) == (2, f"grader: --out {taken}: cannot make the folder (Not a directory)\n")


def test_strict_without_bubblewrap_stops_the_batch_before_grading(tmp_path, class_folder, runner, monkeypatch):
    from grader.cli import main

    monkeypatch.setattr(isolation, "bwrap", lambda: None)
    result = runner.invoke(main, ["grade", str(class_folder), "--out", str(tmp_path / "out"), "--sandbox", "strict"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("grader: --sandbox strict needs bubblewrap: install it (apt-get install bubblewrap)")
    assert not (tmp_path / "out").exists()


def test_an_address_that_is_not_one_is_a_usage_error(tmp_path, class_folder, runner):
    pytest.importorskip("distributed")
    from grader.cli import main

    args = ["grade", str(class_folder), "--out", str(tmp_path / "out"), "--scheduler", "nowhere", *FAST_ARGS]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("grader: --scheduler nowhere: not an address such as tcp://HOST:PORT (")


def test_grade_and_check_share_their_options_defaults():
    """An option of both commands means the same in both: same default, same type, same choices."""
    from grader.cli import check, grade

    of_check = {p.name: p for p in check.params}
    shared = [p for p in grade.params if p.name in of_check]
    names = ["examples", "key", "lang", "memory", "only", "sandbox", "seed", "timeout"]
    assert sorted(p.name for p in shared) == names
    for param in shared:
        twin = of_check[param.name]
        assert (param.default, param.multiple, type(param.type)) == (twin.default, twin.multiple, type(twin.type))
        assert getattr(param.type, "choices", None) == getattr(twin.type, "choices", None), param.name
    assert of_check["sandbox"].type.choices == isolation.LEVELS  # the command line's copy of the levels


def test_every_option_of_grade_is_in_its_help_and_in_the_docs(runner):
    from grader.cli import grade, main

    help_text = runner.invoke(main, ["grade", "--help"]).output
    docs = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    section = docs.split("## 1. `grader grade`", 1)[1].split("## 2.", 1)[0]
    for param in grade.params:
        if isinstance(param, click.Option):
            for name in param.opts:
                assert name in help_text, name
                assert f"`{name}" in section or f", `{name}" in section, f"{name} is not in docs/batch.md"
    assert "--sandbox [none|process|strict]" in help_text and "[default: process]" in help_text
    assert "--lang [en|zh]" in help_text


def test_grade_command_without_a_folder(tmp_path, runner):
    from grader.cli import main

    result = runner.invoke(main, ["grade", str(tmp_path / "none"), "--out", str(tmp_path / "out")])
    assert (result.exit_code, result.stderr) == (2, f"grader: {tmp_path}/none: no such folder\n")


# -- Dask ---------------------------------------------------------------------------------------------------


def test_a_dask_cluster_gives_the_grades_of_a_local_run(tmp_path, class_folder):
    """With the default settings, and with --sandbox none --lang zh: the settings travel with each job."""
    distributed = pytest.importorskip("distributed")
    chinese = {"sandbox": "none", "lang": "zh"}
    grade_batch(class_folder, out=tmp_path / "local", **FAST)
    grade_batch(class_folder, out=tmp_path / "local-zh", **FAST, **chinese)
    with distributed.LocalCluster(
        # No dashboard on the fixed port 8787: another cluster on this machine may hold it.
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=":0", scheduler_kwargs={"dashboard": False},
    ) as cluster:
        result = grade_batch(
            class_folder, out=tmp_path / "dask", scheduler=cluster.scheduler_address, only=ONLY, examples=3
        )
        grade_batch(class_folder, out=tmp_path / "dask-zh", scheduler=cluster.scheduler_address, only=ONLY,
                    examples=3, **chinese)
    assert sorted(result.graded) == ["alice", "bob", "carol"]
    for dask, local in (("dask", "local"), ("dask-zh", "local-zh")):
        assert rows(tmp_path / dask) == rows(tmp_path / local)
        for name in ("alice.json", "bob.json", "carol.json", "carol.html"):
            expected = (tmp_path / local / "reports" / name).read_text(encoding="utf-8")
            assert (tmp_path / dask / "reports" / name).read_text(encoding="utf-8") == expected
    assert json.loads((tmp_path / "dask-zh" / "reports" / "bob.json").read_text(encoding="utf-8"))["lang"] == "zh"
    assert rows(tmp_path / "dask-zh")[3].endswith("carol.zip：不是有效的 zip 文件")


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path, class_folder):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(UsageError, match=r"^--scheduler tcp://127.0.0.1:9: cannot connect"):
            grade_batch(
                class_folder, out=tmp_path / "out", scheduler="tcp://127.0.0.1:9", only=ONLY, examples=3
            )


# -- sandbox level and language -------------------------------------------------------------------------------


def grade_cli(runner, folder: Path, out: Path, *options: str):
    from grader.cli import main

    return runner.invoke(main, ["grade", str(folder), "--out", str(out), *FAST_ARGS, *options])


def test_lang_zh_writes_every_report_and_the_summary_in_chinese(tmp_path, class_folder, runner):
    out = tmp_path / "out"
    result = grade_cli(runner, class_folder, out, "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert result.stdout == (  # the command's own lines are the instructor's, in English
        "graded 3, kept 0 from an earlier run (1 unreadable)\n"
        f"grades: {out}/grades.csv\nsummary: {out}/summary.html\n"
    )
    unreadable = "carol.zip：不是有效的 zip 文件"
    assert rows(out)[1:] == [EXPECTED[0], EXPECTED[1], EXPECTED[2].replace("carol.zip: not a valid zip file", unreadable)]

    bob = json.loads((out / "reports" / "bob.json").read_text(encoding="utf-8"))
    assert bob["lang"] == "zh"
    forward = next(e for e in bob["exercises"] if e["name"] == "forward.forward")
    assert forward["feedback"].startswith("标准示例 2-2-2：result[0, 1]: 应为 0.7729284653，实际为 1.224921404")
    assert "第一处偏差（2-2-2 示例）" in forward["feedback"]
    assert forward["feedback"].endswith("复现：grader check bob --only forward.forward --seed 0 --examples 3")
    assert [d["id"] for d in forward["diagnoses"]] == ["missing_output_activation"]
    page = (out / "reports" / "bob.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "<h1>报告：bob</h1>" in page
    carol = (out / "reports" / "carol.html").read_text(encoding="utf-8")
    assert "得分 <strong>0</strong>：评分程序无法读取这份提交。" in carol and f"<pre>{unreadable}</pre>" in carol

    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in summary and "<h1>班级汇总</h1>" in summary
    assert "<p>得分（满分 13）：平均 6.67、中位数 7、最低 0、最高 13。</p>" in summary
    assert "--lang zh --only forward</code>" in summary
    assert "Class summary" not in summary and "Most frequent mistakes" not in summary


def test_sandbox_none_is_recorded_and_a_new_level_or_language_regrades(tmp_path, class_folder, runner):
    out = tmp_path / "out"
    first = grade_cli(runner, class_folder, out, "--sandbox", "none")
    assert first.exit_code == 0, first.output
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert state["settings"] == {"only": ["forward"], "seed": 0, "examples": 3, "timeout": 10.0,
                                 "memory": 1024**3, "sandbox": "none", "lang": "en"}
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert ("<p>Graded with <code>--seed 0 --examples 3 --timeout 10 --memory 1G --sandbox none --lang en"
            " --only forward</code>.</p>") in summary
    graded = rows(out)

    def summary_line(graded: int, kept: int) -> str:
        return (f"graded {graded}, kept {kept} from an earlier run (1 unreadable)\n"
                f"grades: {out}/grades.csv\nsummary: {out}/summary.html\n")

    same = grade_cli(runner, class_folder, out, "--sandbox", "none")
    ignored = "grader: ignored (not a folder, .zip, .ipynb or .py): notes.txt\n"
    assert (same.exit_code, same.stdout, same.stderr) == (0, summary_line(0, 3), ignored)
    level = grade_cli(runner, class_folder, out)  # the default level, process
    assert (level.exit_code, level.stdout) == (0, summary_line(3, 0))
    assert json.loads((out / "state.json").read_text(encoding="utf-8"))["settings"]["sandbox"] == "process"
    assert rows(out) == graded
    language = grade_cli(runner, class_folder, out, "--lang", "zh")
    assert (language.exit_code, language.stdout) == (0, summary_line(3, 0))


def test_the_default_language_is_the_locales_as_for_check(tmp_path, class_folder, runner, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = grade_cli(runner, class_folder, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "state.json").read_text(encoding="utf-8"))["settings"]["lang"] == "zh"
    assert grade_batch(class_folder, out=tmp_path / "api", **FAST).graded  # the API: English unless asked
    assert json.loads((tmp_path / "api" / "state.json").read_text(encoding="utf-8"))["settings"]["lang"] == "en"


def test_the_sandbox_and_the_language_are_part_of_the_hash():
    members = (("alice", None), ("alice/forward.py", b"x = 1\n"))
    hashes = {batch.digest(members, settings, None) for settings in
              (Settings(), Settings(sandbox="none"), Settings(sandbox="strict"), Settings(lang="zh"))}
    assert len(hashes) == 4
    assert batch.digest(members, Settings(), None) == batch.digest(members, Settings(sandbox="process"), None)


def test_grade_one_passes_the_level_and_language_to_check(monkeypatch, tmp_path):
    seen, enabled = [], []

    def check(path, **options):
        seen.append(options)
        return Report(0, 0, 0, (), submission=str(path), lang=options["lang"])

    monkeypatch.setattr(api, "check", check)
    monkeypatch.setattr(batch.zygote, "enable", lambda **kwargs: enabled.append(kwargs))
    student(tmp_path, "alice")
    for level in ("none", "process"):
        job = batch.load(batch.job_for(batch.Student("alice", tmp_path / "alice"), Settings(sandbox=level, lang="zh")))
        assert batch.grade_one(job)["report"]["lang"] == "zh"
    assert [(o["sandbox"], o["lang"]) for o in seen] == [("none", "zh"), ("process", "zh")]
    assert enabled == [{"torch": True}]  # zygotes only where workers are forked from them: process


def test_a_sandbox_that_cannot_run_is_a_grader_error_not_an_unreadable_submission(monkeypatch, tmp_path):
    def check(path, **options):
        raise isolation.SandboxError("the process sandbox cannot run the worker here: no namespaces")

    monkeypatch.setattr(api, "check", check)
    student(tmp_path, "alice")
    job = batch.load(batch.job_for(batch.Student("alice", tmp_path / "alice"), Settings()))
    with pytest.raises(isolation.SandboxError):
        batch.grade_one(job)

    def unreadable(path, **options):
        raise SubmissionError(f"{path}/forward.py: not UTF-8")

    monkeypatch.setattr(api, "check", unreadable)
    assert batch.grade_one(job) == {"status": "unreadable", "message": "alice/forward.py: not UTF-8", "digest": job.digest}
