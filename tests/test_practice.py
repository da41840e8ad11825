"""practice: the session state machine fed scripted lines, and real sessions in a pseudo-terminal."""

import os
import signal
import sqlite3
import sys
from pathlib import Path

import pexpect
import pytest

from chaintutor.errors import InputError
from chaintutor.tutor.bank import Exercise, ExerciseSet, find_exercise, load_bank
from chaintutor.tutor.practice import Event, Kind, Session, own_exercise, select_exercises
from chaintutor.tutor.progress import Attempt, ProgressStore

ROOT = Path(__file__).resolve().parent.parent


def texts(events: list[Event], kind: Kind) -> list[str]:
    return [line for e in events if e.kind is kind for line in (e.text, *e.lines)]


def exercise(problem: str, wrt: tuple[str, ...] = ("x",), id_: str = "ex", hints: int = 3) -> Exercise:
    return Exercise(id_, problem, wrt, 1, tuple(f"hint {n}" for n in range(1, hints + 1)), "test", "test-set")


class Recorder(list[Attempt]):
    def __call__(self, attempt: Attempt) -> None:
        self.append(attempt)


# --- the state machine ---------------------------------------------------------------------------


def test_wrong_then_right_with_the_diagnosis_and_every_attempt_recorded():
    recorded = Recorder()
    session = Session([own_exercise("sin(x**3)")], record=recorded)
    start = session.start()
    assert [e.kind for e in start] == [Kind.EXERCISE, Kind.ASK]
    assert session.prompt == "dy/dx ="
    wrong = session.feed("cos(x**3)")
    assert wrong[0].kind is Kind.WRONG
    assert "inner" in " ".join(wrong[0].lines)
    assert session.prompt == "dy/dx ="  # a retry
    right = session.feed("3x^2 cos(x^3)")
    assert right[0].kind is Kind.CORRECT
    assert right[-1].kind is Kind.SUMMARY  # the only exercise: the session ends
    assert session.finished
    assert [(a.answer, a.verdict, a.diagnosis) for a in recorded] == [
        ("cos(x**3)", "wrong", ("missing_inner_derivative",)),
        ("3x^2 cos(x^3)", "correct", ()),
    ]
    assert recorded[0].exercise_id is None and recorded[0].problem == "sin(x**3)"
    assert all(a.answered_at >= a.started_at for a in recorded)


def test_an_unreadable_answer_shows_the_caret_and_is_not_an_attempt():
    recorded = Recorder()
    session = Session([own_exercise("sin(x**3)")], record=recorded)
    session.start()
    events = session.feed("cos(x**3")
    assert events[0].kind is Kind.ERROR
    assert "^" in events[0].text
    assert events[-1].kind is Kind.ASK and session.prompt == "dy/dx ="
    assert recorded == []


def test_hints_come_in_order_and_cost_score():
    session = Session([own_exercise("ln(sin(x**3)**2)")])
    session.start()
    first, second, third = (session.feed("hint")[0] for _ in range(3))
    assert first.kind is Kind.HINT and "u1 = x³" in first.lines[0] and "u2 = sin(u1)" in first.lines[0]
    assert "du2/du1 = cos(u1)" in second.lines[0]
    assert "y → u3 → u2 → u1 → x" in third.lines[0]
    assert "No more hints" in session.feed("hint")[0].text
    session.feed("6x^2 cos(x^3)/sin(x^3)")
    assert session.results[0].solved and session.results[0].hints == 3
    assert session.results[0].score == pytest.approx(0.25)


def test_skip_reveals_the_answer_and_moves_on():
    recorded = Recorder()
    session = Session([exercise("sin(x**3)", id_="a"), exercise("exp(2*x)", id_="b")], record=recorded)
    session.start()
    events = session.feed("skip")
    assert events[0].kind is Kind.REVEAL and "3x²·cos(x³)" in events[0].lines[0]
    assert events[1].kind is Kind.EXERCISE and "Exercise 2 of 2" in events[1].text
    assert recorded[-1].verdict == "skipped" and recorded[-1].answer is None
    assert recorded[-1].exercise_id == "a" and recorded[-1].set_name == "test-set"


@pytest.mark.parametrize("command", ["quit", "QUIT", "exit", "q"])
def test_quit_ends_with_a_summary(command):
    session = Session([exercise("sin(x**3)"), exercise("exp(2*x)")])
    session.start()
    session.feed("3*x**2*cos(x**3)")
    events = session.feed(command)
    assert [e.kind for e in events] == [Kind.SUMMARY]
    assert "1 of 1 right" in "\n".join(events[0].lines)
    assert session.finished and session.feed("anything") == [] and session.end() == []


