"""The sandbox's own promises: levels, layers (checked against what a probe finds), limits, clean ends.

The adversarial suite (tests/security/) attacks whole checks; these tests
look at the pieces: the command lines, the worker's first frame, the limits a
worker cannot raise, what `grader doctor` prints, and the fallback where the
kernel gives no namespaces.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

import pytest
from conftest import student_source

from grader import isolation
from grader.api import check
from grader.cli import main
from grader.errors import UsageError
from grader.isolation import SandboxError, bwrap_command, contained, describe_layers, strict_available
from grader.loading import load_submission
from grader.sandbox import Limits, Worker
from grader.wire import decode

LEVELS = ["process"] + (["strict"] if strict_available() else [])
MARK = 'import ctypes as _c; _c.CDLL(None).prctl(15, b"{token}", 0, 0, 0)\n'
DAEMON = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        _c.CDLL(None).prctl(15, open("/proc/self/comm", "rb").read().strip() + b"d", 0, 0, 0)  # token + "d"
        time.sleep(60)
        os._exit(0)
    os._exit(0)
"""
CALL = {"module": "chain_rule", "function": "composite", "args": [1.0, 0.0, 0.0], "kwargs": {}, "returns": "number"}


def living(token: str) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            named = Path(f"/proc/{entry}/comm").read_text().strip() == token
            dead = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        if named and not dead:
            found.append(int(entry))
    return found


def wait_for(condition, seconds: float = 15.0):
    end = time.monotonic() + seconds
    while not (found := condition()) and time.monotonic() < end:
        time.sleep(0.01)
    return found


def chain_rule(tmp_path: Path, extra: str = "") -> tuple[Path, str]:
    """A folder with the reference chain_rule (plus `extra` code), its processes named by a fresh token."""
    token = "hx" + secrets.token_hex(4)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "chain_rule.py").write_text(MARK.format(token=token) + student_source("chain_rule") + extra)
    return folder, token


def started(folder: Path, level: str = "process", mode: str = "numpy", **limits) -> Worker:
    worker = Worker(load_submission(folder), mode, Limits(**limits), sandbox=level)
    worker.start()
    return worker


# --- levels ------------------------------------------------------------------------------


def test_an_unknown_level_is_a_usage_error():
    with pytest.raises(UsageError) as raised:
        isolation.check_level("jail")
    assert str(raised.value) == "--sandbox must be one of none, process, strict, got 'jail'"


def test_strict_without_bubblewrap_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(isolation, "bwrap", lambda: None)
    folder, _ = chain_rule(tmp_path)
    with pytest.raises(SandboxError) as raised:
        check(folder, only=("chain_rule",), sandbox="strict")
    assert str(raised.value).startswith("--sandbox strict needs bubblewrap: install it (apt-get install bubblewrap)")


def test_the_cli_refuses_an_unknown_level_before_grading(runner, tmp_path):
    folder, _ = chain_rule(tmp_path)
    result = runner.invoke(main, ["check", str(folder), "--sandbox", "jail"])
    assert result.exit_code == 2
    assert "--sandbox" in result.output and "jail" in result.output


@pytest.mark.parametrize("level", ["none", *LEVELS])
def test_every_level_grades_a_correct_module(tmp_path, level):
    folder, token = chain_rule(tmp_path)
    report = check(folder, only=("chain_rule",), examples=5, sandbox=level)
    assert [e.status for e in report.exercises] == ["passed"] * 3
    assert living(token) == []


# --- layers, against what a submission finds -----------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_every_layer_reported_on_is_confirmed_by_the_probe(tmp_path, level):
    folder, _ = chain_rule(tmp_path)
    worker = started(folder, level)
    try:
        found = worker.probe(budget=30)
    finally:
        worker.close()
    layers = {name: on for name, (on, _) in worker.layers.items()}
    assert set(layers) >= {"processes", "network", "files", "user", "capabilities", "limits", "process count", "autodiff"}
    if layers["network"]:
        assert found["interfaces"] == []
    if layers["files"]:
        assert found["write outside"] == []
        assert found["grader files"] == []
    if layers["autodiff"]:
        assert found["torch files"] == []
    if layers["user"]:
        assert found["uid"] == isolation.SANDBOX_UID
    if layers["processes"] and layers["files"]:
        assert found["processes visible"] <= 2  # the worker (and bwrap's init): nothing of the host


