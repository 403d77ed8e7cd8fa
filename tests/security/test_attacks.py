"""The adversarial suite: one hostile submission per attack, graded in the sandbox.

Each file of tests/security/submissions/ is an attack whose success would earn
points it did not: its definitions are appended to the reference module they
attack (replacing the reference's functions of the same name), so the
module's other functions are correct and must keep their points. Each attack
must fail closed (no point it did not earn), end within its limits, and
leave no process behind: every submission starts by naming its process with
a random token (prctl PR_SET_NAME, which forks inherit), and /proc must hold
no living process of that name once the check has returned.

The attacks on the operating system run at every sandbox level this machine
has (`process`, and `strict` where bubblewrap is installed); those on the
data (lying objects, NaN, forged frames...) only at `process`, the default:
the comparison happens in the grader's process whatever the level.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import REFERENCE, ROOT, student_source
from grader.api import check
from grader.isolation import strict_available
from grader.loading import Submission
from grader.sandbox import Limits, Worker

HOSTILE = Path(__file__).parent / "submissions"
LEVELS = ["process"] + (["strict"] if strict_available() else [])
TIMEOUT = 3.0  # for the attacks that run into it; the others crash at once and keep the default 10 s
EXAMPLES = 5
CHAIN = ("chain_rule.composite", "chain_rule.local_derivatives", "chain_rule.composite_grad")
DESCENT = ("gradient_descent.num_batches", "gradient_descent.num_iterations", "gradient_descent.sgd_update")
NOT_PASSED = ("failed", "error", "timeout", "forbidden")

MARK = 'import ctypes as _c; _c.CDLL(None).prctl(15, b"{token}", 0, 0, 0)  # PR_SET_NAME: marks its processes\n'


@dataclass(frozen=True)
class Attack:
    name: str  # the file in submissions/
    expect: dict  # exercise -> status, or a tuple of acceptable statuses
    module: str = "chain_rule"
    others: tuple[str, ...] = ("gradient_descent",)  # correct modules handed in beside it, graded too
    levels: tuple[str, ...] = tuple(LEVELS)
    timeout: float = 10.0  # per exercise: restarts after a crash are charged to the exercise that follows
    needs: tuple[str, ...] = field(default=())  # reference modules it imports
    requires: tuple[str, ...] = ()  # sandbox layers that stop it (skipped, saying so, where they are off)

    @property
    def seconds(self) -> float:
        """The whole check may take: every exercise that runs into its limit, and room for a loaded machine."""
        limited = sum(status in ("timeout", ("error", "timeout")) for status in self.expect.values())
        return limited * (self.timeout + 1) + 20


def passed(*names: str) -> dict:
    return dict.fromkeys(names, "passed")


ATTACKS = [
    Attack("exit_at_import", {**dict.fromkeys(CHAIN, "error"), **passed(*DESCENT)}),
    Attack("os_exit_at_import", {**dict.fromkeys(CHAIN, "error"), **passed(*DESCENT)}),
    Attack("exit_in_call", {CHAIN[0]: "error", CHAIN[2]: "error", **passed(CHAIN[1], *DESCENT)}),
    Attack("infinite_loop", {CHAIN[0]: "timeout", **passed(*CHAIN[1:], *DESCENT)}, timeout=TIMEOUT),
    Attack("sigterm_ignored", {CHAIN[0]: "timeout", **passed(*CHAIN[1:], *DESCENT)}, timeout=TIMEOUT),
    # filling 1 GiB takes about 2 s: the bomb ends on the memory limit or the clock, whichever comes first
    Attack("memory_bomb", {CHAIN[0]: ("error", "timeout"), CHAIN[2]: "error", **passed(CHAIN[1], *DESCENT)},
           timeout=TIMEOUT, requires=("limits",)),
    Attack("fork_bomb", {CHAIN[0]: "timeout", **passed(*CHAIN[1:], *DESCENT)}, timeout=TIMEOUT,
           requires=("process count",)),
    Attack("monkeypatch", dict.fromkeys(CHAIN, "failed"), levels=("process",)),
    Attack("lying_objects", dict.fromkeys(CHAIN, ("failed", "error")), levels=("process",)),
    Attack("ndarray_subclass", dict.fromkeys(CHAIN, ("failed", "error")), levels=("process",)),
    Attack("nan_inf", dict.fromkeys(CHAIN, "failed"), levels=("process",)),
    Attack("enormous", dict.fromkeys(CHAIN, ("error", "timeout")), levels=("process",), timeout=TIMEOUT),
    Attack("forged_frames", dict.fromkeys(CHAIN, ("failed", "error")), levels=("process",)),
    Attack("frame_inspection", {CHAIN[0]: "failed", **passed(*CHAIN[1:])}, levels=("process",)),
    Attack("import_reference", {CHAIN[0]: ("error", "failed"), **passed(*DESCENT)}),
    Attack("torch_plain", {"backward.backward": "forbidden"}, module="backward", others=(),
           needs=("activations", "forward")),
    Attack("torch_obfuscated", {"backward.backward": "forbidden"}, module="backward", others=(),
           needs=("activations", "forward")),
    Attack("torch_bypass", {"backward.backward": ("forbidden", "error")}, module="backward", others=(),
           needs=("activations", "forward")),
]


@functools.cache
def layers(level: str) -> dict[str, tuple[bool, str]]:
    """The layers a worker gets at `level` on this machine (what `grader doctor` prints)."""
    worker = Worker(Submission("<probe>", ()), "numpy", Limits(), sandbox=level)
    try:
        worker.probe(budget=60)
        return {name: (on, what) for name, (on, what) in worker.layers.items()}
    finally:
        worker.close()


def require(level: str, *names: str) -> None:
    for name in names:
        on, what = layers(level).get(name, (False, "not reported"))
        if not on:
            pytest.skip(f"layer {name!r} is off at --sandbox {level} here: {what}")


def survivors(token: str) -> list[int]:
    """Living processes named `token` (zombies are dead: only their exit status is left)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if comm == token and state != "Z":
            found.append(int(entry))
    return found


