# ruff: noqa - a hostile submission, not the project's code
"""Enormous results: ten million entries, a long list, nested lists."""
import numpy as np


def composite(x, w, b):
    return np.zeros(10_000_000)


def local_derivatives(x, w, b):
    return [0.5] * 5_000_000


def composite_grad(x, w, b):
    nested = [0.0]
    for _ in range(100_000):
        nested = [nested]
    return (nested, nested)