def test_end_of_input_before_any_answer():
    session = Session([exercise("sin(x**3)")])
    session.start()
    assert session.end()[0].text == "Session summary: nothing answered."


def test_a_gradient_exercise_asks_each_partial_in_turn():
    session = Session([exercise("ln(x**2 + y**2)", wrt=("x", "y"))])
    session.start()
    assert session.prompt == "∂f/∂x ="
    events = session.feed("2x/(x^2 + y^2)")
    assert events[0].kind is Kind.CORRECT and session.prompt == "∂f/∂y ="
    assert session.feed("2y/(x^2 + y^2)")[-1].kind is Kind.SUMMARY


def test_an_exercise_with_abstract_functions_is_graded_in_the_notations_students_write():
    recorded = Recorder()
    abstract = exercise("y = f(u, v); u = x**2; v = sin(x)", id_="abstract")
    session = Session([abstract, exercise("sin(x**3)", id_="next")], record=recorded)
    assert [e.kind for e in session.start()] == [Kind.EXERCISE, Kind.ASK]
    wrong = session.feed("f_u·2x")
    assert wrong[0].kind is Kind.WRONG and "y → v → x" in wrong[0].lines[0]  # a path left out
    right = session.feed("∂f/∂u·2x + ∂f/∂v·cos(x)")
    assert right[0].kind is Kind.CORRECT and "next" in texts(right, Kind.EXERCISE)[0]
    session.feed("quit")
    assert [(a.verdict, a.diagnosis, a.wrong_tries) for a in recorded] == [
        ("wrong", ("missing_path",), 0),
        ("correct", (), 1),
    ]


def test_a_value_from_a_table_is_graded_as_a_number():
    bank = load_bank()
    session = Session([find_exercise(bank, "table-f-of-g")])
    start = session.start()
    assert "Table of values: g(2) = 1, g′(2) = 3" in " ".join(texts(start, Kind.EXERCISE))
    wrong = session.feed("-3")[0]  # f′(2)·g′(2): the outer derivative at x, not at g(2)
    assert wrong.kind is Kind.WRONG and "taken at x instead of at its inside" in wrong.lines[0]
    assert session.results[0].codes == ["outer_at_wrong_argument"]
    error = session.feed("12x")[0]
    assert error.kind is Kind.ERROR and "is a number" in error.text
    right = session.feed("12")
    assert right[0].kind is Kind.CORRECT and "dy/dx = 12" in right[0].lines


def test_a_numeric_backward_pass_takes_a_decimal_to_three_significant_figures():
    bank = load_bank()
    session = Session([find_exercise(bank, "backward-sigmoid-neuron")])
    session.start()
    # ∂L/∂w = 2(σ(1) − 1)·σ(1)(1 − σ(1))·2 = −0.21150…
    assert session.feed("-0.21")[0].text.startswith("≈ close")  # two figures only
    assert session.feed("-0.2115")[0].kind is Kind.CORRECT
    skipped = session.feed("skip")
    assert "≈ -0.1058" in " ".join(texts(skipped, Kind.REVEAL))


def test_choosing_a_set_by_number_name_or_exercise_id(tmp_path):
    bank = [
        ExerciseSet("alpha", "A", (exercise("sin(x**3)", id_="a1"), exercise("exp(2*x)", id_="a2"))),
        ExerciseSet("beta", "B", (exercise("cos(x**2)", id_="b1"),)),
    ]
    for choice, first in (("2", "b1"), ("alpha", "a1"), ("a2", "a2")):
        session = Session(bank=bank)
        start = session.start()
        assert start[0].kind is Kind.MENU and "1. alpha — A (2 exercises)" in start[0].lines
        events = session.feed(choice)
        assert events[0].kind is Kind.EXERCISE and first in events[0].text
    session = Session(bank=bank)
    session.start()
    events = session.feed("alpah")
    assert events[0].kind is Kind.ERROR and "did you mean alpha" in events[0].text


# --- steps and follow-through --------------------------------------------------------------------


