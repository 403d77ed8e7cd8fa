"""dh3/dh2 taken as +1, step by step."""

import math


def local_derivatives(x, w, b):
    steps = [
        (lambda h: h * x, lambda h: x),  # h1 = w * x
        (lambda h: h + b, lambda h: 1.0),  # h2 = h1 + b
        (lambda h: -h, lambda h: 1.0),  # h3 = -h2
        (math.exp, math.exp),  # h4 = exp(h3)
        (lambda h: h + 1, lambda h: 1.0),  # h5 = h4 + 1
        (lambda h: 1 / h, lambda h: -1 / h**2),  # f = 1 / h5
    ]
    derivatives, h = [], w
    for step, derivative in steps:
        derivatives.append(derivative(h))
        h = step(h)
    return derivatives
