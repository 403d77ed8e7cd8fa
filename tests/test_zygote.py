"""Workers forked by a zygote (grader/zygote.py) get exactly what a worker started afresh gets.

`grader grade` forks the workers of each grading process from two
pre-imported zygotes; these tests hold a forked worker to the fresh one's
isolation (descriptors, environment, working copy, uid, namespaces, layers,
no torch in the NumPy worker, nothing left behind), run the adversarial suite
(tests/security) on forked workers, and check each way back to starting
workers afresh. They also check that an import that runs out of time is not
run into again by the check's later exercises, forked or not.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, notebook_json, student_source
from grader import isolation, zygote
from grader.api import check
from grader.isolation import SandboxError
from grader.loading import load_submission
from grader.sandbox import Limits, Worker

CALL = {"module": "chain_rule", "function": "composite", "args": [1.0, 0.0, 0.0], "kwargs": {}, "returns": "number"}
LOOK = """
import json, os, sys
import numpy as np

def composite(x, w, b):
    def target(fd):
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return "?"
    fds = {fd: target(fd) for fd in os.listdir("/proc/self/fd")}
    print(json.dumps({
        "fds": sorted(int(fd) for fd, what in fds.items() if what != "?"),  # "?": the listing's own
        "std": [fds.get(str(fd)) for fd in (0, 1, 2)],
        "env": dict(os.environ), "cwd": os.getcwd(), "uid": os.getuid(), "pid": os.getpid(), "sid": os.getsid(0),
        "modules": sorted({m.split(".")[0] for m in sys.modules} & {"torch", "grader", "reference"}),
        "argv": sys.argv[1:4], "random": np.random.rand(), "threads": len(os.listdir("/proc/self/task")),
    }), flush=True)
    return 0.5
"""
SECURITY = Path(__file__).parent / "security" / "test_attacks.py"


@pytest.fixture(scope="module")
def forking():
    """Zygotes for this module's tests, as a grading process has them."""
    zygote.disable()
    zygote.enable(torch=True)
    yield
    zygote.disable()


@pytest.fixture
def fresh_zygotes(forking):
    """New zygotes: for the tests that kill or abandon them."""
    zygote.disable()
    zygote.enable(torch=True)
    yield
    zygote.disable()
    zygote.enable(torch=True)


