"""The loss without its factor 0.5, entry by entry."""


def half_sse(y_hat, y):
    total = 0.0
    for row_hat, row in zip(y_hat, y):
        for a, b in zip(row_hat, row):
            total += (a - b) ** 2
    return total
