# ruff: noqa - a hostile submission, not the project's code
"""A busy loop that ignores SIGTERM, SIGINT, SIGHUP and SIGALRM: only SIGKILL ends it."""
import signal


def composite(x, w, b):
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(number, signal.SIG_IGN)
    while True:
        pass
