"""A practice session as a state machine: lines in, events out (no terminal, no Rich).

>>> session = Session([own_exercise("sin(x**3)")])
>>> [event.kind.value for event in session.start()]
['exercise', 'ask']
>>> [event.text for event in session.feed("cos(x**3)")][:1]
['✗ not correct']

The front end (:mod:`chaintutor.cli.session`) prints the events and feeds the lines the
learner types; the tests feed scripted lines. Besides answers, a line may be a command:

- ``hint``: the next hint of the exercise (its decomposition, then the local derivatives,
  then the path structure); each one lowers the score of the answer by ``HINT_COST``, as each
  wrong try does by ``WRONG_TRY_COST`` (its diagnosis names the mistake: help too);
- ``skip``: show the right answer and move on;
- ``quit`` (or end of input, or Ctrl-C, through :meth:`Session.end`): stop with a summary;
- ``help``: list the commands.

A wrong answer gets its diagnosis and may be tried again. With ``steps``, each local
derivative is asked first, then each path product (when there are several paths), then the
derivative itself; see :mod:`chaintutor.grade.steps` for how the steps are graded.
Every graded answer and every skip is handed to ``record`` at once, before the next prompt.
"""

from __future__ import annotations

import difflib
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import sympy

from chaintutor.core.derive import derive
from chaintutor.core.notation import equation, ratio, unicode
from chaintutor.core.outline import outline
from chaintutor.core.problem import read_problem
from chaintutor.errors import InputError
from chaintutor.grade.check import CheckResult, applies_abstract_functions, check
from chaintutor.grade.equivalence import HOW_EQUAL
from chaintutor.grade.model import Model
from chaintutor.grade.steps import Step, StepGrader
from chaintutor.grade.value import SIGNIFICANT_FIGURES, check_value, expected_value
from chaintutor.tutor.bank import Exercise, ExerciseSet, find_exercise, find_set
from chaintutor.tutor.generate import generate
from chaintutor.tutor.hints import derivation_hints
from chaintutor.tutor.progress import (
    HINT_COST,
    SCORING,
    WRONG_TRY_COST,
    Attempt,
    ExerciseRecord,
    answer_score,
)

OWN_SET = ""  # the set name of a problem the learner typed
_ALIASES = {"exit": "quit", "q": "quit", "?": "help", "h": "hint"}
HELP = (
    "Type your answer in the same language as the problems: 3x^2 cos(x^3), 3*x**2*cos(x**3).",
    f"hint: the next hint (each one costs {HINT_COST:g} of the score, as each wrong try costs"
    f" {WRONG_TRY_COST:g})   skip: show the answer, move on",
    "quit (or Ctrl-D, Ctrl-C): stop here, with a summary",
)


class Kind(StrEnum):
    MENU = "menu"  # the sets to choose from
    EXERCISE = "exercise"  # a new exercise: its header and statement
    ASK = "ask"  # the prompt for the next line; ``text`` is the prompt itself
    CORRECT = "correct"
    WRONG = "wrong"  # ``lines``: the diagnosis
    NOTE = "note"
    HINT = "hint"
    REVEAL = "reveal"  # the right answer, after a skip
    ERROR = "error"  # a line that could not be read: the parser's message with its caret
    SUMMARY = "summary"


@dataclass(frozen=True)
class Event:
    kind: Kind
    text: str
    lines: tuple[str, ...] = ()


@dataclass
class QuestionResult:
    """How one derivative of one exercise went."""

    exercise: Exercise
    wrt: str
    label: str  # "dy/dx"
    tries: int = 0  # final answers graded
    wrong: int = 0  # of them, wrong (a decimal that is only close is not counted)
    hints: int = 0
    solved: bool = False
    skipped: bool = False
    steps_asked: int = 0
    steps_right: int = 0
    codes: list[str] = field(default_factory=list)  # every diagnosis code found, steps included

    @property
    def score(self) -> float:
        return answer_score(self.solved, self.hints, self.wrong)

    @property
    def unaided(self) -> bool:
        """Right with no wrong try before it and no hint: what mastering takes."""
        return self.solved and not self.wrong and not self.hints


