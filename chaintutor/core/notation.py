"""Expressions as students read them: inline Unicode (``6x²·cos(x³)``) and LaTeX.

JSON uses SymPy's own ``str`` (it parses back); people get these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# Every character that has a superscript form a terminal font draws (no q: Unicode has none).
_SUPERSCRIPTS = dict(
    zip(
        "0123456789-abcdefghijklmnoprstuvwxyz",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ",
        strict=True,
    )
)
_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_INTEGER_POWER = re.compile(r"\*\*(?:\((-\d+)\)|(\d+)(?![\d.]))")
_LETTER_POWER = re.compile(r"\*\*([a-pr-z])(?![\w(])")
_ADJOINT_NAME = re.compile(r"([A-Za-z]+)bar(\d*)")
_INDEXED_NAME = re.compile(r"([A-Za-z]+?)_?(\d+)")
_NUMBER_TIMES_NAME = re.compile(r"(?<![\w.])(\d+)·(?=[^\W\d_]|[(√|])")
GREEK_LETTERS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Xi": "Ξ", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
"""Variable names spelled out, as a textbook prints them (``theta`` is θ). ``pi`` is the constant."""

# Inverse functions as a textbook writes them: arcsin, not asin (nor sin⁻¹, which a student
# can take for 1/sin); the inverse hyperbolic functions with ISO 80000-2's ar- prefix.
INVERSE_NAMES = {
    **{f"a{name}": f"arc{name}" for name in ("sin", "cos", "tan", "sec", "csc", "cot")},
    **{f"a{name}h": f"ar{name}h" for name in ("sin", "cos", "tan", "sec", "csc", "cot")},
}


def name_text(name: str, greek: bool = True) -> str:
    """A variable's name as a textbook prints it: ``u1`` is u₁, ``x_2`` is x₂, an adjoint
    ``ubar1`` is ū₁, and with ``greek`` ``theta`` is θ. Names are ASCII (the parser's rule)."""
    letters = GREEK_LETTERS if greek else {}
    adjoint = _ADJOINT_NAME.fullmatch(name)
    if adjoint:
        return letters.get(adjoint.group(1), adjoint.group(1)) + "\u0304" + _subscript(adjoint.group(2))
    indexed = _INDEXED_NAME.fullmatch(name)
    if indexed:
        return letters.get(indexed.group(1), indexed.group(1)) + _subscript(indexed.group(2))
    return letters.get(name, name)


def _subscript(digits: str) -> str:
    return digits.translate(_SUBSCRIPT_DIGITS)


def _superscript(text: str) -> str | None:
    """``text`` in superscript characters, if every one of them has a superscript form."""
    if not all(char in _SUPERSCRIPTS for char in text):
        return None
    return "".join(_SUPERSCRIPTS[char] for char in text)


class _UnicodePrinter(StrPrinter):
    """StrPrinter with the notation of a lecture: ln, |x|, σ, √, eˣ, arcsin, u₁, θ; powers
    fixed up afterwards."""

    def _print_Pow(self, expr: sympy.Expr, rational: bool = False) -> str:
        """A negative integer power reads as a quotient: 1/sin(x)², not sin(x)⁻²; a square
        root is √x, √(x + 1)."""
        base, exponent = expr.as_base_exp()
        if exponent.is_Integer and exponent < 0:
            return "1/" + self.parenthesize(base**-exponent, PRECEDENCE["Mul"] + 1)
        if exponent == sympy.S.Half:
            return self._root(base)
        if exponent == -sympy.S.Half:
            return "1/" + self._root(base)
        return str(super()._print_Pow(expr, rational))

    def _root(self, radicand: sympy.Expr) -> str:
        """√ binds tighter than anything: bare before a name, a number or a function's brackets."""
        text = self._print(radicand)
        bare = radicand.is_Symbol or (radicand.is_Integer and radicand > 0) or radicand.is_Function
        return "√" + (text if bare else f"({text})")

    def _print_exp(self, expr: sympy.Expr) -> str:
        """eˣ, e⁻²ˣ when the exponent can be written in superscripts (names of one letter),
        else e^(…): never exp(…) beside the rule d/du eᵘ = eᵘ."""
        exponent = expr.args[0]
        text = unicode(exponent)
        short = all(len(symbol.name) == 1 for symbol in exponent.free_symbols)
        raised = _superscript(text) if short else None
        return f"e{raised}" if raised is not None else f"e^({text})"

    def _print_Exp1(self, expr: sympy.Expr) -> str:
        return "e"

    def _print_Pi(self, expr: sympy.Expr) -> str:
        return "π"

    def _print_Function(self, expr: sympy.Expr) -> str:
        """arcsin(x) for asin(x)."""
        shown = INVERSE_NAMES.get(expr.func.__name__)
        if shown is None:
            return str(super()._print_Function(expr))
        return f"{shown}({self.stringify(expr.args, ', ')})"

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        """An adjoint's name (``ubar``, ``abar1``) as the lectures write it: ū, ā1. Other names
        stay as typed (u1, theta), as messages and practice prompts quote them: the text and
        terminal writers print them as a textbook does (u₁, θ) with :func:`name_text`."""
        match = _ADJOINT_NAME.fullmatch(expr.name)
        return f"{match.group(1)}\u0304{match.group(2)}" if match else str(expr.name)

    def _print_ImmutableDenseMatrix(self, expr: sympy.Expr) -> str:
        """A matrix on one line, rows separated by semicolons: [1, 1; v, u]."""
        rows = (", ".join(self._print(entry) for entry in expr.row(i)) for i in range(expr.rows))
        return "[" + "; ".join(rows) + "]"

    def _print_log(self, expr: sympy.Expr) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Abs(self, expr: sympy.Expr) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_sigmoid(self, expr: sympy.Expr) -> str:
        return f"σ({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sympy.Expr) -> str:
        """relu's derivative as the lecture writes it: the indicator 1[u > 0]."""
        return f"1[{self._print(expr.args[0])} > 0]"

    def _print_Derivative(self, expr: sympy.Expr) -> str:
        """∂f/∂u for a partial of an abstract function; f′(u) when it has one argument."""
        function = expr.expr
        if not isinstance(function, sympy.core.function.AppliedUndef):
            return str(super()._print_Derivative(expr))
        name = function.func.__name__
        if len(function.args) == 1 and len(expr.variables) == 1:
            return f"{name}′({self._print(function.args[0])})"
        variables = "".join(f"∂{self._print(v)}" for v in expr.variables)
        order = len(expr.variables)
        return f"∂{name}/{variables}" if order == 1 else f"∂^{order}{name}/{variables}"


_PRINTER = _UnicodePrinter({"order": None})


def unicode(expr: sympy.Basic) -> str:
    """One line, no ANSI: superscripts for integer powers, · for products, √, eˣ, arcsin.

    >>> x = sympy.Symbol("x")
    >>> unicode(6 * x**2 * sympy.cos(x**3) / sympy.sin(x**3))
    '6x²·cos(x³)/sin(x³)'
    >>> unicode(2 * sympy.sqrt(x) * sympy.exp(sympy.Symbol("u1")) + sympy.asin(x))
    '2√x·e^(u1) + arcsin(x)'
    """
    text = _PRINTER.doprint(expr)
    text = _INTEGER_POWER.sub(lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPT), text)
    text = _LETTER_POWER.sub(lambda m: _SUPERSCRIPTS[m.group(1)], text)
    text = text.replace("**", "^").replace("*", "·")
    return _NUMBER_TIMES_NAME.sub(r"\1", text)


