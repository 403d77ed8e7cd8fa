"""Grade a whole class: one submission per entry of a folder, N at a time, resumable.

Each entry of SUBMISSIONS (a folder, a `.zip`, a `.ipynb` or a `.py`; dotfiles
and `__MACOSX` ignored) is one student, named by the entry without its
extension, or mapped by a roster (see grader/roster.py). The parent reads each
entry's files (regular files only: symbolic links are not followed), hashes
them with the settings that change a grade, and sends them as plain bytes to
`grade_one`, which runs `api.check` in a worker process (a local
ProcessPoolExecutor, or a Dask cluster's workers) and returns the report as a
JSON-able dict. Student code never runs in any of these processes: api.check
starts its own sandboxed workers.

Everything lands in OUT as each submission finishes (see grader/gradebook.py):
reports/<student>.json and .html, state.json (each grade with the content
hash it was made from) and grades.csv; summary.html at the end. A rerun
grades only the students whose hash changed or whose reports are gone, so a
batch killed at any moment and started again ends with the same grades.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from . import api, isolation, zygote
from .errors import GraderError, UsageError
from .gradebook import Grade, Gradebook, Outcome, locked
from .i18n import LANGUAGES, _, current, using
from .pool import bounded, run_local
from .roster import RosterRow, read_roster

SUBMISSION_SUFFIXES = (".zip", ".ipynb", ".py")
MAX_SUBMISSION_BYTES = 64 * 1024**2  # above loading's 50 MB of exercise files: room for ignored files


@dataclass(frozen=True)
class Settings:
    """Everything besides the files that can change a grade; part of the content hash."""

    only: tuple[str, ...] = ()
    seed: int = api.DEFAULT_SEED
    examples: int = api.DEFAULT_EXAMPLES
    timeout: float = 10.0
    memory: int = 1024**3
    sandbox: str = isolation.DEFAULT_LEVEL
    lang: str = "en"  # of the reports and the class summary: feedback, page labels, unreadable messages

    def options(self) -> tuple[str, ...]:
        """The settings as `grader grade` options: --seed 0 --examples 25 ... (--only last, one per name)."""
        words = ["--seed", str(self.seed), "--examples", str(self.examples), "--timeout", f"{self.timeout:g}",
                 "--memory", size_text(self.memory), "--sandbox", self.sandbox, "--lang", self.lang]
        return (*words, *(word for name in self.only for word in ("--only", name)))


def size_text(size: int) -> str:
    """Bytes as --memory takes them: 1073741824 -> 1G, 1536 MiB -> 1536M."""
    for unit, factor in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


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
    entries = find_entries(folder)[0]
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
        problem = _("{student}: more than one submission ({entries})").format(student=sid, entries=names)
        return Student(sid, paths[0], key, problem=problem)
    return Student(sid, paths[0] if paths else None, key)


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
            reason = error.strerror or error
            message = _("{path}: cannot read ({reason})").format(path=relative, reason=reason)
            raise Unreadable(message) from None
        total += len(data)
        if total > MAX_SUBMISSION_BYTES:
            limit = MAX_SUBMISSION_BYTES // 1024**2
            raise Unreadable(_("{file}: larger than {size} MiB").format(file=path.name, size=limit))
        members.append((relative, data))

    if path.is_symlink() or not (path.is_dir() or path.is_file()):
        raise Unreadable(_("{file}: not a regular file or folder").format(file=path.name))
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
    raise Unreadable(_("{path}: cannot read the folder ({reason})").format(
        path=Path(error.filename).name, reason=error.strerror or error))


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
    """The job with its files read and hashed, or with the reason they cannot be (in the batch's language)."""
    if job.problem:
        return job
    try:
        with using(job.settings.lang):
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
        # This process grades submission after submission: its workers are forked from pre-imported
        # zygotes, started on its first submission, before any case is drawn (grader/zygote.py).
        # Not at the levels that start every worker afresh: their zygotes would only take memory.
        only = job.settings.only
        if isolation.forkable(job.settings.sandbox):
            zygote.enable(torch=not only or any(name.split(".")[0] == "torch_net" for name in only))
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
                sandbox=s.sandbox,
                lang=s.lang,
            )
        except isolation.SandboxError:
            raise  # no sandbox on this machine: a grader_error, tried again, not the student's unreadable
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


