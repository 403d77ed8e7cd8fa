"""Batch starts counted up to and including n: one too many when b divides n."""


def num_batches(num_samples, batch_size):
    count = 0
    for start in range(0, num_samples + 1, batch_size):
        count += 1
    return count
