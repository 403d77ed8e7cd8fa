"""Hand-calculation sheets: the questions a key asks, the blank sheet, and grading a filled one.

A sheet is JSON (`answers.json` in each generated variant):

    {"sheet": "backprop-grader answers", "variant": "ada", "digits": 4,
     "instructions": "...",
     "answers": [{"id": "a1[1]", "what": "hidden activation a1[1]", "answer": null}, ...]}

The student replaces each `null` by a number (a JSON number, or a string such
as "1.2e-3"). Which questions are asked comes from the key alone
(`questions(key)`): the hidden activations, the outputs, the loss, the output
and hidden deltas (dL/db), two chosen entries of each dL/dW and the same
weights after one SGD step, the chain-rule value and gradients, batches per
epoch and iterations. The chosen entries are picked by a hash of the key's
network, so the blank sheet and the grading agree without either trusting
what a student can edit: an entry the sheet lacks counts as blank, an entry
the key does not ask for is an error.

An answer is correct when it is within one unit of the `digits`-th significant
digit of the key's figure (4 by default: 0.5933 or 0.5932 for 0.593270); an
exact 0 must be answered within 1e-9; counts must be exact. Each question is
worth one point. What a student reads (each question's `what`, feedback,
errors about the sheet) is in the current language (grader/i18n.py); ids
never change.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .errors import KeyFileError, SubmissionError, UsageError
from .i18n import N_, _, pad, pgettext

SHEET = "backprop-grader answers"
DEFAULT_DIGITS = 4
ZERO_TOLERANCE = 1e-9
CHOSEN_WEIGHTS = 2  # entries of each dL/dW asked for


@dataclass(frozen=True)
class Question:
    """One number to work out: its id on the sheet, what it is, and where the key holds it."""

    id: str
    what: str
    path: tuple  # keys and indices into key.json
    count: bool = False  # an integer, matched exactly


@dataclass(frozen=True)
class Answer:
    """One graded question. `status` is correct, wrong or blank; `given` is None when blank."""

    id: str
    what: str
    status: str
    given: float | None
    expected: float
    feedback: str


@dataclass(frozen=True)
class AnswerReport:
    sheet: str
    key: str
    digits: int
    answers: tuple[Answer, ...]

    @property
    def score(self) -> int:
        return sum(answer.status == "correct" for answer in self.answers)

    @property
    def max_score(self) -> int:
        return len(self.answers)

    def to_dict(self) -> dict:
        return {"score": self.score, "max_score": self.max_score, **asdict(self)}


# Questions -------------------------------------------------------------------------------


def questions(key: dict) -> list[Question]:
    """The questions of `key`, in the order of the lesson; key must be a checked key (read_key)."""
    network = key["network"]
    (W1, _b1), (W2, _b2) = network["params"]
    n_hidden, n_out = len(W1), len(W2)
    chosen = _chosen_entries(network)
    chain = _("chain rule: {quantity}")
    asked = [
        *(Question(f"a1[{j + 1}]", _("hidden activation {name}").format(name=f"a1[{j + 1}]"), ("hidden", 0, j))
          for j in range(n_hidden)),
        *(Question(f"y_hat[{j + 1}]", _("output {name}").format(name=f"y_hat[{j + 1}]"), ("output", 0, j))
          for j in range(n_out)),
        Question("L", _("loss {formula}").format(formula="L = 0.5 * sum((y_hat - y)**2)"), ("loss",)),
        *(Question(f"dL/db2[{j + 1}]", _("output delta: {name}").format(name=f"dL/db2[{j + 1}]"), ("grads", 1, 1, j))
          for j in range(n_out)),
        *(_weight_grad(2, j, k) for j, k in chosen[1]),
        *(Question(f"dL/db1[{j + 1}]", _("hidden delta: {name}").format(name=f"dL/db1[{j + 1}]"), ("grads", 0, 1, j))
          for j in range(n_hidden)),
        *(_weight_grad(1, j, k) for j, k in chosen[0]),
        *(_new_weight(layer + 1, j, k) for layer in (1, 0) for j, k in chosen[layer]),
        Question("f", chain.format(quantity="f(x; w, b)"), ("chain_rule", "f")),
        Question("df/dw", chain.format(quantity="df/dw"), ("chain_rule", "df_dw")),
        Question("df/db", chain.format(quantity="df/db"), ("chain_rule", "df_db")),
        Question("batches per epoch", _("batches in one epoch"), ("batches", "num_batches"), count=True),
        Question("iterations", _("parameter updates in all epochs"), ("batches", "num_iterations"), count=True),
    ]
    return asked


def _weight_grad(layer: int, j: int, k: int) -> Question:
    name = f"W{layer}[{j + 1},{k + 1}]"
    return Question(f"dL/d{name}", _("gradient {name}").format(name=f"dL/d{name}"), ("grads", layer - 1, 0, j, k))


def _new_weight(layer: int, j: int, k: int) -> Question:
    name = f"W{layer}[{j + 1},{k + 1}]"
    return Question(f"new {name}", _("{name} after one SGD step").format(name=name), ("params_after_step", layer - 1, 0, j, k))


def _chosen_entries(network: dict) -> list[list[tuple[int, int]]]:
    """Per layer, the (row, column) of the weights asked about: a pure function of the network."""
    digest = hashlib.sha256(json.dumps(network, sort_keys=True).encode("utf-8")).digest()
    rng = np.random.default_rng(list(np.frombuffer(digest, dtype=np.uint32)))
    chosen = []
    for W, _b in network["params"]:
        entries = [(j, k) for j in range(len(W)) for k in range(len(W[0]))]
        picks = rng.choice(len(entries), size=min(CHOSEN_WEIGHTS, len(entries)), replace=False)
        chosen.append(sorted(entries[int(i)] for i in picks))
    return chosen


def expected(key: dict, question: Question) -> float:
    value = key
    for step in question.path:
        value = value[step]
    return value


# The blank sheet -------------------------------------------------------------------------


def blank_sheet(key: dict, variant: str) -> dict:
    return {
        "sheet": SHEET,
        "variant": variant,
        "digits": DEFAULT_DIGITS,
        "instructions": _(
            "Work out each number by hand (a calculator is fine) and replace its null by it, to"
            " {digits} significant digits. Keep more digits in intermediate results."
            " Indices start at 1; W[j,k] is the weight from unit k of the layer below to unit j."
        ).format(digits=DEFAULT_DIGITS),
        "answers": [{"id": q.id, "what": q.what, "answer": None} for q in questions(key)],
    }


# Reading files ---------------------------------------------------------------------------


def read_key(path: str | Path) -> dict:
    """A key.json holding a one-sample, one-hidden-layer network and every figure asked; else KeyFileError."""
    key = _read_json(path, KeyFileError, N_("{path}: not an answer key: expected a JSON object"))
    try:
        x = key["network"]["x"]
        if len(x) != 1 or len(key["network"]["params"]) != 2:
            raise KeyFileError(_("{path}: hand-calculation sheets need one input sample and one hidden layer").format(path=path))
        asked = questions(key)
    except (KeyError, IndexError, TypeError, ValueError):
        raise KeyFileError(_("{path}: not an answer key (see reference/canonical-2-2-2.json)").format(path=path)) from None
    for question in asked:
        try:
            value = expected(key, question)
        except (KeyError, IndexError, TypeError):
            raise KeyFileError(
                _("{path}: not an answer key: no {where} (for {id})").format(path=path, where=_where(question.path), id=question.id)
            ) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise KeyFileError(_("{path}: {id} is {value}, not a number").format(path=path, id=question.id, value=repr(value)))
    return key


def _where(steps: tuple) -> str:
    """A key path as it reads: grads[1][0][0], chain_rule.df_dw."""
    head, *rest = steps
    return head + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in rest)


def read_sheet(path: str | Path, asked: list[Question]) -> dict[str, float | None]:
    """id -> the number given (None when blank) for every entry of a filled sheet."""
    sheet = _read_json(path, SubmissionError, N_("{path}: not an answer sheet: expected a JSON object"))
    entries = sheet.get("answers")
    if not isinstance(entries, list):
        raise SubmissionError(_("{path}: not an answer sheet: no \"answers\" list").format(path=path))
    known, given = {q.id for q in asked}, {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise SubmissionError(
                _("{path}, entry {number}: expected {{\"id\": ..., \"answer\": ...}}").format(path=path, number=number)
            )
        name = entry["id"]
        where = _("{path}, entry {id}").format(path=path, id=repr(name))
        if name not in known:
            raise SubmissionError(_("{where}: not a question of this key (a sheet of another variant?)").format(where=where))
        if name in given:
            raise SubmissionError(_("{where}: answered twice").format(where=where))
        given[name] = _number(entry.get("answer"), where)
    return given


def _number(answer, where: str) -> float | None:
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return None
    if isinstance(answer, str):
        try:
            answer = float(answer.strip())
        except ValueError:
            raise SubmissionError(_("{where}: {answer} is not a number").format(where=where, answer=repr(answer))) from None
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        raise SubmissionError(_("{where}: {answer} is not a number").format(where=where, answer=repr(answer)))
    return answer


def _read_json(path: str | Path, error: type, not_an_object: str) -> dict:
    """The JSON object at `path`; `not_an_object`: the message (marked, with {path}) when it is something else."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as problem:
        raise error(_("{path}: cannot be read: {reason}").format(path=path, reason=problem.strerror or problem)) from None
    except (UnicodeDecodeError, ValueError) as problem:
        raise error(_("{path}: not JSON: {error}").format(path=path, error=problem)) from None
    if not isinstance(data, dict):
        raise error(_(not_an_object).format(path=path))
    return data


