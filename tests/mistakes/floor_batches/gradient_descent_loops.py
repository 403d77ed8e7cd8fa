"""Full batches counted one by one: the partial one is never counted."""


def num_batches(num_samples, batch_size):
    count, start = 0, 0
    while start + batch_size <= num_samples:
        count += 1
        start += batch_size
    return count
