"""``grade FILE``: a lecturer's file of answers, read and graded into a :class:`Report`.

:mod:`chaintutor.tutor.gradebook` turns the report into statistics and a gradebook;
:mod:`chaintutor.render.classroom` writes them (text, JSON, Markdown, CSV).

The file is TOML, one ``[[answer]]`` table per answer::

    [[answer]]
    student = "ada"
    exercise = "ln-sin-cube"        # an id of the bank, or instead:
    # problem = "sin(x**3)"         # a problem in the input language
    # wrt = "x"                     # needed when the problem has several variables
    answer = "6x^2 cos(x^3)/sin(x^3)"
    # steps = "du1/dx = 3x^2; du2/du1 = cos(u1)"   # optional: step answers, for partial credit
    # tries = 2                     # optional: how many tries the student took

or CSV with the header ``student,exercise,problem,wrt,answer`` (``exercise`` or ``problem``
filled on each row; ``wrt`` may be left empty when there is one variable; ``steps`` and
``tries`` are optional columns; other columns are ignored, so a spreadsheet's own columns can
stay). The CSV may be separated by commas, semicolons (what Excel writes in many European
locales) or tabs: the header decides (the first line that, split by one of them, names
``student``, ``answer`` and ``exercise`` or ``problem``). A UTF-8 byte order mark is dropped,
and a quoted cell may hold new lines.

What the lecturer wrote is checked before anything is graded. In a TOML file (written by hand,
for chaintutor) an unknown exercise id, a problem that cannot be read, a missing variable is
an error naming the file and the line, and nothing is graded. A CSV file comes from a
spreadsheet or an export, with rows around the answers (a total, a note, a row with too few
or too many cells): a row without a student, or without an exercise or a problem, or whose
cells do not match the header, a line with a stray quote (that line only: the next one starts
a row again), a row whose exercise, problem or variable is wrong, is not graded
but listed in the report with its line and the reason (never graded as a student's zero),
and the rest of the class is graded. Two
repairs are made, both unambiguous: a row written with another of the three separators than
the header (two exports pasted together) is read with the separator that fits the header, and
a line that repeats the header (with any separator) starts a new block of rows; when
``answer`` is the last column, the cells past it (an unquoted comma in an answer) are
joined back into the answer.

What the student wrote is graded whatever it is: an answer that does not parse is a wrong
answer with the code ``unparseable`` and the parser's message, and the rest of the file goes
on. Step answers are graded with follow-through (:mod:`chaintutor.grade.steps`): see
:func:`answer_mark` for the weights.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import os
import re
import stat
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from chaintutor.errors import InputError
from chaintutor.grade.mistakes import UNKNOWN, UNPARSEABLE, Diagnosis
from chaintutor.tutor.bank import ExerciseSet, find_exercise
from chaintutor.tutor.progress import Attempt, ProgressStore

MAX_FILE_BYTES = 5_000_000  # a class of a thousand students with ten answers each is ~1 MB
ANSWER_SECONDS = 5.0  # each answer's own time limit: one hostile answer cannot stall a class
TOML_KEYS = ("student", "exercise", "problem", "wrt", "answer", "steps", "tries")
CSV_COLUMNS = TOML_KEYS
DELIMITERS = (",", ";", "\t")  # the CSV separators a header may use, preferred first on a tie
MAX_TRIES = 1_000_000
HEADER_SEARCH_LINES = 20  # a title or a note above the header: how far down the header is looked for

# Partial credit (README, "Grading a class"): a right answer is worth 1 whatever its steps. A
# wrong one with step answers earns STEP_WEIGHT times the share of the steps credited (right,
# or a path product that is right for the student's own wrong local derivatives), plus
# FOLLOW_THROUGH_WEIGHT when the final answer is what the chain gives with the student's own
# wrong steps (the chain rule was applied right). At most 3/4: never as much as a right answer.
STEP_WEIGHT = Fraction(1, 2)
FOLLOW_THROUGH_WEIGHT = Fraction(1, 4)

_ANSWER_HEADER = re.compile(r"\s*\[\[\s*answer\s*\]\]")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_STEP_SEPARATOR = re.compile(r"[;\n]")


@dataclass(frozen=True)
class AnswerRow:
    """One answer to grade, as read from the file and resolved against the bank."""

    line: int
    student: str
    exercise_id: str | None  # None for a row that gives its problem
    set_name: str | None
    problem: str
    wrt: str
    answer: str
    steps: str = ""  # step answers, "du1/dx = 3x^2; dy/du1 = cos(u1)"; "" for none
    tries: int | None = None  # how many tries the student took, when the file says
    variables: int = 1  # how many derivatives the exercise or problem asks for
    at: str | None = None  # the exercise asks for the derivative's value here ("x = 2")
    table: tuple[tuple[str, bool, str, str], ...] = ()  # the exercise's table of values

    @property
    def column(self) -> str:
        """The gradebook's column for this answer: the exercise id (or the problem), with the
        variable when it asks for several derivatives."""
        name = self.exercise_id or self.problem
        return name if self.variables == 1 else f"{name} (d/d{self.wrt})"


@dataclass(frozen=True)
class SkippedRow:
    """A row of a CSV file that is not an answer (a total, a note, a broken row)."""

    line: int
    reason: str
    text: str  # the row as read, cells joined by the separator


@dataclass(frozen=True)
class AnswerFile:
    """The rows of a file of answers, and the rows that were not answers."""

    rows: tuple[AnswerRow, ...]
    skipped: tuple[SkippedRow, ...] = ()

    def __iter__(self) -> Iterator[AnswerRow]:
        return iter(self.rows)


@dataclass(frozen=True)
class StepMark:
    """One step of a derivation and what the student wrote for it."""

    label: str  # as ``derive`` and ``practice --steps`` name it: du1/dx, ∂y/∂u, y → u → x
    answer: str | None  # None: not given
    verdict: str  # "right" | "follows" | "wrong" | "unreadable" | "missing"
    follows_from: tuple[str, ...] = ()  # "follows": the student's wrong steps it is right for

    @property
    def credited(self) -> bool:
        return self.verdict in ("right", "follows")

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "answer": self.answer,
            "verdict": self.verdict,
            "follows_from": list(self.follows_from),
        }


@dataclass(frozen=True)
class StepsGrade:
    """The step answers of one row, graded with follow-through."""

    marks: tuple[StepMark, ...]
    final_follows_from: tuple[str, ...] = ()  # a wrong final answer right for these wrong steps
    unmatched: tuple[str, ...] = ()  # entries naming no step of the problem, or not `label = answer`
    note: str = ""  # why nothing could be graded, when so

    @property
    def credited(self) -> int:
        return sum(mark.credited for mark in self.marks)

    @property
    def credit(self) -> Fraction:
        """What the steps earn a wrong final answer (see STEP_WEIGHT)."""
        if not self.marks:
            return Fraction(0)
        follow = FOLLOW_THROUGH_WEIGHT if self.final_follows_from else 0
        return STEP_WEIGHT * Fraction(self.credited, len(self.marks)) + follow

    def to_dict(self) -> dict[str, Any]:
        return {
            "marks": [mark.to_dict() for mark in self.marks],
            "credited": self.credited,
            "asked": len(self.marks),
            "final_follows_from": list(self.final_follows_from),
            "unmatched": list(self.unmatched),
            "note": self.note,
            "credit": float(round(self.credit, 4)),
        }


def answer_mark(correct: bool, steps: StepsGrade | None) -> Fraction:
    """1 for a right answer; for a wrong one, what its steps earn (0 without steps)."""
    if correct:
        return Fraction(1)
    return steps.credit if steps is not None else Fraction(0)


@dataclass(frozen=True)
class GradedAnswer:
    row: AnswerRow
    verdict: str  # "correct" | "wrong" | "unparseable"
    equivalence: str | None  # how a parsed answer was compared
    expected: str  # the right derivative, in SymPy's str form
    findings: tuple[Diagnosis, ...]  # the diagnosis of ``check``, or ``unparseable``
    steps: StepsGrade | None = None  # None: the row gave no step answers

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    @property
    def score(self) -> Fraction:
        return answer_mark(self.correct, self.steps)

    @property
    def what(self) -> str:
        """The exercise id, or the problem, with the variable."""
        name = self.row.exercise_id or self.row.problem
        return f"{name} (d/d{self.row.wrt})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.row.line,
            "exercise": self.row.exercise_id,
            "problem": self.row.problem,
            "wrt": self.row.wrt,
            "column": self.row.column,
            "answer": self.row.answer,
            "verdict": self.verdict,
            "correct": self.correct,
            "score": float(round(self.score, 4)),
            "tries": self.row.tries,
            "equivalence": self.equivalence,
            "expected": self.expected,
            "diagnosis": [finding.to_dict() for finding in self.findings],
            "steps": None if self.steps is None else self.steps.to_dict(),
        }

    def to_attempt(self, now: float) -> Attempt:
        """The answer as a progress record (``grade --db``)."""
        return Attempt(
            problem=self.row.problem,
            wrt=self.row.wrt,
            answer=self.row.answer,
            verdict=self.verdict,
            exercise_id=self.row.exercise_id,
            set_name=self.row.set_name,
            equivalence=self.equivalence,
            diagnosis=tuple(f.code for f in self.findings),
            started_at=now,
            answered_at=now,
            student=self.row.student,
        )


@dataclass(frozen=True)
class Report:
    source: str
    answers: tuple[GradedAnswer, ...]
    skipped: tuple[SkippedRow, ...] = ()

    def with_skipped(self, skipped: Sequence[SkippedRow]) -> Report:
        return dataclasses.replace(self, skipped=tuple(skipped))

    @property
    def mistakes(self) -> list[tuple[str, int, list[str]]]:
        """Each code found, how often, and by whom (in the file's order); most frequent first."""
        counts: Counter[str] = Counter()
        who: dict[str, list[str]] = {}
        for answer in self.answers:
            for finding in answer.findings:
                counts[finding.code] += 1
                names = who.setdefault(finding.code, [])
                if answer.row.student not in names:
                    names.append(answer.row.student)
        return [(code, count, who[code]) for code, count in counts.most_common()]

    @property
    def correct(self) -> int:
        return sum(answer.correct for answer in self.answers)


# --- reading the file ------------------------------------------------------------------------


def read_answers(path: Path, bank: Sequence[ExerciseSet]) -> AnswerFile:
    """Every row of ``path``, checked and resolved (InputError ``FILE:LINE: …`` otherwise)."""
    data = _read_capped(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    suffix = path.suffix.lower()
    skipped: list[SkippedRow] = []
    if suffix == ".toml":
        rows = tuple(_resolve(path, row, bank) for row in _toml_rows(path, text))
    elif suffix == ".csv":
        rows = tuple(_resolve_csv(path, _csv_rows(path, text, skipped), bank, skipped))
    else:
        raise InputError(f"{path}: a file of answers ends in .toml or .csv, not '{suffix or '(none)'}'")
    if not rows:
        why = "".join(f"; line {row.line}: {row.reason}" for row in skipped[:3])
        raise InputError(f"{path}: no answers in it{why}")
    return AnswerFile(rows, tuple(skipped))


def _read_capped(path: Path) -> bytes:
    """The file's bytes, refused past MAX_FILE_BYTES: its size is checked before it is read, and
    what has no size (/dev/zero, a pipe) is read no further than the cap."""
    limit = f"the limit is {MAX_FILE_BYTES // 1_000_000} MB"
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            if stat.S_ISDIR(status.st_mode):
                raise InputError(f"{path}: is a folder, not a file of answers")
            if stat.S_ISREG(status.st_mode) and status.st_size > MAX_FILE_BYTES:
                raise InputError(
                    f"{path}: {status.st_size:,} bytes is too large for a file of answers; {limit}"
                )
            data = file.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file of answers") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read it ({error.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}: too large for a file of answers; {limit}")
    return data


# A row as read: the line it starts on, its fields, and the line of each field (TOML keys).
_Raw = tuple[int, dict[str, Any], dict[str, int]]


def _toml_rows(path: Path, text: str) -> list[_Raw]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else max(1, text.count("\n"))
        reason = message[: position.start()] if position else message
        raise InputError(f"{path}:{line}: invalid TOML: {reason}") from None
    lines = text.splitlines()
    for key in data:
        if key != "answer":
            raise InputError(
                f"{path}:{_key_line(lines, 0, key)}: unknown key '{key}': write [[answer]] tables"
            )
    tables = data.get("answer", [])
    headers = [n for n, line in enumerate(lines, 1) if _ANSWER_HEADER.match(line)]
    if not isinstance(tables, list) or len(tables) != len(headers):
        raise InputError(f"{path}:{_key_line(lines, 0, 'answer')}: write each answer as an [[answer]] table")
    rows = []
    for table, header in zip(tables, headers, strict=True):
        key_lines = {key: _key_line(lines, header, key) for key in table}
        for key, value in table.items():
            if key not in TOML_KEYS:
                expected = ", ".join(TOML_KEYS)
                raise InputError(f"{path}:{key_lines[key]}: unknown key '{key}' (expected: {expected})")
            if key == "tries" and isinstance(value, int) and not isinstance(value, bool):
                table[key] = str(value)
            elif not isinstance(value, str):
                raise InputError(f"{path}:{key_lines[key]}: '{key}' must be a string (in quotes)")
        rows.append((header, table, key_lines))
    return rows


def _key_line(lines: list[str], header: int, key: str) -> int:
    """The line of ``key = …`` in the table whose header is on line ``header`` (0: the top level)."""
    pattern = re.compile(rf"\s*\[*\s*\"?{re.escape(key)}\b")
    for number in range(header + 1, len(lines) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return max(header, 1)


class _Lines:
    """The lines of a file from ``position`` on, one at a time, counting what was taken."""

    def __init__(self, lines: Sequence[str], position: int) -> None:
        self.lines = lines
        self.position = position

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


class _BadRecord(Exception):
    """A record the CSV reader refuses (a stray quote)."""


def _record(lines: Sequence[str], start: int, delimiter: str) -> tuple[list[str], int]:
    """The cells of the record that starts on line index ``start``, and the index after it (a
    quoted cell may span lines)."""
    feed = _Lines(lines, start)
    try:
        cells = next(csv.reader(feed, delimiter=delimiter, strict=True), [])
    except csv.Error as error:
        if feed.position >= len(lines) and "end of data" in str(error):
            raise _BadRecord("a quote opened on this row is never closed") from None
        raise _BadRecord(str(error)) from None
    return cells, feed.position


def _column_name(cell: str) -> str:
    return cell.strip().strip("\ufeff").strip().lower()


def _header_columns(cells: Sequence[str]) -> list[str] | None:
    """The column names, when ``cells`` are a header (they name a student and an answer)."""
    names = [_column_name(cell) for cell in cells]
    return names if "student" in names and "answer" in names else None


@dataclass
class _Layout:
    """How the rows are written from here on: the separator and the columns."""

    delimiter: str
    columns: list[str]

    def fields(self, cells: list[str]) -> dict[str, str]:
        return {name: cell for name, cell in zip(self.columns, cells, strict=True) if name in CSV_COLUMNS}


def _csv_rows(path: Path, text: str, skipped: list[SkippedRow]) -> list[tuple[_Raw, str]]:
    """The rows that may be answers, each with its text as read; the others go to ``skipped``."""
    lines = io.StringIO(text, newline="").readlines()  # line ends kept: a quoted cell may span lines
    layout, position = _first_header(path, lines, skipped)
    rows: list[tuple[_Raw, str]] = []
    while position < len(lines):
        line = position + 1
        try:
            cells, after = _record(lines, position, layout.delimiter)
        except _BadRecord as error:  # this line is not graded; the next one starts a row again
            skipped.append(SkippedRow(line, f"invalid CSV: {error}", lines[position].rstrip("\r\n")))
            position += 1
            continue
        if not any(cell.strip() for cell in cells):
            position = after
            continue
        read = _read_row(layout, lines, position, cells, after)
        if isinstance(read, _Layout):  # the header again, perhaps with another separator
            layout, position = read, _record(lines, position, read.delimiter)[1]
            continue
        cells, position = read
        shown = layout.delimiter.join(cells)
        reason = _not_an_answer(layout, cells)
        if reason:
            skipped.append(SkippedRow(line, reason, shown))
            continue
        rows.append(((line, layout.fields(cells), {}), shown))
    return rows


def _resolve_csv(
    path: Path, rows: list[tuple[_Raw, str]], bank: Sequence[ExerciseSet], skipped: list[SkippedRow]
) -> Iterator[AnswerRow]:
    """The rows resolved; a row whose exercise, problem or variable is wrong is not graded but
    listed with the reason, in the file's order (a spreadsheet's stray row is not the class's
    fault)."""
    for raw, shown in rows:
        try:
            yield _resolve(path, raw, bank)
        except InputError as error:
            reason = error.message.removeprefix(f"{path}:{raw[0]}: ")
            skipped.append(SkippedRow(raw[0], reason, shown))
    skipped.sort(key=lambda row: row.line)


def _first_header(path: Path, lines: Sequence[str], skipped: list[SkippedRow]) -> tuple[_Layout, int]:
    """The header (the first line that names the columns, within the first HEADER_SEARCH_LINES:
    lines above it, a title say, are listed as skipped) and the index of the line after it."""
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: empty file: the first line names the columns")
    for position in range(first, min(len(lines), first + HEADER_SEARCH_LINES)):
        for delimiter in DELIMITERS:
            try:
                cells, after = _record(lines, position, delimiter)
            except _BadRecord:
                continue
            names = _header_columns(cells)
            if names is not None and ("exercise" in names or "problem" in names):
                skipped.extend(
                    SkippedRow(number + 1, "above the header", lines[number].rstrip("\r\n"))
                    for number in range(first, position)
                    if lines[number].strip()
                )
                return _Layout(delimiter, names), after
    raise _header_error(path, lines, first)


def _header_error(path: Path, lines: Sequence[str], first: int) -> InputError:
    """What is missing from the first line, read with the separator that finds most columns."""
    names: list[str] = []
    for delimiter in DELIMITERS:
        try:
            cells = [_column_name(cell) for cell in _record(lines, first, delimiter)[0]]
        except _BadRecord:
            continue
        if sum(name in CSV_COLUMNS for name in set(cells)) > sum(name in CSV_COLUMNS for name in set(names)):
            names = cells
    expected = ",".join(CSV_COLUMNS[:5])
    where = f"{path}:{first + 1}"
    for column in ("student", "answer"):
        if column not in names:
            return InputError(
                f"{where}: no '{column}' column (the header is {expected}, separated by , ; or tabs)"
            )
    return InputError(f"{where}: no 'exercise' or 'problem' column (the header is {expected})")


def _read_row(
    layout: _Layout, lines: Sequence[str], position: int, cells: list[str], after: int
) -> tuple[list[str], int] | _Layout:
    """The row's cells and the index after it, read with the separator that fits the header; or,
    for a line that repeats the header, the new layout."""
    header = _header_columns(cells)
    if header is not None:
        return _Layout(layout.delimiter, header)
    if len(cells) == len(layout.columns):
        return cells, after
    for other in DELIMITERS:
        if other == layout.delimiter:
            continue
        try:
            again, end = _record(lines, position, other)
        except _BadRecord:
            continue
        header = _header_columns(again)
        if header is not None:
            return _Layout(other, header)
        if len(again) == len(layout.columns):
            return again, end
    answer_column = layout.columns.index("answer")
    if answer_column == len(layout.columns) - 1 and len(cells) > len(layout.columns):
        return [*cells[:answer_column], layout.delimiter.join(cells[answer_column:])], after
    return cells, after


def _not_an_answer(layout: _Layout, cells: list[str]) -> str:
    """Why the row is not an answer ("" when it is one)."""
    if len(cells) != len(layout.columns):
        count = f"{len(cells)} cell{'s' if len(cells) != 1 else ''}"
        return f"{count}, but the header names {len(layout.columns)} columns"
    fields = layout.fields(cells)
    if not fields.get("student", "").strip():
        return "no student named"
    if not fields.get("exercise", "").strip() and not fields.get("problem", "").strip():
        return "neither an exercise id nor a problem"
    return ""


def _resolve(path: Path, raw: _Raw, bank: Sequence[ExerciseSet]) -> AnswerRow:
    """The row with its exercise looked up and its problem and variable checked."""
    line, fields, key_lines = raw

    def error_at(key: str, message: str, cause: InputError | None = None) -> InputError:
        where = f"{path}:{key_lines.get(key, line)}"
        if cause is None:
            return InputError(f"{where}: {message}")
        return InputError(
            f"{where}: {message}", source=cause.source, start=cause.start, end=cause.end, hint=cause.hint
        )

    student, answer = fields.get("student", "").strip(), fields.get("answer")
    exercise_id, problem = fields.get("exercise", "").strip(), fields.get("problem", "").strip()
    wrt = fields.get("wrt", "").strip()
    if not student:
        raise error_at("student", "no student named")
    if answer is None:
        raise error_at("answer", 'no answer (an empty answer is written answer = "")')
    if bool(exercise_id) == bool(problem):
        raise error_at(
            "problem", f"give either an exercise id or a problem, {'not both' if problem else 'one'}"
        )
    tries = _tries(fields.get("tries", ""))
    if tries == 0:
        raise error_at("tries", f"'tries' is a whole number from 1 to {MAX_TRIES:,}, or empty")
    set_name, at = None, None
    table: tuple[tuple[str, bool, str, str], ...] = ()
    try:
        if exercise_id:
            exercise = find_exercise(bank, exercise_id)
            problem, set_name, variables = exercise.problem, exercise.set_name, len(exercise.wrt)
            at, table = exercise.at, exercise.table_rows
            wrt = _exercise_wrt(wrt, exercise.id, exercise.wrt)
        else:
            wrt, variables = _problem_wrt(problem, wrt or None)
    except InputError as error:
        key = (
            "exercise" if exercise_id else ("wrt" if "wrt" in fields and error.source is None else "problem")
        )
        raise error_at(key, error.message, error) from None
    steps = fields.get("steps", "")
    return AnswerRow(
        line, student, exercise_id or None, set_name, problem, wrt, answer, steps, tries, variables, at, table
    )


def _tries(text: str) -> int | None:
    """The ``tries`` cell: None when empty, 0 when it is not a whole number from 1 to MAX_TRIES."""
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_TRIES)):
        return 0
    return int(text) if int(text) <= MAX_TRIES else 0


