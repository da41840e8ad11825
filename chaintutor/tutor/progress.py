"""The learner's progress: every graded answer, in SQLite (standard library only).

Each attempt is written in a transaction of its own and committed before the next prompt, so
a session killed at any moment (SIGKILL included) keeps every answer already graded. The
database runs in WAL mode with a busy timeout, so two sessions at once (two terminals, or a
lecturer's ``grade --db`` next to a practice session) wait for each other instead of failing.

A file that is not a chaintutor database (not SQLite at all, another program's database, a
newer schema, or unreadable) is an :class:`InputError` that names it: the store never
recreates a file over history it cannot read.

Schema, version 2 (``PRAGMA user_version``)::

    sessions(id, command, started_at, ended_at)
    attempts(id, session_id, student, exercise_id, set_name, problem, wrt, step, answer,
             verdict, correct, equivalence, diagnosis, hints_used, started_at, answered_at,
             wrong_tries)

Version 2 added ``wrong_tries``, the wrong final answers given to the same question before this
attempt. A version-1 database is migrated when it is opened, in one transaction: the column is
added and filled from the history it already holds (the wrong answers to the same question,
earlier in the same session).

Scoring (:func:`answer_score`): a right answer scores 1, less :data:`HINT_COST` for each hint
and :data:`WRONG_TRY_COST` for each wrong try before it, never below 0; anything else scores 0.
A question is *mastered* once it has been answered right unaided: with no wrong try before it
and no hint (a decimal that was only close is not a wrong try).

``step`` is NULL for an exercise's final answer and names the step otherwise (``dy/du3``, a
path ``y → u → x``); ``verdict`` is ``correct``, ``wrong``, ``unparseable`` or ``skipped``;
``diagnosis`` is a JSON list of diagnosis codes; ``student`` is ``""`` for the learner at this
terminal and a name for answers graded from a lecturer's file. Times are UTC, ISO 8601.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaintutor.errors import InputError, visible
from chaintutor.tutor.bank import Exercise, ExerciseSet

SCHEMA_VERSION = 2
BUSY_TIMEOUT_SECONDS = 30.0
HINT_COST = 0.25  # each hint taken lowers the score of that answer by this much
WRONG_TRY_COST = 0.25  # and so does each wrong try before it: its diagnosis named the mistake
SCORING = (
    f"a right answer scores 1, less {HINT_COST:g} per hint and {WRONG_TRY_COST:g} per wrong try"
    " before it (never below 0); mastered: right with no wrong try and no hint"
)
VERDICTS = ("correct", "wrong", "unparseable", "skipped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE TABLE IF NOT EXISTS attempts (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    student     TEXT NOT NULL DEFAULT '',
    exercise_id TEXT,
    set_name    TEXT,
    problem     TEXT NOT NULL,
    wrt         TEXT NOT NULL,
    step        TEXT,
    answer      TEXT,
    verdict     TEXT NOT NULL CHECK (verdict IN ('correct', 'wrong', 'unparseable', 'skipped')),
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    equivalence TEXT,
    diagnosis   TEXT NOT NULL DEFAULT '[]',
    hints_used  INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    wrong_tries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (student, exercise_id, wrt);
"""
# Version 1 → 2: the column, filled from the wrong final answers to the same question earlier
# in the same session (a question is asked until it is answered right or skipped).
_MIGRATE_TO_2 = (
    "ALTER TABLE attempts ADD COLUMN wrong_tries INTEGER NOT NULL DEFAULT 0",
    "UPDATE attempts SET wrong_tries = ("
    " SELECT COUNT(*) FROM attempts AS earlier WHERE earlier.session_id = attempts.session_id"
    " AND earlier.student = attempts.student AND earlier.problem = attempts.problem"
    " AND earlier.wrt = attempts.wrt AND earlier.step IS NULL AND earlier.verdict = 'wrong'"
    " AND earlier.id < attempts.id) WHERE step IS NULL",
)
_TABLES = frozenset({"sessions", "attempts"})


