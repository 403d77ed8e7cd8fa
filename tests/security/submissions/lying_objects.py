# ruff: noqa - a hostile submission, not the project's code
"""Results that lie: equal to everything, truthy, and their __array__/__float__/__len__ say what they like."""
import numpy as np


class Liar:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __float__(self):
        return 0.0

    def __array__(self, dtype=None, copy=None):
        return np.array(0.0)

    __hash__ = object.__hash__


class LyingSequence(list):
    def __len__(self):
        return 6

    def __eq__(self, other):
        return True


class FloatOnly:
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.25


def composite(x, w, b):
    return Liar()


def local_derivatives(x, w, b):
    return LyingSequence([Liar()])


def composite_grad(x, w, b):
    return (FloatOnly(), FloatOnly())
