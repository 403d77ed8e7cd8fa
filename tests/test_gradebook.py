"""state.json: what json.dumps would write, kept up to date grade by grade."""

from __future__ import annotations

import json
from dataclasses import asdict

from grader.gradebook import STATE_FORMAT, ExerciseGrade, Grade, Gradebook


def grade(student: str, score: float) -> Grade:
    exercises = (ExerciseGrade("forward.forward", "failed", 0.0, 5.0, ("transposed_weights",)),)
    return Grade(student, "graded", score, 100.0, "", f"{student}.zip", "abc", exercises)


def test_state_json_is_what_json_dumps_writes_and_follows_every_change(tmp_path):
    book = Gradebook(tmp_path, ["forward.forward"], 100.0)
    for student, score in [("b", 10.0), ("a", 20.0), ("b", 30.0), ("c\"d", 40.0)]:
        book.state[student] = grade(student, score)
        book.write_state()
    del book.state["a"]
    book.write_state()
    written = (tmp_path / "state.json").read_text()
    grades = {s: asdict(g) for s, g in sorted(book.state.items())}
    expected = {"format": STATE_FORMAT, "settings": asdict(book.settings), "grades": grades}
    assert written == json.dumps(expected)
    assert json.loads(written)["grades"]["b"]["score"] == 30.0
    assert Gradebook(tmp_path, ["forward.forward"], 100.0).state == book.state
