"""The learner's and the lecturer's terminal: practice sessions, listings, a progress bar (Rich).

Everything here draws what a pure module decided: :class:`chaintutor.tutor.practice.Session` for
practice, :mod:`chaintutor.tutor.progress` for ``exercises`` and ``progress``, and
:mod:`chaintutor.tutor.classroom` for ``grade``. User text is always printed as ``Text``, never as
Rich markup, so an answer such as ``[x]`` prints as typed.
"""

from __future__ import annotations

import contextlib
import signal
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from chaintutor.errors import visible
from chaintutor.grade.mistakes import describe
from chaintutor.tutor.classroom import ANSWER_SECONDS, AnswerRow, GradedAnswer, Report, grade_rows
from chaintutor.tutor.progress import ProgressReport, SetStatus, StudentSummary

if TYPE_CHECKING:  # practice loads SymPy: not for `exercises` and `progress`
    from chaintutor.tutor.practice import Event, Session

with contextlib.suppress(ImportError):  # line editing and history for input(), where there is readline
    import readline  # noqa: F401

# By event kind (chaintutor.tutor.practice.Kind, a StrEnum).
_STYLES = {
    "menu": "bold",
    "exercise": "bold blue",
    "ask": "dim",
    "correct": "bold green",
    "wrong": "bold red",
    "note": "cyan",
    "hint": "bold yellow",
    "reveal": "bold magenta",
    "error": "red",
    "summary": "bold",
}


def run_practice(session: Session, console: Console) -> None:
    """Drive ``session`` on the terminal until it ends: quit, the last exercise, EOF or Ctrl-C."""
    try:
        show(console, session.start())
        while not session.finished:
            line = console.input(_shown(session.prompt + " ", style="bold"))
            show(console, session.feed(line))
    except (EOFError, KeyboardInterrupt):
        # The interrupted console may be half-way through a line: the ending goes through a
        # fresh one on the same stream, and a second Ctrl-C cannot cut the summary short.
        with _ctrl_c_ignored():
            ending = Console(file=console.file, force_terminal=console.is_terminal, highlight=False)
            ending.print()
            show(ending, session.end())


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to do
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def show(console: Console, events: Iterable[Event]) -> None:
    for event in events:
        style = _STYLES[event.kind]
        if event.kind == "ask":
            for line in event.lines:
                console.print(_shown(line, style=style))
            continue  # the prompt itself is printed by the input
        if event.kind in ("exercise", "summary", "menu"):
            console.print()
        console.print(_shown(event.text, style=style))
        first, after = ("    • ", "      ") if event.kind == "wrong" else ("  ", "  ")
        for line in event.lines:  # wrapped here, so that wrapped lines keep the indentation
            wrapped = textwrap.fill(line, console.width, initial_indent=first, subsequent_indent=after)
            console.print(_shown(wrapped), soft_wrap=True)


# --- exercises and progress ------------------------------------------------------------------


def print_exercises(console: Console, report: ProgressReport, only: str | None = None) -> None:
    """Every set (or the one called ``only``) with each exercise and the learner's score."""
    for group in report.sets:
        if only is not None and group.name != only:
            continue
        table = Table(title=_set_title(group), title_justify="left", expand=False)
        table.add_column("", width=1)
        table.add_column("id", no_wrap=True)
        table.add_column("level", justify="right")
        table.add_column("problem")
        table.add_column("tries", justify="right")
        table.add_column("score", justify="right")
        for status in group.exercises:
            # ✓ mastered (right unaided), ~ right with help, ✗ tried and never right
            mark = "✓" if status.mastered else "~" if status.solved else ("✗" if status.tried else "")
            exercise = status.exercise
            problem = _shown(exercise.problem)
            if not status.gradable:
                problem.append(f" at {exercise.at}: a number, graded in practice (not by check)", style="dim")
            table.add_row(
                _shown(mark, style="green" if status.mastered else "yellow" if status.solved else "red"),
                _shown(exercise.id),
                str(exercise.level),
                problem,
                str(status.attempts or ""),
                f"{status.score:.2f}" if status.tried else "",
            )
        console.print(table)
    console.print(_shown(f"Progress database: {report.database}", style="dim"))