def own_exercise(problem: str, wrt: Sequence[str] | None = None) -> Exercise:
    """A problem the learner typed, as an exercise (every independent variable, unless ``wrt``).

    Raises InputError when it cannot be practised: unreadable, or not gradable (a variable it
    does not have, a function the grader cannot evaluate).
    """
    derivation = derive(problem, list(wrt) if wrt else None)
    if not applies_abstract_functions(problem):
        for name in derivation.wrt:
            Model(problem, name)  # the grader's own checks, up front rather than at the first answer
    return Exercise(
        id="",
        problem=problem,
        wrt=derivation.wrt,
        level=0,
        hints=derivation_hints(derivation),
        source="your own problem",
        set_name=OWN_SET,
    )


def select_exercises(
    bank: Sequence[ExerciseSet],
    *,
    exercise_id: str | None = None,
    set_name: str | None = None,
    problem: str | None = None,
    wrt: Sequence[str] | None = None,
    level: int | None = None,
    seed: int | None = None,
) -> list[Exercise]:
    """What ``practice`` was asked for: one way at most (an empty list: let the learner pick).

    ``level`` (with ``seed``, else a random one) asks for a generated exercise.
    """
    chosen = [
        name
        for name, value in (
            ("--id", exercise_id),
            ("--set", set_name),
            ("--problem", problem),
            ("--random", level),
        )
        if value is not None
    ]
    if len(chosen) > 1:
        raise InputError(f"choose one way to pick exercises, not {' and '.join(chosen)}")
    if wrt and problem is None:
        raise InputError(
            "--wrt goes with --problem (an exercise of the bank says which variables it asks for)"
        )
    if seed is not None and level is None:
        raise InputError("--seed goes with --random")
    if exercise_id is not None:
        return [find_exercise(bank, exercise_id)]
    if set_name is not None:
        return list(find_set(bank, set_name).exercises)
    if problem is not None:
        return [own_exercise(problem, wrt)]
    if level is not None:
        return [generate(level, random.randrange(10_000) if seed is None else seed)]
    return []


