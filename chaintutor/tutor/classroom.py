"""``grade FILE``: a lecturer's file of answers, read and graded into a :class:`Report`.

:mod:`chaintutor.render.classroom` writes the report (text, JSON, Markdown).

The file is TOML, one ``[[answer]]`` table per answer::

    [[answer]]
    student = "ada"
    exercise = "ln-sin-cube"        # an id of the bank, or instead:
    # problem = "sin(x**3)"         # a problem in the input language
    # wrt = "x"                     # needed when the problem has several variables
    answer = "6x^2 cos(x^3)/sin(x^3)"

or CSV with the header ``student,exercise,problem,wrt,answer`` (``exercise`` or ``problem``
filled on each row; ``wrt`` may be left empty when there is one variable; other columns are
ignored, so a spreadsheet's own columns can stay).

What the lecturer wrote is checked before anything is graded: a row without a student, an
unknown exercise id, a problem that cannot be read, a missing variable is an error naming
the file and the line, and nothing is graded. What the student wrote is graded whatever it
is: an answer that does not parse is a wrong answer with the code ``unparseable`` and the
parser's message, and the rest of the file goes on.
"""

from __future__ import annotations

import csv
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
from pathlib import Path
from typing import Any

from chaintutor.errors import InputError
from chaintutor.grade.mistakes import UNKNOWN, UNPARSEABLE, Diagnosis
from chaintutor.tutor.bank import ExerciseSet, find_exercise
from chaintutor.tutor.progress import Attempt, ProgressStore, is_gradable

MAX_FILE_BYTES = 5_000_000  # a class of a thousand students with ten answers each is ~1 MB
ANSWER_SECONDS = 5.0  # each answer's own time limit: one hostile answer cannot stall a class
TOML_KEYS = ("student", "exercise", "problem", "wrt", "answer")
CSV_COLUMNS = TOML_KEYS

_ANSWER_HEADER = re.compile(r"\s*\[\[\s*answer\s*\]\]")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


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


@dataclass(frozen=True)
class GradedAnswer:
    row: AnswerRow
    verdict: str  # "correct" | "wrong" | "unparseable"
    equivalence: str | None  # how a parsed answer was compared
    expected: str  # the right derivative, in SymPy's str form
    findings: tuple[Diagnosis, ...]  # the diagnosis of ``check``, or ``unparseable``

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    @property
    def what(self) -> str:
        """The exercise id, or the problem, with the variable when it matters."""
        name = self.row.exercise_id or self.row.problem
        return f"{name} (d/d{self.row.wrt})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.row.line,
            "exercise": self.row.exercise_id,
            "problem": self.row.problem,
            "wrt": self.row.wrt,
            "answer": self.row.answer,
            "verdict": self.verdict,
            "correct": self.correct,
            "equivalence": self.equivalence,
            "expected": self.expected,
            "diagnosis": [finding.to_dict() for finding in self.findings],
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
class StudentReport:
    student: str
    answers: tuple[GradedAnswer, ...]

    @property
    def correct(self) -> int:
        return sum(answer.correct for answer in self.answers)

    @property
    def score(self) -> float:
        return self.correct / len(self.answers)


@dataclass(frozen=True)
class Report:
    source: str
    answers: tuple[GradedAnswer, ...]

    @property
    def students(self) -> list[StudentReport]:
        """One report per student, in the order they first appear in the file."""
        by_student: dict[str, list[GradedAnswer]] = {}
        for answer in self.answers:
            by_student.setdefault(answer.row.student, []).append(answer)
        return [StudentReport(name, tuple(answers)) for name, answers in by_student.items()]

    @property
    def mistakes(self) -> list[tuple[str, int, list[str]]]:
        """Each code found, how often, and by whom; most frequent first."""
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "answers": len(self.answers),
            "correct": self.correct,
            "students": [
                {
                    "student": s.student,
                    "correct": s.correct,
                    "total": len(s.answers),
                    "score": round(s.score, 4),
                    "answers": [answer.to_dict() for answer in s.answers],
                }
                for s in self.students
            ],
            "mistakes": [
                {"code": code, "count": count, "students": names} for code, count, names in self.mistakes
            ],
        }


