"""Vector problems: the declarations ``w, x ∈ R^n`` / ``W in R^(m×n)`` and the operators that
tell a dot product from an element-wise one.

A declaration is one statement among the equations. It is recognised by its shape before
tokenizing (``∈`` and ``ℝ`` are not part of the expression language), so the other statements
go through the ordinary parser unchanged. The tokenizer reads ``·`` as ``*``; to keep the
difference, the text is parsed as a copy in which ``@`` becomes ``·`` and ``⊙``, ``⊗`` become
``*`` (one character for one, so every column stays where it was), and the operator between
two factors of a product is read back from that copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from chaintutor.errors import InputError
from chaintutor.parse.parser import Statement, _check_length, _parse_statement, _statement_spans
from chaintutor.parse.syntax import Product, Span

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_MEMBERSHIP = re.compile(r"∈|\bin\b")  # cheap: most problems declare nothing


@cache
def _declaration_pattern() -> re.Pattern[str]:
    return re.compile(
        rf"(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)\s*(?:∈|\bin\b)\s*[Rℝ]\s*\^\s*"
        rf"(?:(?P<dim>{_NAME})|\{{\s*(?P<braced>{_NAME})\s*\}}"
        rf"|[({{]\s*(?P<rows>{_NAME})\s*(?:×|\*|,|\s+x\s+)\s*(?P<cols>{_NAME})\s*[)}}])"
    )


_SAME_WIDTH = str.maketrans({"@": "·", "⊙": "*", "⊗": "*", "⊘": "/"})

Shape = tuple[str, ...]
"""() for a scalar, (n,) for a vector in Rⁿ, (m, n) for an m×n matrix."""


@dataclass(frozen=True, eq=False)
class Declaration:
    """``names ∈ R^shape``, as typed at ``span``."""

    names: tuple[str, ...]
    shape: Shape
    span: Span


@dataclass(frozen=True, eq=False)
class VectorSyntax:
    """A vector problem as parsed: its declarations and its equations, in the order typed.

    ``operators`` is the copy of the text the equations were parsed from, where every dot
    product reads ``·``; :func:`product_operators` looks there.
    """

    source: str
    declarations: tuple[Declaration, ...]
    statements: tuple[Statement, ...]
    operators: str


def shape_text_of(shape: Shape) -> str:
    """R, R^n or R^(m×n): the set a value lives in."""
    if not shape:
        return "R"
    return f"R^{shape[0]}" if len(shape) == 1 else f"R^({shape[0]}×{shape[1]})"


def is_vector_problem(text: str) -> bool:
    """Whether ``text`` declares a vector or a matrix (cheap: no parsing, no SymPy)."""
    if not _MEMBERSHIP.search(text):
        return False
    return any(_declaration(text, start, end) is not None for start, end in _statement_spans(text))


def parse_vector_problem(text: str) -> VectorSyntax:
    """The declarations and the equations of a vector problem."""
    _check_length(text)
    copy = text.translate(_SAME_WIDTH)
    declarations: list[Declaration] = []
    statements: list[Statement] = []
    spans = _statement_spans(text)
    equations = [span for span in spans if _declaration(text, *span) is None]
    for start, end in spans:
        declaration = _declaration(text, start, end)
        if declaration is not None:
            declarations.append(declaration)
            continue
        try:
            statements.append(_parse_statement(copy, start, end, len(equations) > 1))
        except InputError as error:
            raise InputError(
                error.message, source=text, start=error.start, end=error.end, hint=error.hint
            ) from None
    if not statements:
        raise InputError("the problem declares vectors but has no equation", source=text)
    return VectorSyntax(text, tuple(declarations), tuple(statements), copy)


def product_operators(syntax: VectorSyntax, product: Product) -> list[str]:
    """The operator before each factor after the first: ``·`` (dot or matrix–vector product),
    ``*``, ``/``, ``×`` or ``""`` (written side by side)."""
    found = []
    for before, factor, divide in zip(product.factors, product.factors[1:], product.divide[1:], strict=False):
        between = syntax.operators[before.span[1] : factor.span[0]]
        if divide:
            found.append("/")
        elif "·" in between:
            found.append("·")
        elif "×" in syntax.source[before.span[1] : factor.span[0]]:
            found.append("×")
        else:
            found.append("*" if "*" in between else "")
    return found


def _declaration(text: str, start: int, end: int) -> Declaration | None:
    match = _declaration_pattern().fullmatch(text, start, end)
    if match is None:
        return None
    names = tuple(name.strip() for name in match.group("names").split(","))
    dim = match.group("dim") or match.group("braced")
    shape: Shape = (dim,) if dim else (match.group("rows"), match.group("cols"))
    return Declaration(names, shape, (start, end))


PointValue = Any
"""A number (SymPy), a list of numbers (a vector) or a list of rows (a matrix)."""


def parse_vector_point(text: str) -> dict[str, PointValue]:
    """``w=[1,2,-1], x=[0.5,1,2], b=0.1, W=[[1,2],[3,4]]``: numbers, vectors and matrices.

    >>> parse_vector_point("w=[1, 2.5], b=-1, W=[[1, 0], [0, pi]]")
    {'w': [1, 5/2], 'b': -1, 'W': [[1, 0], [0, pi]]}
    """
    from chaintutor.parse.point import _split_top_level, parse_point  # SymPy, only for a point

    point: dict[str, PointValue] = {}
    offset = 0
    for part in _split_top_level(text):
        name, _, value = part.partition("=")
        start = offset + len(name) + 1
        offset += len(part) + 1
        if "[" not in value:
            point.update(parse_point(part))
        else:
            point[name.strip()] = _value(text, value, start, name.strip())
    return point


def _value(text: str, value: str, start: int, name: str) -> PointValue:
    from chaintutor.parse.point import _split_top_level, parse_point

    stripped = value.strip()
    if not stripped.startswith("["):
        try:
            return next(iter(parse_point(f"v={stripped}").values()))
        except InputError:
            raise InputError(
                f"every entry of {name} must be a number", source=text, start=start, end=start + len(value)
            ) from None
    if not stripped.endswith("]") or len(stripped) < 3:
        raise InputError(
            "a vector is written [1, 2, 3] and a matrix [[1, 2], [3, 4]]",
            source=text,
            start=start,
            end=start + len(value),
        )
    inner = stripped[1:-1]
    entries = [_value(text, entry, start, name) for entry in _split_top_level(inner)]
    if len({isinstance(entry, list) and len(entry) for entry in entries}) > 1:
        raise InputError(
            "the rows of a matrix must have the same length", source=text, start=start, end=start + len(value)
        )
    return entries
