"""Room to recurse: SymPy's diff, printers and comparisons recurse once per nesting level.

A 200-deep nest needs a few thousand frames, past Python's default limit of 1000 and, through
C calls, possibly past the main thread's C stack. ``run_with_big_stack`` runs a call in a thread with a
large stack and a raised recursion limit, so depth costs time, never a crash.

It is also where the command's deadline (:mod:`chaintutor.core.deadline`) is enforced: the
calling thread waits for the worker until the deadline, then interrupts it.
"""

from __future__ import annotations

import contextvars
import ctypes
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from chaintutor.core import deadline as deadlines

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024
RECURSION_LIMIT = 60_000
GRACE_SECONDS = 1.0  # after the interruption, how long the worker may take to unwind


def run_with_big_stack(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function(*args, **kwargs)`` with a big stack; exceptions come back to the caller.

    Under a deadline, a TimeLimitError comes back when it passes, whatever the worker does.
    """
    if getattr(_inside, "active", False):
        return function(*args, **kwargs)
    outcome: dict[str, object] = {}
    context = contextvars.copy_context()  # the deadline and its phase are shared with the worker

    def body() -> None:
        _inside.active = True
        try:
            outcome["value"] = context.run(function, *args, **kwargs)
        except BaseException as error:
            outcome["error"] = error

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    threading.stack_size(STACK_BYTES)
    try:
        worker = threading.Thread(target=body, name="chaintutor-deep", daemon=True)
        worker.start()
    finally:
        threading.stack_size(old_stack)
    try:
        _wait(worker, context.get(deadlines._current))
    finally:
        if not worker.is_alive():
            sys.setrecursionlimit(old_limit)
    error = outcome.get("error")
    if isinstance(error, deadlines.Interrupted):
        deadline = context.get(deadlines._current)
        raise deadline.error() if deadline is not None else deadlines.TimeLimitError(0, "work")
    if error is not None:
        raise error  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _wait(worker: threading.Thread, deadline: deadlines.Deadline | None) -> None:
    if deadline is None:
        worker.join()
        return
    worker.join(max(0.0, deadline.remaining()))
    if not worker.is_alive():
        return
    _interrupt(worker)
    worker.join(GRACE_SECONDS)
    # Past the deadline the run is an error, whatever the worker did with the interruption.
    raise deadline.error(stuck=worker.is_alive())


def _interrupt(worker: threading.Thread) -> None:
    """Raise Interrupted in ``worker`` at its next bytecode (CPython; elsewhere nothing)."""
    set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async_exc is None or worker.ident is None:
        return
    set_async_exc(ctypes.c_ulong(worker.ident), ctypes.py_object(deadlines.Interrupted))


_inside = threading.local()
