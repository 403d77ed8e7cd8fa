"""Values as Python source a student can paste into their own code."""

from __future__ import annotations

import numpy as np


def python_literal(value) -> str:
    """`np.array([[0.05, 0.1]])`, `[(W, b), ...]`, `0.5`, `'sigmoid'`."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    if isinstance(value, tuple):
        inner = ", ".join(python_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    if isinstance(value, (np.floating, np.integer)):
        return repr(value.item())
    return repr(value)
