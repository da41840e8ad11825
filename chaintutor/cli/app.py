"""The command line: parse flags, call the core, pick a renderer. Nothing else.

SymPy is imported inside the command bodies only, so ``chaintutor --help`` stays instant.
"""

from __future__ import annotations

import copy
import gc
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from chaintutor import __version__
from chaintutor.errors import InputError


class _FriendlyErrors(TyperGroup):
    """Every failure inside a command becomes a short message and exit code 2, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            if _state["debug"]:
                raise
            if getattr(error, "stuck", False):  # past the deadline, work that cannot be stopped
                sys.stderr.write(error.render() + "\n")
                sys.stderr.flush()
                os._exit(2)
            _fail(error.render())
        except (RecursionError, MemoryError) as error:
            if _state["debug"]:
                raise
            _fail(f"error: the problem is too large to handle ({type(error).__name__})")
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as error:  # usage errors: Typer's own message and exit 2
            if _is_unknown_short_option(error):  # "No such option: -x": perhaps a minus sign
                error.message += f"\n{MINUS_HINT}"
            raise
        except Exception as error:
            if _state["debug"]:
                raise
            _fail(
                f"error: internal error ({type(error).__name__}: {error}); rerun with --debug and report it"
            )


MINUS_HINT = 'A problem or answer that starts with a minus sign goes after --: chaintutor derive -- "-x**2"'


def _is_unknown_short_option(error: Exception) -> bool:
    name = getattr(error, "option_name", None)  # only Click's NoSuchOption has "possibilities"
    return hasattr(error, "possibilities") and isinstance(name, str) and not name.startswith("--")


class _MathArguments(TyperCommand):
    """A command whose arguments are mathematics: ``-x**2`` or ``-sin(x)`` is an argument.

    Options are taken out first (known short options exactly, every ``--name``), and the rest
    is passed after ``--``: so an argument that starts with a minus sign is never read as an
    option (nor as ``-h`` because it holds an h), and a mistyped ``--fromat`` is an unknown
    option, never taken for an answer.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.resilient_parsing:  # shell completion: leave the words as typed
            return super().parse_args(ctx, args)
        return super().parse_args(ctx, options_first(args, self.get_params(ctx)))


def options_first(args: list[str], params: list[Any]) -> list[str]:
    """``args`` with the options (and their values) first, then ``--`` and the arguments.

    >>> options_first(["-x**2", "--format=json", "--", "-y"], [])
    ['--format=json', '--', '-x**2', '-y']
    """
    takes_value = {
        name: not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        for param in params
        if getattr(param, "param_type_name", "") == "option"
        for name in [*param.opts, *param.secondary_opts]
    }
    options: list[str] = []
    arguments: list[str] = []
    position = 0
    while position < len(args):
        word = args[position]
        position += 1
        if word == "--":
            arguments.extend(args[position:])
            break
        name = word.split("=", 1)[0] if word.startswith("--") else word
        if name in takes_value or word.startswith("--"):
            options.append(word)
            if takes_value.get(name) and "=" not in word and position < len(args):
                options.append(args[position])  # the option's value, whatever it looks like
                position += 1
        else:
            arguments.append(word)
    return [*options, "--", *arguments] if arguments else options


EPILOG = """\b
Exit codes:
  0  done (check: the answer is right)
  1  check: the answer is wrong
  2  the input or the usage is wrong, or a resource limit was hit

\b
Environment variables:
  CHAINTUTOR_DB     the progress database (default: your data folder)
  CHAINTUTOR_DEBUG  set (to 1) to show tracebacks, like --debug
  CHAINTUTOR_ASCII  set (to 1) for ASCII-only text (u1, x^2, sqrt(x)), like --ascii

\b
A problem that starts with a minus sign goes after --: chaintutor derive -- "-x**2".
Each command has its own help: chaintutor derive -h."""

