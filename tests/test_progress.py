"""The progress store: where it lives, what it keeps, two writers at once, SIGKILL, bad files."""

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chaintutor.cli import app
from chaintutor.errors import InputError
from chaintutor.tutor.bank import Exercise, ExerciseSet, load_bank
from chaintutor.tutor.progress import (
    SCHEMA_VERSION,
    Attempt,
    ExerciseRecord,
    ProgressStore,
    default_db_path,
    is_gradable,
    progress_report,
    set_statuses,
)

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def rows(db: Path, sql: str = "SELECT COUNT(*) FROM attempts") -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def count(db: Path) -> int:
    """Attempts in ``db`` so far; 0 before the writer has created the file or its tables."""
    try:
        return rows(db)[0][0] if db.exists() else 0
    except sqlite3.OperationalError:
        return 0


# --- where ----------------------------------------------------------------------------------------


def test_default_path_follows_the_environment_and_the_platform():
    home = Path("/home/ada")
    assert default_db_path({"CHAINTUTOR_DB": "/tmp/p.db"}, "linux", home) == Path("/tmp/p.db")
    assert default_db_path({}, "linux", home) == home / ".local/share/chaintutor/progress.sqlite3"
    assert default_db_path({"XDG_DATA_HOME": "/data"}, "linux", home) == Path(
        "/data/chaintutor/progress.sqlite3"
    )
    relative = default_db_path({"XDG_DATA_HOME": "data"}, "linux", home)  # ignored, as the spec says
    assert relative == home / ".local/share/chaintutor/progress.sqlite3"
    mac = default_db_path({}, "darwin", home)
    assert mac == home / "Library/Application Support/chaintutor/progress.sqlite3"
    windows = default_db_path({"APPDATA": "C:/Users/ada/AppData/Roaming"}, "win32", home)
    assert windows == Path("C:/Users/ada/AppData/Roaming/chaintutor/progress.sqlite3")


def test_chaintutor_db_variable_is_used_by_the_commands(tmp_path, monkeypatch):
    db = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("CHAINTUTOR_DB", str(db))
    result = runner.invoke(app, ["practice", "--problem", "sin(x**3)"], input="3x^2 cos(x^3)\n")
    assert result.exit_code == 0, result.output
    assert rows(db) == [(1,)]


# --- what ------------------------------------------------------------------------------------------


def test_attempts_are_kept_with_every_field(tmp_path):
    db = tmp_path / "deep" / "folder" / "p.sqlite3"  # the folder is created
    with ProgressStore(db) as store:
        session = store.start_session("practice")
        attempt = Attempt(
            "ln(sin(x**3)**2)",
            "x",
            "cos(x**3)",
            "wrong",
            exercise_id="ln-sin-cube",
            set_name="single-chains",
            step="du2/du1",
            equivalence="numeric",
            diagnosis=("missing_inner_derivative", "sign_error"),
            hints_used=2,
            started_at=1_700_000_000.0,
            answered_at=1_700_000_012.5,
        )
        store.record(session, attempt)
        store.end_session(session)
        (back,) = store.attempts()
    assert (back.exercise_id, back.set_name, back.step, back.answer, back.verdict) == (
        "ln-sin-cube",
        "single-chains",
        "du2/du1",
        "cos(x**3)",
        "wrong",
    )
    assert back.diagnosis == ("missing_inner_derivative", "sign_error") and back.hints_used == 2
    assert back.started_at == "2023-11-14T22:13:20.000+00:00"
    assert back.answered_at == "2023-11-14T22:13:32.500+00:00"
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]


def test_best_score_counts_hints_and_final_answers_only(tmp_path):
    with ProgressStore(tmp_path / "p.db") as store:
        session = store.start_session("practice")
        for verdict, hints, step in (
            ("wrong", 0, None),
            ("correct", 2, None),
            ("correct", 1, None),
            ("wrong", 0, "s"),
        ):
            store.record(
                session, Attempt("sin(x)", "x", "a", verdict, exercise_id="e", step=step, hints_used=hints)
            )
        record = store.best_scores()[("e", "x")]
    assert (record.attempts, record.solved, record.best_score) == (3, True, 0.75)


