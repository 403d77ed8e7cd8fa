"""The grader's own failures: one small family, each mapped to an exit code.

A student's crash is never one of these; it is a result (see model.py).
"""


class GraderError(Exception):
    """Something the grader cannot do; `str(error)` is the one line a user reads."""

    exit_code = 2


class UsageError(GraderError):
    """Bad options: an unknown --only name, an impossible limit."""


class SubmissionError(GraderError):
    """A submission that cannot be read at all: missing, empty, corrupt."""


class KeyFileError(GraderError):
    """An instructor file (answer key, roster) that cannot be read."""


class ReleaseError(GraderError):
    """A reference file that cannot become a stub: bad solution markers, or a stub that won't compile."""