def hostile(tmp_path: Path, name: str, module: str, *, others=(), needs=(), **fill: str) -> tuple[Path, str]:
    """A submission folder: `module` with the attack appended, marked with a fresh token."""
    token = "hx" + secrets.token_hex(4)
    attack = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
    for key, value in fill.items():
        attack = attack.replace(f"__{key.upper()}__", value)
    folder = tmp_path / "submission"
    folder.mkdir()
    for other in (*others, *needs):
        (folder / f"{other}.py").write_text(student_source(other), encoding="utf-8")
    text = MARK.format(token=token) + student_source(module) + "\n\n# --- the attack ---\n" + attack
    (folder / f"{module}.py").write_text(text, encoding="utf-8")
    return folder, token


def statuses(report) -> dict[str, str]:
    return {e.name: e.status for e in report.exercises}


def assert_expected(report, expect: dict) -> None:
    got = statuses(report)
    for name, wanted in expect.items():
        allowed = wanted if isinstance(wanted, tuple) else (wanted,)
        assert got[name] in allowed, f"{name}: {got[name]} ({next(e.feedback for e in report.exercises if e.name == name)})"
    for result in report.exercises:
        assert result.score == (result.max_score if result.status == "passed" else 0), result.name


CASES = [pytest.param(attack, level, id=f"{attack.name}-{level}") for attack in ATTACKS for level in attack.levels]


@pytest.mark.parametrize(("attack", "level"), CASES)
def test_attack_fails_closed_in_time_and_leaves_nothing(tmp_path, attack, level):
    require(level, *attack.requires)
    folder, token = hostile(tmp_path, attack.name, attack.module, others=attack.others, needs=attack.needs,
                            reference=str(REFERENCE))
    only = tuple(dict.fromkeys(name.rsplit(".", 1)[0] for name in attack.expect))
    started = time.monotonic()
    report = check(folder, only=only, sandbox=level, examples=EXAMPLES, timeout=attack.timeout)
    elapsed = time.monotonic() - started
    assert survivors(token) == []
    assert_expected(report, attack.expect)
    assert elapsed < attack.seconds


@pytest.mark.parametrize("level", LEVELS)
def test_writing_outside_the_working_copy_changes_nothing(tmp_path, level):
    require(level, "files")
    marker = "hx-outside-" + secrets.token_hex(4)
    targets = [
        tmp_path / "submission" / "planted.py",  # beside the student's own files
        ROOT / "grader" / f"{marker}.py",  # into the grader
        Path("/tmp") / marker,
        Path("/var/tmp") / marker,
        Path("/dev/shm") / marker,
        Path.home() / marker,
    ]
    folder, token = hostile(tmp_path, "write_outside", "chain_rule", outside=repr([str(t) for t in targets]))
    report = check(folder, only=("chain_rule.composite",), sandbox=level, examples=EXAMPLES)
    try:
        assert [str(t) for t in targets if t.exists()] == []
    finally:
        for target in targets:
            target.unlink(missing_ok=True)
    assert statuses(report)["chain_rule.composite"] in ("failed", "error")  # error: it opened the grader's files
    assert report.score == 0
    assert survivors(token) == []


def test_pickle_payloads_are_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    folder, token = hostile(tmp_path, "pickle_payload", "chain_rule", marker=str(marker))
    report = check(folder, only=("chain_rule.composite", "chain_rule.local_derivatives"), examples=EXAMPLES)
    assert not marker.exists()
    assert set(statuses(report).values()) == {"error"}
    assert report.score == 0
    assert survivors(token) == []


def grader_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("level", LEVELS)
def test_a_daemon_cannot_rewrite_the_report_after_the_grader_exits(tmp_path, level):
    require(level, "processes")
    report_path = tmp_path / "report.json"
    folder, token = hostile(tmp_path, "daemon_report", "chain_rule", report=str(report_path))
    run = grader_cli(str(folder), "--only", "chain_rule.composite", "--format", "json", "--output", str(report_path),
                     "--sandbox", level, "--examples", str(EXAMPLES), cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert survivors(token) == []
    written = report_path.read_text(encoding="utf-8")
    time.sleep(1.0)  # the daemon, had it survived, rewrites the file every 0.1 s for 6 s
    assert report_path.read_text(encoding="utf-8") == written
    data = json.loads(written)
    assert [(e["name"], e["status"]) for e in data["exercises"]] == [("chain_rule.composite", "failed")]
    assert data["score"] == 0


def test_a_fake_report_printed_by_the_student_never_reaches_standard_output(tmp_path):
    folder, token = hostile(tmp_path, "fake_report", "chain_rule")
    run = grader_cli(str(folder), "--only", "chain_rule.composite", "--format", "json", "--examples", str(EXAMPLES),
                     cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)  # one JSON document: the grader's, nothing printed around it
    assert data["score"] == 0 and [e["status"] for e in data["exercises"]] == ["failed"]
    assert "100/100" in data["exercises"][0]["output"]  # captured, shown to the student as their output
    assert "100/100" not in run.stderr
    assert survivors(token) == []


def test_a_symbolic_link_to_the_reference_is_not_graded_as_the_students_code(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "chain_rule.py").symlink_to(REFERENCE / "chain_rule.py")
    report = check(folder, only=("chain_rule",), examples=EXAMPLES)
    assert all(e.status == "error" for e in report.exercises)
    assert report.exercises[0].feedback == "chain_rule.py: a symbolic link, not graded (hand in the file itself)"
