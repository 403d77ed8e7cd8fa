# ruff: noqa - a hostile submission, not the project's code
"""NaN and infinity, where `err > tol` comparisons would let them through."""


def composite(x, w, b):
    return float("nan")


def local_derivatives(x, w, b):
    return [float("inf")] * 6


def composite_grad(x, w, b):
    return (float("nan"), float("-inf"))
