"""A Gradescope autograder zip (`grader gradescope bundle`): setup.sh and run_autograder.

Gradescope unpacks the zip into /autograder/source and runs setup.sh once
while it builds the image: it makes a virtual environment in
/autograder/grader-venv and installs the CPU build of torch, then the grader
(from PyPI at this grader's version by default; `--from` names another pip
requirement, or a wheel or sdist that goes into the zip). For each
submission it runs run_autograder, which grades /autograder/submission into
/autograder/results/results.json; when the grader cannot (an unreadable
submission, a broken install), a results.json with score 0 and the reason is
written instead, so the student always sees why.

Both scripts read AUTOGRADER_ROOT (default /autograder); setup.sh reads
GRADER_PIP (a pip command to use instead of the venv's: no venv, no apt) and
run_autograder reads GRADER (the grader command), so tests run them in a fake
tree. The zip is byte-for-byte reproducible.
"""

from __future__ import annotations

import io
import os
import shlex
import zipfile
from pathlib import Path

from .api import write_atomically
from .errors import UsageError
from .templates import TORCH_INDEX, TORCH_VERSION, checked_source, default_source

EXECUTABLE = 0o100755 << 16  # a regular file, rwxr-xr-x, in the zip's external attributes
READABLE = 0o100644 << 16
EPOCH = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no build time in the bundle


def setup_script(install: str) -> str:
    """setup.sh; `install` is the shell word pip installs the grader from."""
    return f"""\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder (written by `grader gradescope bundle`).
# GRADER_PIP: a pip command to use instead of a new virtual environment's (for tests).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
if [ -n "${{GRADER_PIP:-}}" ]; then
  PIP="$GRADER_PIP"
else
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update -q
    apt-get install -y -q python3 python3-venv python3-pip
  fi
  python3 -m venv "$ROOT/grader-venv"
  PIP="$ROOT/grader-venv/bin/python -m pip"
fi
# The CPU build of torch first: the grader's bare torch requirement could pull a CUDA build of several GB.
$PIP install torch=={TORCH_VERSION} --index-url {TORCH_INDEX}
$PIP install {install}
"""


def run_script(only: tuple[str, ...]) -> str:
    selection = "".join(f" --only {shlex.quote(name)}" for name in only)
    return f"""\
#!/usr/bin/env bash
# Gradescope runs this for every submission (written by `grader gradescope bundle`).
# It always leaves results/results.json behind: a submission the grader cannot read scores 0, with the reason.
# GRADER: the grader command to run (for tests).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
GRADER="${{GRADER:-$ROOT/grader-venv/bin/grader}}"
RESULTS="$ROOT/results/results.json"
ERRORS="$ROOT/results/grader-errors.txt"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
"$GRADER" check "$ROOT/submission"{selection} \\
  --format gradescope --output "$RESULTS" --format text 2>"$ERRORS"
status=$?
cat "$ERRORS" >&2
if [ "$status" -ge 2 ] || [ ! -s "$RESULTS" ]; then
  python3 - "$RESULTS" "$ERRORS" "$status" <<'PYTHON'
import json, sys

results, errors, status = sys.argv[1:]
try:
    with open(errors, encoding="utf-8", errors="replace") as file:
        reason = file.read().strip()
except OSError:
    reason = ""
reason = reason or f"the grader stopped with exit code {{status}}"
document = {{
    "score": 0.0,
    "output": "Your submission could not be graded.\\n" + reason,
    "output_format": "text",
    "visibility": "visible",
    "tests": [],
}}
with open(results, "w", encoding="utf-8") as file:
    json.dump(document, file, indent=2)
    file.write("\\n")
PYTHON
fi
exit 0
"""


def install_source(source: str | None) -> tuple[str, Path | None]:
    """(the shell word setup.sh installs from, a local file to ship in the zip or None)."""
    if source is None:
        return shlex.quote(default_source()), None
    path = Path(source)
    if path.is_dir():
        raise UsageError(f"--from {source}: a folder; build a wheel (python -m build) and give its path")
    if path.is_file():
        return f'"$SOURCE"/{shlex.quote(path.name)}', path
    if source.endswith((".whl", ".tar.gz", ".zip")) and not any(s in source for s in ("://", "@")):
        raise UsageError(f"--from {source}: no such file")
    return shlex.quote(checked_source(source)), None


def member(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.external_attr = mode
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so that unzip honours the mode
    return info


def write_bundle(out: str | os.PathLike, *, source: str | None = None, only: tuple[str, ...] = ()) -> Path:
    """Write the autograder zip at `out` (atomically) and return its path."""
    from . import registry

    registry.select(only)  # an unknown --only name fails here, not on Gradescope
    install, shipped = install_source(source)
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as bundle:
        bundle.writestr(member("setup.sh", EXECUTABLE), setup_script(install))
        bundle.writestr(member("run_autograder", EXECUTABLE), run_script(tuple(only)))
        if shipped is not None:
            bundle.writestr(member(shipped.name, READABLE), shipped.read_bytes())
    target = Path(out)
    write_atomically(target, content.getvalue())
    return target