def _exercise_wrt(wrt: str, exercise_id: str, variables: tuple[str, ...]) -> str:
    if not wrt and len(variables) == 1:
        return variables[0]
    if wrt in variables:
        return wrt
    choices = ", ".join(variables)
    if not wrt:
        raise InputError(
            f"exercise '{exercise_id}' asks for several derivatives ({choices}): say which in wrt"
        )
    raise InputError(f"exercise '{exercise_id}' does not ask for d/d{wrt} (it asks for: {choices})")


@functools.lru_cache(maxsize=1024)
def _problem_wrt(problem: str, wrt: str | None) -> tuple[str, int]:
    """The variable, checked by the grader's own model (so grading cannot fail on the problem),
    and how many independent variables the problem has. Cached: a class answers the same
    problems again and again."""
    from chaintutor.core.deadline import time_limit
    from chaintutor.core.stack import run_with_big_stack
    from chaintutor.grade.model import Model

    def variable() -> tuple[str, int]:
        model = Model(problem, wrt)
        return model.wrt, len(model.graph.leaves)

    try:
        with time_limit(ANSWER_SECONDS):
            return run_with_big_stack(variable)
    except InputError as error:
        if error.hint and "--wrt" in error.hint:  # the hint for the command line: this is a file
            raise InputError(error.message, hint="give the variable in wrt on this row") from None
        raise