@dataclass(frozen=True)
class Attempt:
    """One graded answer (or a skip), as it is recorded."""

    problem: str
    wrt: str
    answer: str | None  # None for a skip
    verdict: str  # one of VERDICTS
    exercise_id: str | None = None  # None for a problem of the learner's own
    set_name: str | None = None
    step: str | None = None  # None: the exercise's final answer
    equivalence: str | None = None
    diagnosis: tuple[str, ...] = ()  # diagnosis codes
    hints_used: int = 0
    wrong_tries: int = 0  # wrong final answers to this question before this one
    started_at: float = field(default_factory=time.time)  # when the question was put (epoch seconds)
    answered_at: float = field(default_factory=time.time)
    student: str = ""

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"


def answer_score(correct: bool, hints_used: int, wrong_tries: int = 0) -> float:
    """1 for a right answer, less HINT_COST per hint and WRONG_TRY_COST per wrong try before it
    (never below 0); 0 for anything else."""
    return max(0.0, 1.0 - HINT_COST * hints_used - WRONG_TRY_COST * wrong_tries) if correct else 0.0


def default_db_path(
    environ: Mapping[str, str] | None = None, platform: str | None = None, home: Path | None = None
) -> Path:
    """``$CHAINTUTOR_DB``, else the user's data directory for this platform."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if environ.get("CHAINTUTOR_DB"):
        return Path(environ["CHAINTUTOR_DB"]).expanduser()
    if platform.startswith("win"):
        base = Path(environ["APPDATA"]) if environ.get("APPDATA") else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = environ.get("XDG_DATA_HOME", "")
        base = (
            Path(xdg) if os.path.isabs(xdg) else home / ".local" / "share"
        )  # XDG: relative paths are ignored
    return base / "chaintutor" / "progress.sqlite3"


def resolve_db_path(db: str | Path | None) -> Path:
    """``--db`` when given, else the default."""
    return Path(db).expanduser() if db else default_db_path()


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


class ProgressStore:
    """The progress database at ``path``; created (with its folder) when ``create`` and missing."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path).expanduser()  # '~/x.db' is in the home folder, wherever it comes from
        if not self.path.exists():
            if not create:
                raise InputError(f"{self.path}: no progress database here")
            self._make_folder()
        try:
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
            # The busy timeout before any other statement (connect's timeout sets it too; said
            # again here so that no future change of connect's defaults can undo it).
            self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        except sqlite3.Error as error:
            raise self._unusable(error) from None
        try:
            self._prepare()
        except BaseException:
            self._conn.close()
            raise

    # --- opening --------------------------------------------------------------------------

    def _make_folder(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"{self.path}: cannot create its folder ({error.strerror})") from None

    def _unusable(self, error: sqlite3.Error) -> InputError:
        return InputError(
            f"{self.path}: cannot use this progress database ({error})",
            hint="the file was left as it is; move it aside or pass another --db",
        )

    def _prepare(self) -> None:
        """Check what the file holds before anything is written to it, then set it up."""
        try:
            # Reading the schema reads the header: a file that is not SQLite fails here, unchanged.
            tables = {
                row[0] for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as error:
            raise self._unusable(error) from None
        if version > SCHEMA_VERSION:
            raise InputError(
                f"{self.path}: written by a newer chaintutor "
                f"(schema {version}; this one reads {SCHEMA_VERSION})",
                hint="upgrade chaintutor, or pass another --db; the file was left as it is",
            )
        if version == 0 and tables - _TABLES:
            raise InputError(
                f"{self.path}: an SQLite database, but not chaintutor's "
                f"(it holds {', '.join(sorted(tables))})",
                hint="pass another --db; the file was left as it is",
            )
        if tables:
            self._check_integrity()
        try:
            self._use_wal()
            if version < SCHEMA_VERSION:
                with self._transaction():
                    self._create_or_migrate()
        except sqlite3.Error as error:
            raise self._unusable(error) from None

    def _create_or_migrate(self) -> None:
        """Inside the write transaction, so the version is read again: another process may have
        created or migrated the file meanwhile (IF NOT EXISTS makes creating twice harmless)."""
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 1:
            for statement in _MIGRATE_TO_2:
                self._conn.execute(statement)
        elif version == 0:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._conn.execute(statement)
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_integrity(self) -> None:
        """Nothing is written into a damaged database (``progress`` would refuse it later)."""
        try:
            problems = [row[0] for row in self._conn.execute("PRAGMA quick_check")]
        except sqlite3.Error as error:
            raise self._unusable(error) from None
        if problems != ["ok"]:
            raise InputError(
                f"{self.path}: this progress database is damaged ({visible(str(problems[0]))[:120]})",
                hint="the file was left as it is; move it aside or pass another --db",
            )

    def _use_wal(self) -> None:
        """WAL, so that readers never wait for a writer. Switching to it takes an exclusive lock
        and SQLite may refuse at once (busy) without waiting for the busy timeout, when many
        processes open a new database together: retried until the busy timeout is spent."""
        give_up = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                busy = "locked" in str(error) or "busy" in str(error)
                if not busy or time.monotonic() > give_up:
                    raise
                time.sleep(0.01 + random.random() * 0.04)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: the write lock is taken up front (waiting up to the busy
        timeout), so a transaction never fails half-way because another writer came first."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing --------------------------------------------------------------------------

    def start_session(self, command: str) -> str:
        """A new session's id (its row is written at once)."""
        session_id = uuid.uuid4().hex
        self._write(
            "INSERT INTO sessions (id, command, started_at) VALUES (?, ?, ?)",
            (session_id, command, _timestamp(time.time())),
        )
        return session_id

    def end_session(self, session_id: str) -> None:
        self._write("UPDATE sessions SET ended_at = ? WHERE id = ?", (_timestamp(time.time()), session_id))

    def record(self, session_id: str, attempt: Attempt) -> int:
        """Write one attempt in a transaction of its own; its row id once committed."""
        if attempt.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {attempt.verdict!r}")
        return self._write(
            "INSERT INTO attempts (session_id, student, exercise_id, set_name, problem, wrt, step, answer,"
            " verdict, correct, equivalence, diagnosis, hints_used, started_at, answered_at, wrong_tries)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session_id,
                attempt.student,
                attempt.exercise_id,
                attempt.set_name,
                attempt.problem,
                attempt.wrt,
                attempt.step,
                attempt.answer,
                attempt.verdict,
                int(attempt.correct),
                attempt.equivalence,
                json.dumps(list(attempt.diagnosis)),
                attempt.hints_used,
                _timestamp(attempt.started_at),
                _timestamp(attempt.answered_at),
                attempt.wrong_tries,
            ),
        )

    def _write(self, sql: str, parameters: tuple[object, ...]) -> int:
        try:
            with self._transaction() as conn:
                cursor = conn.execute(sql, parameters)
        except sqlite3.Error as error:
            raise InputError(f"{self.path}: cannot record progress ({error})") from None
        return cursor.lastrowid or 0

    # --- reading --------------------------------------------------------------------------

    def attempts(self, student: str | None = None) -> list[StoredAttempt]:
        """Every attempt, oldest first (of one student, when given)."""
        sql = (
            "SELECT id, session_id, student, exercise_id, set_name, problem, wrt, step, answer, verdict,"
            " equivalence, diagnosis, hints_used, started_at, answered_at, wrong_tries FROM attempts"
        )
        parameters: tuple[str, ...] = ()
        if student is not None:
            sql += " WHERE student = ?"
            parameters = (student,)
        rows = self._read(sql + " ORDER BY id", parameters)
        return [_stored(row) for row in rows]

    def _read(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise self._unusable(error) from None

    def best_scores(self, student: str = "") -> dict[tuple[str, str], ExerciseRecord]:
        """Per (exercise id, wrt): attempts at the final answer, whether one was right, whether
        one was right unaided (mastered), the best score."""
        rows = self._read(
            "SELECT exercise_id, wrt, COUNT(*), MAX(correct),"
            " MAX(correct AND hints_used = 0 AND wrong_tries = 0),"
            " MAX(CASE WHEN correct THEN 1.0 - ? * hints_used - ? * wrong_tries END)"
            " FROM attempts WHERE student = ? AND step IS NULL AND exercise_id IS NOT NULL"
            " AND verdict != 'skipped' GROUP BY exercise_id, wrt",
            (HINT_COST, WRONG_TRY_COST, student),
        )
        records = {}
        for exercise_id, wrt, count, solved, unaided, best in rows:
            score = max(0.0, best) if solved else 0.0
            records[(exercise_id, wrt)] = ExerciseRecord(count, bool(solved), score, bool(unaided))
        return records

    def answer_counts(self, student: str = "") -> tuple[int, int]:
        """How many answers this student had graded (steps and own problems included), and how many right."""
        ((graded, right),) = self._read(
            "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM attempts"
            " WHERE student = ? AND verdict != 'skipped'",
            (student,),
        )
        return graded, right

    def student_counts(self) -> list[tuple[str, int, int]]:
        """Every student with answers in the store (``""``, the learner at this terminal, among
        them), by name: how many answers were graded, and how many were right."""
        rows = self._read(
            "SELECT student, SUM(verdict != 'skipped'), SUM(correct) FROM attempts"
            " GROUP BY student ORDER BY student"
        )
        return [(student, graded, right) for student, graded, right in rows]

    def mistake_counts(self, student: str = "") -> Counter[str]:
        """How often each diagnosis code was found in this student's wrong answers."""
        counts: Counter[str] = Counter()
        for (codes,) in self._read(
            "SELECT diagnosis FROM attempts WHERE student = ? AND correct = 0", (student,)
        ):
            counts.update(diagnosis_codes(codes, self.path))
        return counts


@dataclass(frozen=True)
class StoredAttempt:
    """An attempt as read back."""

    id: int
    session_id: str
    student: str
    exercise_id: str | None
    set_name: str | None
    problem: str
    wrt: str
    step: str | None
    answer: str | None
    verdict: str
    equivalence: str | None
    diagnosis: tuple[str, ...]
    hints_used: int
    started_at: str
    answered_at: str
    wrong_tries: int = 0


def diagnosis_codes(text: object, path: Path | None = None) -> tuple[str, ...]:
    """A row's diagnosis (a JSON list of codes); an InputError if something else wrote it."""
    try:
        codes = json.loads(text) if isinstance(text, str | bytes) else None
    except ValueError:
        codes = None
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        where = f"{path}: " if path is not None else ""
        raise InputError(
            f"{where}an answer's diagnosis is not a list of codes ({visible(repr(text)[:60])}):"
            " the database was changed outside chaintutor",
            hint="the file was left as it is; move it aside or pass another --db",
        )
    return tuple(codes)


def _stored(row: tuple[Any, ...]) -> StoredAttempt:
    (id_, session, student, exercise, set_name, problem, wrt, step, answer, verdict, equivalence) = row[:11]
    codes, hints, started, answered, wrong_tries = row[11:]
    return StoredAttempt(
        id_,
        session,
        student,
        exercise,
        set_name,
        problem,
        wrt,
        step,
        answer,
        verdict,
        equivalence,
        diagnosis_codes(codes),
        hints,
        started,
        answered,
        wrong_tries,
    )


@dataclass(frozen=True)
class ExerciseRecord:
    """The learner's record on one (exercise, variable): final answers only."""

    attempts: int
    solved: bool
    best_score: float  # the best score of the right answers; 0 if none
    mastered: bool = False  # answered right unaided: no wrong try before it, no hint


# --- the listings behind `exercises` and `progress` ------------------------------------------


@dataclass(frozen=True)
class ExerciseStatus:
    exercise: Exercise
    attempts: int
    solved: bool  # every variable of the exercise answered right at least once
    score: float  # the mean of the best scores over its variables, 0 … 1
    gradable: bool = True  # graded by check too (False: a number at a point, graded in practice only)
    mastered: bool = False  # every variable answered right unaided (no wrong try, no hint)

    @property
    def tried(self) -> bool:
        return self.attempts > 0


@dataclass(frozen=True)
class SetStatus:
    name: str
    title: str
    exercises: tuple[ExerciseStatus, ...]

    @property
    def graded(self) -> tuple[ExerciseStatus, ...]:
        """The exercises that count: every one (practice grades them all)."""
        return self.exercises

    @property
    def score(self) -> float:
        return sum(status.score for status in self.graded)

    @property
    def mastered(self) -> int:
        return sum(status.mastered for status in self.graded)

    @property
    def mastery(self) -> float:
        """The share of the set's exercises mastered: answered right unaided."""
        return self.mastered / len(self.graded) if self.graded else 0.0

    @property
    def attempts(self) -> int:
        return sum(status.attempts for status in self.graded)


@dataclass(frozen=True)
class ProgressReport:
    database: Path
    sets: tuple[SetStatus, ...]
    mistakes: tuple[tuple[str, int], ...]  # diagnosis codes, most frequent first
    total_attempts: int  # every graded answer, steps and own problems included
    right_attempts: int


def is_gradable(exercise: Exercise) -> bool:
    """Whether ``check`` grades answers to the exercise. Every exercise but those that ask for a
    value at a point (``at``): their answer is a number, which practice grades
    (:mod:`chaintutor.grade.value`) and ``check``, which compares derivatives as functions, does
    not. Abstract functions are graded by instantiation (:mod:`chaintutor.grade.abstract`)."""
    return exercise.at is None


def set_statuses(
    bank: Iterable[ExerciseSet], records: Mapping[tuple[str, str], ExerciseRecord]
) -> tuple[SetStatus, ...]:
    """Each set of the bank with the learner's record on each exercise."""
    statuses = []
    for group in bank:
        rows = []
        for exercise in group.exercises:
            parts = [records.get((exercise.id, wrt)) for wrt in exercise.wrt]
            rows.append(
                ExerciseStatus(
                    exercise,
                    attempts=sum(part.attempts for part in parts if part),
                    solved=all(part is not None and part.solved for part in parts),
                    score=sum(part.best_score for part in parts if part) / len(parts),
                    gradable=is_gradable(exercise),
                    mastered=all(part is not None and part.mastered for part in parts),
                )
            )
        statuses.append(SetStatus(group.name, group.title, tuple(rows)))
    return tuple(statuses)


def progress_report(
    path: Path, bank: Iterable[ExerciseSet], student: str = "", top: int = 5
) -> ProgressReport:
    """What ``exercises`` and ``progress`` show. A database that does not exist yet is empty
    (and is not created by reading it)."""
    if not path.exists():
        return ProgressReport(path, set_statuses(bank, {}), (), 0, 0)
    with ProgressStore(path, create=False) as store:
        records = store.best_scores(student)
        mistakes = store.mistake_counts(student)
        graded, right = store.answer_counts(student)
    return ProgressReport(path, set_statuses(bank, records), tuple(mistakes.most_common(top)), graded, right)


@dataclass(frozen=True)
class StudentSummary:
    """One student's line in ``progress`` without ``--student``."""

    student: str  # "" for the learner at this terminal
    answers: int  # graded answers, steps and own problems included
    right: int
    mastered: int  # gradable exercises of the bank answered right
    exercises: int  # gradable exercises in the bank
    score: float  # the sum of the best scores over the bank's exercises


def student_summaries(path: Path, bank: Iterable[ExerciseSet]) -> tuple[StudentSummary, ...]:
    """Every student in the database at ``path``, by name (none if it does not exist yet)."""
    if not path.exists():
        return ()
    groups = list(bank)
    summaries = []
    with ProgressStore(path, create=False) as store:
        for student, answers, right in store.student_counts():
            sets = set_statuses(groups, store.best_scores(student))
            summaries.append(
                StudentSummary(
                    student,
                    answers,
                    right,
                    mastered=sum(group.mastered for group in sets),
                    exercises=sum(len(group.graded) for group in sets),
                    score=sum(group.score for group in sets),
                )
            )
    return tuple(summaries)
