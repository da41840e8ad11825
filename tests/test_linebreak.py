"""Cutting expressions into lines must not change them: the pieces, joined again, are the
expression (read back by chaintutor's own parser from SymPy's plain printing)."""

from __future__ import annotations

import pytest
import sympy

from chaintutor.core import notation as printing
from chaintutor.parse import parse_expression
from chaintutor.parse.build import to_sympy
from chaintutor.render.linebreak import Chunk, expression_chunks, fill_lines, tex_width

x, y, z = sympy.symbols("x y z")

EXPRESSIONS = [
    -sympy.sin(x) * sympy.cos(y) * sympy.exp(x * y) * (x + 1) * (y - 2),
    sympy.sin(x) * sympy.cos(x) - 3 * x**2 * sympy.exp(-x) + sympy.log(x + y) / (x - z) - x * y * z,
    -(x + y) * (x - y) * sympy.Rational(2, 3) * sympy.tan(z),
    -x * sympy.sin(x) - y * sympy.cos(y) - z * sympy.exp(z) * sympy.sin(x * z),
    sympy.Mul(*[sympy.cos(sympy.sin(x) ** k) for k in range(1, 8)]),
    QUOTIENT := (8 * sympy.sqrt(x) * sympy.sin(y) + 4 * x * sympy.cos(z) + 2 * sympy.exp(x * y) + 1)
    / (16 * sympy.sqrt(x) * sympy.sqrt(x + 1) * sympy.sqrt(y + 2)),
]


def _read(text: str) -> sympy.Expr:
    return to_sympy(parse_expression(text), source=text)


def _joined(chunks: list[Chunk]) -> sympy.Expr:
    text = "".join(chunk.joiner.replace(r"\cdot", "*") + chunk.tex for chunk in chunks)
    for opening in (r"\left(", r"\Bigl("):
        text = text.replace(opening, "(")
    for closing in (r"\right)", r"\Bigr)"):
        text = text.replace(closing, ")")
    return _read(text)


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=range(len(EXPRESSIONS)))
def test_chunks_join_back_into_the_expression(expr):
    chunks = expression_chunks(expr, printing.plain, width=5)
    assert len(chunks) > 1
    assert sympy.simplify(_joined(chunks) - _read(printing.plain(expr))) == 0


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=range(len(EXPRESSIONS)))
def test_lines_fit_unless_a_single_chunk_is_wider(expr):
    chunks = expression_chunks(expr, printing.latex)
    lines = fill_lines(chunks, width=30)
    assert "".join(lines).replace(" ", "") == "".join(c.joiner + c.tex for c in chunks).replace(" ", "")
    widest_chunk = max(tex_width(chunk.tex) for chunk in chunks)
    assert all(tex_width(line) <= max(30, widest_chunk + 3) for line in lines)


def test_width_reads_fractions_and_scripts_as_they_print():
    assert tex_width(r"\frac{dy}{du_{1}}") < tex_width("dy du_1")
    assert tex_width(r"\cos{\left(x \right)}") == tex_width(r"\cos(x)")
    assert tex_width(r"\text{path 1:}") == tex_width("path1:")


def test_a_quotient_keeps_its_denominator_in_one_stacked_fraction():
    """A textbook writes 1/(16√x·√(x + 1)·√(y + 2)) · (…), not 1/16 · 1/√x · 1/√(x + 1) · …"""
    first, *rest = expression_chunks(QUOTIENT, printing.latex, width=25)
    assert rest and first.tex.startswith(r"\frac{1}{16 ")
    assert first.tex.count(r"\frac") == 1 and all(r"\frac" not in chunk.tex for chunk in rest)
    assert (
        sympy.simplify(
            _read(printing.plain(QUOTIENT)) - _joined(expression_chunks(QUOTIENT, printing.plain, 25))
        )
        == 0
    )
