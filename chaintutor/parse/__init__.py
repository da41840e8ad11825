"""Reading the input language: text to a syntax tree (cheap), syntax tree to SymPy (lazy).

``to_sympy`` and ``combine`` live in :mod:`chaintutor.parse.build`, which imports SymPy; they
are re-exported here lazily so that importing this package does not load SymPy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chaintutor.parse.parser import (
    MAX_DEPTH,
    MAX_LENGTH,
    Statement,
    parse_expression,
    parse_statements,
    recursion_headroom,
)
from chaintutor.parse.tokens import MAX_DIGITS

if TYPE_CHECKING:
    from chaintutor.parse.build import combine, to_sympy

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_LENGTH",
    "Statement",
    "combine",
    "parse_expression",
    "parse_statements",
    "recursion_headroom",
    "to_sympy",
]

_LAZY = frozenset({"combine", "to_sympy"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from chaintutor.parse import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