def test_wrong_tries_and_hints_both_cost_and_only_an_unaided_answer_masters(tmp_path):
    with ProgressStore(tmp_path / "p.db") as store:
        session = store.start_session("practice")
        for exercise_id, verdict, hints, wrong in (
            ("helped", "correct", 3, 0),
            ("retried", "wrong", 0, 0),
            ("retried", "wrong", 0, 1),
            ("retried", "correct", 0, 2),
            ("unaided", "correct", 0, 0),
        ):
            attempt = Attempt("sin(x)", "x", "a", verdict, exercise_id, hints_used=hints, wrong_tries=wrong)
            store.record(session, attempt)
        records = store.best_scores()
    scores = {key[0]: (record.solved, record.mastered, record.best_score) for key, record in records.items()}
    assert scores == {
        "helped": (True, False, 0.25),
        "retried": (True, False, 0.5),
        "unaided": (True, True, 1.0),
    }


def test_a_version_1_database_is_migrated_and_its_wrong_tries_filled_in(tmp_path):
    db = tmp_path / "old.sqlite3"
    old = sqlite3.connect(db)
    old.executescript(
        """
        CREATE TABLE sessions (id TEXT PRIMARY KEY, command TEXT NOT NULL, started_at TEXT NOT NULL,
                               ended_at TEXT);
        CREATE TABLE attempts (id INTEGER PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
            student TEXT NOT NULL DEFAULT '', exercise_id TEXT, set_name TEXT, problem TEXT NOT NULL,
            wrt TEXT NOT NULL, step TEXT, answer TEXT, verdict TEXT NOT NULL, correct INTEGER NOT NULL,
            equivalence TEXT, diagnosis TEXT NOT NULL DEFAULT '[]', hints_used INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL, answered_at TEXT NOT NULL);
        INSERT INTO sessions VALUES ('s1', 'practice', '2026-01-01T00:00:00', NULL);
        INSERT INTO attempts (session_id, exercise_id, problem, wrt, answer, verdict, correct, started_at,
                              answered_at) VALUES
            ('s1', 'e', 'sin(x)', 'x', 'a', 'wrong', 0, 't', 't'),
            ('s1', 'e', 'sin(x)', 'x', 'b', 'wrong', 0, 't', 't'),
            ('s1', 'e', 'sin(x)', 'x', 'cos(x)', 'correct', 1, 't', 't'),
            ('s1', 'f', 'cos(x)', 'x', '-sin(x)', 'correct', 1, 't', 't');
        PRAGMA user_version = 1;
        """
    )
    old.close()
    with ProgressStore(db) as store:
        records = store.best_scores()
        assert [a.wrong_tries for a in store.attempts()] == [0, 1, 2, 0]
        store.record(store.start_session("practice"), Attempt("sin(x)", "x", "cos(x)", "correct", "g"))
    assert rows(db, "PRAGMA user_version") == [(2,)]
    assert (records[("e", "x")].best_score, records[("e", "x")].mastered) == (0.5, False)
    assert (records[("f", "x")].best_score, records[("f", "x")].mastered) == (1.0, True)


# --- two writers, SIGKILL ----------------------------------------------------------------------


def _append(db: str, name: str, count: int, start: Any) -> None:
    with ProgressStore(db) as store:
        session = store.start_session("practice")
        start.wait()
        for n in range(count):
            store.record(session, Attempt("sin(x)", "x", f"{name}-{n}", "wrong", student=name))


