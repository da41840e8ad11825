"""The document every renderer walks: sections of blocks (prose, equations, tables, trees, checks).

Formulas are kept as pieces (SymPy expressions, derivative symbols, operators) and only
turned into characters by a renderer's style, so the plain-text, terminal, Markdown and
LaTeX outputs say the same thing in their own notation. :mod:`chaintutor.render.steps`
builds these documents from a derivation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import sympy

# --- formulas ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Deriv:
    """The symbol d(of)/d(wrt), or ∂(of)/∂(wrt) when ``partial``."""

    of: str
    wrt: str
    partial: bool


@dataclass(frozen=True)
class Operator:
    """The operator d/d(wrt) (∂/∂(wrt) when ``partial``), applied to what follows it."""

    wrt: str
    partial: bool


@dataclass(frozen=True)
class Op:
    """An operator between pieces: one of = · + → ( )."""

    symbol: str


@dataclass(frozen=True)
class Word:
    """Plain words inside a formula line ("path 1:"); ``tex``, when set, is how the renderers
    that typeset (Markdown, LaTeX) write it as mathematics: ∇y · v′ as ``\\nabla y \\cdot v'``."""

    text: str
    tex: str = ""


@dataclass(frozen=True)
class ChainSum:
    """The general formula Σⱼ ∂of/∂uⱼ · ∂uⱼ/∂wrt, before its terms are written out; ``via`` is
    the letter of the intermediates (u, or another when the problem's own names use u)."""

    of: str
    wrt: str
    via: str = "u"


@dataclass(frozen=True)
class Value:
    """A number computed at the point, shown to ten significant digits."""

    number: float


@dataclass(frozen=True)
class Adjoint:
    """The adjoint of a node, ∂output/∂node, written with a bar: ū, x̄."""

    name: str


Piece: TypeAlias = sympy.Basic | Deriv | Operator | Op | Word | ChainSum | Value | Adjoint
Formula: TypeAlias = tuple[Piece, ...]

EQUALS, TIMES, PLUS, ARROW, OPEN, CLOSE, COLON = (Op(s) for s in ("=", "·", "+", "→", "(", ")", ":"))

Phrase: TypeAlias = tuple[str | Formula, ...]
"""Words with mathematics among them, for the renderers that typeset it: "$x$ reaches $y$".
A block's plain ``text`` says the same with the formulas written out (see ``steps.said``)."""

# --- blocks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prose:
    text: str
    phrase: Phrase = ()  # the text with its mathematics as formulas; () when it has none


@dataclass(frozen=True)
class Equations:
    """Aligned lines: each a left side and one or more right sides chained by '='."""

    rows: tuple[tuple[Formula, tuple[Formula, ...]], ...]
    inline: bool = False  # each row on one line (short numeric chains) rather than one '=' per line


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Formula | str, ...], ...]


@dataclass(frozen=True)
class RuleRow:
    """One line of a local derivative's working: the derivative itself at depth 0, and under
    it, one line per rule at depth 1, 2, … when more than one rule is at work."""

    depth: int
    formula: Formula
    rule: str  # the rule and its statement, in words
    phrase: Phrase = ()  # the same with the statement as a formula


@dataclass(frozen=True)
class Rules:
    """Local derivatives with the rules that give them."""

    rows: tuple[RuleRow, ...]


@dataclass(frozen=True)
class TreeNode:
    label: Formula
    children: tuple[TreeNode, ...]
    note: str = ""  # "held constant", "shown above"


@dataclass(frozen=True)
class Tree:
    root: TreeNode


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str
    phrase: Phrase = ()


@dataclass(frozen=True)
class ReadAs:
    """How the input was read, in standard notation (``text`` in Unicode, ``tex`` in LaTeX),
    with a sentence for each ambiguous form (``e^2x``, ``1/2x``)."""

    text: str
    tex: str
    flags: tuple[str, ...] = ()


Block = Prose | Equations | Table | Rules | Tree | Check | ReadAs


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    phrase: Phrase = ()  # the title with its mathematics as formulas


@dataclass(frozen=True)
class Document:
    title: str
    statement: Formula
    sections: tuple[Section, ...]
    preface: tuple[Block, ...] = ()  # before the statement: how the input was read, notes