def test_without_namespaces_the_keeper_still_kills_a_daemon(monkeypatch, tmp_path):
    monkeypatch.setattr(isolation, "NAMESPACES", False)
    folder, token = chain_rule(tmp_path, DAEMON)
    worker = started(folder)
    try:
        assert worker.request(CALL, 30).status == "ok"
        assert worker.layers["processes"][1].startswith("subreaper and process sweep")
        assert wait_for(lambda: living(token + "d"))  # the daemon, in its own session
    finally:
        worker.close()
    assert living(token) == living(token + "d") == []


@pytest.mark.parametrize("level", LEVELS)
def test_stop_returns_once_every_process_is_dead_and_reaped(tmp_path, level):
    folder, token = chain_rule(tmp_path, DAEMON)
    worker = started(folder, level)
    assert worker.request(CALL, 30).status == "ok"
    assert wait_for(lambda: living(token + "d"))
    process = worker.process
    worker.stop()
    assert process.returncode is not None
    assert living(token) == living(token + "d") == []
    worker.close()


# --- limits ------------------------------------------------------------------------------


def test_defaults_give_torch_room_within_one_gibibyte():
    limits = Limits()
    assert limits.memory == 1024**3
    assert limits.cpu_seconds == 330  # 30 exercises at the 10 s timeout, and the imports


def test_too_little_memory_is_our_error_and_names_the_limit(tmp_path):
    folder, _ = chain_rule(tmp_path)
    worker = started(folder, memory=64 * 1024**2)
    try:
        with pytest.raises(SandboxError) as raised:
            worker.request(CALL, 30)
    finally:
        worker.close()
    assert "the memory limit is 64M (--memory): numpy needs about 100M, torch about 700M" in str(raised.value)


@pytest.mark.parametrize("level", LEVELS)
def test_the_worker_cannot_raise_its_limits(tmp_path, level):
    extra = """
import resource
def composite(x, w, b):
    raised = 0
    for which in (resource.RLIMIT_AS, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE, resource.RLIMIT_CPU):
        try:
            resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            raised += 1
        except (ValueError, OSError):
            pass
    return float(raised)
"""
    folder, _ = chain_rule(tmp_path, extra)
    worker = started(folder, level)
    try:
        outcome = worker.request(CALL, 30)
    finally:
        worker.close()
    assert outcome.status == "ok" and float(outcome.value) == 0.0


def test_a_flood_of_output_costs_at_most_the_file_size_limit(tmp_path):
    extra = "\ndef composite(x, w, b):\n    while True:\n        print('x' * 65536)\n"
    folder, _ = chain_rule(tmp_path, extra)
    worker = started(folder, file_size=1024**2)
    try:
        outcome = worker.request(CALL, 30)
        size = os.fstat(worker.output_file.fileno()).st_size
        shown = worker.output()
        emptied = os.fstat(worker.output_file.fileno()).st_size
    finally:
        worker.close()
    assert outcome.status == "error" and "File too large" in outcome.message
    assert size <= 1024**2
    assert shown.endswith("... (output truncated)") and len(shown) < 2100
    assert emptied == 0


def test_a_submission_total_ends_the_calls_after_it(tmp_path):
    extra = "\nimport time\ndef composite(x, w, b):\n    time.sleep(0.3)\n    return 0.5\n"
    folder, _ = chain_rule(tmp_path, extra)
    worker = started(folder, total=1.0)
    try:
        statuses = [worker.request(CALL, 5).status for _ in range(6)]
    finally:
        worker.close()
    assert statuses[:2] == ["ok", "ok"]
    assert statuses[-1] == "timeout"


# --- the channel ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"nd": [1.0, 2.0], "shape": [-2, -1]},
        {"nd": [1.0], "shape": [2]},
        {"nd": ["1.0"], "shape": [1]},
        {"nd": [True], "shape": [1]},
        {"nd": [1.0], "shape": "1"},
        {"nd": [10**400], "shape": [1]},
        {"pickle": "gASV"},
        "a string",
    ],
)
def test_decode_builds_nothing_but_float_arrays(value):
    with pytest.raises((ValueError, TypeError, OverflowError)):
        decode(value)


