"""The command line: parse, call the API, print, exit. No logic lives here."""

from __future__ import annotations

import sys

import click

from . import api
from .errors import GraderError

SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def parse_size(text: str) -> int:
    """'2G', '512M', '1073741824' -> bytes."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in SIZE_UNITS else ""
    try:
        return int(float(value[: len(value) - len(unit)]) * SIZE_UNITS[unit])
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a size such as 2G or 512M") from None


@click.group()
@click.version_option(api.grader_version(), prog_name="grader")
def main() -> None:
    """Grade back-propagation exercises (see README.md)."""


@main.command()
@click.argument("path")
@click.option("--format", "formats", multiple=True, type=click.Choice(["text", "json", "junit", "gradescope"]),
              help="Report format; repeat with --output for several reports from one run.  [default: text]")
@click.option("--output", "outputs", multiple=True, metavar="FILE",
              help="Write the report of the matching --format to FILE instead of standard output.")
@click.option("--seed", default=api.DEFAULT_SEED, show_default=True, help="Seed of the generated cases.")
@click.option("--examples", default=api.DEFAULT_EXAMPLES, show_default=True, help="Generated cases per exercise.")
@click.option("--only", multiple=True, metavar="NAME", help="Grade only this exercise or module (repeatable).")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds of student code per exercise (at most 60).")
@click.option("--memory", default="2G", show_default=True, help="Memory limit of the student's process.")
@click.option("--fail-under", type=float, default=None, metavar="SCORE",
              help="Exit 0 when the score reaches SCORE, even if some exercise failed.")
@click.option("--key", default=None, metavar="KEY.JSON",
              help="Grade against this answer key's network (from 'grader generate') instead of the 2-2-2 example.")
def check(path, formats, outputs, seed, examples, only, timeout, memory, fail_under, key) -> None:
    """Grade the submission at PATH: a folder, a notebook or a zip."""
    formats = formats or ("text",)
    if len(outputs) > len(formats) or len(formats) - len(outputs) > 1:
        raise click.UsageError("give one --output per --format (one format may go to standard output)")
    if not 0 < timeout <= 60:
        raise click.BadParameter(f"{timeout:g} is not between 0 and 60 seconds", param_hint="--timeout")
    try:
        report = api.check(
            path, only=only, seed=seed, examples=examples, timeout=timeout, memory=parse_size(memory), key=key
        )
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    from .reporters import reporter

    for index, name in enumerate(formats):
        text = reporter(name)(report)
        if index < len(outputs):
            api.write_atomically(outputs[index], text)
        else:
            click.echo(text, nl=False)
    passed = report.all_passed or (fail_under is not None and report.score >= fail_under)
    sys.exit(0 if passed else 1)


@main.command()
@click.option("--only", multiple=True, metavar="NAME", help="Check only this exercise or module (repeatable).")
@click.option("--seed", default=api.DEFAULT_SEED, show_default=True, help="Seed of the generated cases.")
@click.option("--examples", default=api.DEFAULT_EXAMPLES, show_default=True, help="Generated cases per exercise.")
def selfcheck(only, seed, examples) -> None:
    """Prove the checks: the reference passes, every known mutant is caught."""
    try:
        rows, text = api.selfcheck(only=only, seed=seed, examples=examples)
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    click.echo(text, nl=False)
    sys.exit(0 if all(row.as_expected for row in rows) else 1)


@main.command(name="list")
def list_exercises() -> None:
    """List the exercises and their points."""
    try:
        table = api.exercise_table()
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    width = max(len(name) for name, _ in table)
    for name, points in table:
        click.echo(f"{name:<{width}}  {points:>3g}")
    click.echo(f"{'total':<{width}}  {sum(p for _, p in table):>3g}")