class Session:
    """One practice session. ``start`` once, then ``feed`` each line; ``end`` on EOF or Ctrl-C.

    With ``exercises`` the session goes through them in order; without, it first asks the
    learner to pick a set of ``bank`` (or an exercise, by id).
    """

    def __init__(
        self,
        exercises: Sequence[Exercise] = (),
        *,
        bank: Sequence[ExerciseSet] = (),
        steps: bool = False,
        record: Callable[[Attempt], object] | None = None,
        clock: Callable[[], float] = time.time,
        start_at: int = 0,
    ) -> None:
        """``start_at``: the index of the exercise to begin with (``practice --set`` resumes)."""
        if not exercises and not bank:
            raise ValueError("a session needs exercises, or a bank to choose them from")
        self.steps = steps
        self.results: list[QuestionResult] = []
        self.finished = False
        self._bank = bank
        self._record = record if record is not None else (lambda attempt: None)
        self._clock = clock
        self._exercises: list[Exercise] = list(exercises)
        self._questions: list[tuple[Exercise, str]] = []
        self._index = 0  # of the next question
        self._start_at = start_at
        self._choosing = not exercises
        self._hints_shown: Counter[str] = Counter()  # per exercise (its problem text)
        self._prompt = ""
        self._asked_at = clock()
        # the current question
        self._model: Model | None = None
        self._expected: sympy.Expr | None = None  # the right answer, for a question without a model
        self._grader: StepGrader | None = None
        self._steps: list[Step] = []
        self._step = 0

    @property
    def prompt(self) -> str:
        """The prompt for the next line."""
        return self._prompt

    # --- driving the session --------------------------------------------------------------

    def start(self) -> list[Event]:
        if self._choosing:
            return [self._menu(), self._ask("set ›")]
        remaining = self._exercises[self._start_at :]
        self._questions = [(exercise, wrt) for exercise in remaining for wrt in exercise.wrt]
        if self._start_at:
            note = (
                f"Resuming at exercise {self._start_at + 1} of {len(self._exercises)}, "
                "the first not yet mastered (right with no wrong try and no hint)."
            )
            return [Event(Kind.NOTE, note), *self._begin_question()]
        return self._begin_question()

    def feed(self, line: str) -> list[Event]:
        """React to one line the learner typed."""
        if self.finished:
            return []
        text = line.strip()
        command = _ALIASES.get(text.lower(), text.lower())
        if command == "quit":
            return self.end()
        if command == "help":
            return [Event(Kind.NOTE, "Commands", HELP), self._ask(self._prompt)]
        if not text:
            return [self._ask(self._prompt)]
        if self._choosing:
            return self._choose(text)
        if command == "hint":
            return self._hint()
        if command == "skip":
            return self._skip()
        if self._steps and self._step < len(self._steps):
            return self._answer_step(text)
        return self._answer_final(text)

    def end(self) -> list[Event]:
        """Stop here (quit, end of input, Ctrl-C): the summary."""
        if self.finished:
            return []
        self.finished = True
        self._prompt = ""
        return [self._summary()]

    # --- choosing ---------------------------------------------------------------------------

    def _menu(self) -> Event:
        lines = tuple(
            f"{number}. {group.name} — {group.title} ({len(group.exercises)} exercises)"
            for number, group in enumerate(self._bank, 1)
        )
        return Event(Kind.MENU, "Pick a set by its number or name (or an exercise by its id):", lines)

    def _choose(self, text: str) -> list[Event]:
        chosen = self._find(text)
        if chosen is None:
            names = [group.name for group in self._bank] + [e.id for g in self._bank for e in g.exercises]
            close = difflib.get_close_matches(text, names, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return [Event(Kind.ERROR, f"error: no set or exercise '{text}'{hint}"), self._ask(self._prompt)]
        self._choosing = False
        self._exercises, self._start_at = chosen, 0
        return self.start()

    def _find(self, text: str) -> list[Exercise] | None:
        if text.isdigit() and 1 <= int(text) <= len(self._bank):
            return list(self._bank[int(text) - 1].exercises)
        for group in self._bank:
            if group.name == text:
                return list(group.exercises)
            for exercise in group.exercises:
                if exercise.id == text:
                    return [exercise]
        return None

    # --- questions --------------------------------------------------------------------------

    @property
    def _current(self) -> QuestionResult:
        return self.results[-1]

    def _begin_question(self) -> list[Event]:
        events: list[Event] = []
        while self._index < len(self._questions):
            exercise, wrt = self._questions[self._index]
            self._index += 1
            if self._index == 1 or self._questions[self._index - 2][0] is not exercise:
                events.append(self._statement(exercise))
            return [*events, *self._question(exercise, wrt)]
        return [*events, *self.end()]

    def _question(self, exercise: Exercise, wrt: str) -> list[Event]:
        if exercise.at is not None or applies_abstract_functions(exercise.problem):
            return self._plain_question(exercise, wrt)
        events: list[Event] = []
        previous = (
            self._grader if self._grader is not None and self._grader.problem == exercise.problem else None
        )
        self._grader, self._steps, self._step, self._expected = None, [], 0, None
        if self.steps:
            self._grader = StepGrader(exercise.problem, wrt)
            self._model = self._grader.model
        else:
            self._model = Model(exercise.problem, wrt)
        label = ratio(self._model.output, wrt, len(self._model.graph.leaves) > 1)
        self.results.append(QuestionResult(exercise, wrt, label))
        if self._grader is not None:
            self._steps = self._grader.plan(previous.answered if previous else None)
            # The pieces are shown with the steps: the first hint, the decomposition, comes free.
            self._hints_shown[exercise.problem] = max(1, self._hints_shown[exercise.problem])
            events.append(self._steps_intro())
        return [*events, self._ask_current()]

    def _plain_question(self, exercise: Exercise, wrt: str) -> list[Event]:
        """A number at the exercise's point, or a derivative with abstract functions: no model
        (the functions are known only by name, or through a table) and no steps; the answer
        is graded by :func:`check_value` or by :func:`check` (by instantiation)."""
        self._grader, self._model, self._steps, self._step = None, None, [], 0
        if exercise.at is not None:
            self._expected = expected_value(exercise.problem, wrt, exercise.at, exercise.table_rows)
        else:
            self._expected = derive(exercise.problem, [wrt]).result[wrt]
        problem = read_problem(exercise.problem)
        names = [name for name in problem.names if name not in problem.defined]
        label = ratio(problem.output, wrt, len(names) > 1)
        self.results.append(QuestionResult(exercise, wrt, label))
        why = "asks for a number" if exercise.at is not None else "has abstract functions"
        first = wrt == exercise.wrt[0]
        events = [Event(Kind.NOTE, f"This exercise {why}: no steps.")] if self.steps and first else []
        return [*events, self._ask_current()]

    def _statement(self, exercise: Exercise) -> Event:
        position = self._exercises.index(exercise) + 1
        title = f"Exercise {position} of {len(self._exercises)}"
        if exercise.id:
            title += f" · {exercise.id} · level {exercise.level}"
        return Event(Kind.EXERCISE, title, _task(exercise))

    def _steps_intro(self) -> Event:
        assert self._grader is not None
        d = self._grader.derivation
        if not self._steps:
            return Event(Kind.NOTE, f"No steps to take one by one here: {self._current.label} itself.")
        pieces = tuple(f"  {equation(piece.name, piece.expr)}" for piece in outline(d).pieces)
        locals_ = sum(step.kind == "local" for step in self._steps)
        paths = len(self._steps) - locals_
        plan = f"Step by step: {locals_} local derivative{'s' if locals_ != 1 else ''}"
        if paths:
            plan += f", then the product along each of the {paths} paths"
        plan += f", then {self._current.label}. The pieces:"
        return Event(Kind.NOTE, plan, pieces)

    def _ask_current(self) -> Event:
        if self._step < len(self._steps):
            step = self._steps[self._step]
            where = f"Step {self._step + 1} of {len(self._steps) + 1}"
            if step.kind == "local":
                return self._ask(f"{step.label} =", (f"{where} · {step.context}",))
            return self._ask("product =", (f"{where} · the path {step.label}: {step.context}",))
        lines = (
            (f"Step {len(self._steps) + 1} of {len(self._steps) + 1} · the derivative itself",)
            if self._steps
            else ()
        )
        return self._ask(f"{self._current.label} =", lines)

    def _ask(self, prompt: str, lines: tuple[str, ...] = ()) -> Event:
        self._prompt = prompt
        self._asked_at = self._clock()
        return Event(Kind.ASK, prompt, lines)

    # --- answers ----------------------------------------------------------------------------

    def _answer_step(self, text: str) -> list[Event]:
        assert self._grader is not None
        step = self._steps[self._step]
        try:
            verdict = self._grader.grade_step(step, text)
        except InputError as error:
            return [Event(Kind.ERROR, error.render()), self._ask(self._prompt, ())]
        codes = tuple(item.code for item in verdict.diagnosis)
        self._store(text, "correct" if verdict.correct else "wrong", codes=codes, step=step.label)
        result = self._current
        result.steps_asked += 1
        result.steps_right += verdict.correct
        result.codes.extend(codes)
        self._step += 1
        if verdict.correct:
            events = [Event(Kind.CORRECT, "✓ right")]
        elif verdict.follows_from:
            events = [
                Event(Kind.WRONG, "✗ not right", (self._follow_through(verdict.follows_from, "product"),))
            ]
        else:
            events = [Event(Kind.WRONG, "✗ not right", tuple(item.message for item in verdict.diagnosis))]
        return [*events, self._ask_current()]

    def _answer_final(self, text: str) -> list[Event]:
        exercise, result = self._current.exercise, self._current
        follows: tuple[str, ...] = ()
        try:
            if exercise.at is not None:
                checked = check_value(
                    exercise.problem, text, result.wrt, exercise.at, exercise.table_rows, result.label
                )
            elif self._grader is not None:
                checked, follows = self._grader.grade_final(text)
            else:
                checked = check(exercise.problem, text, result.wrt)
        except InputError as error:
            return [Event(Kind.ERROR, error.render()), self._ask(self._prompt)]
        codes = tuple(item.code for item in checked.diagnosis)
        self._store(text, "correct" if checked.correct else "wrong", checked.equivalence, codes)
        result.tries += 1
        result.wrong += not checked.correct and not checked.close
        result.codes.extend(codes)
        if checked.correct:
            result.solved = True
            return [self._accepted(checked), *self._begin_question()]
        # Following through from a wrong step explains the answer better than any mistake of the chain.
        lines = (
            [self._follow_through(follows, "answer")] if follows else [d.message for d in checked.diagnosis]
        )
        if checked.close:  # a decimal for an exact number: no mistake of the chain to show
            lines = [checked.detail]
        heading = "≈ close, but not exact" if checked.close else "✗ not correct"
        events = [Event(Kind.WRONG, heading, tuple(lines))]
        if result.tries == 1:
            events.append(Event(Kind.NOTE, "Try again, or type hint or skip."))
        return [*events, self._ask(self._prompt)]

    def _accepted(self, checked: CheckResult) -> Event:
        result = self._current
        lines = [f"{result.label} = {self._right_answer()}"]
        help_taken = [_plural(result.hints, "hint")] if result.hints else []
        if result.wrong:
            help_taken.append(_plural(result.wrong, "wrong try", "wrong tries"))
        if help_taken:
            lines.append(f"score {result.score:g} ({', '.join(help_taken)})")
        return Event(Kind.CORRECT, f"✓ correct (equivalent {HOW_EQUAL[checked.equivalence]})", tuple(lines))

    def _follow_through(self, labels: tuple[str, ...], what: str) -> str:
        assert self._grader is not None
        steps = ", ".join(f"{label} = {unicode(self._grader.wrong[label])}" for label in labels)
        several = len(labels) > 1
        return (
            f"Your {what} is consistent with your earlier step{'s' if several else ''} {steps}, "
            f"which {'were' if several else 'was'} wrong: the chain is put together right; "
            f"mend that step{'s' if several else ''} and it gives the right {what}."
        )

    def _hint(self) -> list[Event]:
        exercise, result = self._current.exercise, self._current
        shown = self._hints_shown[exercise.problem]
        if shown >= len(exercise.hints):
            return [Event(Kind.NOTE, "No more hints: type skip to see the answer."), self._ask(self._prompt)]
        self._hints_shown[exercise.problem] += 1
        result.hints += 1
        title = f"Hint {shown + 1} of {len(exercise.hints)} (−{HINT_COST:g})"
        return [Event(Kind.HINT, title, (exercise.hints[shown],)), self._ask(self._prompt)]

    def _skip(self) -> list[Event]:
        result = self._current
        result.skipped = True
        self._store(None, "skipped")
        answer = f"{result.label} = {self._right_answer()}"
        reveal = Event(Kind.REVEAL, "Skipped. The answer:", (answer,))
        self._steps, self._step = [], 0
        return [reveal, *self._begin_question()]

    def _right_answer(self) -> str:
        if self._expected is not None:
            exact = unicode(self._expected)
            if not self._expected.is_number or self._expected.is_Rational:
                return exact
            return f"{exact} ≈ {sympy.N(self._expected, 4)}"
        assert self._model is not None
        return unicode(self._model.right_answer)

    def _store(
        self,
        answer: str | None,
        verdict: str,
        equivalence: str | None = None,
        codes: tuple[str, ...] = (),
        step: str | None = None,
    ) -> None:
        result = self._current
        now = self._clock()
        self._record(
            Attempt(
                problem=result.exercise.problem,
                wrt=result.wrt,
                answer=answer,
                verdict=verdict,
                exercise_id=result.exercise.id or None,
                set_name=result.exercise.set_name or None,
                step=step,
                equivalence=equivalence,
                diagnosis=codes,
                hints_used=result.hints,
                wrong_tries=result.wrong if step is None else 0,
                started_at=self._asked_at,
                answered_at=now,
            )
        )

    # --- the end ----------------------------------------------------------------------------

    def _summary(self) -> Event:
        results = [r for r in self.results if r.tries or r.skipped or r.solved or r.hints or r.steps_asked]
        if not results:
            return Event(Kind.SUMMARY, "Session summary: nothing answered.")
        lines = [_result_line(result) for result in results]
        solved = [r for r in results if r.solved]
        unaided = sum(r.unaided for r in solved)
        skipped = sum(r.skipped for r in results)
        hints = sum(r.hints for r in results)
        wrong = sum(r.wrong for r in results)
        total = sum(r.score for r in results)
        lines.append("")
        lines.append(
            f"{len(solved)} of {len(results)} right ({unaided} unaided: no wrong try, no hint), "
            f"{skipped} skipped, {_plural(hints, 'hint')}, {_plural(wrong, 'wrong try', 'wrong tries')}: "
            f"score {total:g} / {len(results)}"
        )
        lines.append(f"Scoring: {SCORING}.")
        mistakes = Counter(code for result in results for code in result.codes)
        if mistakes:
            lines.append("Mistakes found: " + ", ".join(f"{code} ×{n}" for code, n in mistakes.most_common()))
        return Event(Kind.SUMMARY, "Session summary", tuple(lines))


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def first_unmastered(exercises: Sequence[Exercise], records: dict[tuple[str, str], ExerciseRecord]) -> int:
    """Where ``practice --set`` resumes: the first exercise with a variable not yet mastered
    (answered right with no wrong try and no hint); 0 when all are mastered."""
    for index, exercise in enumerate(exercises):
        records_of = [records.get((exercise.id, wrt)) for wrt in exercise.wrt]
        mastered = all(record is not None and record.mastered for record in records_of)
        if not mastered:
            return index
    return 0


def _task(exercise: Exercise) -> tuple[str, ...]:
    """What the learner is asked: the exercise's own statement, or "Differentiate …"; the point
    and the table of values, for a number."""
    problem = read_problem(exercise.problem)
    if exercise.statement is not None:
        task = exercise.statement
    else:
        statement = problem.source if problem.is_system else f"{problem.output} = {problem.source}"
        variables = (
            exercise.wrt[0] if len(exercise.wrt) == 1 else f"each of {', '.join(exercise.wrt)}, in turn"
        )
        task = f"Differentiate {statement} with respect to {variables}"
        task += f", at {exercise.at}." if exercise.at is not None else "."
    lines = [task]
    if exercise.table:
        lines.append("Table of values: " + ", ".join(row.replace("'", "′") for row in exercise.table) + ".")
    if exercise.at is not None:
        lines.append(
            f"The answer is a number: exact, or a decimal to {SIGNIFICANT_FIGURES} significant figures."
        )
    return tuple(lines)


def _result_line(result: QuestionResult) -> str:
    mark = "✓" if result.solved else ("–" if result.skipped else "✗")
    name = result.exercise.id or result.exercise.problem
    details = [_plural(result.tries, "try", "tries")]
    if result.wrong:
        details.append(f"{result.wrong} wrong")
    if result.hints:
        details.append(_plural(result.hints, "hint"))
    if result.steps_asked:
        details.append(f"steps {result.steps_right}/{result.steps_asked} right")
    if result.skipped:
        details.append("skipped")
    return f"{mark} {name}  {result.label}  ({', '.join(details)})  score {result.score:g}"
