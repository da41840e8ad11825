"""One deadline for a whole command: parse, graph, diff, simplify, evaluation, verify, render.

``with time_limit(10):`` starts it; ``with phase("simplify"):`` names the work in progress, so
that running out of time says where (``the time limit of 10 s ran out while simplifying``).
The limit is enforced by :func:`chaintutor.core.stack.run_with_big_stack`: the calling thread
waits for the worker thread until the deadline, then interrupts it (an asynchronous exception,
delivered between two bytecodes, which is where SymPy and mpmath spend their time) and raises
:class:`TimeLimitError`. Budgeted worker processes (:mod:`chaintutor.core.budget`) never wait
past it either.

The deadline can only turn a run into an error, never change what a run prints: nothing
consults the clock to choose an output. State lives in a context variable, so concurrent
callers in one process each have their own deadline.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from chaintutor.errors import InputError

MAX_SECONDS = 24 * 3600.0

# How the phases are said in a message: "… ran out while <doing>".
DOING = {
    "parse": "reading the problem",
    "model": "working out the right derivative",
    "graph": "building the dependency graph",
    "diff": "differentiating",
    "substitute": "substituting the definitions",
    "simplify": "simplifying the result",
    "paths": "listing the paths",
    "verify": "verifying against sympy.diff",
    "evaluation": "evaluating at the point",
    "answer": "reading the answer",
    "grade": "checking the answer",
    "diagnose": "looking for the mistake",
    "render": "writing the output",
}


class TimeLimitError(InputError):
    """The command ran past its time limit (exit code 2 on the command line)."""

    def __init__(self, seconds: float, phase: str, *, stuck: bool = False) -> None:
        doing = DOING.get(phase, phase)
        super().__init__(
            f"the time limit of {seconds:g} s ran out while {doing}",
            hint="raise it with --time-limit SECONDS (time_limit= in Python), or simplify the problem",
        )
        self.seconds = seconds
        self.phase = phase
        self.stuck = stuck  # the work could not be interrupted and is still running


class Interrupted(BaseException):
    """Raised inside the worker thread at the deadline (a BaseException: no ``except
    Exception`` in SymPy can swallow it)."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds
        self.phase = "parse"

    def remaining(self) -> float:
        return self.expires - time.monotonic()

    def error(self, *, stuck: bool = False) -> TimeLimitError:
        return TimeLimitError(self.seconds, self.phase, stuck=stuck)


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "chaintutor_deadline", default=None
)


def current() -> Deadline | None:
    return _current.get()


def check_seconds(seconds: float) -> float:
    if not seconds > 0 or seconds > MAX_SECONDS:  # NaN fails the first test
        raise InputError(f"--time-limit must be above 0 and at most {MAX_SECONDS:g} seconds")
    return seconds


@contextmanager
def time_limit(seconds: float | None) -> Iterator[Deadline | None]:
    """A deadline ``seconds`` from now for the block (None: none); an outer one still holds."""
    if seconds is None:
        yield _current.get()
        return
    outer = _current.get()
    deadline = Deadline(check_seconds(seconds))
    if outer is not None and outer.expires < deadline.expires:
        deadline = outer
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Name the work in progress for the message a deadline gives."""
    deadline = _current.get()
    if deadline is None:
        yield
        return
    previous, deadline.phase = deadline.phase, name
    try:
        yield
    finally:
        deadline.phase = previous


def check() -> None:
    """Raise TimeLimitError if the deadline has passed (for loops between interruptible calls)."""
    deadline = _current.get()
    if deadline is not None and deadline.remaining() <= 0:
        raise deadline.error()


def wait_for(seconds: float) -> tuple[float, bool]:
    """How long a wait of ``seconds`` may last, and whether the deadline is what cuts it."""
    deadline = _current.get()
    if deadline is None:
        return seconds, False
    left = max(0.0, deadline.remaining())
    return (left, True) if left < seconds else (seconds, False)


def enter(name: str) -> None:
    """Name the work from here on (the phase of a sequence of steps), and stop if time is up."""
    deadline = _current.get()
    if deadline is not None:
        deadline.phase = name
        if deadline.remaining() <= 0:
            raise deadline.error()