app = typer.Typer(
    cls=_FriendlyErrors,
    name="chaintutor",
    help="A tutor for the chain rule: every step, every path, checked against sympy.diff.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state = {"debug": bool(os.environ.get("CHAINTUTOR_DEBUG"))}


class DeriveFormat(StrEnum):
    auto = "auto"
    rich = "rich"
    text = "text"
    markdown = "markdown"
    latex = "latex"
    json = "json"


class GraphFormat(StrEnum):
    text = "text"
    dot = "dot"
    mermaid = "mermaid"
    json = "json"


class ListFormat(StrEnum):
    text = "text"
    json = "json"


class ViewOption(StrEnum):
    auto = "auto"
    paths = "paths"


class GranularityOption(StrEnum):
    compositions = "compositions"
    fine = "fine"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chaintutor {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks (for bug reports).")] = False,
) -> None:
    _state["debug"] = _state["debug"] or debug


ProblemArgument = Annotated[
    str,
    typer.Argument(
        metavar="PROBLEM",
        help='An expression ("ln(sin(x**3)**2)") or a system ("y = u^2 + v; u = x*z; v = sin(x)").',
        show_default=False,
    ),
]
GranularityArgument = Annotated[
    GranularityOption,
    typer.Option(help="compositions: one name per nested layer; fine: one per operation."),
]
OutputOption = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.")
]


TimeLimitOption = Annotated[
    float,
    typer.Option(
        "--time-limit",
        metavar="SECONDS",
        help="Give up (exit 2) after this many seconds, whatever the phase.",
    ),
]
DEFAULT_TIME_LIMIT = 8.0  # with start-up and the interruption's grace, a run ends within 10 s

WidthOption = Annotated[
    int | None,
    typer.Option(
        "--width",
        min=20,
        metavar="COLUMNS",
        help="Break long formulas to fit this many columns (text and rich). Default: the terminal's "
        "width on a terminal; piped or with -o, text is not wrapped (one formula per line, for scripts).",
    ),
]
AsciiOption = Annotated[
    bool,
    typer.Option(
        "--ascii",
        envvar="CHAINTUTOR_ASCII",
        help="ASCII only (u1, x^2, sqrt(x), e^x, theta), for a terminal without Unicode; "
        "or set CHAINTUTOR_ASCII=1.",
    ),
]


def _examples(*lines: str) -> str:
    """A help epilog: the examples as typed, never rewrapped."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


@app.command(
    cls=_MathArguments,
    short_help="Derive PROBLEM step by step, checked against sympy.diff.",
    epilog=_examples(
        'chaintutor derive "ln(sin(x**3)**2)"',
        'chaintutor derive "y = u^2 + v; u = x*z; v = sin(x)" --wrt x --at x=1,z=2',
        'chaintutor derive "sin(x)^2" --format latex --standalone -o steps.tex',
        'chaintutor derive -- "-x**2"',
    ),
)
def derive(
    problem: ProblemArgument,
    wrt: Annotated[
        str | None, typer.Option(help="Variables to differentiate by, comma-separated (default: every leaf).")
    ] = None,
    output_format: Annotated[
        DeriveFormat, typer.Option("--format", help="auto: rich on a terminal, text otherwise.")
    ] = DeriveFormat.auto,
    granularity: GranularityArgument = GranularityOption.compositions,
    max_paths: Annotated[
        int, typer.Option(min=0, help="List at most this many paths per variable (all are counted).")
    ] = 32,
    at: Annotated[
        str | None, typer.Option(help="Also evaluate at a point: x=0.5,z=2 (forward and backward pass).")
    ] = None,
    output_file: OutputOption = None,
    standalone: Annotated[
        bool, typer.Option("--standalone", help="With --format latex: a whole document.")
    ] = False,
    outputs: Annotated[
        str | None,
        typer.Option(help="Several outputs of a system, comma-separated: their Jacobian, layer by layer."),
    ] = None,
    view: Annotated[
        ViewOption,
        typer.Option(
            help="auto: one variable reached along several paths is taught layer by layer with the "
            "product and quotient rules, in d/dx; paths: always as the sum over the paths (∂, Σ)."
        ),
    ] = ViewOption.auto,
    time_limit: TimeLimitOption = DEFAULT_TIME_LIMIT,
    line_width: WidthOption = None,
    ascii: AsciiOption = False,
) -> None:
    """Derive PROBLEM step by step and check the result against sympy.diff."""
    if standalone and output_format is not DeriveFormat.latex:
        raise InputError("--standalone goes with --format latex")
    _check_text_options(output_format.value, line_width, ascii)
    from chaintutor.core.deadline import time_limit as deadline

    with deadline(time_limit):
        options = (granularity, max_paths, at, output_file, standalone, outputs, view, (line_width, ascii))
        _derive_command(problem, wrt, output_format, *options)


def _check_text_options(output_format: str, line_width: int | None, ascii: bool) -> None:
    """--width and --ascii shape text for people: not Markdown, LaTeX or JSON."""
    if output_format not in ("auto", "rich", "text"):
        for given, option in ((line_width is not None, "--width"), (ascii, "--ascii")):
            if given:
                raise InputError(f"{option} goes with --format text or rich")


def _text_width(line_width: int | None, output_file: Path | None) -> int | None:
    """The columns text is wrapped to: as asked, else the terminal's, else none (piped, a file)."""
    if line_width is not None or output_file is not None or not sys.stdout.isatty():
        return line_width
    import shutil

    return shutil.get_terminal_size().columns


