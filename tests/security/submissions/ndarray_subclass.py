# ruff: noqa - a hostile submission, not the project's code
"""An ndarray subclass whose comparisons, __array_function__ and __array_ufunc__ always say "equal"."""
import numpy as np


class Agreeable(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.shape(self))

    def __float__(self):
        return 0.5

    def tolist(self):
        return [0.5] * self.size


def agreeable(values):
    return np.asarray(values, dtype=float).view(Agreeable)


def composite(x, w, b):
    return agreeable(0.0)


def local_derivatives(x, w, b):
    return agreeable([0.0] * 6)


def composite_grad(x, w, b):
    return (agreeable(0.0), agreeable(0.0))
