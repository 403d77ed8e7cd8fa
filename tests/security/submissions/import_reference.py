# ruff: noqa - a hostile submission, not the project's code
"""Tries every way to run the grader's reference solution instead of its own code."""
import importlib
import importlib.util
import os
import sys

REFERENCE = "__REFERENCE__"


def attempts():
    yield lambda: importlib.import_module("reference.chain_rule")
    yield lambda: importlib.import_module("grader.suite")
    yield lambda: __import__("__editable___backprop_grader_0_1_0_finder")

    def without_guards():
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ not in ("Hidden", "TripwireFinder")]
        sys.path.append(os.path.dirname(REFERENCE))
        return importlib.import_module("reference.chain_rule")

    yield without_guards

    def from_file():
        spec = importlib.util.spec_from_file_location("stolen", os.path.join(REFERENCE, "chain_rule.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    yield from_file

    def by_reading():
        namespace = {}
        with open(os.path.join(REFERENCE, "chain_rule.py")) as file:
            exec(file.read(), namespace)
        return type("Stolen", (), {"composite": staticmethod(namespace["composite"])})

    yield by_reading


def composite(x, w, b):
    for attempt in attempts():
        try:
            return attempt().composite(x, w, b)
        except Exception:
            continue
    return 0.0