# --- grading ---------------------------------------------------------------------------------


def grade_rows(
    source: str,
    rows: Iterable[AnswerRow],
    on_graded: Callable[[GradedAnswer], None] | None = None,
    seconds: float = ANSWER_SECONDS,
) -> Report:
    """Grade each row with ``check``, each within ``seconds``; ``on_graded`` is called after each
    (progress, recording). The same answer to the same question is graded once: a class writes
    the right answer, and the common wrong ones, many times over."""
    graded = []
    seen: dict[tuple[str, str, str | None, str, str], GradedAnswer] = {}
    for row in rows:
        key = (row.problem, row.wrt, row.at, row.answer, row.steps)
        answer = seen.get(key)
        if answer is None:
            answer = seen[key] = grade_row(row, seconds)
        else:
            answer = dataclasses.replace(answer, row=row)
        if on_graded is not None:
            on_graded(answer)
        graded.append(answer)
    return Report(source, tuple(graded))


def grade_row(row: AnswerRow, seconds: float = ANSWER_SECONDS) -> GradedAnswer:
    graded = _grade_final(row, seconds)
    if row.steps.strip():
        graded = dataclasses.replace(graded, steps=grade_steps(row, graded.correct, seconds))
    return graded


def _grade_final(row: AnswerRow, seconds: float) -> GradedAnswer:
    from chaintutor.core.deadline import TimeLimitError, time_limit
    from chaintutor.core.notation import plain
    from chaintutor.grade.check import check
    from chaintutor.grade.value import check_value

    try:
        with time_limit(seconds):
            if row.at is None:
                result = check(row.problem, row.answer, row.wrt)
            else:  # the exercise asks for a number: the derivative's value at a point
                result = check_value(row.problem, row.answer, row.wrt, row.at, row.table)
    except TimeLimitError as error:
        message = f"it could not be checked within the time limit of {error.seconds:g} s"
        return GradedAnswer(row, "wrong", None, _expected(row, seconds), (Diagnosis(UNKNOWN, message),))
    except InputError as error:  # the problem was checked when the file was read: the answer is at fault
        expected = _expected(row, seconds)
        message = error.message.removeprefix("in the answer: ")
        if not row.answer.strip():
            message = "the answer is empty"
        return GradedAnswer(row, UNPARSEABLE, None, expected, (Diagnosis(UNPARSEABLE, message),))
    verdict = "correct" if result.correct else "wrong"
    return GradedAnswer(row, verdict, result.equivalence, plain(result.expected), tuple(result.diagnosis))