def _derive_command(
    problem: str,
    wrt: str | None,
    output_format: DeriveFormat,
    granularity: GranularityOption,
    max_paths: int,
    at: str | None,
    output_file: Path | None,
    standalone: bool,
    outputs: str | None,
    view: ViewOption,
    shape: tuple[int | None, bool] = (None, False),
) -> None:
    """``shape``: the text's width (None: unwrapped) and whether it is ASCII only."""
    from chaintutor.core.deadline import phase
    from chaintutor.core.stack import run_with_big_stack
    from chaintutor.render.formats import document_of, render

    subject = _derive_subject(problem, wrt, granularity.value, max_paths, at, outputs)
    chosen = output_format
    if chosen is DeriveFormat.auto:
        chosen = DeriveFormat.rich if output_file is None and sys.stdout.isatty() else DeriveFormat.text
    if chosen is DeriveFormat.rich and output_file is None:
        from rich.console import Console

        from chaintutor.render.terminal import print_document

        with phase("render"):
            document = run_with_big_stack(document_of, subject, view.value)
            run_with_big_stack(print_document, document, Console(highlight=False, width=shape[0]), shape[1])
        _exit_if_unverified(subject)
        return
    text_format = "text" if chosen is DeriveFormat.rich else chosen.value
    with phase("render"):
        if text_format == "text":
            from chaintutor.render import text as plain_text

            document = run_with_big_stack(document_of, subject, view.value)
            width = _text_width(shape[0], output_file)
            text = run_with_big_stack(plain_text.render_document, document, width, shape[1])
        else:
            text = run_with_big_stack(render, subject, text_format, standalone, view.value)
    _emit(text, output_file)
    _exit_if_unverified(subject)


def _exit_if_unverified(subject: Any) -> None:
    """Exit code 1, with the reason on stderr, when a result does not agree with sympy.diff."""
    failed = {name: check for name, check in getattr(subject, "verification", {}).items() if not check.ok}
    if failed:
        for name, check in failed.items():
            sys.stderr.write(f"error: the derivative by {name} could not be verified: {check.detail}\n")
        raise typer.Exit(1)


def _derive_subject(
    problem: str, wrt: str | None, granularity: str, max_paths: int, at: str | None, outputs: str | None
) -> Any:
    """A Derivation, or a Jacobian when several outputs are named, or a vector derivation."""
    from chaintutor.parse.vectors import is_vector_problem

    if is_vector_problem(problem):
        return _vector_subject(problem, wrt, at, outputs)
    if outputs is not None:
        from chaintutor.core.jacobian import derive_jacobian

        return derive_jacobian(problem, outputs, wrt, granularity=granularity, max_paths=max_paths, at=at)
    from chaintutor.core.derive import derive as derive_problem

    return derive_problem(problem, wrt, granularity=granularity, max_paths=max_paths, at=at)


def _derive_only(problem: str, command: str) -> None:
    """Vector problems are taught by derive; other commands say so rather than trip on '∈'."""
    from chaintutor.parse.vectors import is_vector_problem

    if is_vector_problem(problem):
        raise InputError(
            f"{command} does not take vector problems yet (declarations such as 'w, x ∈ R^n')",
            hint=f'chaintutor derive "{problem}" teaches it with the vector chain rule',
        )


def _vector_subject(problem: str, wrt: str | None, at: str | None, outputs: str | None) -> Any:
    """The vector chain rule (declarations such as 'w, x ∈ R^n'), verified by instantiation."""
    if outputs is not None:
        raise InputError("--outputs is not available for vector problems: a vector output is one already")
    from chaintutor.core.vectorderive import derive_verified

    names = [name.strip() for name in wrt.split(",") if name.strip()] if wrt else None
    return derive_verified(problem, names, at)