_ASCII_GREEK = {letter: name for name, letter in GREEK_LETTERS.items()}
_ASCII_SYMBOLS = _ASCII_GREEK | {
    "·": "*", "−": "-", "′": "'", "→": "->", "∂": "d", "∇": "grad ", "Σ": "sum", "√": "sqrt",
    "π": "pi", "≈": "~", "≠": "!=", "≤": "<=", "≥": ">=", "…": "...", "∘": " o ",
    "✓": "OK", "✗": "X", "─": "-", "│": "|", "├": "|", "└": "`", "\u0304": "bar",
}  # fmt: skip
_ASCII_SYMBOLS |= {script: plain for plain, script in _SUPERSCRIPTS.items()}
_SUBSCRIPT_RUN = re.compile("[₀-₉ⱼᵢ]+")
_SUPERSCRIPT_RUN = re.compile("[" + "".join(_SUPERSCRIPTS.values()) + "]+")
_ROOT_OF_NAME = re.compile(r"√([\w.]+(?:\([^()]*\))?)")


def ascii_text(text: str) -> str:
    """``text`` in ASCII, for a terminal without Unicode: u₁ is u1, x² is x^2, eˣ is e^x, √x is
    sqrt(x), θ is theta, · is *; what the parser reads back."""
    text = text.replace("σ(", "sigmoid(")  # the function; a variable σ is sigma
    text = _SUBSCRIPT_RUN.sub(lambda m: _subscript_ascii(m.group()), text)
    text = _ROOT_OF_NAME.sub(r"sqrt(\1)", text)
    text = _SUPERSCRIPT_RUN.sub(lambda m: _power_ascii(m.group()), text)
    return "".join(_ASCII_SYMBOLS.get(char, char) for char in text)


