"""Remembered shrinks: a failure that a class shares is shrunk by Hypothesis once.

Hypothesis's search for the smallest failing case is deterministic: with the
grader's fixed seed, the case it tries next depends only on whether the cases
before it passed or failed. Students who make the same mistake fail the same
cases, so their shrinks try the same cases in the same order and end on the
same smallest case. A `Tree` (one per exercise, seed and number of examples,
kept for the life of the process) remembers every case a shrink tried, its
expected result, and where each outcome led. `Tree.walk` calls the student's
function on those cases in that order, without Hypothesis, for as long as the
student's outcomes follow a road some earlier shrink took; where they leave
it, the caller runs Hypothesis and `Tree.record`s the road it took. The
smallest case is the one Hypothesis gives either way; what the tree saves is
the search's own cost (drawing, bookkeeping: 100-300 ms a shrink, most of
what a buggy submission costs to grade).

A student's function that answers differently to the same call over time
could tell the two apart; such a function gets a shrink that is still a
failing case of its own, only perhaps not the one a fresh process finds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .suite import Case, Exercise
from .wire import encode

MAX_NODES = 20_000  # in all the trees of a process: about 40 a shrink, 1-2 KB each (30 MB at most)
_nodes = [0]  # how many there are


@dataclass
class Node:
    """A case a shrink tried, and what came after it for each outcome (True: it failed)."""

    case: Case
    expected: object
    key: str  # the case as the worker receives it: the same case drawn twice has the same key
    after: dict[bool, Node | None] = field(default_factory=dict)  # None: the shrink ended there


class Tree:
    """Every road the shrinks of one exercise took, as a tree of the cases they tried."""

    def __init__(self) -> None:
        self.root: Node | None = None
        self.size = 0

    def walk(self, attempt: Callable[[Case, object], tuple[object, bool]]) -> list | None:
        """The failing trials of a known road, in order, or None where the student's outcomes leave the tree.

        `attempt(case, expected)` runs one case and returns (trial, failed);
        it raises to stop the shrink (the code is missing, forbidden or out of
        time), as it would inside Hypothesis.
        """
        node, failures = self.root, []
        while node is not None:
            trial, failed = attempt(node.case, node.expected)
            if failed:
                failures.append(trial)
            if failed not in node.after:
                return None
            node = node.after[failed]
        return failures if self.root is not None else None

    def record(self, road: list[tuple[Case, object, bool]]) -> None:
        """Adds the road of a whole Hypothesis shrink: each case tried, its expected result, whether it failed."""
        if not road or _nodes[0] + len(road) > MAX_NODES:
            return
        edge: tuple[Node, bool] | None = None
        for case, expected, failed in road:
            node = self.root if edge is None else edge[0].after.get(edge[1])
            key = case_key(case)
            if node is None:
                node = Node(case, expected, key)
                self.size += 1
                _nodes[0] += 1
                if edge is None:
                    self.root = node
                else:
                    edge[0].after[edge[1]] = node
            elif node.key != key:
                return  # not the road the tree knows (cannot happen while Hypothesis is deterministic): keep the tree
            edge = (node, failed)
        edge[0].after.setdefault(edge[1], None)


def case_key(case: Case) -> str:
    return json.dumps([encode(list(case.args)), encode(case.kwargs)])


@lru_cache(maxsize=256)
def tree_for(exercise: Exercise, seed_value: int, examples: int) -> Tree:
    """The process's tree for one exercise's shrinks (the seed and the number of examples fix the search)."""
    return Tree()