def test_steps_grade_each_local_derivative_and_follow_through_to_the_final_answer():
    recorded = Recorder()
    session = Session([own_exercise("ln(sin(x**3)**2)")], steps=True, record=recorded)
    start = session.start()
    assert "u3 = u2²" in "\n".join(texts(start, Kind.NOTE))
    prompts = [session.prompt]
    verdicts = []
    for answer in ("3x^2", "-cos(u1)", "2 u2", "1/u3"):
        events = session.feed(answer)
        verdicts.append(events[0])
        prompts.append(session.prompt)
    assert prompts == ["du1/dx =", "du2/du1 =", "du3/du2 =", "dy/du3 =", "dy/dx ="]
    assert [v.kind for v in verdicts] == [Kind.CORRECT, Kind.WRONG, Kind.CORRECT, Kind.CORRECT]
    assert "sign" in verdicts[1].lines[0]
    final = session.feed("-6x^2 cos(x^3)/sin(x^3)")  # what the chain gives with the wrong step
    assert final[0].kind is Kind.WRONG
    assert "consistent with your earlier step du2/du1 = -cos(u1), which was wrong" in final[0].lines[0]
    unrelated = session.feed("x")
    assert unrelated[0].kind is Kind.WRONG and "consistent" not in " ".join(unrelated[0].lines)
    assert session.feed("6x^2 cos(x^3)/sin(x^3)")[0].kind is Kind.CORRECT
    assert [(a.step, a.verdict) for a in recorded][:5] == [
        ("du1/dx", "correct"),
        ("du2/du1", "wrong"),
        ("du3/du2", "correct"),
        ("dy/du3", "correct"),
        (None, "wrong"),
    ]
    assert recorded[1].diagnosis == ("sign_error",)
    assert session.results[0].steps_right == 3 and session.results[0].steps_asked == 4


def test_with_steps_the_decomposition_is_shown_so_the_first_hint_is_the_local_derivatives():
    session = Session([exercise("sin(x**3)")], steps=True)
    session.start()
    hint = session.feed("hint")[0]
    assert hint.text == "Hint 2 of 3 (−0.25)" and hint.lines == ("hint 2",)
    assert session.results[0].hints == 1


def test_no_steps_when_the_only_step_is_the_derivative_itself():
    session = Session([exercise("sin(x)")], steps=True)
    events = session.start()
    assert "No steps" in texts(events, Kind.NOTE)[0] and session.prompt == "dy/dx ="
    assert session.feed("cos(x)")[0].kind is Kind.CORRECT


def test_steps_ask_each_path_product_when_there_are_several_paths():
    session = Session([own_exercise("y = u^2 + v; u = x*z; v = sin(x)", ["x"])], steps=True)
    session.start()
    answers = {"∂u/∂x =": "z", "dv/dx =": "cos(x)", "∂y/∂u =": "2u", "∂y/∂v =": "2"}
    for prompt, answer in answers.items():
        assert session.prompt == prompt
        session.feed(answer)
    assert session.prompt == "product ="
    assert session.feed("2 u z")[0].kind is Kind.CORRECT
    path = session.feed("2 cos(x)")  # the wrong ∂y/∂v = 2 carried along the path y → v → x
    assert path[0].kind is Kind.WRONG and "consistent with your earlier step ∂y/∂v = 2" in path[0].lines[0]
    assert session.prompt == "∂y/∂x ="
    final = session.feed("2 x z^2 + 2 cos(x)")
    assert final[0].kind is Kind.WRONG and "consistent with your earlier steps" in final[0].lines[0]


def test_steps_for_the_second_variable_reuse_the_shared_local_derivatives():
    session = Session([exercise("ln(x**2 + y**2)", wrt=("x", "y"))], steps=True)
    session.start()
    for answer in ("2x", "1/u1"):
        session.feed(answer)
    session.feed("2x/(x^2+y^2)")
    assert session.prompt == "∂u1/∂y ="  # df/du1 was answered already


# --- choosing what to practise -------------------------------------------------------------------


def test_select_exercises_one_way_at_most():
    bank = load_bank()
    assert select_exercises(bank) == []
    first = bank[0].exercises[0]
    assert select_exercises(bank, exercise_id=first.id) == [first]
    assert select_exercises(bank, set_name=bank[0].name) == list(bank[0].exercises)
    generated = select_exercises(bank, level=3, seed=11)
    assert generated == select_exercises(bank, level=3, seed=11) and generated[0].id == "gen-L3-S11"
    with pytest.raises(InputError, match="not --id and --problem"):
        select_exercises(bank, exercise_id=first.id, problem="sin(x)")
    with pytest.raises(InputError, match="no exercise has the id") as raised:
        select_exercises(bank, exercise_id=first.id + "x")
    assert raised.value.hint == f"did you mean '{first.id}'?"


@pytest.mark.parametrize(
    ("problem", "wrt", "fragment"),
    [("sin(x)", ["z"], "z"), ("sin(x", None, "never closed")],
)
def test_an_own_problem_that_cannot_be_practised_is_refused_up_front(problem, wrt, fragment):
    with pytest.raises(InputError, match=fragment):
        own_exercise(problem, wrt)


# --- a real terminal -----------------------------------------------------------------------------


