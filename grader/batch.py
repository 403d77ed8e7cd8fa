"""Grade a whole class: one submission per entry of a folder, N at a time, resumable.

Each entry of SUBMISSIONS (a folder, a `.zip`, a `.ipynb` or a `.py`; dotfiles
and `__MACOSX` ignored) is one student, named by the entry without its
extension, or mapped by a roster (see `read_roster`). The parent reads each
entry's files (regular files only: symbolic links are not followed), hashes
them with the settings that change a grade, and sends them as plain bytes to
`grade_one`, which runs `api.check` in a worker process (a local
ProcessPoolExecutor, or a Dask cluster's workers) and returns the report as a
JSON-able dict. Student code never runs in any of these processes: api.check
starts its own sandboxed workers.

Everything lands in OUT as each submission finishes, each file replaced
atomically: reports/<student>.json and .html, state.json (each grade with the
content hash it was made from) and grades.csv; summary.html at the end. A
rerun grades only the students whose hash changed or whose reports are gone,
so a batch killed at any moment and started again ends with the same grades.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from . import api
from .errors import GraderError, KeyFileError, UsageError

SUBMISSION_SUFFIXES = (".zip", ".ipynb", ".py")
MAX_SUBMISSION_BYTES = 64 * 1024**2  # above loading's 50 MB of exercise files: room for ignored files
STATE_FORMAT = 1


@dataclass(frozen=True)
class Settings:
    """Everything besides the files that can change a grade; part of the content hash."""

    only: tuple[str, ...] = ()
    seed: int = api.DEFAULT_SEED
    examples: int = api.DEFAULT_EXAMPLES
    timeout: float = 10.0
    memory: int = 2 * 1024**3


@dataclass(frozen=True)
class Job:
    """One submission to grade, as plain data for a worker that may be on another machine.

    `path` and `key_path` are read in the parent, by `load`, just before the
    job is sent: `members` are then (path relative to a scratch folder,
    bytes), or None for a folder, `entry` being the first path's name.
    `problem` non-empty: the files cannot be read, and the grade is
    `unreadable` without running anything.
    """

    student: str
    entry: str
    settings: Settings
    path: str = ""
    key_path: str = ""
    members: tuple[tuple[str, bytes | None], ...] | None = None
    key: bytes | None = None
    digest: str = ""
    problem: str = ""


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


@dataclass(frozen=True)
class Student:
    """A student to grade: their entry in SUBMISSIONS (None: nothing handed in) and answer key."""

    student: str
    entry: Path | None
    key: Path | None = None
    problem: str = ""  # the entry cannot be graded as such (two entries for one student)


@dataclass(frozen=True)
class BatchResult:
    grades: tuple[Grade, ...]  # every row of grades.csv, in its order
    graded: tuple[str, ...]  # students graded in this run (the others were kept)
    kept: tuple[str, ...]
    ignored: tuple[str, ...] = field(default=())  # entries that are not submissions
    unlisted: tuple[str, ...] = field(default=())  # submissions of no student on the roster


# --- what to grade -------------------------------------------------------------------------------


def student_id(name: str) -> str:
    stem, suffix = os.path.splitext(name)
    return stem if suffix.lower() in SUBMISSION_SUFFIXES else name


def find_entries(folder: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Entries of SUBMISSIONS by student id, and the names that are not submissions."""
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        raise UsageError(f"{folder}: no such folder") from None
    except NotADirectoryError:
        raise UsageError(f"{folder}: not a folder of submissions") from None
    entries: dict[str, list[Path]] = {}
    ignored = []
    for name in names:
        path = folder / name
        if name.startswith(".") or name in ("__MACOSX", "__pycache__"):
            continue
        if path.is_dir() or os.path.splitext(name)[1].lower() in SUBMISSION_SUFFIXES:
            entries.setdefault(student_id(name), []).append(path)
        else:
            ignored.append(name)
    return entries, ignored


