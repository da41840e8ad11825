"""The point of ``--at``: ``x=0.5, w1=pi/4`` read into exact numbers, with a caret on errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chaintutor.errors import InputError
from chaintutor.parse.build import to_sympy
from chaintutor.parse.parser import parse_expression

if TYPE_CHECKING:
    import sympy


def parse_point(text: str) -> dict[str, sympy.Expr]:
    """``x=0.5, w1=2, b1=-1`` (values may be expressions such as ``pi/4``) → exact numbers.

    >>> parse_point("x=0.5, w1=pi/4")
    {'x': 1/2, 'w1': pi/4}
    """
    point: dict[str, sympy.Expr] = {}
    offset = 0
    for part in _split_top_level(text):
        name, equals, value = part.partition("=")
        start = offset + len(part) - len(part.lstrip())
        offset += len(part) + 1
        if not equals or not name.strip().isidentifier():
            raise InputError(
                "--at wants NAME=VALUE pairs separated by commas",
                source=text,
                start=start,
                end=start + len(part.strip()),
                hint="for example --at x=0.5,z=2",
            )
        try:
            number = to_sympy(parse_expression(value))
        except InputError as error:
            located = error.located(text, start + len(name) + 1)
            raise InputError(  # name the variable: "the value of x: division by zero"
                f"the value of {name.strip()}: {error.message}",
                source=located.source,
                start=located.start,
                end=located.end,
                hint=located.hint,
            ) from None
        if number.free_symbols or not number.is_number:
            raise InputError(
                f"the value of {name.strip()} must be a number",
                source=text,
                start=start,
                end=start + len(part.strip()),
            )
        point[name.strip()] = number
    return point


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