def spawn(*args: str) -> pexpect.spawn:
    env = dict(os.environ, COLUMNS="100", LINES="40", TERM="xterm", PYTHONPATH=str(ROOT))
    env.pop("CHAINTUTOR_DB", None)
    return pexpect.spawn(
        sys.executable,
        ["-m", "chaintutor", "practice", *args],
        env=env,
        encoding="utf-8",
        timeout=60,
        cwd=ROOT,
    )


def stored(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT answer, verdict FROM attempts ORDER BY id").fetchall()


def test_a_session_in_a_pseudo_terminal_wrong_then_right(tmp_path):
    db = tmp_path / "progress.sqlite3"
    child = spawn("--problem", "sin(x**3)", "--db", str(db))
    child.expect("dy/dx =")
    child.sendline("cos(x**3)")
    child.expect("inner function u1 = x³")  # the missing inner derivative
    child.expect("dy/dx =")
    child.sendline("3*x**2*cos(x**3)")
    child.expect("correct")
    child.expect("Session summary")  # the only exercise: the session ends
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert stored(db) == [("cos(x**3)", "wrong"), ("3*x**2*cos(x**3)", "correct")]


def test_a_session_killed_with_sigkill_keeps_the_graded_answer(tmp_path):
    db = tmp_path / "progress.sqlite3"
    child = spawn("--set", load_bank()[0].name, "--db", str(db))
    child.expect("=")
    child.sendline("cos(x**3)")
    child.expect("not correct")
    child.expect("=")  # asked again: the attempt was committed before this prompt
    child.kill(signal.SIGKILL)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    assert stored(db) == [("cos(x**3)", "wrong")]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_hint_then_ctrl_d_ends_with_a_summary(tmp_path):
    child = spawn("--problem", "sin(x**3)", "--db", str(tmp_path / "p.db"))
    child.expect("dy/dx =")
    child.sendline("hint")
    child.expect("Name the pieces, innermost first: u1 = x³, y = sin\\(u1\\)")
    child.expect("dy/dx =")
    child.sendeof()
    child.expect("Session summary")
    child.expect("1 hint")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.parametrize("stop", ["quit", "ctrl-c"])
def test_quit_and_ctrl_c_end_cleanly_with_a_summary(tmp_path, stop):
    db = tmp_path / "p.db"
    child = spawn("--problem", "exp(2*x)", "--db", str(db))
    child.expect("dy/dx =")
    child.sendline("exp(2*x)")
    child.expect("not correct")
    child.expect("dy/dx =")
    if stop == "quit":
        child.sendline("quit")
    else:
        child.sendintr()
    child.expect("Session summary")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert stored(db) == [("exp(2*x)", "wrong")]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT ended_at IS NOT NULL FROM sessions").fetchone() == (1,)


def test_wrong_tries_cost_score_and_set_resumes_at_the_first_unmastered_exercise(tmp_path):
    db = tmp_path / "p.db"
    first, second = load_bank_set("single-chains")[:2]  # sin(3x), then cos(x²)
    child = spawn("--set", "single-chains", "--db", str(db))
    child.expect("Exercise 1 of")
    child.expect("dy/dx =")
    child.sendline("3cos(3x)")  # right at once
    child.expect("correct")
    child.expect("Exercise 2 of")
    child.expect("dy/dx =")
    child.sendline("-sin(x^2)")  # two wrong tries
    child.expect("not correct")
    child.expect("dy/dx =")
    child.sendline("2x sin(x^2)")
    child.expect("not correct")
    child.expect("dy/dx =")
    child.sendline("-2x sin(x^2)")
    child.expect("score 0.5 \\(2 wrong tries\\)")
    child.expect("dy/dx =")  # the third exercise
    child.sendline("quit")
    child.expect(f"✓ {first.id} .* score 1\r\n")
    child.expect(f"✓ {second.id} .*2 wrong.* score 0.5\r\n")
    child.expect("1 unaided: no wrong try, no hint")
    child.expect("Scoring: a right answer scores 1, less 0.25 per hint and 0.25 per wrong try")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    with ProgressStore(db) as store:
        records = store.best_scores()
    assert records[(first.id, "x")].best_score > records[(second.id, "x")].best_score
    assert records[(first.id, "x")].mastered and not records[(second.id, "x")].mastered

    again = spawn("--set", "single-chains", "--db", str(db))  # resumes at the unmastered second
    again.expect("Resuming at exercise 2 of")
    again.expect(f"Exercise 2 of .* · {second.id} ·")
    again.expect("dy/dx =")
    again.sendline("quit")
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0


def load_bank_set(name: str) -> tuple[Exercise, ...]:
    return next(group.exercises for group in load_bank() if group.name == name)
