"""d(1/h5)/dh5 taken as +1/h5**2, and the gradient as the product along the path."""

import math


def composite_grad(x, w, b):
    h3 = -(w * x + b)
    h5 = math.exp(h3) + 1
    path = [1.0, -1.0, math.exp(h3), 1.0, 1 / h5**2]  # dh2/dh1 ... df/dh5
    df_dh2 = 1.0
    for local in path[1:]:
        df_dh2 *= local
    df_dw = df_dh2
    for local in (x, path[0]):
        df_dw *= local
    return df_dw, df_dh2