def test_a_reply_that_is_no_result_is_an_error_not_a_crash_of_ours(tmp_path):
    extra = """
import os, sys
def composite(x, w, b):
    body = b'[1, 2, 3]'
    os.write(int(sys.argv[2]), len(body).to_bytes(4, "big") + body)
    return 0.5
"""
    folder, _ = chain_rule(tmp_path, extra)
    worker = started(folder)
    try:
        outcome = worker.request(CALL, 30)
    finally:
        worker.close()
    assert (outcome.status, outcome.message) == ("error", "the process sent back something that is not a result")


def test_the_torch_worker_may_not_read_the_graders_files_either(tmp_path):
    folder, _ = chain_rule(tmp_path)
    reference = Path(isolation.protected_dirs()[-1], "torch_net.py")
    (folder / "torch_net.py").write_text(
        student_source("torch_net")
        + f"\ndef torch_train_step(net, x, y, lr):\n    open({str(reference)!r}).read()\n    return 0.0\n"
    )
    report = check(folder, only=("torch_net.torch_train_step",), examples=5)
    assert [(e.status, e.score) for e in report.exercises] == [("error", 0)]


# --- grader doctor -------------------------------------------------------------------------


def test_describe_layers_prints_one_line_per_layer_then_the_probe():
    layers = {"processes": [True, "PID namespace"], "network": [False, "no network namespace"]}
    found = {"interfaces": ["eth0"], "processes visible": 1, "write outside": ["/tmp"], "grader files": [],
             "torch files": [], "uid": 65534}
    assert describe_layers(layers, found) == [
        "  nothing outlives a check            on   PID namespace",
        "  no network                          off  no network namespace",
        "  files                               off  not reported",
        "  unprivileged user                   off  not reported",
        "  capabilities                        off  not reported",
        "  resource limits                     off  not reported",
        "  process count                       off  not reported",
        "  torch hidden from the NumPy worker  off  not reported",
        "  a submission found:",
        "    network interfaces: eth0",
        "    processes visible: 1",
        "    can write outside its working copy: /tmp",
        "    grader files readable: no",
        "    torch files readable by the NumPy worker: no",
        "    runs as uid 65534",
    ]


def test_grader_doctor_names_every_layer_of_the_default_level(runner):
    started_at = time.monotonic()
    result = runner.invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("grader sandbox on ")
    assert "process (default):" in lines
    for _, title in isolation.LAYER_NAMES:
        assert any(line.startswith(f"  {title} ") for line in lines), title
    assert ("strict: unavailable" in result.output) == (not strict_available())
    assert time.monotonic() - started_at < 30


# --- bubblewrap's command line ----------------------------------------------------------------


def test_bwrap_command_binds_python_read_only_hides_the_grader_and_keeps_parents_enterable(tmp_path):
    folder = tmp_path / "grader-x"
    folder.mkdir()
    (folder / "chain_rule.py").write_text("")
    site = "/opt/env/lib/python3.11/site-packages"
    argv = bwrap_command("bwrap", folder=str(folder), paths=["/opt/python", site], env={"HOME": str(folder)},
                         root=True, hide=[f"{site}/grader", "/elsewhere/reference"], disk=1024)
    text = " ".join(argv)
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in argv
    assert "--unshare-user" not in argv  # as root: the worker drops its uid itself, so RLIMIT_NPROC binds
    assert "--cap-add CAP_SETUID --cap-add CAP_SETGID" in text
    assert "--perms 0755 --dir /opt/env --perms 0755 --dir /opt/env/lib" in text
    assert "--ro-bind /opt/python /opt/python" in text and f"--ro-bind {site} {site}" in text
    assert f"--tmpfs {site}/grader --remount-ro {site}/grader" in text
    assert "/elsewhere/reference" not in text  # never bound: nothing to hide
    assert f"--ro-bind {folder}/chain_rule.py {folder}/chain_rule.py" in text
    assert f"--remount-ro / --chdir {folder}" in text
    assert json.dumps(argv)  # plain strings only


def test_contained_keeps_only_the_outermost_paths():
    assert contained(["/a/b", "/a", "/c", "/a/bc", "/c/d"]) == ["/a", "/c"]
