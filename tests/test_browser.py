"""The HTML report opened in a real browser: headless Chromium, Debian's package.

Each test writes a page under pytest's tmp dir, has Chromium load it with
console logging on and take a screenshot (its path is printed: `pytest -s`
shows it), then asserts the page logged nothing (it has no scripts, so any
console line is a blocked load, a Content-Security-Policy violation or an
error) and the screenshot is a real picture. Without Chromium the tests are
skipped, except when the environment variable CI is set: .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from grader.api import check
from grader.model import Check, Diagnosis, ExerciseResult, Plot, Report
from grader.reporters import html

WINDOW = (1200, 2000)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=1",
)
TRAINING = ("gradient_descent", "activations", "forward", "backward", "training")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed, and CI is set: .ci/run installs Debian's chromium")
    pytest.skip(
        "Chromium is not installed (apt-get install chromium): the HTML report is not opened in a browser"
    )


def open_page(chromium: str, page: str, folder: Path) -> tuple[Path, list[str]]:
    """Write `page` into `folder`, load it in Chromium: (the screenshot, the console's lines)."""
    path, screenshot = folder / "report.html", folder / "report.png"
    path.write_text(page, encoding="utf-8")
    command = [
        chromium,
        *FLAGS,
        f"--user-data-dir={folder / 'chromium-profile'}",
        f"--screenshot={screenshot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        path.as_uri(),
    ]
    # Chromium's crash reports go under XDG_CONFIG_HOME, whatever the profile: keep them in `folder` too.
    environment = {**os.environ, "XDG_CONFIG_HOME": str(folder / "config")}
    done = subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        cwd=folder,
        env=environment,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    print(f"screenshot: {screenshot}")
    return screenshot, console_lines(done.stderr)


def console_lines(log: str) -> list[str]:
    """What the page logged: Chromium writes every console message (any level) as INFO:CONSOLE."""
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def assert_picture(screenshot: Path) -> None:
    """A PNG of the window's size, and far larger than a blank page's few kilobytes."""
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == WINDOW
    assert len(data) > 30_000, f"{screenshot}: {len(data)} bytes, a blank page?"


def hand_built_report() -> Report:
    losses = [0.30 * 0.93**i for i in range(40)]
    curve = Plot(
        "curve",
        "fit's loss per iteration: yours and the reference's",
        {
            "x_label": "iteration",
            "y_label": "batch loss",
            "series": {"yours": [v * (1 + 0.004 * i) for i, v in enumerate(losses)], "reference": losses},
        },
    )
    maps = tuple(
        Plot("heatmap", f"relative error of each entry of {name}", {"label": name, "rows": rows})
        for name, rows in [
            ("dW1", [[2e-7, 3e-4, 1e-2], [4e-5, 1e3, 0.0], [6e-3, 1e-6, 2e-1]]),
            ("dW2", [[10 ** -((i * 5 + j * 3) % 8) for j in range(6)] for i in range(4)]),
        ]
    )
    fit = ExerciseResult(
        "training.fit",
        "failed",
        0,
        8,
        "canonical, 3 epochs of batch 1: W1[0, 1]: expected 0.1988, got 0.1991",
        checks=(Check("canonical, 3 epochs of batch 1", False, "W1[0, 1]: expected 0.1988, got 0.1991"),),
        diagnoses=(Diagnosis("stale_weights", "a layer's weights are updated before the error goes back"),),
        plots=(curve, *maps),
    )
    passed = ExerciseResult(
        "training.train_step", "passed", 8, 8, "all 2 checks passed", checks=(Check("canonical", True),)
    )
    return Report(score=8, max_score=16, seed=0, exercises=(passed, fit), submission="alice.zip")


def test_report_with_plots_opens_without_console_errors(chromium, tmp_path):
    page = html.render(hand_built_report())
    assert page.count("<svg ") == 3
    screenshot, console = open_page(chromium, page, tmp_path)
    assert console == []
    assert_picture(screenshot)


def test_report_of_a_real_failing_submission_opens_without_console_errors(chromium, submissions, tmp_path):
    # The reference as a student's top-level modules, train_step updating a layer before going back through it.
    folder = submissions.folder("training__stale_weights", modules=TRAINING)
    report = check(folder, only=("training",), examples=3)
    assert {e.name: e.status for e in report.exercises} == {
        "training.train_step": "failed",
        "training.fit": "failed",
    }
    plots = [plot for exercise in report.exercises for plot in exercise.plots]
    assert {plot.kind for plot in plots} == {"curve", "heatmap"}
    page = html.render(report)
    assert page.count("<svg ") == len(plots)
    out = tmp_path / "browser"
    out.mkdir()
    screenshot, console = open_page(chromium, page, out)
    assert console == []
    assert_picture(screenshot)


def test_console_errors_are_seen(chromium, tmp_path):
    """The checks above can fail: what the page's policy blocks is logged, and so is a script's error."""
    page = html.render(hand_built_report())
    blocked = page.replace("</body>", '<script>1</script><img src="https://example.com/x.png"></body>')
    _, console = open_page(chromium, blocked, tmp_path)
    assert len(console) == 2 and all("Content Security Policy" in line for line in console), console
    # Without the policy (and so with nothing to load), a script runs and throws.
    unguarded = page.replace('http-equiv="Content-Security-Policy"', 'name="no-policy"')
    unguarded = unguarded.replace(
        "</body>", '<script>console.error("boom"); undefined_name()</script></body>'
    )
    (tmp_path / "unguarded").mkdir()
    _, console = open_page(chromium, unguarded, tmp_path / "unguarded")
    assert any('"boom"' in line for line in console), console
    assert any("Uncaught ReferenceError" in line for line in console), console