def run_dask(jobs: Iterable[Job], address: str) -> Iterator[tuple[Job, Outcome]]:
    """Results as they complete on the Dask cluster at `address` (its workers need the grader)."""
    try:
        from distributed import Client, wait
    except ImportError:
        raise UsageError("--scheduler needs dask.distributed: pip install 'backprop-grader[dask]'") from None
    try:
        client = Client(address)  # waits distributed.comm.timeouts.connect (Dask's config: 30 s)
    except ValueError as error:  # not an address at all: "nonsense", "tcp://"
        raise UsageError(f"--scheduler {address}: not an address such as tcp://HOST:PORT ({error})") from None
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
    memory: int = 1024**3,
    only: tuple[str, ...] = (),
    key: str | os.PathLike | None = None,
    scheduler: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    sandbox: str = isolation.DEFAULT_LEVEL,
    lang: str | None = None,
) -> BatchResult:
    """Grade every submission in `submissions_dir` into `out` (see the module docstring).

    `key` is the answer key of students whose roster row names none;
    `scheduler` the address of a Dask scheduler (tcp://host:port) to grade on
    instead of `jobs` local processes (default: one per core).
    `sandbox` and `lang` as for api.check; `lang` None is the current language
    (English unless the caller chose another), fixed here, in the parent, so
    that workers on other machines write the same reports.
    """
    from . import registry

    language = current() if lang is None else lang
    settings = validated(Settings(tuple(only), seed, examples, timeout, memory, sandbox, language), jobs)
    exercises = [e.name for e in registry.select(settings.only)]
    max_score = round(sum(e.points for e in registry.select(settings.only)), 6)
    rows = read_roster(roster) if roster is not None else None
    if key is not None:
        api.read_key(key)
    with using(settings.lang):  # a student's problem (two entries) is read on their report
        students, unlisted = plan(Path(submissions_dir), rows)
    ignored = find_entries(Path(submissions_dir))[1]
    students = [
        s if s.key or key is None else Student(s.student, s.entry, Path(key), s.problem) for s in students
    ]
    folder = Path(out)
    with locked(folder):
        book = Gradebook(folder, exercises, max_score, settings)
        grades, todo, kept = resume(students, settings, book)
        order = [s.student for s in students]
        book.forget(set(book.state) - {s.student for s in students if s.entry is not None})
        results = run_dask(todo, scheduler) if scheduler else run_local(todo, jobs or default_jobs(), grade=grade_one, load=load)
        graded = []
        for done, (job, outcome) in enumerate(results, start=1):
            grade = book.record(job, outcome)
            grades[job.student] = grade
            graded.append(job.student)
            book.write_tables([grades[s] for s in order if s in grades])
            if progress is not None:
                progress(Progress(done, len(todo), grade))
        final = tuple(grades[s] for s in order)
        book.write_tables(list(final))
        book.write_summary(list(final))
    return BatchResult(final, tuple(graded), tuple(kept), tuple(ignored), tuple(unlisted))


def resume(
    students: list[Student], settings: Settings, book: Gradebook
) -> tuple[dict[str, Grade], list[Job], list[str]]:
    """The grades kept from an earlier run (and the missing students'), the jobs left, the kept students.

    A grade is kept when its files, key and settings hash the same and its reports are still there.
    """
    grades: dict[str, Grade] = {}
    todo: list[Job] = []
    kept = []
    for student in students:
        if student.entry is None:
            grades[student.student] = Grade(student.student, "no_submission", max_score=book.max_score)
            continue
        job = load(job_for(student, settings))
        previous = book.state.get(student.student)
        if previous and job.digest and previous.digest == job.digest and book.has_reports(student.student):
            grades[student.student] = previous
            kept.append(student.student)
        else:
            todo.append(unloaded(job))
    return grades, todo, kept


def validated(settings: Settings, jobs: int | None) -> Settings:
    from . import registry

    registry.select(settings.only)  # UsageError on an unknown name, before anything is graded
    if settings.examples < 1:
        raise UsageError(f"--examples must be at least 1, got {settings.examples}")
    if not 0 < settings.timeout <= 60:
        raise UsageError(f"--timeout must be between 0 and 60 seconds, got {settings.timeout:g}")
    if settings.memory <= 0:
        raise UsageError(f"--memory must be more than 0, got {settings.memory}")
    if settings.lang not in LANGUAGES:
        raise UsageError(f"--lang must be one of {', '.join(LANGUAGES)}, got {settings.lang!r}")
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    isolation.check_level(settings.sandbox)  # an unknown level, or strict without bubblewrap
    return settings


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
