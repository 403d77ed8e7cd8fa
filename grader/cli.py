"""The command line: parse, call the API, print, exit. No logic lives here."""

from __future__ import annotations

import os
import sys

import click

from . import api
from .errors import GraderError
from .i18n import LANGUAGES, _, default_language, using

SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
SANDBOX_LEVELS = ("none", "process", "strict")  # isolation.LEVELS, without importing it for --help


def language(what: str):
    """--lang en|zh: the language of `what`; by default the locale's (LC_ALL, LC_MESSAGES, LANG)."""
    return click.option(
        "--lang", type=click.Choice(LANGUAGES), default=None,
        help=f"Language of {what}: en or zh (Simplified Chinese).  [default: from the locale]",
    )


def lang_option(command):
    """--lang for what the student reads."""
    return language("the feedback")(command)


def sandbox_option(help_text: str):
    """--sandbox none|process|strict, the same default for every command that runs student code."""
    return click.option("--sandbox", default="process", show_default=True, type=click.Choice(SANDBOX_LEVELS),
                        help=help_text)


def run_options(whose: str):
    """--seed, --examples, --only, --timeout and --memory: how each submission is run, alike in check and
    grade (`whose`: the process the memory limit is of, in the help)."""
    options = [
        click.option("--seed", default=api.DEFAULT_SEED, show_default=True, help="Seed of the generated cases."),
        click.option("--examples", default=api.DEFAULT_EXAMPLES, show_default=True, help="Generated cases per exercise."),
        click.option("--only", multiple=True, metavar="NAME", help="Grade only this exercise or module (repeatable)."),
        click.option("--timeout", default=10.0, show_default=True,
                     help="Seconds of student code per exercise (at most 60)."),
        click.option("--memory", default="1G", show_default=True, metavar="SIZE", help=f"Memory limit of {whose}."),
    ]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def parse_size(text: str) -> int:
    """'2G', '512M', '1073741824' -> bytes; the errors name --memory, the one option that takes a size."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in SIZE_UNITS else ""
    try:
        size = int(float(value[: len(value) - len(unit)]) * SIZE_UNITS[unit])
    except (ValueError, OverflowError):  # OverflowError: 'inf'
        raise click.BadParameter(f"{text!r} is not a size such as 2G or 512M", param_hint="'--memory'") from None
    if size <= 0:
        raise click.BadParameter(f"{text!r} is not more than 0", param_hint="'--memory'")
    return size


class Grader(click.Group):
    """Usage errors in one line on stderr, exit 2, as for every other error of ours."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.ClickException as error:
            hint = f" (try 'grader {error.ctx.info_name} --help')" if getattr(error, "ctx", None) and error.ctx.parent else ""
            click.echo(f"grader: {error.format_message()}{hint}", err=True)
            sys.exit(2 if isinstance(error, click.UsageError) else error.exit_code)
        except click.Abort:
            click.echo("grader: aborted", err=True)
            sys.exit(1)


@click.group(cls=Grader)
@click.version_option(api.grader_version(), prog_name="grader")
def main() -> None:
    """Grade back-propagation exercises (see README.md)."""


@main.command()
@click.argument("path")
@click.option("--format", "formats", multiple=True, type=click.Choice(["text", "json", "junit", "gradescope", "html"]),
              help="Report format; repeat with --output for several reports from one run.  [default: text]")
@click.option("--output", "outputs", multiple=True, metavar="FILE",
              help="Write the report of the matching --format to FILE instead of standard output.")
@run_options("the student's process")
@click.option("--fail-under", type=float, default=None, metavar="SCORE",
              help="Exit 0 when the score reaches SCORE, even if some exercise failed.")
@click.option("--key", default=None, metavar="KEY.JSON",
              help="Grade against this answer key's network (from 'grader generate') instead of the 2-2-2 example.")
@sandbox_option("Isolation of the student's code: strict needs bubblewrap; none is for debugging your own code.")
@lang_option
def check(path, formats, outputs, seed, examples, only, timeout, memory, fail_under, key, sandbox, lang) -> None:
    """Grade the submission at PATH: a folder, a notebook or a zip."""
    with using(lang or default_language()) as language:
        check_in(path, formats, outputs, seed, examples, only, timeout, memory, fail_under, key, sandbox, language)


def check_in(path, formats, outputs, seed, examples, only, timeout, memory, fail_under, key, sandbox, lang) -> None:
    """`check`, its messages in `lang`."""
    formats = formats or ("text",)
    if len(outputs) > len(formats) or len(formats) - len(outputs) > 1:
        raise click.UsageError(_("give one --output per --format (one format may go to standard output)"))
    if not 0 < timeout <= 60:
        raise click.UsageError(
            _("--timeout must be more than 0 and at most 60 seconds, got {timeout:g}").format(timeout=timeout)
        )
    for output in outputs:  # before grading, not after
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise click.UsageError(_("--output {file}: no folder {folder}").format(file=output, folder=folder))
    try:
        report = api.check(
            path, only=only, seed=seed, examples=examples, timeout=timeout, memory=parse_size(memory), key=key,
            sandbox=sandbox, lang=lang,
        )
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    from .reporters import reporter

    for index, name in enumerate(formats):
        to_terminal = index >= len(outputs) and name == "text" and "NO_COLOR" not in os.environ
        text = reporter(name)(report, color=True) if to_terminal else reporter(name)(report)
        if index < len(outputs):
            try:
                api.write_atomically(outputs[index], text)
            except OSError as error:
                problem = _("{file}: cannot write the report ({reason})").format(
                    file=outputs[index], reason=error.strerror or error
                )
                click.echo(f"grader: {problem}", err=True)
                sys.exit(2)
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


