"""The loss averaged over the samples of the batch."""


def half_sse(y_hat, y):
    total = 0.0
    for row_hat, row in zip(y_hat, y):
        for a, b in zip(row_hat, row):
            total += 0.5 * (a - b) ** 2
    return total / len(y)