@app.command(
    cls=_MathArguments,
    short_help="Print the dependency diagram of PROBLEM alone.",
    epilog=_examples(
        'chaintutor graph "y = u^2 + v; u = x*z; v = sin(x)"',
        'chaintutor graph "ln(sin(x**3)**2)" --format dot -o graph.dot',
    ),
)
def graph(
    problem: ProblemArgument,
    output_format: Annotated[
        GraphFormat, typer.Option("--format", help="text: a tree; dot and mermaid draw the graph.")
    ] = GraphFormat.text,
    granularity: GranularityArgument = GranularityOption.compositions,
    output_file: OutputOption = None,
    time_limit: TimeLimitOption = DEFAULT_TIME_LIMIT,
) -> None:
    """Print the dependency diagram of PROBLEM alone: the tree (text), or the graph in DOT,
    Mermaid or JSON."""
    from chaintutor.core.deadline import time_limit as deadline
    from chaintutor.core.graph import Granularity, build_graph
    from chaintutor.core.problem import read_problem
    from chaintutor.core.stack import run_with_big_stack

    _derive_only(problem, "graph")

    def read() -> Any:
        return build_graph(read_problem(problem), Granularity(granularity.value))

    with deadline(time_limit):
        dependencies = run_with_big_stack(read)
    if output_format is GraphFormat.json:
        from chaintutor.render.jsondoc import graph_to_dict

        _emit(_json(graph_to_dict(dependencies, problem)), output_file)
        return
    from chaintutor.render.diagrams import dot, mermaid
    from chaintutor.render.steps import dependency_tree
    from chaintutor.render.text import tree_lines

    tree = dependency_tree(dependencies)
    if output_format is GraphFormat.dot:
        _emit(dot(tree), output_file)
    elif output_format is GraphFormat.mermaid:
        _emit(mermaid(tree), output_file)
    else:
        _emit("\n".join(tree_lines(tree)) + "\n", output_file)


class CheckFormat(StrEnum):
    text = "text"
    json = "json"


# _MathArguments: an answer such as "-3*x**2*sin(x**3)" is an argument, not an option.
@app.command(
    cls=_MathArguments,
    short_help="Check ANSWER as the derivative of PROBLEM: exit 0 if right, 1 if wrong.",
    epilog=_examples(
        'chaintutor check "sin(x**3)" "3x^2 cos(x^3)"',
        'chaintutor check "y = u^2 + v; u = x*z; v = sin(x)" "2*u*z + cos(x)" --wrt x --format json',
    ),
)
def check(
    problem: ProblemArgument,
    answer: Annotated[
        str,
        typer.Argument(
            metavar="ANSWER",
            help='Your derivative, in the same language ("3x^2 cos(x^3)").',
            show_default=False,
        ),
    ],
    wrt: Annotated[
        str | None, typer.Option(help="The variable ANSWER differentiates by, if several.")
    ] = None,
    output_format: Annotated[CheckFormat, typer.Option("--format")] = CheckFormat.text,
    output_file: OutputOption = None,
    time_limit: TimeLimitOption = DEFAULT_TIME_LIMIT,
    line_width: WidthOption = None,
    ascii: AsciiOption = False,
) -> None:
    """Check ANSWER as the derivative of PROBLEM: exit 0 if right, 1 if wrong, with the likely
    mistake."""
    from chaintutor.core.deadline import phase
    from chaintutor.core.deadline import time_limit as deadline
    from chaintutor.grade.check import check as check_answer
    from chaintutor.render.check import check_text
    from chaintutor.render.text import wrap_text

    _check_text_options(output_format.value, line_width, ascii)
    _derive_only(problem, "check")
    with deadline(time_limit):
        result = check_answer(problem, answer, wrt)
        with phase("render"):
            if output_format is CheckFormat.json:
                text = _json(result.to_dict())
            else:
                text = wrap_text(check_text(result), _text_width(line_width, output_file), ascii)
    _emit(text, output_file)
    if not result.correct:
        raise typer.Exit(1)


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The progress database (default: $CHAINTUTOR_DB, else your data folder)."),
]


