"""Breaking long formulas into lines for LaTeX, whose display math never breaks by itself.

A formula is cut into chunks at its top-level products and sums: the operators between the
pieces of a document formula, and, for an expression too wide for a line on its own, the
factors of a product or the terms of a sum. The chunks are then filled greedily into lines of
an estimated width. Nothing inside ``\\left( … \\right)`` or braces is ever split, so every line
is valid LaTeX by itself. A single chunk wider than a line stays whole: a longer line beats a
wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy

LINE_WIDTH = 60  # estimated glyphs on the right of '&=': fits a 12 cm text block at 10 pt

_TOKEN = re.compile(r"\\[a-zA-Z]+|\\.|[{}^_]|[^\\{}^_\s]|\s+")
# Commands that only wrap or size what follows them.
_ZERO_WIDTH = {r"\left", r"\right", r"\text", r"\textbf", r"\ensuremath", r"\operatorname", r"\mathrm"}
_THIN = {r"\,", r"\ ", r"\;", r"\!", r"\:", r"\quad", r"\qquad"}
_SCRIPT_SCALE = 0.7


@dataclass(frozen=True)
class Chunk:
    """What a line may start with: the operator joining it to what precedes, then the LaTeX."""

    joiner: str  # " \\cdot ", " + ", " - ", " " or "" (the first chunk)
    tex: str


def tex_width(tex: str) -> float:
    """An estimate of how wide ``tex`` prints, in glyphs: a fraction is as wide as the wider of
    its numerator and denominator, scripts are smaller, ``\\left`` and braces take no room."""
    width, _ = _width_from(_TOKEN.findall(tex), 0)
    return width


def _width_from(tokens: list[str], start: int) -> tuple[float, int]:
    """Width of tokens from ``start`` up to the closing brace of the group (or the end)."""
    width, index = 0.0, start
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "}":
            break
        if token == "{":
            inner, index = _width_from(tokens, index)
            width += inner
        elif token == r"\frac":
            top, index = _argument_width(tokens, index)
            bottom, index = _argument_width(tokens, index)
            width += max(top, bottom)
        elif token in ("^", "_"):
            script, index = _argument_width(tokens, index)
            width += _SCRIPT_SCALE * script
        else:
            width += _token_width(token)
    return width, index


def _argument_width(tokens: list[str], index: int) -> tuple[float, int]:
    """A macro's argument: a braced group or a single token."""
    while index < len(tokens) and tokens[index].isspace():
        index += 1
    if index >= len(tokens):
        return 0.0, index
    if tokens[index] == "{":
        return _width_from(tokens, index + 1)
    return _token_width(tokens[index]), index + 1


def _token_width(token: str) -> float:
    if token.isspace() or token in _ZERO_WIDTH:
        return 0.0
    if token in _THIN:
        return 0.5
    if token.startswith("\\") and len(token) > 2:
        return 1.0 if token in (r"\cdot", r"\partial", r"\to", r"\times") else len(token) - 1.0
    return 1.0


def expression_chunks(
    expr: sympy.Expr, to_tex: Callable[[sympy.Basic], str], width: float = LINE_WIDTH
) -> list[Chunk]:
    """An expression as chunks: its terms if a sum (a term too wide is cut into its factors),
    its factors if a product, else itself."""
    if isinstance(expr, sympy.Add):
        chunks = []
        for term in expr.as_ordered_terms():
            negative = term.could_extract_minus_sign()
            magnitude = -term if negative else term
            first, *rest = _product_chunks(magnitude, to_tex, width)
            chunks += [Chunk(" - " if negative else " + ", first.tex), *rest]
        head = chunks[0]
        return [Chunk("", ("-" if head.joiner == " - " else "") + head.tex), *chunks[1:]]
    return _product_chunks(expr, to_tex, width)


def _product_chunks(expr: sympy.Expr, to_tex: Callable[[sympy.Basic], str], width: float) -> list[Chunk]:
    """A product too wide for a line as its factors; anything else whole. A factor that is a
    sum too wide for a line is cut into its terms inside \\Bigl( … \\Bigr), which, unlike
    \\left( … \\right), need not stand on one line."""
    if not isinstance(expr, sympy.Mul) or tex_width(to_tex(expr)) <= width:
        return [Chunk("", to_tex(expr))]
    factors = expr.as_ordered_factors()
    sign = ""
    if factors[0] == -1:
        sign, factors = "-", factors[1:]
    chunks = _factor_chunks(_over_one_line(factors, to_tex, width), to_tex, width)
    return [Chunk("", sign + chunks[0].tex), *chunks[1:]]


def _over_one_line(
    factors: list[sympy.Expr], to_tex: Callable[[sympy.Basic], str], width: float
) -> list[sympy.Expr]:
    """The factors with those below the fraction bar kept in one fraction, as a textbook
    stacks it: 1/(16√x·√(x + 1)), not 1/16 · 1/√x · 1/√(x + 1). The fraction takes every
    factor that fits on its line with it; the others (a sum too wide, say) follow it."""
    below = [f for f in factors if _below_the_bar(f)]
    if not below:
        return factors
    others = [f for f in factors if f not in below]
    fitting = [f for f in others if tex_width(_factor_tex(f, to_tex)) <= width]
    for above in (fitting, []):
        fraction = sympy.Mul(*above, *below)
        if tex_width(to_tex(fraction)) <= width:
            return [fraction, *(f for f in others if f not in above)]
    return factors


def _below_the_bar(factor: sympy.Expr) -> bool:
    """A factor SymPy prints under a fraction bar: 1/√x, (x + 1)⁻², the 16 of 1/16."""
    if factor.is_Rational:
        return factor.q != 1
    return bool(factor.is_Pow and factor.exp.is_negative)


def _factor_chunks(
    factors: list[sympy.Expr], to_tex: Callable[[sympy.Basic], str], width: float
) -> list[Chunk]:
    """Each factor a chunk after a '·'; a sum too wide for a line cut into its terms."""
    chunks: list[Chunk] = []
    for index, factor in enumerate(factors):
        joiner = "" if index == 0 else r" \cdot "
        tex = _factor_tex(factor, to_tex)
        if isinstance(factor, sympy.Add) and tex_width(tex) > width:
            first, *middle, last = expression_chunks(factor, to_tex, width)
            chunks += [
                Chunk(joiner, r"\Bigl(" + first.tex),
                *middle,
                Chunk(last.joiner, last.tex + r"\Bigr)"),
            ]
        else:
            chunks.append(Chunk(joiner, tex))
    return chunks


def _factor_tex(factor: sympy.Expr, to_tex: Callable[[sympy.Basic], str]) -> str:
    tex = to_tex(factor)
    return rf"\left({tex}\right)" if isinstance(factor, sympy.Add) else tex


def fill_lines(chunks: list[Chunk], width: float = LINE_WIDTH) -> list[str]:
    """Chunks packed greedily into lines no wider than ``width`` (a chunk too wide stays whole).
    Every line after the first starts with its operator, as handwritten work does."""
    lines: list[str] = []
    current, used = "", 0.0
    for chunk in chunks:
        size = tex_width(chunk.joiner + chunk.tex)
        if current and used + size > width:
            lines.append(current)
            current, used = chunk.joiner.lstrip() + chunk.tex, size
        else:
            current, used = current + chunk.joiner + chunk.tex, used + size
    return [*lines, current] if current else lines
