"""Time budgets for SymPy operations that can run for ever (simplify, symbolic zero tests).

The operation runs in a worker process that is killed when its time is up. A thread cannot be
stopped and ``signal.alarm`` only works in the main thread; a killed process always stops,
wherever it is (inside a C extension, deep in a recursion), and its memory goes with it.

The processes come from a fork server (``multiprocessing``'s ``forkserver``): a clean,
single-threaded process started once, with SymPy already imported, that forks one child per
operation. Nothing here calls ``fork()`` in the process doing the work, which runs in a thread
(:mod:`chaintutor.core.stack`): forking a threaded process can deadlock the child, and Python
3.12 warns about it. Where there is no fork server (Windows), each operation gets a ``spawn``ed
process: slower to start, as safe. The fork server stays up for the life of the process, so a
practice session or a class being graded pays its start once.

The clock of a budget starts when the child is ready to compute, so a budget measures the
operation, not the start of a process. No budget runs past the command's deadline
(:mod:`chaintutor.core.deadline`): when the deadline is what cuts an operation short, the
command fails with TimeLimitError rather than carry on with a different result.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from chaintutor.core import deadline

T = TypeVar("T")

START_SECONDS = 30.0  # at most this long for a worker to start (a cold fork server imports SymPy)
_READY = b"ready"


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What came back: ``value`` when ``status == "done"``; otherwise why not."""

    status: str  # "done" | "timeout" | "error"
    value: T | None = None
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.status == "done"


def run_with_budget(function: Callable[..., T], *args: object, seconds: float) -> Outcome[T]:
    """Run ``function(*args)`` for at most ``seconds`` in a worker process; the function must be
    importable by name (module level) and its arguments and result picklable."""
    payload = pickle.dumps((list(sys.path), pickle.dumps((function, args))))
    context = _context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(payload, send), daemon=True)
    try:
        process.start()
        send.close()
        if not _poll(receive, START_SECONDS):
            return Outcome("error", detail="the worker process did not start in time")
        message = receive.recv_bytes()
        if message == _READY:
            if not _poll(receive, seconds):
                return Outcome("timeout", detail=f"gave up after {seconds:g} s")
            message = receive.recv_bytes()
        status, value = pickle.loads(message)
    except EOFError:
        return Outcome("error", detail="the worker process died (out of memory?)")
    finally:
        receive.close()
        _stop(process)
    if status == "done":
        return Outcome("done", value)
    return Outcome(status, None, value)


def _poll(receive: Connection, seconds: float) -> bool:
    """Wait up to ``seconds`` for a message; if the command's deadline comes first, raise."""
    allowed, cut = deadline.wait_for(seconds)
    if receive.poll(allowed):
        return True
    if cut:
        current = deadline.current()
        assert current is not None
        raise current.error()
    return False


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    with contextlib.suppress(Exception):
        if process.is_alive():
            process.kill()
        process.join(5)


def _child(payload: bytes, send: Connection) -> None:
    """In the worker: say it is ready, compute with a big stack, send the result back."""
    from chaintutor.core.stack import run_with_big_stack

    path, work = pickle.loads(payload)
    sys.path[:] = path  # the fork server does not pass it on (Python 3.11)

    def compute() -> bytes:
        try:
            function, args = pickle.loads(work)
            send.send_bytes(_READY)
            message = pickle.dumps(("done", function(*args)))
        except BaseException as error:  # everything goes back to the parent as text
            message = pickle.dumps(("error", f"{type(error).__name__}: {error}"))
        return message

    message = run_with_big_stack(compute)
    with contextlib.suppress(OSError):
        send.send_bytes(message)
    send.close()


_lock = threading.Lock()
_chosen: list[Any] = []


def _context() -> Any:
    """The fork server where there is one (started once, with SymPy loaded), else spawn."""
    with _lock:
        if not _chosen:
            if "forkserver" in multiprocessing.get_all_start_methods():
                server = multiprocessing.get_context("forkserver")
                server.set_forkserver_preload(["sympy", "chaintutor.core.verify"])
                _chosen.append(server)
            else:
                _chosen.append(multiprocessing.get_context("spawn"))
        return _chosen[0]