@app.command(
    short_help="Practise in the terminal: answer, see the mistake, try again.",
    epilog=_examples(
        "chaintutor practice --set single-chains",
        "chaintutor practice --random --level 3 --seed 7 --steps",
        'chaintutor practice --problem "y = u^2; u = 3x"',
    ),
)
def practice(
    exercise_id: Annotated[
        str | None, typer.Option("--id", help="Practise this exercise of the bank.")
    ] = None,
    set_name: Annotated[str | None, typer.Option("--set", help="Go through this set of the bank.")] = None,
    problem: Annotated[str | None, typer.Option(help="Practise a problem of your own.")] = None,
    wrt: Annotated[
        str | None, typer.Option(help="With --problem: the variables, comma-separated (default: every one).")
    ] = None,
    generated: Annotated[
        bool, typer.Option("--random", help="A generated exercise (see --level, --seed).")
    ] = False,
    level: Annotated[int | None, typer.Option(min=1, max=5, help="With --random: 1 (one layer) … 5.")] = None,
    seed: Annotated[int | None, typer.Option(help="With --random: the same seed, the same exercise.")] = None,
    steps: Annotated[
        bool, typer.Option("--steps", help="Ask for each local derivative and path product first.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Practise in the terminal: answer, see the mistake, try again; hint, skip, quit.

    Progress is recorded in the progress database (--db, else $CHAINTUTOR_DB)."""
    from rich.console import Console

    from chaintutor.cli.session import run_practice
    from chaintutor.tutor.bank import load_bank
    from chaintutor.tutor.practice import Session, first_unmastered, select_exercises
    from chaintutor.tutor.progress import ProgressStore, resolve_db_path

    if (level is not None or seed is not None) and not generated:
        raise InputError("--level and --seed go with --random")
    bank = load_bank()
    chosen = select_exercises(
        bank,
        exercise_id=exercise_id,
        set_name=set_name,
        problem=problem,
        wrt=[name.strip() for name in wrt.split(",")] if wrt else None,
        level=(level or 2) if generated else None,
        seed=seed,
    )
    with ProgressStore(resolve_db_path(db)) as store:
        start_at = first_unmastered(chosen, store.best_scores()) if set_name is not None else 0
        session_id = store.start_session("practice")
        session = Session(
            chosen,
            bank=bank,
            steps=steps,
            record=lambda attempt: store.record(session_id, attempt),
            start_at=start_at,
        )
        try:
            run_practice(session, Console(highlight=False))
        finally:
            store.end_session(session_id)


class GradeFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    csv = "csv"


@app.command(
    short_help="Grade a file of students' answers: statistics, mistakes, a gradebook (--format csv).",
    epilog=_examples(
        "chaintutor grade answers.csv",
        "chaintutor grade answers.csv --format csv -o gradebook.csv",
        "chaintutor grade answers.toml --format markdown -o report.md --db class.sqlite",
    ),
)
def grade(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Answers: TOML ([[answer]] tables) or CSV (student,exercise,problem,wrt,answer; optional"
            " steps and tries; separated by commas, semicolons or tabs).",
            show_default=False,
        ),
    ],
    output_format: Annotated[GradeFormat, typer.Option("--format")] = GradeFormat.text,
    db: Annotated[
        Path | None, typer.Option("--db", help="Also record every answer in this progress database.")
    ] = None,
    output_file: OutputOption = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            metavar="SECONDS",
            help="Each answer's time limit (past it: wrong, with the reason).",
        ),
    ] = 5.0,
) -> None:
    """Grade a file of students' answers: per question and per student, the mistakes found, and
    with --format csv a gradebook (one row per student, one column per question, a total)."""
    from rich.console import Console

    from chaintutor.cli.session import grade_with_progress
    from chaintutor.core.deadline import check_seconds
    from chaintutor.render.classroom import report_csv, report_json, report_markdown, report_text
    from chaintutor.tutor.bank import load_bank
    from chaintutor.tutor.classroom import grade_rows, read_answers, recorder

    check_seconds(time_limit)
    answers = read_answers(file, load_bank())
    with recorder(db) as record:
        console = Console(stderr=True)
        if console.is_terminal:
            report = grade_with_progress(str(file), answers.rows, console, record, time_limit)
        else:
            report = grade_rows(str(file), answers.rows, record, time_limit)
    report = report.with_skipped(answers.skipped)
    if answers.skipped:
        lines = ", ".join(str(row.line) for row in answers.skipped[:10])
        more = ", …" if len(answers.skipped) > 10 else ""
        sys.stderr.write(
            f"note: {len(answers.skipped)} rows of {file} were not graded"
            f" (lines {lines}{more}); the report lists them with the reason\n"
        )
    render = {
        GradeFormat.json: report_json,
        GradeFormat.markdown: report_markdown,
        GradeFormat.csv: report_csv,
    }.get(output_format, report_text)
    _emit(render(report), output_file)


@app.command(
    short_help="List the sets and their exercises, with your scores.",
    epilog=_examples("chaintutor exercises", "chaintutor exercises --set neural --format json"),
)
def exercises(
    set_name: Annotated[str | None, typer.Option("--set", help="List this set only.")] = None,
    output_format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
    db: DbOption = None,
    student: Annotated[str, typer.Option(help="Whose scores (a name recorded by grade --db).")] = "",
    output_file: OutputOption = None,
) -> None:
    """List the sets and their exercises, with your scores."""
    from chaintutor.tutor.bank import find_set, load_bank
    from chaintutor.tutor.progress import progress_report, resolve_db_path

    bank = load_bank()
    if set_name is not None:
        find_set(bank, set_name)
    report = progress_report(resolve_db_path(db), bank, student)
    if output_format is ListFormat.json:
        from chaintutor.render.progress import exercises_to_dict

        _emit(_json(exercises_to_dict(report, set_name)), output_file)
        return
    from chaintutor.cli.session import print_exercises

    _print_table(print_exercises, output_file, report, set_name)


@app.command(
    short_help="Mastery per set and your most frequent mistakes.",
    epilog=_examples(
        "chaintutor progress", "chaintutor progress --student ada --db class.sqlite --format json"
    ),
)
def progress(
    output_format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.text,
    db: DbOption = None,
    student: Annotated[
        str | None,
        typer.Option(help="Whose progress (a name recorded by grade --db); without it, every student too."),
    ] = None,
    output_file: OutputOption = None,
) -> None:
    """Mastery per set and your most frequent mistakes; without --student, every student in the
    database too (the names grade --db recorded)."""
    from chaintutor.tutor.bank import load_bank
    from chaintutor.tutor.progress import progress_report, resolve_db_path, student_summaries

    path, bank = resolve_db_path(db), load_bank()
    report = progress_report(path, bank, student or "")
    students = student_summaries(path, bank) if student is None else ()
    if output_format is ListFormat.json:
        from chaintutor.render.progress import progress_to_dict, students_to_dict

        document = progress_to_dict(report)
        if student is None:
            document["students"] = students_to_dict(students)
        _emit(_json(document), output_file)
        return
    from chaintutor.cli.session import print_progress_and_students

    _print_table(print_progress_and_students, output_file, report, students)


def _print_table(draw: Any, output_file: Path | None, *args: Any) -> None:
    """Rich tables on a terminal; piped or written to a file, plain and never cut to 80 columns."""
    from rich.console import Console

    if output_file is None and sys.stdout.isatty():
        draw(Console(highlight=False), *args)
        return
    import io

    wide = Console(highlight=False, width=10_000, color_system=None, record=True, file=io.StringIO())
    draw(wide, *args)
    lines = wide.export_text(styles=False).splitlines()
    _emit("\n".join(line.rstrip() for line in lines) + "\n", output_file)


def _json(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _emit(text: str, output_file: Path | None) -> None:
    if output_file is None:
        sys.stdout.write(text)
        return
    from chaintutor.cli.output import write_output

    write_output(output_file, text)


def _fail(message: str) -> NoReturn:
    sys.stderr.write(message.rstrip("\n") + "\n")
    raise SystemExit(2)


def main() -> None:
    # What exists now (Typer, Click, this module) lives until the process exits. Frozen, it is
    # left out of the garbage collector's full passes, while SymPy loads and when the interpreter
    # exits: about 30 ms of CPU off a derivation's start-up. What is made later is collected as usual.
    gc.freeze()
    _app_for(sys.argv[1:])()


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command being run, when one is named.

    Typer (0.29 and later) builds a pydantic adapter for every option of every command when
    it starts; a run needs only its own command's, and building the others costs about a
    tenth of a derivation's start-up. The top-level help, --version, completion and unknown
    commands get the whole app, so they see every command as before.
    """
    name = next((arg for arg in args if not arg.startswith("-")), None)
    chosen = [
        command
        for command in app.registered_commands
        if command.callback is not None
        and (command.name or command.callback.__name__.replace("_", "-")) == name
    ]
    if not chosen:
        return app
    slim = copy.copy(app)
    slim.registered_commands = chosen
    return slim