def test_two_processes_appending_at_once_lose_nothing(tmp_path):
    db = str(tmp_path / "shared.sqlite3")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [context.Process(target=_append, args=(db, name, 200, start)) for name in ("ada", "bob")]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    assert rows(db, "SELECT student, COUNT(DISTINCT answer) FROM attempts GROUP BY student") == [
        ("ada", 200),
        ("bob", 200),
    ]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_writer_killed_with_sigkill_keeps_every_committed_attempt(tmp_path):
    db = tmp_path / "killed.sqlite3"
    script = textwrap.dedent(
        f"""
        from chaintutor.tutor.progress import Attempt, ProgressStore
        store = ProgressStore({str(db)!r})
        session = store.start_session("practice")
        n = 0
        while True:
            store.record(session, Attempt("sin(x)", "x", str(n), "wrong"))
            n += 1
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and count(db) < 50:
            time.sleep(0.05)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    answers = [int(answer) for (answer,) in rows(db, "SELECT answer FROM attempts ORDER BY id")]
    assert len(answers) >= 50 and answers == list(range(len(answers)))  # each one whole, none lost
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    with ProgressStore(db) as store:  # and it opens again for the next session
        assert len(store.attempts()) == len(answers)


# --- files that are not ours ----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["progress"], ["exercises"], ["practice", "--problem", "sin(x)"]])
def test_a_corrupted_database_is_an_error_naming_the_file_and_left_unchanged(tmp_path, command):
    db = tmp_path / "progress.sqlite3"
    garbage = b"this is not a database\n" * 200
    db.write_bytes(garbage)
    result = runner.invoke(app, [*command, "--db", str(db)], input="quit\n")
    assert result.exit_code == 2
    assert str(db) in result.stderr and "file is not a database" in result.stderr
    assert "Traceback" not in result.output
    assert db.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.sqlite3"]


def test_another_programs_database_or_a_newer_schema_is_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(InputError, match="not chaintutor's"):
        ProgressStore(other)
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match="newer chaintutor"):
        ProgressStore(newer)
    assert rows(other, "SELECT name FROM sqlite_master") == [("photos",)]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_database_is_an_error_naming_the_file(tmp_path):
    db = tmp_path / "p.sqlite3"
    ProgressStore(db).close()
    db.chmod(0)
    try:
        result = runner.invoke(app, ["progress", "--db", str(db)])
    finally:
        db.chmod(0o600)
    assert result.exit_code == 2 and str(db) in result.stderr


def test_a_folder_is_not_a_database(tmp_path):
    result = runner.invoke(app, ["practice", "--problem", "sin(x)", "--db", str(tmp_path)])
    assert result.exit_code == 2 and str(tmp_path) in result.stderr


# --- exercises and progress -------------------------------------------------------------------------


@pytest.fixture
def prepared(tmp_path):
    """A learner who solved the first exercise of a set with one hint, missed the second twice, and
    tried a problem of their own; and a student graded by a lecturer."""
    bank = load_bank()
    group = bank[0]
    first, second = group.exercises[0], group.exercises[1]
    db = tmp_path / "p.sqlite3"
    with ProgressStore(db) as store:
        session = store.start_session("practice")
        for exercise, verdict, codes, hints in (
            (first, "correct", (), 1),
            (second, "wrong", ("missing_inner_derivative",), 0),
            (second, "wrong", ("missing_inner_derivative", "sign_error"), 0),
        ):
            store.record(
                session,
                Attempt(
                    exercise.problem,
                    exercise.wrt[0],
                    "…",
                    verdict,
                    exercise_id=exercise.id,
                    set_name=group.name,
                    diagnosis=codes,
                    hints_used=hints,
                ),
            )
        store.record(
            session, Attempt("sin(x**3)", "x", "cos(x**3)", "wrong", diagnosis=("missing_inner_derivative",))
        )
        graded = store.start_session("grade")
        store.record(
            graded, Attempt(first.problem, first.wrt[0], "x", "wrong", exercise_id=first.id, student="bob")
        )
    return db, group, first, second


def test_exercises_lists_the_sets_with_the_learners_scores(prepared):
    db, group, first, second = prepared
    result = runner.invoke(app, ["exercises", "--db", str(db)], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(group.name in line and f"score 0.75/{len(group.exercises)}" in line for line in lines)
    row = next(line for line in lines if f" {first.id} " in line)
    assert "~" in row and "0.75" in row  # right with a hint: solved, not mastered
    row = next(line for line in lines if f" {second.id} " in line)
    assert "✗" in row and "0.00" in row
    for other in load_bank()[1:]:  # every exercise counts: practice grades them all
        assert f"{other.name} — {other.title} (score 0/{len(other.exercises)}" in result.stdout
    only = runner.invoke(app, ["exercises", "--db", str(db), "--set", group.name], env=WIDE)
    assert only.exit_code == 0 and load_bank()[1].name not in only.stdout
    assert runner.invoke(app, ["exercises", "--db", str(db), "--set", "nope"]).exit_code == 2


def test_progress_shows_mastery_per_set_and_the_most_frequent_mistakes(prepared):
    db, group, _, _ = prepared
    result = runner.invoke(app, ["progress", "--db", str(db)], env=WIDE)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if group.name in line)
    assert f"0/{len(group.exercises)}" in row and " 0%" in row  # right after a hint is not mastered
    mistakes = result.stdout[result.stdout.index("Most frequent mistakes") :].splitlines()
    codes = [line.split()[1] for line in mistakes if "│" in line and "_" in line]
    assert codes == ["missing_inner_derivative", "sign_error"]
    assert "│     3 │" in next(line for line in mistakes if "missing_inner_derivative" in line)
    assert "4 answers graded, 1 right" in result.stdout  # bob's answer is not the learner's
    bob = runner.invoke(app, ["progress", "--db", str(db), "--student", "bob"], env=WIDE)
    assert "1 answers graded, 0 right" in bob.stdout


def test_exercises_with_a_point_count_and_are_listed_as_not_graded_by_check():
    problems = ("sin(x**2)", "y = f(u, v); u = x**2; v = sin(x)")
    exercises = (
        *(Exercise(f"e{n}", p, ("x",), 1, ("h",), "test", "s") for n, p in enumerate(problems)),
        Exercise("e2", "sin(x**2)", ("x",), 1, ("h",), "test", "s", at="x = 1"),
    )
    assert [is_gradable(e) for e in exercises] == [True, True, False]
    records = {("e0", "x"): ExerciseRecord(1, True, 1.0, mastered=True)}
    (status,) = set_statuses([ExerciseSet("s", "S", exercises)], records)
    assert (status.mastered, len(status.graded), status.score) == (1, 3, 1.0)
    point = next(e for group in load_bank() for e in group.exercises if not is_gradable(e))
    result = runner.invoke(app, ["exercises", "--set", point.set_name], env=WIDE)
    row = next(line for line in result.stdout.splitlines() if f" {point.id} " in line)
    assert "not by check" in result.stdout and point.id in row


def test_reading_progress_does_not_create_a_database(tmp_path):
    db = tmp_path / "none.sqlite3"
    result = runner.invoke(app, ["progress", "--db", str(db)], env=WIDE)
    assert result.exit_code == 0 and "0 answers graded" in result.stdout and "No mistakes" in result.stdout
    assert not db.exists()
    report = progress_report(db, load_bank())
    assert report.total_attempts == 0 and all(s.mastered == 0 for s in report.sets)


# --- every student, and the listings as data (issue 19) ---------------------------------------------


def test_progress_without_student_lists_every_student_too(prepared):
    db, *_ = prepared
    result = runner.invoke(app, ["progress", "--db", str(db)], env=WIDE)
    assert "Mastery per set" in result.stdout and "4 answers graded, 1 right" in result.stdout
    students = result.stdout[result.stdout.index("Students") :].splitlines()
    rows = [line.split("│")[1:-1] for line in students if line.startswith("│")]
    assert [[cell.strip() for cell in row][:3] for row in rows] == [
        ["(you, at this terminal)", "4", "1"],
        ["bob", "1", "0"],
    ]
    document = json.loads(runner.invoke(app, ["progress", "--db", str(db), "--format", "json"]).stdout)
    assert [(s["student"], s["answers"], s["right"]) for s in document["students"]] == [
        ("", 4, 1),
        ("bob", 1, 0),
    ]
    every = sum(len(group.exercises) for group in load_bank())  # every exercise counts toward mastery
    assert document["students"][1]["mastered"] == 0 and document["students"][1]["exercises"] == every
    one = json.loads(
        runner.invoke(app, ["progress", "--db", str(db), "--student", "bob", "--format", "json"]).stdout
    )
    assert "students" not in one and one["answers"] == 1


def test_progress_of_a_class_graded_into_a_database_lists_the_class(tmp_path):
    answers = tmp_path / "class.csv"
    answers.write_text(
        'student;problem;answer\n"O\'Brien, Pat";sin(x);cos(x)\nada;x^2;2\nada;x^3;3x^2\n', encoding="utf-8"
    )
    db = tmp_path / "class.sqlite3"
    assert runner.invoke(app, ["grade", str(answers), "--db", str(db)]).exit_code == 0
    out = runner.invoke(app, ["progress", "--db", str(db)], env=WIDE).stdout
    assert "answers graded" not in out and "(you" not in out  # nobody practised at this terminal
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")
    ]
    assert [row[:3] for row in rows] == [["O'Brien, Pat", "1", "1"], ["ada", "2", "1"]]


def test_exercises_as_json_and_piped_are_whole():
    bank = load_bank()
    document = json.loads(runner.invoke(app, ["exercises", "--format", "json"]).stdout)
    listed = [e["problem"] for group in document["sets"] for e in group["exercises"]]
    assert listed == [e.problem for group in bank for e in group.exercises]
    shown = {e["id"]: (e["at"], e["table"], e["statement"]) for g in document["sets"] for e in g["exercises"]}
    assert shown == {e.id: (e.at, list(e.table), e.statement) for group in bank for e in group.exercises}
    assert any(at for at, _, _ in shown.values()) and any(table for _, table, _ in shown.values())
    longest = max((e.problem for group in bank for e in group.exercises if "\n" not in e.problem), key=len)
    assert len(longest) > 60
    piped = subprocess.run(
        [sys.executable, "-m", "chaintutor", "exercises"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert piped.returncode == 0 and longest in piped.stdout and "…" not in piped.stdout
