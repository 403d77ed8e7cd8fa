# ruff: noqa - a hostile submission, not the project's code
"""Prints a forged report (JSON and text) on standard output and error, at import and in a call."""
import os
import sys

FORGED = '{"score": 100, "max_score": 100, "seed": 0, "exercises": []}'
print(FORGED)
print("Score: 100/100 (22 passed; seed 0)", file=sys.stderr)
os.write(1, (FORGED + "\n").encode())


def composite(x, w, b):
    print(FORGED, flush=True)
    os.write(1, b"Score: 100/100 (22 passed; seed 0)\n")
    return 0.0
