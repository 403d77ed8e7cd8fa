# ruff: noqa - a hostile submission, not the project's code
"""NumPy's and math's comparison functions replaced by ones that always agree; the results are wrong."""
import builtins
import math

import numpy as np
import numpy.testing

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_almost_equal = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
builtins.abs = lambda value: 0.0


def composite(x, w, b):
    return 0.123


def local_derivatives(x, w, b):
    return [0.0] * 6


def composite_grad(x, w, b):
    return (0.0, 0.0)
