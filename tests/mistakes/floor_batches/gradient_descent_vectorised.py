"""Batches per epoch rounded down."""


def num_batches(num_samples, batch_size):
    return num_samples // batch_size
