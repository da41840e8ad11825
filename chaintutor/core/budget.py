"""Time budgets for SymPy operations that can run for ever (simplify, symbolic zero tests).

The operation runs in a forked child process that is killed when its time is up. A thread
cannot be stopped and ``signal.alarm`` only works in the main thread; a killed child always
stops, wherever it is (inside a C extension, deep in a recursion), and its memory goes with it.
Forking is cheap here because the parent has already imported SymPy (copy on write).
Where fork is unavailable (Windows), the operation runs in-process without a limit.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What came back: ``value`` when ``status == "done"``; otherwise why not."""

    status: str  # "done" | "timeout" | "error"
    value: T | None = None
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.status == "done"


class TimePool:
    """Seconds shared by several budgeted calls: each may use what the earlier ones left.

    One derivation may simplify and verify many results (a gradient, say); sharing one pool
    keeps the whole command within a bound however many results there are.
    """

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def run(self, function: Callable[..., T], *args: object, cap: float) -> Outcome[T]:
        """``run_with_budget`` with at most ``cap`` seconds, and no more than the pool has left."""
        seconds = min(cap, self.left)
        if seconds < 0.05:
            return Outcome("timeout", detail="the time budget is spent")
        start = time.monotonic()
        try:
            return run_with_budget(function, *args, seconds=seconds)
        finally:
            self.left -= time.monotonic() - start


def run_with_budget(function: Callable[..., T], *args: object, seconds: float) -> Outcome[T]:
    """Run ``function(*args)`` for at most ``seconds``; its result must be picklable."""
    if not hasattr(os, "fork"):
        return _run_inline(function, args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        os.close(read_end)
        _child(function, args, write_end)
    os.close(write_end)
    try:
        payload = _read_until(read_end, deadline=time.monotonic() + seconds)
    finally:
        os.close(read_end)
        _reap(pid, killed=True)
    if payload is None:
        return Outcome("timeout", detail=f"gave up after {seconds:g} s")
    status, value = pickle.loads(payload)
    return Outcome(status, value if status == "done" else None, "" if status == "done" else value)


def _child(function: Callable[..., object], args: tuple[object, ...], write_end: int) -> None:
    try:
        try:
            message = pickle.dumps(("done", function(*args)))
        except BaseException as error:  # everything goes back to the parent as text
            message = pickle.dumps(("error", f"{type(error).__name__}: {error}"))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(message)
    finally:
        os._exit(0)


def _read_until(fd: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks) if chunks else None
        chunks.append(chunk)


def _reap(pid: int, killed: bool) -> None:
    if killed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _run_inline(function: Callable[..., T], args: tuple[object, ...]) -> Outcome[T]:
    try:
        return Outcome("done", function(*args))
    except Exception as error:
        return Outcome("error", detail=f"{type(error).__name__}: {error}")