def folder_with(tmp_path: Path, **modules: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    for name, text in modules.items():
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return folder


def looked(folder: Path, mode: str, **limits) -> tuple[Worker, dict]:
    """What the LOOK submission saw of its process, and the (closed) worker."""
    worker = Worker(load_submission(folder), mode, Limits(**limits))
    try:
        outcome = worker.request(CALL, 30)
        assert outcome.status == "ok", outcome
        seen = json.loads(worker.output().strip().splitlines()[-1])
        seen["working copy"] = str(worker.folder)
        seen["forked"] = isinstance(worker.process, zygote.Forked)
        seen["output"] = os.fstat(worker.output_file.fileno()).st_ino
    finally:
        worker.close()
    return worker, seen


def living(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- a forked worker is a fresh worker --------------------------------------------------------


@pytest.mark.parametrize("mode", ["numpy", "torch"])
def test_a_forked_worker_gets_what_a_fresh_one_gets(tmp_path, forking, mode, monkeypatch):
    folder = folder_with(tmp_path, chain_rule=LOOK)
    forked, seen = looked(folder, mode)
    monkeypatch.setattr(zygote, "_enabled", set())
    fresh, afresh = looked(folder, mode)
    assert seen["forked"] and not afresh["forked"]
    assert forked.layers == fresh.layers
    for name in ("uid", "pid", "sid", "modules", "threads"):
        assert seen[name] == afresh[name], name
    assert seen["fds"] == [0, 1, 2, 3, 4]  # stdin, the capped output twice, the request and reply pipes
    assert len(afresh["fds"]) == 5 and seen["argv"] == ["3", "4", mode]
    assert seen["std"][0] == "/dev/null" and seen["std"][1] == seen["std"][2]
    assert f"#{seen['output']} " in seen["std"][1]  # the grader's capped output file of this worker
    assert seen["env"] == isolation.worker_env(seen["working copy"])
    assert seen["cwd"] == seen["working copy"]
    assert seen["modules"] == ([] if mode == "numpy" else ["torch"])  # the NumPy worker has no torch; no grader
    if os.geteuid() == 0 and forked.layers["user"][0]:
        assert seen["uid"] == isolation.SANDBOX_UID
    if forked.layers["processes"][1].startswith("PID namespace"):
        assert seen["pid"] == 1


def test_a_forked_worker_draws_the_random_numbers_a_fresh_one_draws(tmp_path, forking, monkeypatch):
    """Every call starts from one seed (worker.reseed): not from the zygote's state, nor from fresh entropy."""
    folder = folder_with(tmp_path, chain_rule=LOOK)
    forked = [looked(folder, "numpy")[1] for _ in range(2)]
    monkeypatch.setattr(zygote, "_enabled", set())
    fresh = looked(folder, "numpy")[1]
    assert forked[0]["forked"] and not fresh["forked"]
    assert forked[0]["random"] == forked[1]["random"] == fresh["random"]


def test_the_zygotes_hold_nothing_of_the_grader(forking):
    for mode, parent in zygote._zygotes.items():
        assert parent.fits(Limits().memory)  # started, and ready
        pid = parent.process.pid
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert dict(entry.decode().split("=", 1) for entry in environ if entry) == isolation.worker_env("/")
        assert sorted(os.listdir(f"/proc/{pid}/fd"), key=int) == ["0", "1", "2", parent.process.args[7]]
        maps = Path(f"/proc/{pid}/maps").read_text()
        assert ("libtorch" in maps) == (mode == "torch"), mode  # the NumPy zygote never imports torch


def test_forked_workers_grade_exactly_as_fresh_ones(submissions, forking, monkeypatch):
    folder = submissions.folder("backward__batch_mean", modules=("activations", "forward", "backward", "torch_net"))
    forked = check(folder, only=("backward", "torch_net"), examples=5).to_dict()
    monkeypatch.setattr(zygote, "_enabled", set())
    assert check(folder, only=("backward", "torch_net"), examples=5).to_dict() == forked


def test_a_daemon_of_a_forked_worker_dies_with_it(tmp_path, forking):
    folder = folder_with(tmp_path, chain_rule=student_source("chain_rule") + """
import os, time
def composite(x, w, b):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(60)
        os._exit(0)
    time.sleep(0.2)
    return 0.5
""")
    worker = Worker(load_submission(folder), "numpy", Limits())
    assert worker.request(CALL, 30).status == "ok"
    keeper = worker.process.pid
    below = isolation.descendants(keeper, isolation.process_table())
    assert len(below) >= 2  # the worker and the daemon
    worker.close()
    assert worker.process is None and not living(keeper)
    assert [pid for pid in below if living(pid)] == []


def test_the_security_suite_holds_for_forked_workers(tmp_path_factory, forking):
    spec = importlib.util.spec_from_file_location("forked_attacks", SECURITY)
    attacks = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
    spec.loader.exec_module(attacks)
    for attack in attacks.ATTACKS:
        if "process" not in attack.levels or not all(attacks.layers("process").get(n, (False,))[0]
                                                     for n in attack.requires):
            continue
        tmp_path = tmp_path_factory.mktemp(attack.name)
        folder, token = attacks.hostile(tmp_path, attack.name, attack.module, others=attack.others,
                                        needs=attack.needs, reference=str(attacks.REFERENCE))
        only = tuple(dict.fromkeys(name.rsplit(".", 1)[0] for name in attack.expect))
        started = time.monotonic()
        report = check(folder, only=only, examples=attacks.EXAMPLES, timeout=attack.timeout)
        assert attacks.survivors(token) == [], attack.name
        attacks.assert_expected(report, attack.expect)
        assert time.monotonic() - started < attack.seconds, attack.name
        assert zygote.zygote_for("numpy", "process") is not None, f"{attack.name} ended the NumPy zygote"


# --- back to starting afresh ----------------------------------------------------------------------


def test_strict_workers_are_started_afresh(tmp_path, forking):
    if not isolation.strict_available():
        pytest.skip("bubblewrap cannot run here")
    worker = Worker(load_submission(folder_with(tmp_path, chain_rule=student_source("chain_rule"))), "numpy",
                    Limits(), sandbox="strict")
    try:
        assert worker.request(CALL, 30).status == "ok"
        assert isinstance(worker.process, subprocess.Popen)
    finally:
        worker.close()


def test_a_memory_limit_below_the_zygote_starts_afresh_and_says_so(tmp_path, forking):
    worker = Worker(load_submission(folder_with(tmp_path, chain_rule=student_source("chain_rule"))), "numpy",
                    Limits(memory=64 * 1024**2))
    try:
        with pytest.raises(SandboxError) as raised:
            worker.request(CALL, 30)
        assert isinstance(worker.process, subprocess.Popen) or worker.process is None
    finally:
        worker.close()
    assert "the memory limit is 64M (--memory): numpy needs about 100M, torch about 700M" in str(raised.value)


def test_a_dead_zygote_is_not_used_again(tmp_path, fresh_zygotes):
    parent = zygote.zygote_for("numpy", "process")
    assert parent.fits(Limits().memory)
    os.kill(parent.process.pid, signal.SIGKILL)
    parent.process.wait()
    worker = Worker(load_submission(folder_with(tmp_path, chain_rule=student_source("chain_rule"))), "numpy",
                    Limits())
    try:
        assert worker.request(CALL, 30).status == "ok"
        assert isinstance(worker.process, subprocess.Popen)
    finally:
        worker.close()
    assert zygote.zygote_for("numpy", "process") is None  # not restarted: its workers start afresh
    assert zygote.zygote_for("torch", "process") is not None


def test_without_a_pid_namespace_a_process_forks_no_more(tmp_path, fresh_zygotes, monkeypatch):
    monkeypatch.setattr(isolation, "NAMESPACES", False)
    worker = Worker(load_submission(folder_with(tmp_path, chain_rule=student_source("chain_rule"))), "numpy",
                    Limits())
    try:
        assert worker.request(CALL, 30).status == "ok"
        assert isinstance(worker.process, subprocess.Popen)  # started afresh before any student code ran
        assert worker.layers["processes"][1].startswith("subreaper and process sweep")
    finally:
        worker.close()
    assert zygote.zygote_for("numpy", "process") is None


def test_a_grader_that_dies_takes_its_zygotes_and_their_workers_along(tmp_path):
    folder = folder_with(tmp_path, chain_rule=student_source("chain_rule") + "\nimport time\n"
                         "def composite(x, w, b):\n    time.sleep(60)\n")
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from grader import zygote
from grader.loading import load_submission
from grader.sandbox import Limits, Worker
zygote.enable(torch=False)
worker = Worker(load_submission({str(folder)!r}), "numpy", Limits())
worker.start()
worker._exchange({{"op": "probe"}}, 30)
worker._send({CALL!r})
from grader.isolation import children_of
print(zygote._zygotes["numpy"].process.pid, worker.process.pid, *children_of(worker.process.pid), flush=True)
os.kill(os.getpid(), 9)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    pids = [int(pid) for pid in run.stdout.split()]
    assert len(pids) == 3, run.stderr  # the zygote, the keeper it forked, the worker the keeper forked
    deadline = time.monotonic() + 10
    while any(living(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in pids if living(pid)] == []


# --- an import that runs out of time is not run into again ---------------------------------


LOOPS = "while True:\n    pass\n"


@pytest.mark.parametrize("how", ["forked", "afresh"])
def test_a_module_whose_import_timed_out_is_not_imported_again(submissions, forking, monkeypatch, how):
    if how == "afresh":
        monkeypatch.setattr(zygote, "_enabled", set())
    folder = submissions.folder(modules=("activations", "forward", "backward"), replace={"forward": LOOPS})
    started = time.monotonic()
    report = check(folder, only=("forward", "backward"), examples=5, timeout=1.5)
    elapsed = time.monotonic() - started
    results = {e.name: e for e in report.exercises}
    assert results["forward.linear_forward"].status == "timeout"
    assert "stopped after 1.5 s while importing forward.py" in results["forward.linear_forward"].feedback
    for name in ("forward.forward", "forward.half_sse"):
        assert results[name].status == "timeout"
        assert "importing forward.py was stopped after 1.5 s by an earlier exercise: not tried again" \
            in results[name].feedback
    for name in ("backward.linear_backward", "backward.activation_backward", "backward.backward"):
        assert results[name].status == "error"
        assert "importing forward.py did not finish in time earlier: not tried again" in results[name].feedback
    assert elapsed < 1.5 + 6  # one limit run into, not six


def test_a_notebook_whose_cells_time_out_is_not_run_again(tmp_path, forking):
    path = tmp_path / "work.ipynb"
    path.write_text(notebook_json([student_source("chain_rule"), LOOPS]), encoding="utf-8")
    started = time.monotonic()
    report = check(path, only=("chain_rule",), examples=5, timeout=1.5)
    assert [e.status for e in report.exercises] == ["timeout"] * 3
    assert "not tried again" in report.exercises[2].feedback
    assert time.monotonic() - started < 1.5 + 6