def plan(folder: Path, roster: list[RosterRow] | None) -> tuple[list[Student], list[str]]:
    """The students to grade, in grades.csv order, and the entries of no student on the roster."""
    entries, _ = find_entries(folder)
    if roster is None:
        return [one_student(sid, paths, None) for sid, paths in sorted(entries.items())], []
    by_name = {path.name: path for paths in entries.values() for path in paths}
    students, used = [], set()
    for row in roster:
        wanted = row.submission or row.student
        paths = [by_name[wanted]] if wanted in by_name else entries.get(wanted, [])
        used.update(paths)
        students.append(one_student(row.student, paths, row.key))
    unlisted = [path.name for paths in entries.values() for path in paths if path not in used]
    return students, unlisted


def one_student(sid: str, paths: list[Path], key: Path | None) -> Student:
    if len(paths) > 1:
        names = ", ".join(path.name for path in paths)
        return Student(sid, paths[0], key, problem=f"{sid}: more than one submission ({names})")
    return Student(sid, paths[0] if paths else None, key)


# --- the roster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    student: str
    submission: str = ""  # the entry's name in SUBMISSIONS, with or without extension; default: student
    key: Path | None = None  # this student's answer key (from `grader generate`)


_BAD_ID = re.compile(r"[/\\\x00-\x1f\x7f]")