# --- reading the file ------------------------------------------------------------------------


def read_answers(path: Path, bank: Sequence[ExerciseSet]) -> list[AnswerRow]:
    """Every row of ``path``, checked and resolved (InputError ``FILE:LINE: …`` otherwise)."""
    data = _read_capped(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        raw = _toml_rows(path, text)
    elif suffix == ".csv":
        raw = _csv_rows(path, text)
    else:
        raise InputError(f"{path}: a file of answers ends in .toml or .csv, not '{suffix or '(none)'}'")
    rows = [_resolve(path, row, bank) for row in raw]
    if not rows:
        raise InputError(f"{path}: no answers in it")
    return rows


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
            if not isinstance(value, str):
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


def _csv_rows(path: Path, text: str) -> list[_Raw]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        for column in ("student", "answer"):
            if column not in header:
                raise InputError(f"{path}:1: no '{column}' column (the header is {','.join(CSV_COLUMNS)})")
        if "exercise" not in header and "problem" not in header:
            raise InputError(
                f"{path}:1: no 'exercise' or 'problem' column (the header is {','.join(CSV_COLUMNS)})"
            )
        rows: list[_Raw] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            if len(cells) != len(header):
                raise InputError(
                    f"{path}:{line}: {len(cells)} cells, but the header names {len(header)} columns"
                )
            fields = {name: cell for name, cell in zip(header, cells, strict=True) if name in CSV_COLUMNS}
            rows.append((line, fields, {}))
    except StopIteration:
        raise InputError(f"{path}: empty file: the first line names the columns") from None
    except csv.Error as error:
        raise InputError(f"{path}:{reader.line_num}: invalid CSV: {error}") from None
    return rows


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
    set_name = None
    try:
        if exercise_id:
            exercise = find_exercise(bank, exercise_id)
            if not is_gradable(exercise):
                raise InputError(
                    f"exercise '{exercise_id}' applies abstract functions: answers to it cannot be graded"
                )
            problem, set_name = exercise.problem, exercise.set_name
            wrt = _exercise_wrt(wrt, exercise.id, exercise.wrt)
        else:
            wrt = _problem_wrt(problem, wrt or None)
    except InputError as error:
        key = (
            "exercise" if exercise_id else ("wrt" if "wrt" in fields and error.source is None else "problem")
        )
        raise error_at(key, error.message, error) from None
    return AnswerRow(line, student, exercise_id or None, set_name, problem, wrt, answer)


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


def _problem_wrt(problem: str, wrt: str | None) -> str:
    """The variable, checked by the grader's own model (so grading cannot fail on the problem)."""
    from chaintutor.core.deadline import time_limit
    from chaintutor.core.stack import run_with_big_stack
    from chaintutor.grade.model import Model

    def variable() -> str:
        return Model(problem, wrt).wrt

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
    (progress, recording)."""
    graded = []
    for row in rows:
        answer = grade_row(row, seconds)
        if on_graded is not None:
            on_graded(answer)
        graded.append(answer)
    return Report(source, tuple(graded))


def grade_row(row: AnswerRow, seconds: float = ANSWER_SECONDS) -> GradedAnswer:
    from chaintutor.core.deadline import TimeLimitError, time_limit
    from chaintutor.core.notation import plain
    from chaintutor.grade.check import check

    try:
        with time_limit(seconds):
            result = check(row.problem, row.answer, row.wrt)
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
    from chaintutor.core.deadline import TimeLimitError, time_limit
    from chaintutor.core.notation import plain
    from chaintutor.core.stack import run_with_big_stack
    from chaintutor.grade.model import Model

    def work() -> str:
        return plain(Model(row.problem, row.wrt).right_answer)

    try:
        with time_limit(seconds):
            return run_with_big_stack(work)
    except TimeLimitError:
        return ""


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