@main.command()
def doctor() -> None:
    """Say which sandbox layers work on this machine, and why the others do not."""
    from .isolation import doctor as sandbox_doctor

    try:
        click.echo(sandbox_doctor(), nl=False)
    except GraderError as error:
        fail(error)


@main.command(name="list")
def list_exercises() -> None:
    """List the exercises and their points."""
    try:
        table = api.exercise_table()
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    width = max(len(name) for name, _points in table)
    for name, points in table:
        click.echo(f"{name:<{width}}  {points:>3g}")
    click.echo(f"{'total':<{width}}  {sum(p for _name, p in table):>3g}")


def fail(error: GraderError) -> None:
    click.echo(f"grader: {error}", err=True)
    sys.exit(error.exit_code)


@main.command()
@click.option("--seed", type=int, required=True, help="Seed of the draw: the same seed and students give the same files.")
@click.option("--count", type=int, default=None, metavar="N", help="N students, named student-001, student-002, ...")
@click.option("--roster", default=None, metavar="ROSTER.CSV", help="A CSV of students: its 'student' column, else its first.")
@click.option("--out", required=True, metavar="DIR", help="Folder to write one variant folder per student and roster.csv into.")
@click.option("--sizes", default="2-2-2:3-4-3", show_default=True, metavar="SMALLEST:LARGEST",
              help="Layer sizes IN-HIDDEN-OUT, each drawn between SMALLEST and LARGEST (or one size for all).")
@click.option("--activation", "activations", multiple=True, type=click.Choice(["sigmoid", "tanh", "relu"]),
              help="Activation to draw from (repeatable).  [default: sigmoid]")
def generate(seed, count, roster, out, sizes, activations) -> None:
    """Write a problem set: one variant per student, with its notebook, answer sheet and key."""
    from . import problem_set, variants
    from . import roster as roster_file

    if (count is None) == (roster is None):
        raise click.UsageError("give either --count N or --roster ROSTER.CSV")
    try:
        smallest, largest = variants.parse_sizes(sizes)
        bounds = variants.Bounds(smallest, largest, variants.check_activations(activations or ("sigmoid",)))
        students = problem_set.count_students(count) if roster is None else roster_file.read_students(roster)
        written = problem_set.generate(seed=seed, students=students, out=out, bounds=bounds)
    except GraderError as error:
        fail(error)
    click.echo(f"wrote {len(students)} variant{'s' * (len(students) != 1)} to {out} (roster: {written[-1]})")


@main.command(name="check-answers")
@click.argument("sheet")
@click.option("--key", required=True, metavar="KEY.JSON", help="The variant's answer key.")
@click.option("--digits", default=4, show_default=True, help="Significant digits an answer must agree to.")
@click.option("--format", "format_", default="text", type=click.Choice(["text", "json"]), show_default=True)
@lang_option
def check_answers(sheet, key, digits, format_, lang) -> None:
    """Grade a filled-in hand-calculation sheet (answers.json) against its key."""
    from . import answers

    with using(lang or default_language()):
        try:
            report = answers.check_answers(sheet, key=key, digits=digits)
        except GraderError as error:
            fail(error)
        click.echo((answers.render_json if format_ == "json" else answers.render_text)(report), nl=False)
    sys.exit(0 if report.score == report.max_score else 1)


@main.command()
@click.argument("source")
@click.option("--out", required=True, metavar="DIR", help="Where the student version goes (a folder, or a file for a file).")
def release(source, out) -> None:
    """Cut the solutions (### BEGIN/END SOLUTION) out of a .py, a notebook or a folder of them."""
    from pathlib import Path

    from .release import release_path

    try:
        written = release_path(Path(source), Path(out))
    except GraderError as error:
        fail(error)
    for path in written:
        click.echo(str(path))


@main.command()
@click.argument("submissions")
@click.option("--out", required=True, metavar="DIR", help="Folder for grades.csv, reports/ and summary.html.")
@click.option("--jobs", type=int, default=None, metavar="N", help="Submissions graded at once.  [default: the cores]")
@click.option("--roster", default=None, metavar="ROSTER.CSV",
              help="The students: columns student, and optionally submission and key (or variant).")
