"""The same submission gets the same report every run, even when its code draws random numbers."""

from __future__ import annotations

from grader.api import check

DRAWS = '''
import random

import numpy as np

AT_IMPORT = random.random()


def num_batches(num_samples, batch_size):
    return int(np.random.randint(0, 10**9)) + random.randrange(10**6) + int(AT_IMPORT * 1000)
'''


def test_random_draws_are_the_same_in_every_run_and_for_every_call(tmp_path):
    (tmp_path / "gradient_descent.py").write_text(DRAWS)
    runs = [check(tmp_path, only=("gradient_descent.num_batches",), examples=5).to_dict() for _ in range(2)]
    assert runs[0] == runs[1]
    feedback = runs[0]["exercises"][0]["feedback"]
    assert "got" in feedback  # the drawn number is in the report: a different draw would show