# Grading ---------------------------------------------------------------------------------


def check_answers(sheet: str | Path, *, key: str | Path, digits: int = DEFAULT_DIGITS) -> AnswerReport:
    """Grade the filled-in sheet at `sheet` against the key at `key`."""
    if not 1 <= digits <= 15:
        raise UsageError(_("--digits must be between 1 and 15, got {digits}").format(digits=digits))
    figures = read_key(key)
    asked = questions(figures)
    given = read_sheet(sheet, asked)
    graded = tuple(_grade(q, given.get(q.id), expected(figures, q), digits) for q in asked)
    return AnswerReport(str(sheet), str(key), digits, graded)


def tolerance(value: float, digits: int) -> float:
    """One unit of the `digits`-th significant digit of `value`."""
    if value == 0:
        return ZERO_TOLERANCE
    return 10.0 ** (math.floor(math.log10(abs(value))) - digits + 1)


def _grade(question: Question, given: float | None, value: float, digits: int) -> Answer:
    def answer(status: str, feedback: str) -> Answer:
        return Answer(question.id, question.what, status, given, value, feedback)

    expect = _("expected {value}")
    if given is None:
        return answer("blank", expect.format(value=_show(value, digits, question.count)))
    if question.count:
        if given == value:
            return answer("correct", "")
        return answer("wrong", expect.format(value=int(value)) + _count_hint(question, given, value))
    unit = tolerance(value, digits)
    if abs(given - value) <= unit:
        return answer("correct", "")
    return answer("wrong", expect.format(value=_show(value, digits)) + _hint(given, value, unit, digits))