@run_options("each student's process")
@click.option("--key", default=None, metavar="KEY.JSON", help="Answer key of every student the roster gives none.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Grade on the workers of this Dask scheduler instead of local processes.")
@sandbox_option("Isolation of each student's code: strict needs bubblewrap; none runs it unconfined, as you.")
@language("the reports and the class summary")
def grade(submissions, out, jobs, roster, seed, examples, only, timeout, memory, key, scheduler, sandbox, lang) -> None:
    """Grade every submission in SUBMISSIONS (folders, notebooks, zips, named by student) into --out.

    The settings (--seed, --examples, --only, --timeout, --memory, --key, --sandbox, --lang) are part of
    what a rerun compares: a rerun with other settings grades every submission again.
    """
    from . import batch

    size = parse_size(memory)  # a bad size before anything is read
    show = BatchProgress(sys.stderr.isatty())
    try:
        result = batch.grade_batch(
            submissions, out=out, jobs=jobs, roster=roster, seed=seed, examples=examples, only=only,
            timeout=timeout, memory=size, key=key, scheduler=scheduler, progress=show, sandbox=sandbox,
            lang=lang or default_language(),
        )
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    finally:
        show.close()
    if result.ignored:
        names = ", ".join(result.ignored)
        click.echo(f"grader: ignored (not a folder, .zip, .ipynb or .py): {names}", err=True)
    if result.unlisted:
        click.echo(f"grader: not on the roster, not graded: {', '.join(result.unlisted)}", err=True)
    click.echo(batch_summary(result, out))
    sys.exit(1 if any(g.status == "grader_error" for g in result.grades) else 0)


class BatchProgress:
    """A progress line rewritten in place on a terminal; one plain line per submission otherwise."""

    def __init__(self, terminal: bool):
        import time

        self.terminal, self.width, self.started = terminal, 0, time.monotonic()

    def __call__(self, progress) -> None:
        grade = progress.grade
        if grade.status == "graded":
            what = f"{grade.score:g}/{grade.max_score:g}"
        else:
            what = f"{grade.status.replace('_', ' ')} ({grade.message})"
        line = f"[{progress.done}/{progress.total}] {grade.student}: {what}"
        if self.terminal:
            import shutil
            import time

            filled = 20 * progress.done // progress.total
            left = (time.monotonic() - self.started) / progress.done * (progress.total - progress.done)
            bar = f"{'#' * filled}{'-' * (20 - filled)} {left // 60:.0f}:{left % 60:02.0f} left "
            line = (bar + line)[: shutil.get_terminal_size().columns - 1]
            click.echo("\r" + line.ljust(self.width), nl=False, err=True)
            self.width = len(line)
        else:
            click.echo(line, err=True)

    def close(self) -> None:
        if self.terminal and self.width:
            click.echo(err=True)


def batch_summary(result, out: str) -> str:
    import os

    statuses = [g.status for g in result.grades]
    problems = ("unreadable", "no_submission", "grader_error")
    counts = [f"{statuses.count(s)} {s.replace('_', ' ')}" for s in problems if s in statuses]
    lines = [f"graded {len(result.graded)}, kept {len(result.kept)} from an earlier run"
             + (f" ({', '.join(counts)})" if counts else ""),
             f"grades: {os.path.join(out, 'grades.csv')}", f"summary: {os.path.join(out, 'summary.html')}"]
    return "\n".join(lines)


@main.group()
def ci() -> None:
    """Continuous integration for a coursework repository."""


@ci.command(name="init")
@click.argument("kind", type=click.Choice(["github", "gitlab"]))
@click.option("--out", default=None, metavar="PATH",
              help="Where to write the workflow.  [default: .github/workflows/grader.yml, .gitlab-ci.yml]")
@click.option("--fail-under", type=float, default=None, metavar="SCORE",
              help="Pass when the score reaches SCORE.  [default: every exercise must pass]")
@click.option("--from", "source", default=None, metavar="SPEC",
              help="What pip installs the grader from.  [default: backprop-grader==this version]")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def ci_init(kind, out, fail_under, source, force) -> None:
    """Write a CI workflow that grades exercises/ on every push."""
    from . import templates

    try:
        path = templates.write_workflow(kind, out=out, fail_under=fail_under, source=source, force=force)
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    click.echo(f"wrote {path}")


@main.group()
def gradescope() -> None:
    """Gradescope's autograder."""


@gradescope.command(name="bundle")
@click.option("--out", required=True, metavar="FILE", help="The autograder zip to write.")
@click.option("--from", "source", default=None, metavar="SPEC",
              help="A pip requirement, or a wheel or sdist to ship in the zip.  [default: this version from PyPI]")
@click.option("--only", multiple=True, metavar="NAME", help="Grade only this exercise or module (repeatable).")
def gradescope_bundle(out, source, only) -> None:
    """Write a Gradescope autograder zip (setup.sh, run_autograder) that installs and runs this grader."""
    from . import bundle

    try:
        path = bundle.write_bundle(out, source=source, only=only)
    except GraderError as error:
        click.echo(f"grader: {error}", err=True)
        sys.exit(error.exit_code)
    click.echo(f"wrote {path}: upload it as the assignment's autograder (configuration: zip file upload)")