def _subscript_ascii(run: str) -> str:
    """u₁ is u1 (as typed); an index letter keeps its underscore: uⱼ is u_j."""
    plain = run.translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉ⱼᵢ", "0123456789ji"))
    return plain if plain.isdigit() else "_" + plain


def _power_ascii(run: str) -> str:
    plain = "".join(_ASCII_SYMBOLS[char] for char in run)
    return "^" + (plain if len(plain) == 1 else f"({plain})")


# Commands SymPy writes for some names that amsmath alone (the documented requirement) does not
# define: amssymb's Hebrew letters, \mho, \hslash, \eth, \digamma, \varkappa, and the
# alphabets of amsfonts and mathrsfs (a name ending in frak or scr).
_NOT_IN_AMSMATH = re.compile(
    r"\\(?:beth|gimel|daleth|eth|hslash|mho|digamma|varkappa|backepsilon|mathfrak|mathscr|mathbb)(?![a-zA-Z])"
)
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d*)$")


class _TutorLatexPrinter(LatexPrinter):
    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        """As SymPy writes it, unless that needs more than amsmath: then spelled upright, ``beth``
        as \\mathrm{beth}, ``xfrak2`` as \\mathrm{xfrak}_{2}."""
        text = str(super()._print_Symbol(expr, style))
        if not _NOT_IN_AMSMATH.search(text):
            return text
        match = _TRAILING_DIGITS.match(expr.name)
        assert match is not None
        base, digits = match.groups()
        base = re.sub(r"[^A-Za-z0-9]", lambda m: "\\" + m.group() if m.group() in "_&%$#{}" else "", base)
        return rf"\mathrm{{{base}}}" + (f"_{{{digits}}}" if digits else "")

    def _print_sigmoid(self, expr: sympy.Expr, exp: str | None = None) -> str:
        body = rf"\sigma\left({self._print(expr.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _print_Heaviside(self, expr: sympy.Expr, exp: str | None = None) -> str:
        body = rf"\mathbf{{1}}\left[{self._print(expr.args[0])} > 0\right]"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _print_relu(self, expr: sympy.Expr, exp: str | None = None) -> str:
        body = rf"\operatorname{{relu}}\left({self._print(expr.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _print_softplus(self, expr: sympy.Expr, exp: str | None = None) -> str:
        body = rf"\operatorname{{softplus}}\left({self._print(expr.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _print_Derivative(self, expr: sympy.Expr) -> str:
        """As the Unicode printer has it: ∂f/∂u for an abstract function, f′(u) for one argument."""
        function = expr.expr
        if not isinstance(function, sympy.core.function.AppliedUndef):
            return str(super()._print_Derivative(expr))
        name = self._print(sympy.Symbol(function.func.__name__))
        if len(function.args) == 1 and len(expr.variables) == 1:
            return rf"{name}'\left({self._print(function.args[0])}\right)"
        order = len(expr.variables)
        top = r"\partial" if order == 1 else rf"\partial^{{{order}}}"
        bottom = r"\,".join(rf"\partial {self._print(v)}" for v in expr.variables)
        return rf"\frac{{{top} {name}}}{{{bottom}}}"


_LATEX = _TutorLatexPrinter({"ln_notation": True, "order": None, "inv_trig_style": "full"})


def latex(expr: sympy.Basic) -> str:
    """LaTeX with ``\\ln`` for the natural logarithm; ``u1`` becomes ``u_{1}``."""
    return str(_LATEX.doprint(expr))


def derivative_mark(partial: bool) -> str:
    """∂ for a partial derivative (of something that depends on several variables), else d."""
    return "∂" if partial else "d"


def ratio(of: str, wrt: str, partial: bool) -> str:
    """The derivative of ``of`` with respect to ``wrt`` as the lectures write it: dy/du, ∂y/∂u."""
    mark = derivative_mark(partial)
    return f"{mark}{of}/{mark}{wrt}"


def equation(name: str, expr: sympy.Basic) -> str:
    """A definition as the lectures write it: ``u2 = sin(u1)``."""
    return f"{name} = {unicode(expr)}"


def route(nodes: Sequence[str]) -> str:
    """A path down the graph, from the output to a variable: ``y → u → x``."""
    return " → ".join(nodes)


def plain(expr: sympy.Basic) -> str:
    """SymPy's ``str``: the form JSON carries, which chaintutor's parser reads back."""
    return str(expr)
