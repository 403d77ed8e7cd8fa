# ruff: noqa - a hostile submission, not the project's code
"""A busy loop: only the wall clock of the grader's process ends it."""


def composite(x, w, b):
    while True:
        pass
