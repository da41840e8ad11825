"""LaTeX: a fragment to paste into homework, or with ``standalone`` a whole document.

The fragment needs amsmath only (``align*``, ``\\text``), so it also works where the preamble is
not the student's own, such as a notebook exported to PDF. Every step's equations are an
``align*`` block (the table of local derivatives an ``alignat*``, which keeps each rule next
to its formula); the dependency tree is a ``tabular`` drawn with rules, which needs no
package at all. Text outside formulas is escaped to ASCII, so pdflatex accepts it whatever
the input encoding.

The formula functions here are shared with the Markdown renderer, whose math is LaTeX too.
"""

from __future__ import annotations

import re
import unicodedata

import sympy

from chaintutor import printing
from chaintutor.derivation import Derivation
from chaintutor.render.diagrams import latex_tree
from chaintutor.render.document import (
    EQUALS,
    Adjoint,
    Block,
    ChainSum,
    Check,
    Deriv,
    Document,
    Equations,
    Formula,
    Op,
    Prose,
    Table,
    Tree,
    Value,
    Word,
    build_document,
)

_OPERATORS = {
    "=": " = ",
    "·": r" \cdot ",
    "+": " + ",
    "→": r" \to ",
    "(": r"\left(",
    ")": r"\right)",
    ":": r"\colon\ ",
}

_TEXT_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    # In the default OT1 font encoding these three print as other glyphs (—, ¡, ¿).
    "|": r"\textbar{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}

_TEXT_SYMBOLS = {
    "·": r"\ensuremath{\cdot}",
    "−": r"\ensuremath{-}",
    "→": r"\ensuremath{\to}",
    "∂": r"\ensuremath{\partial}",
    "√": r"\ensuremath{\surd}",
    "≠": r"\ensuremath{\neq}",
    "×": r"\ensuremath{\times}",
    "±": r"\ensuremath{\pm}",
    "σ": r"\ensuremath{\sigma}",
    "π": r"\ensuremath{\pi}",
    "Σ": r"\ensuremath{\Sigma}",
    "∇": r"\ensuremath{\nabla}",
    "ⱼ": r"\ensuremath{_j}",
    "ᵢ": r"\ensuremath{_i}",
    "∘": r"\ensuremath{\circ}",
    "′": "'",
    "…": r"\ldots{}",
    "–": "--",
    "—": "---",
}

_SCRIPT_RUN = re.compile(r"[\u2070-\u209f\u1d2c-\u1d6a\u2c7c\u00b2\u00b3\u00b9]+")


# --- formulas (math mode) ----------------------------------------------------------------


def _symbol(name: str) -> str:
    """A variable's name as LaTeX: ``w1`` → ``w_{1}``, ``theta`` → ``\\theta``."""
    return printing.latex(sympy.Symbol(name))


def formula(pieces: Formula) -> str:
    """A formula in LaTeX math mode, on one line."""
    out = []
    for index, piece in enumerate(pieces):
        if isinstance(piece, Word):
            out.append(_math_text(piece.text) + (r"\ " if index < len(pieces) - 1 else ""))
        elif isinstance(piece, sympy.Basic):
            out.append(printing.latex(piece))
        else:
            out.append(_notation(piece))
    return "".join(out)


def _notation(piece: Deriv | Op | ChainSum | Value | Adjoint) -> str:
    if isinstance(piece, Deriv):
        d = r"\partial " if piece.partial else "d"
        return rf"\frac{{{d}{_symbol(piece.of)}}}{{{d}{_symbol(piece.wrt)}}}"
    if isinstance(piece, Op):
        return _OPERATORS[piece.symbol]
    if isinstance(piece, ChainSum):
        of, wrt = _symbol(piece.of), _symbol(piece.wrt)
        return rf"\sum_j \frac{{\partial {of}}}{{\partial u_j}}\,\frac{{\partial u_j}}{{\partial {wrt}}}"
    if isinstance(piece, Value):
        return _number(piece.number)
    return _adjoint(piece.name)


def _number(value: float) -> str:
    """Ten significant digits, as the text output shows them; 1e-05 becomes 1 \\times 10^{-5}."""
    mantissa, _, exponent = f"{value:.10g}".partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


