"""d(1/h5)/dh5 taken as -1/h5, and the gradient as the product along the path."""

import math


def composite_grad(x, w, b):
    h3 = -(w * x + b)
    h5 = math.exp(h3) + 1
    path = [-1.0, math.exp(h3), 1.0, -1 / h5]  # dh3/dh2 ... df/dh5
    df_dh2 = 1.0
    for local in path:
        df_dh2 *= local
    return df_dh2 * x, df_dh2