def _set_title(group: SetStatus) -> Text:
    count = len(group.graded)
    score = f"score {group.score:g}/{count}, mastered {group.mastered}/{count}"
    return Text.assemble((visible(group.name), "bold"), f" — {visible(group.title)} ({score})")


def print_progress(console: Console, report: ProgressReport) -> None:
    """Mastery per set and the most frequent mistakes."""
    table = Table(title="Mastery per set", title_justify="left")
    table.add_column("set", no_wrap=True)
    table.add_column("mastered", justify="right")
    table.add_column("mastery", no_wrap=True)
    table.add_column("tries", justify="right")
    table.add_column("score", justify="right")
    for group in report.sets:
        filled = round(group.mastery * 10)
        table.add_row(
            _shown(group.name),
            f"{group.mastered}/{len(group.graded)}",
            Text.assemble(
                ("█" * filled, "green"), ("░" * (10 - filled), "dim"), f" {round(100 * group.mastery)}%"
            ),
            str(group.attempts),
            f"{group.score:g}",
        )
    console.print(table)
    right = report.right_attempts
    console.print(
        _shown(f"{report.total_attempts} answers graded, {right} right (steps and own problems included)")
    )
    if report.mistakes:
        mistakes = Table(title="Most frequent mistakes", title_justify="left")
        mistakes.add_column("mistake", no_wrap=True)
        mistakes.add_column("count", justify="right")
        mistakes.add_column("what it is")
        for code, count in report.mistakes:
            mistakes.add_row(_shown(code), str(count), _shown(describe(code)))
        console.print(mistakes)
    else:
        console.print(_shown("No mistakes recorded yet.", style="dim"))
    console.print(_shown(f"Progress database: {report.database}", style="dim"))


LEARNER = "(you, at this terminal)"


def print_progress_and_students(
    console: Console, report: ProgressReport, students: Sequence[StudentSummary]
) -> None:
    """``progress``: the learner's tables, unless the database holds only a class graded by
    ``grade --db``; then every student in it, when there are named ones."""
    named = any(student.student for student in students)
    if not named or any(not student.student for student in students):
        print_progress(console, report)
    if named:
        print_students(console, students)


def print_students(console: Console, students: Sequence[StudentSummary]) -> None:
    """Every student in the database: ``progress`` without ``--student``."""
    table = Table(title="Students", title_justify="left")
    table.add_column("student", no_wrap=True)
    table.add_column("answers", justify="right")
    table.add_column("right", justify="right")
    table.add_column("mastered", justify="right")
    table.add_column("score", justify="right")
    for s in students:
        name = _shown(s.student) if s.student else _shown(LEARNER, style="dim")
        table.add_row(name, str(s.answers), str(s.right), f"{s.mastered}/{s.exercises}", f"{s.score:g}")
    console.print(table)
    console.print(_shown("One student's detail: chaintutor progress --student NAME", style="dim"))


# --- grade -----------------------------------------------------------------------------------


def grade_with_progress(
    source: str,
    rows: Sequence[AnswerRow],
    console: Console,
    on_graded: Callable[[GradedAnswer], None] | None = None,
    seconds: float = ANSWER_SECONDS,
) -> Report:
    """Grade ``rows`` with a progress bar on ``console`` (the caller decides if it is a terminal),
    each answer within ``seconds``."""
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("grading", total=len(rows))

        def advance(answer: GradedAnswer) -> None:
            if on_graded is not None:
                on_graded(answer)
            progress.advance(task)

        return grade_rows(source, rows, advance, seconds)


def _shown(text: str, style: str = "") -> Text:
    """Text as Rich prints it, never as markup, with control characters as visible escapes: a
    student's name or answer, or a field of a file, cannot reach the terminal raw."""
    return Text(visible(text, lines=True), style=style)