def _hint(given: float, value: float, unit: float, digits: int) -> str:
    """Why a number is off, when a classic slip explains it."""
    if abs(given + value) <= unit:
        return _(": the sign is wrong")
    for factor, words in ((2, N_(": twice too large")), (0.5, N_(": half what it should be"))):
        if abs(given - factor * value) <= factor * unit:
            return _(words)
    if abs(given - value) <= 10 * unit:
        return _(": close, but not to {digits} significant digits (round only at the end)").format(digits=digits)
    return ""


def _count_hint(question: Question, given: float, value: float) -> str:
    if question.path[-1] == "num_batches" and given == value - 1:
        return _(": the last, partial batch counts too")
    return ""


def _show(value: float, digits: int, count: bool = False) -> str:
    return str(int(value)) if count else f"{value:#.{digits}g}"


def render_text(report: AnswerReport) -> str:
    """One line per question, then the score."""
    shown = ["" if answer.given is None else f"{answer.given:.10g}" for answer in report.answers]
    width, given_width = max(len(answer.id) for answer in report.answers), max(map(len, shown))
    lines = [_("{sheet} against {key} ({digits} significant digits)").format(
        sheet=report.sheet, key=report.key, digits=report.digits)]
    marks = {"correct": pgettext("answer", "ok"), "wrong": pgettext("answer", "wrong"), "blank": pgettext("answer", "blank")}
    for answer, given in zip(report.answers, shown):
        status = pad(marks[answer.status], 5)
        lines.append(f"{answer.id:<{width}}  {status}  {given:<{given_width}}  {answer.feedback}".rstrip())
    counts = {status: sum(a.status == status for a in report.answers) for status in ("correct", "wrong", "blank")}
    lines.append(
        _("Score: {score}/{max_score} ({correct} correct, {wrong} wrong, {blank} blank)").format(
            score=report.score, max_score=report.max_score, correct=counts["correct"], wrong=counts["wrong"],
            blank=counts["blank"],
        )
    )
    return "\n".join(lines) + "\n"


def render_json(report: AnswerReport) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"