def _expected(row: AnswerRow, seconds: float) -> str:
    """The right derivative as text, or "" if even that cannot be found in time."""
    return _expected_text(row.problem, row.wrt, seconds)


@functools.lru_cache(maxsize=1024)
def _expected_text(problem: str, wrt: str, seconds: float) -> str:
    from chaintutor.core.deadline import TimeLimitError, time_limit
    from chaintutor.core.notation import plain
    from chaintutor.core.stack import run_with_big_stack
    from chaintutor.grade.model import Model

    def work() -> str:
        return plain(Model(problem, wrt).right_answer)

    try:
        with time_limit(seconds):
            return run_with_big_stack(work)
    except TimeLimitError:
        return ""


# --- partial credit: the steps ----------------------------------------------------------------


def step_entries(text: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The ``steps`` cell as {label: answer}, and the entries that are not ``label = answer``.

    Entries are separated by ``;`` or new lines; a label is matched however it is spaced, with
    ``d`` or ``∂`` and ``->`` or ``→``.

    >>> step_entries("du1/dx = 3x^2; ∂y / ∂u1 = cos(u1)\\nnonsense")
    ({'du1/dx': '3x^2', 'dy/du1': 'cos(u1)'}, ('nonsense',))
    """
    given: dict[str, str] = {}
    unmatched: list[str] = []
    for entry in _STEP_SEPARATOR.split(text):
        if not entry.strip():
            continue
        label, equals, answer = entry.partition("=")
        if not equals or not label.strip():
            unmatched.append(entry.strip())
            continue
        given[_step_label(label)] = answer.strip()
    return given, tuple(unmatched)


def _step_label(label: str) -> str:
    return "".join(label.split()).replace("∂", "d").replace("->", "→")


def grade_steps(row: AnswerRow, final_correct: bool, seconds: float = ANSWER_SECONDS) -> StepsGrade:
    """The row's step answers, graded in the order ``practice --steps`` asks them (each local
    derivative, then the path products), with follow-through; within ``seconds``."""
    from chaintutor.core.deadline import TimeLimitError, time_limit
    from chaintutor.core.stack import run_with_big_stack

    given, unmatched = step_entries(row.steps)
    try:
        with time_limit(seconds):
            return run_with_big_stack(_grade_steps, row, final_correct, given, unmatched)
    except TimeLimitError as error:
        return StepsGrade((), (), unmatched, f"the steps could not be graded within {error.seconds:g} s")
    except InputError as error:
        return StepsGrade((), (), unmatched, f"the steps cannot be graded: {error.message}")


def _grade_steps(
    row: AnswerRow, final_correct: bool, given: dict[str, str], unmatched: tuple[str, ...]
) -> StepsGrade:
    from chaintutor.grade.steps import StepGrader

    grader = StepGrader(row.problem, row.wrt)
    plan = grader.plan()
    if not plan:
        return StepsGrade((), (), unmatched, "the derivative is a single step: no steps to grade")
    labels = {_step_label(step.label): step for step in plan}
    unmatched += tuple(f"{label} = {given[label]}" for label in given if label not in labels)
    marks = []
    for label, step in labels.items():
        text = given.get(label)
        if text is None:
            marks.append(StepMark(step.label, None, "missing"))
            continue
        try:
            verdict = grader.grade_step(step, text)
        except InputError:
            marks.append(StepMark(step.label, text, "unreadable"))
            continue
        if verdict.correct:
            marks.append(StepMark(step.label, text, "right"))
        elif verdict.follows_from:
            marks.append(StepMark(step.label, text, "follows", verdict.follows_from))
        else:
            marks.append(StepMark(step.label, text, "wrong"))
    follows: tuple[str, ...] = ()
    if not final_correct:
        try:
            follows = grader.grade_final(row.answer)[1]
        except InputError:
            follows = ()
    return StepsGrade(tuple(marks), follows, unmatched)


@contextmanager
def recorder(db: Path | None) -> Iterator[Callable[[GradedAnswer], None] | None]:
    """With a database: a callback that records each graded answer (``grade --db``), in a
    session of its own; without: None."""
    if db is None:
        yield None
        return
    with ProgressStore(db) as store:
        session_id = store.start_session("grade")

        def record(answer: GradedAnswer) -> None:
            store.record(session_id, answer.to_attempt(time.time()))

        try:
            yield record
        finally:
            store.end_session(session_id)
