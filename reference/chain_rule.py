"""The chain rule on f(x; w, b) = sigmoid(w * x + b), one elementary step at a time.

    h1 = w * x          dh1/dw  = x
    h2 = h1 + b         dh2/dh1 = 1
    h3 = -h2            dh3/dh2 = -1
    h4 = exp(h3)        dh4/dh3 = exp(h3)
    h5 = h4 + 1         dh5/dh4 = 1
    f = h6 = 1 / h5     df/dh5  = -1 / h5**2

df/dw is the product of the local derivatives on the path from w to f. At
x=1, w=0, b=0 they are [1, 1, -1, 1, 1, -0.25], so df/dw = 0.25; the path
from b skips dh1/dw, so df/db = 0.25 as well.
"""

import math


def composite(x, w, b):
    """f(x; w, b) = 1 / (exp(-(w * x + b)) + 1), computed through h1..h6.

    Inputs:
    - x, w, b: floats, with |w * x + b| <= 30

    Returns:
    - float: f (0.5 at x=1, w=0, b=0)
    """
    ### BEGIN SOLUTION
    h1 = w * x
    h2 = h1 + b
    h3 = -h2
    h4 = math.exp(h3)
    h5 = h4 + 1
    return 1 / h5
    ### END SOLUTION


def local_derivatives(x, w, b):
    """The six local derivatives on the path from w to f.

    Inputs:
    - x, w, b: floats

    Returns:
    - list of 6 floats: [dh1/dw, dh2/dh1, dh3/dh2, dh4/dh3, dh5/dh4, df/dh5],
      each evaluated at the values of the forward pass
      ([1, 1, -1, 1, 1, -0.25] at x=1, w=0, b=0)
    """
    ### BEGIN SOLUTION
    h3 = -(w * x + b)
    h4 = math.exp(h3)
    h5 = h4 + 1
    return [x, 1.0, -1.0, h4, 1.0, -1 / h5**2]
    ### END SOLUTION


def composite_grad(x, w, b):
    """(df/dw, df/db) by the chain rule: the product of the local derivatives.

    Inputs:
    - x, w, b: floats

    Returns:
    - tuple of 2 floats: (df/dw, df/db); (0.25, 0.25) at x=1, w=0, b=0
    """
    ### BEGIN SOLUTION
    dh1_dw, dh2_dh1, dh3_dh2, dh4_dh3, dh5_dh4, df_dh5 = local_derivatives(x, w, b)
    df_dh2 = df_dh5 * dh5_dh4 * dh4_dh3 * dh3_dh2
    return df_dh2 * dh2_dh1 * dh1_dw, df_dh2
    ### END SOLUTION