def read_roster(path: str | os.PathLike) -> list[RosterRow]:
    """roster.csv: a header row naming `student` and optionally `submission`, `key` or `variant` columns.

    Other columns (name, email) are ignored. Errors name the file and the row
    (the header is row 1).
    """
    shown = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise KeyFileError(f"{shown}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"{shown}: cannot read the roster ({error})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if "student" not in header:
        found = ", ".join(header) or "nothing"
        raise KeyFileError(f"{shown}: no 'student' column in the header row (found: {found})")
    rows, seen, submissions = [], {}, {}
    for number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(header):
            raise KeyFileError(f"{shown}, row {number}: {len(fields)} fields, the header has {len(header)}")
        cell = dict(zip(header, [f.strip() for f in fields]))
        row = roster_row(cell, Path(shown).parent, f"{shown}, row {number}")
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
        rows.append(row)
    return rows


def roster_row(cell: dict[str, str], base: Path, where: str) -> RosterRow:
    student = cell.get("student", "")
    if not student:
        raise KeyFileError(f"{where}: empty student id")
    if _BAD_ID.search(student) or student.startswith(".") or len(student) > 200:
        raise KeyFileError(f"{where}: student id {student!r} cannot name a file (no '/', '\\', leading '.')")
    key = None
    if cell.get("key") or cell.get("variant"):
        # `variant`: a folder beside the roster holding key.json, as `grader generate` writes them.
        key = base / cell["key"] if cell.get("key") else base / cell["variant"] / "key.json"
        try:
            api.read_key(key)
        except KeyFileError as error:
            raise KeyFileError(f"{where}: {error}") from None
    return RosterRow(student, cell.get("submission", ""), key)


# --- reading and hashing a submission ------------------------------------------------------------


class Unreadable(Exception):
    """An entry whose files cannot be read; its one-line message goes into the grade."""


def read_members(path: Path) -> tuple[tuple[str, bytes | None], ...]:
    """The entry's folders (None) and regular files (bytes), relative to its parent, sorted."""
    members: list[tuple[str, bytes | None]] = []
    total = 0

    def add(relative: str, full: Path) -> None:
        nonlocal total
        try:
            data = full.read_bytes()
        except OSError as error:
            raise Unreadable(f"{relative}: cannot read ({error.strerror or error})") from None
        total += len(data)
        if total > MAX_SUBMISSION_BYTES:
            raise Unreadable(f"{path.name}: larger than {MAX_SUBMISSION_BYTES // 1024**2} MiB")
        members.append((relative, data))

    if path.is_symlink() or not (path.is_dir() or path.is_file()):
        raise Unreadable(f"{path.name}: not a regular file or folder")
    if path.is_file():
        add(path.name, path)
        return tuple(members)
    members.append((path.name, None))
    for folder, dirs, files in os.walk(path, onerror=unreadable_folder):
        dirs[:] = sorted(d for d in dirs if not Path(folder, d).is_symlink())
        for name in dirs:
            members.append((os.path.relpath(Path(folder, name), path.parent), None))
        for name in sorted(files):
            full = Path(folder, name)
            if full.is_file() and not full.is_symlink():
                add(os.path.relpath(full, path.parent), full)
    return tuple(sorted(members, key=lambda m: m[0]))


def unreadable_folder(error: OSError) -> None:
    raise Unreadable(f"{Path(error.filename).name}: cannot read the folder ({error.strerror or error})")


def digest(members, settings: Settings, key: bytes | None) -> str:
    """sha256 of the files, the answer key, the settings and the grader's version."""
    h = hashlib.sha256()
    head = {"grader": api.grader_version(), "settings": asdict(settings)}
    h.update(json.dumps(head, sort_keys=True).encode())
    h.update(b"key\0" + (hashlib.sha256(key).digest() if key is not None else b"-"))
    for relative, data in members:
        h.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        h.update(b"d" if data is None else b"f" + hashlib.sha256(data).digest())
    return h.hexdigest()


def job_for(student: Student, settings: Settings) -> Job:
    entry = student.entry.name if student.entry else ""
    key = os.fspath(student.key) if student.key else ""
    return Job(student.student, entry, settings, os.fspath(student.entry or ""), key, problem=student.problem)


def load(job: Job) -> Job:
    """The job with its files read and hashed, or with the reason they cannot be."""
    if job.problem:
        return job
    try:
        members = read_members(Path(job.path))
        key = Path(job.key_path).read_bytes() if job.key_path else None
    except (Unreadable, OSError) as error:
        return replace(job, problem=str(error))
    return replace(job, members=members, key=key, digest=digest(members, job.settings, key))


def unloaded(job: Job) -> Job:
    """The job without its files: what waits in the queue, so that only running jobs hold bytes."""
    return replace(job, members=None, key=None)


# --- grading one (in a worker process) -----------------------------------------------------------

_one_at_a_time = threading.Lock()  # api.check is not thread-safe: a Dask worker with threads grades in turn


def grade_one(job: Job) -> dict:
    """Grade one submission; a JSON-able dict, never an object of the student's."""
    if job.problem:
        return {"status": "unreadable", "message": job.problem, "digest": job.digest}
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as scratch, _one_at_a_time:
        for relative, data in job.members:
            target = Path(scratch, relative)
            if data is None:
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.write_bytes(data)
        key = None
        if job.key is not None:
            key = Path(scratch, ".key.json")
            key.write_bytes(job.key)
        s = job.settings
        try:
            report = api.check(
                Path(scratch, job.entry),
                only=s.only,
                seed=s.seed,
                examples=s.examples,
                timeout=s.timeout,
                memory=s.memory,
                key=key,
            )
        except GraderError as error:
            message = str(error).replace(scratch + os.sep, "")
            return {"status": "unreadable", "message": message, "digest": job.digest}
    # The scratch folder is this run's accident: reports name the entry as SUBMISSIONS holds it.
    data = without_prefix(report.to_dict(), scratch + os.sep)
    return {"status": "graded", "report": data, "digest": job.digest}


def without_prefix(value, prefix: str):
    """`value` (JSON-like) with `prefix` cut out of every string in it."""
    if isinstance(value, str):
        return value.replace(prefix, "")
    if isinstance(value, dict):
        return {key: without_prefix(item, prefix) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_prefix(item, prefix) for item in value]
    return value


# --- where the jobs run --------------------------------------------------------------------------

Outcome = dict | BaseException


def run_local(jobs: Iterable[Job], workers: int) -> Iterator[tuple[Job, Outcome]]:
    """Results as they complete, `workers` processes at a time.

    A grading process that dies (a hostile submission may kill it) breaks the
    whole pool: the jobs it took down are tried again at the end, each alone,
    so that only the guilty one ends as a grader error.
    """
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    queue, suspects = deque(jobs), []
    while queue:
        broken = [False]  # read by `bounded` between submissions
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:

            def submit(job: Job) -> Future:
                try:
                    return pool.submit(grade_one, load(job))
                except BrokenProcessPool as error:
                    failed: Future = Future()
                    failed.set_exception(error)
                    return failed

            for job, outcome in bounded(
                queue, submit, local_wait, 2 * workers, accepting=lambda broken=broken: not broken[0]
            ):
                if isinstance(outcome, BrokenProcessPool):
                    broken[0] = True
                    suspects.append(job)
                else:
                    yield job, outcome
    for job in suspects:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            yield job, outcome_of(pool.submit(grade_one, load(job)))


def local_wait(futures: set) -> set:
    from concurrent.futures import FIRST_COMPLETED, wait

    return wait(futures, return_when=FIRST_COMPLETED).done


def outcome_of(future) -> Outcome:
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 - any failure of ours becomes that student's grader_error
        return error


def bounded(
    queue: deque,
    submit: Callable,
    wait_first: Callable,
    limit: int,
    *,
    accepting: Callable[[], bool] = lambda: True,
) -> Iterator[tuple[Job, Outcome]]:
    """Submit from the left of `queue`, `limit` at most running, while `accepting()`; yield each as it ends.

    Bounded so that only a few submissions' files are in memory at once.
    Stopping early puts the jobs still running back at the left of `queue`.
    """
    running: dict = {}
    try:
        while (queue and accepting()) or running:
            while queue and accepting() and len(running) < limit:
                job = queue.popleft()
                running[submit(job)] = job
            for future in wait_first(set(running)):
                yield running.pop(future), outcome_of(future)
    finally:
        queue.extendleft(reversed(list(running.values())))
        for future in running:
            future.cancel()


def run_dask(jobs: Iterable[Job], address: str) -> Iterator[tuple[Job, Outcome]]:
    """Results as they complete on the Dask cluster at `address` (its workers need the grader)."""
    try:
        from distributed import Client, wait
    except ImportError:
        raise UsageError("--scheduler needs dask.distributed: pip install 'backprop-grader[dask]'") from None
    try:
        client = Client(address)  # waits distributed.comm.timeouts.connect (Dask's config: 30 s)
    except (OSError, TimeoutError) as error:
        raise UsageError(f"--scheduler {address}: cannot connect ({error})") from None
    with client:
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        queue = deque(jobs)
        yield from bounded(
            queue,
            lambda job: client.submit(grade_one, load(job), pure=False),
            lambda futures: wait(futures, return_when="FIRST_COMPLETED").done,
            max(2, 2 * threads),
        )


# --- the batch -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    done: int
    total: int  # submissions graded in this run
    grade: Grade


def grade_batch(
    submissions_dir: str | os.PathLike,
    *,
    out: str | os.PathLike,
    jobs: int | None = None,
    roster: str | os.PathLike | None = None,
    seed: int = api.DEFAULT_SEED,
    examples: int = api.DEFAULT_EXAMPLES,
    timeout: float = 10.0,
    memory: int = 2 * 1024**3,
    only: tuple[str, ...] = (),
    key: str | os.PathLike | None = None,
    scheduler: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> BatchResult:
    """Grade every submission in `submissions_dir` into `out` (see the module docstring).

    `key` is the answer key of students whose roster row names none;
    `scheduler` the address of a Dask scheduler (tcp://host:port) to grade on
    instead of `jobs` local processes (default: one per core).
    """
    from . import registry

    settings = validated(Settings(tuple(only), seed, examples, timeout, memory), jobs)
    exercises = [e.name for e in registry.select(settings.only)]
    max_score = round(sum(e.points for e in registry.select(settings.only)), 6)
    rows = read_roster(roster) if roster is not None else None
    if key is not None:
        api.read_key(key)
    students, unlisted = plan(Path(submissions_dir), rows)
    ignored = find_entries(Path(submissions_dir))[1]
    students = [
        s if s.key or key is None else Student(s.student, s.entry, Path(key), s.problem) for s in students
    ]
    folder = Path(out)
    with locked(folder):
        output = Output(folder, exercises, max_score)
        grades: dict[str, Grade] = {}
        todo: list[Job] = []
        kept = []
        for student in students:
            if student.entry is None:
                grades[student.student] = Grade(student.student, "no_submission", max_score=max_score)
                continue
            job = load(job_for(student, settings))
            previous = output.state.get(student.student)
            if (
                previous
                and job.digest
                and previous.digest == job.digest
                and output.has_reports(student.student)
            ):
                grades[student.student] = previous
                kept.append(student.student)
            else:
                todo.append(unloaded(job))
        order = [s.student for s in students]
        output.forget(set(output.state) - {s.student for s in students if s.entry is not None})
        results = run_dask(todo, scheduler) if scheduler else run_local(todo, jobs or default_jobs())
        graded = []
        for done, (job, outcome) in enumerate(results, start=1):
            grade = output.record(job, outcome)
            grades[job.student] = grade
            graded.append(job.student)
            output.write_tables([grades[s] for s in order if s in grades])
            if progress is not None:
                progress(Progress(done, len(todo), grade))
        final = tuple(grades[s] for s in order)
        output.write_tables(list(final))
        output.write_summary(list(final))
    return BatchResult(final, tuple(graded), tuple(kept), tuple(ignored), tuple(unlisted))


def validated(settings: Settings, jobs: int | None) -> Settings:
    from . import registry

    registry.select(settings.only)  # UsageError on an unknown name, before anything is graded
    if settings.examples < 1:
        raise UsageError(f"--examples must be at least 1, got {settings.examples}")
    if not 0 < settings.timeout <= 60:
        raise UsageError(f"--timeout must be between 0 and 60 seconds, got {settings.timeout:g}")
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    return settings


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One batch at a time in `folder`: two would overwrite each other's grades."""
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{folder}: another 'grader grade' is writing there") from None
        for leftover in [*folder.glob(".*.tmp"), *(folder / "reports").glob(".*.tmp")]:
            leftover.unlink(missing_ok=True)  # half-written files of a batch that was killed
        yield


class Output:
    """OUT's files: reports, state.json, grades.csv, summary.html; every write atomic."""

    def __init__(self, folder: Path, exercises: list[str], max_score: float):
        self.folder, self.exercises, self.max_score = folder, exercises, max_score
        self.reports = folder / "reports"
        self.state = self.read_state()

    def read_state(self) -> dict[str, Grade]:
        try:
            data = json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT:
                return {}
            return {student: Grade.from_dict(g) for student, g in data["grades"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # no state, or not ours: everything is graded again

    def has_reports(self, student: str) -> bool:
        return all((self.reports / f"{student}{suffix}").is_file() for suffix in (".json", ".html"))

    def forget(self, students: set[str]) -> None:
        """Students with nothing to grade any more: their reports would mislead."""
        for student in students:
            for suffix in (".json", ".html"):
                (self.reports / f"{student}{suffix}").unlink(missing_ok=True)
            del self.state[student]
        if students:
            self.write_state()

    def record(self, job: Job, outcome: Outcome) -> Grade:
        """Write one finished submission's reports, then its grade into state.json."""
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
        grades = {student: asdict(grade) for student, grade in sorted(self.state.items())}
        api.write_atomically(
            self.folder / "state.json", json.dumps({"format": STATE_FORMAT, "grades": grades})
        )

    def write_tables(self, grades: list[Grade]) -> None:
        api.write_atomically(self.folder / "grades.csv", grades_csv(grades, self.exercises))

    def write_summary(self, grades: list[Grade]) -> None:
        from .class_summary import render

        api.write_atomically(self.folder / "summary.html", render(grades, self.exercises))


def graded(job: Job, report, digest: str) -> Grade:
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