def _adjoint(name: str) -> str:
    """The bar goes on the letter, not on its index: ``\\bar{w}_{1}``."""
    tex = _symbol(name)
    letter = len(re.split(r"[_^]", tex, maxsplit=1)[0])
    return rf"\bar{{{tex[:letter]}}}{tex[letter:]}"


def _math_text(text: str) -> str:
    r"""Words inside a formula. An underscore steps out of ``\text``, where MathJax would show ``\_``."""
    return r"\_".join(rf"\text{{{escape_text(part)}}}" for part in text.split("_"))


def equation_lines(block: Equations) -> list[str]:
    """The rows of an ``align*`` or ``aligned`` environment, aligned on the first '='."""
    lines = []
    for left, rights in block.rows:
        written = [formula(right) for right in rights]
        if block.inline:
            lines.append(f"{formula(left)} &= " + " = ".join(written))
        else:
            lines.append(f"{formula(left)} &= {written[0]}")
            lines.extend(f"&= {right}" for right in written[1:])
    return lines


def environment(name: str, lines: list[str], argument: str = "") -> list[str]:
    body = [line + r" \\" for line in lines[:-1]] + lines[-1:]
    opening = rf"\begin{{{name}}}" + (f"{{{argument}}}" if argument else "")
    return [opening, *body, rf"\end{{{name}}}"]


# --- text mode -----------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Plain text for LaTeX text mode, in ASCII: specials escaped, Unicode mathematics spelled."""
    out: list[str] = []
    position = 0
    for run in _SCRIPT_RUN.finditer(text):
        out.extend(_escape_char(char) for char in text[position : run.start()])
        out.append(_script(run.group()))
        position = run.end()
    out.extend(_escape_char(char) for char in text[position:])
    return "".join(out)


def _script(run: str) -> str:
    """Superscripts (x², uⁿ⁻¹) and subscripts (uⱼ) as \\textsuperscript / \\textsubscript."""
    command = "textsubscript" if "SUBSCRIPT" in unicodedata.name(run[0], "") else "textsuperscript"
    plain = unicodedata.normalize("NFKC", run).replace("−", "-")
    return rf"\{command}{{{escape_text(plain)}}}"


def _escape_char(char: str) -> str:
    if char.isascii():
        return _TEXT_SPECIALS.get(char, char)
    if char in _TEXT_SYMBOLS:
        return _TEXT_SYMBOLS[char]
    # Anything else (accents, say) is spelled in ASCII rather than risk an error in pdflatex.
    return unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or "?"


# --- the document --------------------------------------------------------------------------

_PREAMBLE = r"""\documentclass{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\allowdisplaybreaks
\begin{document}
"""


def render_latex(d: Derivation, standalone: bool = False) -> str:
    return render_document(build_document(d), standalone)


def render_document(document: Document, standalone: bool = False) -> str:
    lines = [rf"\section*{{{escape_text(document.title)}}}", "", rf"\[ {formula(document.statement)} \]"]
    for section in document.sections:
        lines += ["", rf"\subsection*{{{escape_text(section.title)}}}"]
        for block in section.blocks:
            lines += ["", *_block(block)]
    body = "\n".join(lines) + "\n"
    if not standalone:
        return body
    return f"{_PREAMBLE}\n{body}\n\\end{{document}}\n"


def _block(block: Block) -> list[str]:
    if isinstance(block, Prose):
        return [escape_text(block.text)]
    if isinstance(block, Equations):
        return environment("align*", equation_lines(block))
    if isinstance(block, Table):
        rows = [r" & \qquad ".join(_cell(cell) for cell in row) for row in block.rows]
        return environment("alignat*", rows, str(len(block.header)))
    if isinstance(block, Tree):
        return latex_tree(block.root, formula, escape_text)
    assert isinstance(block, Check)
    return [(r"\textbf{Check:} " if block.ok else r"\textbf{Check failed:} ") + escape_text(block.text)]


def _cell(cell: Formula | str) -> str:
    """One column pair of ``alignat*``: a formula aligned on its '=', or text in the left column."""
    if isinstance(cell, str):
        return rf"& \text{{{escape_text(cell)}}}"
    if EQUALS in cell:
        split = cell.index(EQUALS)
        return f"{formula(cell[:split])} &= {formula(cell[split + 1 :])}"
    return f"& {formula(cell)}"
