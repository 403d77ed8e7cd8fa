# ruff: noqa - a hostile submission, not the project's code
"""Writes files outside its working copy: beside the submission, into the grader, /tmp, /var/tmp, /dev/shm, $HOME."""
import os

TARGETS = __OUTSIDE__


def composite(x, w, b):
    for path in TARGETS:
        try:
            with open(path, "w") as file:
                file.write("written by a submission")
        except OSError:
            pass
    return 0.0
