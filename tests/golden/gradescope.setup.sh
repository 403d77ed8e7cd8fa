#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder (written by `grader gradescope bundle`).
# GRADER_PIP: a pip command to use instead of a new virtual environment's (for tests).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
if [ -n "${GRADER_PIP:-}" ]; then
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
$PIP install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
$PIP install 'backprop-grader==0.1.0'
