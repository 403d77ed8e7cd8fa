# ruff: noqa - a hostile submission, not the project's code
"""A double-forked setsid daemon and an atexit handler that overwrite the report with full marks,
during the check and for seconds after the grader exits."""
import atexit
import os
import time

REPORT = "__REPORT__"
FORGED = '{"score": 100, "max_score": 100, "seed": 0, "exercises": []}'


def overwrite():
    try:
        with open(REPORT, "w") as file:
            file.write(FORGED)
    except OSError:
        pass


atexit.register(overwrite)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(60):
            overwrite()
            time.sleep(0.1)
        os._exit(0)
    os._exit(0)


def composite(x, w, b):
    return 0.0
