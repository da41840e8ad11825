"""Room to recurse: SymPy's diff, printers and comparisons recurse once per nesting level.

A 200-deep nest needs a few thousand frames, past Python's default limit of 1000 and, through
C calls, possibly past the main thread's C stack. ``run_with_big_stack`` runs a call in a thread with a
large stack and a raised recursion limit, so depth costs time, never a crash.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024
RECURSION_LIMIT = 60_000


def run_with_big_stack(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function(*args, **kwargs)`` with a big stack; exceptions come back to the caller."""
    if getattr(_inside, "active", False):
        return function(*args, **kwargs)
    outcome: dict[str, object] = {}

    def body() -> None:
        _inside.active = True
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:
            outcome["error"] = error

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    threading.stack_size(STACK_BYTES)
    try:
        worker = threading.Thread(target=body, name="chaintutor-deep")
        worker.start()
    finally:
        threading.stack_size(old_stack)
    try:
        worker.join()
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


_inside = threading.local()
