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
_INTEGER_POWER = re.compile(r"\*\*(?:\((-\d+)\)|(\d+)(?![\d.]))")
_ADJOINT_NAME = re.compile(r"([A-Za-z]+)bar(\d*)")
_NUMBER_TIMES_NAME = re.compile(r"(?<![\w.])(\d+)·(?=[A-Za-z(√|σ])")


class _UnicodePrinter(StrPrinter):
    """StrPrinter with the notation of a lecture: ln, |x|, σ; powers fixed up afterwards."""

    def _print_Pow(self, expr: sympy.Expr, rational: bool = False) -> str:
        """A negative integer power reads as a quotient: 1/sin(x)², not sin(x)⁻²."""
        base, exponent = expr.as_base_exp()
        if exponent.is_Integer and exponent < 0:
            return "1/" + self.parenthesize(base**-exponent, PRECEDENCE["Mul"] + 1)
        return str(super()._print_Pow(expr, rational))

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        """An adjoint's name (``ubar``, ``abar1``) as the lectures write it: ū, ā1."""
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
    """One line, no ANSI, Unicode superscripts for integer powers and · for products.

    >>> x = sympy.Symbol("x")
    >>> unicode(6 * x**2 * sympy.cos(x**3) / sympy.sin(x**3))
    '6x²·cos(x³)/sin(x³)'
    """
    text = _PRINTER.doprint(expr)
    text = _INTEGER_POWER.sub(lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPT), text)
    text = text.replace("**", "^").replace("*", "·")
    return _NUMBER_TIMES_NAME.sub(r"\1", text)


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


_LATEX = _TutorLatexPrinter({"ln_notation": True, "order": None})


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
