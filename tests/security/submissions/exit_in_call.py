# ruff: noqa - a hostile submission, not the project's code
"""sys.exit() in one function, os._exit() in another: each costs only its own exercise."""
import os
import sys


def composite(x, w, b):
    sys.exit(0)


def composite_grad(x, w, b):
    os._exit(0)
