"""Rule trees: how each local derivative follows from the rules a textbook names.

In the manner of SymPy's ``manualintegrate`` and SymPy Gamma's derivative steps, each rule is a
small frozen dataclass holding what it differentiates, the variable, its result and its
sub-steps. :func:`rule_tree` finds the tree with chaintutor's own matcher; each node's result
is put together from its sub-steps' results by the rule's own formula (the product rule adds
f′g and fg′, the chain rule multiplies), never by calling ``sympy.diff`` on the node, so that
the tests can hold every node against ``sympy.diff`` independently.

``key`` is the stable name JSON carries (``sum``, ``constant_multiple``, ``power``, ``chain``,
``sin``, …); ``title`` is what a lecturer says ("the power rule").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import sympy
from sympy.core.function import AppliedUndef

from chaintutor.core.walk import occurs_in, sum_without, terms_with


@dataclass(frozen=True, eq=False)
class Step:
    """d/d(variable) of ``expr`` is ``result``, by this rule.

    Steps compare by identity (``eq=False``): nothing needs two trees to compare equal, and
    the generated ``__eq__`` and ``__hash__`` cost import time on every start.
    """

    expr: sympy.Expr
    variable: sympy.Symbol
    result: sympy.Expr

    KEY: ClassVar[str] = "derivative"
    TITLE: ClassVar[str] = "differentiated by SymPy"

    @property
    def key(self) -> str:
        """The stable name JSON carries."""
        return self.KEY

    @property
    def title(self) -> str:
        """The rule's name as a lecturer says it."""
        return self.TITLE

    @property
    def substeps(self) -> tuple[Step, ...]:
        return ()

    @property
    def statement(self) -> str:
        """The rule in general form, in the generic variable u (as the lectures write it)."""
        return ""

    def walk(self) -> list[Step]:
        """This step and every step under it, parents first."""
        found: list[Step] = []
        pending: list[Step] = [self]
        while pending:
            step = pending.pop()
            found.append(step)
            pending.extend(reversed(step.substeps))
        return found


class ConstantRule(Step):
    """A constant (an expression without the variable) has derivative 0."""

    KEY: ClassVar[str] = "constant"
    TITLE: ClassVar[str] = "constant rule"

    @property
    def statement(self) -> str:
        return "d/du c = 0"


class IdentityRule(Step):
    """The variable itself has derivative 1."""

    KEY: ClassVar[str] = "identity"
    TITLE: ClassVar[str] = "identity"

    @property
    def statement(self) -> str:
        return "d/du u = 1"


@dataclass(frozen=True, eq=False)
class PowerRule(Step):
    """uⁿ with a constant n goes to n·uⁿ⁻¹ (√u and 1/u included)."""

    exponent: sympy.Expr

    KEY: ClassVar[str] = "power"
    TITLE: ClassVar[str] = "power rule"

    @property
    def statement(self) -> str:
        if self.exponent == sympy.Rational(1, 2):
            return "d/du √u = 1/(2√u)"
        return "d/du uⁿ = n·uⁿ⁻¹"


@dataclass(frozen=True, eq=False)
class SumRule(Step):
    """A sum is differentiated term by term."""

    terms: tuple[Step, ...]

    KEY: ClassVar[str] = "sum"
    TITLE: ClassVar[str] = "sum rule"

    @property
    def substeps(self) -> tuple[Step, ...]:
        return self.terms

    @property
    def statement(self) -> str:
        return "(f + g)′ = f′ + g′"


@dataclass(frozen=True, eq=False)
class ConstantMultipleRule(Step):
    """A constant factor stays: (c·f)′ = c·f′."""

    constant: sympy.Expr
    inner: Step

    KEY: ClassVar[str] = "constant_multiple"
    TITLE: ClassVar[str] = "constant multiple rule"

    @property
    def substeps(self) -> tuple[Step, ...]:
        return (self.inner,)

    @property
    def statement(self) -> str:
        return "(c·f)′ = c·f′"


@dataclass(frozen=True, eq=False)
class ProductRule(Step):
    """(f·g)′ = f′·g + f·g′, and for more factors one term per factor differentiated."""

    factors: tuple[Step, ...]

    KEY: ClassVar[str] = "product"
    TITLE: ClassVar[str] = "product rule"

    @property
    def substeps(self) -> tuple[Step, ...]:
        return self.factors

    @property
    def statement(self) -> str:
        return "(f·g)′ = f′·g + f·g′"


@dataclass(frozen=True, eq=False)
class QuotientRule(Step):
    """(f/g)′ = (f′·g − f·g′)/g²."""

    numerator: Step
    denominator: Step

    KEY: ClassVar[str] = "quotient"
    TITLE: ClassVar[str] = "quotient rule"

    @property
    def substeps(self) -> tuple[Step, ...]:
        return (self.numerator, self.denominator)

    @property
    def statement(self) -> str:
        return "(f/g)′ = (f′·g − f·g′)/g²"


@dataclass(frozen=True, eq=False)
class ChainRule(Step):
    """f(g(x))′ = f′(g(x))·g′(x): the outer rule at ``placeholder`` = the inner expression."""

    placeholder: sympy.Symbol
    outer: Step
    inner: Step

    KEY: ClassVar[str] = "chain"
    TITLE: ClassVar[str] = "chain rule"

    @property
    def substeps(self) -> tuple[Step, ...]:
        return (self.outer, self.inner)

    @property
    def statement(self) -> str:
        return "d/dx f(w) = f′(w)·dw/dx"


@dataclass(frozen=True, eq=False)
class FunctionRule(Step):
    """A named function of the variable itself: sin, ln, eᵘ, σ, …"""

    name: str

    @property
    def key(self) -> str:
        return _FUNCTIONS[self.name][0]

    @property
    def title(self) -> str:
        return _FUNCTIONS[self.name][1]

    @property
    def statement(self) -> str:
        return _FUNCTIONS[self.name][2]


@dataclass(frozen=True, eq=False)
class ExponentialRule(Step):
    """aᵘ goes to aᵘ·ln(a) for a constant base a."""

    base: sympy.Expr

    KEY: ClassVar[str] = "exponential"
    TITLE: ClassVar[str] = "exponential rule"

    @property
    def statement(self) -> str:
        return "d/du eᵘ = eᵘ" if self.base == sympy.E else "d/du aᵘ = aᵘ·ln(a)"


@dataclass(frozen=True, eq=False)
class LogarithmRule(Step):
    """ln(u) goes to 1/u; log_b(u) to 1/(u·ln(b))."""

    base: sympy.Expr

    KEY: ClassVar[str] = "logarithm"
    TITLE: ClassVar[str] = "logarithm rule"

    @property
    def statement(self) -> str:
        return "d/du ln(u) = 1/u" if self.base == sympy.E else "d/du log_b(u) = 1/(u·ln(b))"


@dataclass(frozen=True, eq=False)
class GeneralPowerRule(Step):
    """f^g with both varying, by logarithmic differentiation: (f^g)′ = f^g·(g′·ln f + g·f′/f)."""

    base: Step
    exponent: Step

    KEY: ClassVar[str] = "general_power"
    TITLE: ClassVar[str] = "general power rule"

    @property
    def substeps(self) -> tuple[Step, ...]:
        return (self.base, self.exponent)

    @property
    def statement(self) -> str:
        return "(f^g)′ = f^g·(g′·ln f + g·f′/f)"


class AbstractFunctionRule(Step):
    """A function known only by name: its partial derivative stays unevaluated."""

    KEY: ClassVar[str] = "abstract_function"
    TITLE: ClassVar[str] = "abstract function"

    @property
    def statement(self) -> str:
        return f"{type(self.expr).__name__} is unknown, so its partial derivative stays unevaluated"


# SymPy class name → (JSON key, title, statement); the derivative comes from the class's fdiff.
_FUNCTIONS: dict[str, tuple[str, str, str]] = {
    "sin": ("sin", "sine rule", "d/du sin(u) = cos(u)"),
    "cos": ("cos", "cosine rule", "d/du cos(u) = −sin(u)"),
    "tan": ("tan", "tangent rule", "d/du tan(u) = sec²(u)"),
    "sec": ("sec", "secant rule", "d/du sec(u) = sec(u)·tan(u)"),
    "csc": ("csc", "cosecant rule", "d/du csc(u) = −csc(u)·cot(u)"),
    "cot": ("cot", "cotangent rule", "d/du cot(u) = −csc²(u)"),
    "asin": ("asin", "arcsine rule", "d/du arcsin(u) = 1/√(1 − u²)"),
    "acos": ("acos", "arccosine rule", "d/du arccos(u) = −1/√(1 − u²)"),
    "atan": ("atan", "arctangent rule", "d/du arctan(u) = 1/(1 + u²)"),
    "asec": ("asec", "arcsecant rule", "d/du arcsec(u) = 1/(u²·√(1 − 1/u²))"),
    "acsc": ("acsc", "arccosecant rule", "d/du arccsc(u) = −1/(u²·√(1 − 1/u²))"),
    "acot": ("acot", "arccotangent rule", "d/du arccot(u) = −1/(1 + u²)"),
    "sinh": ("sinh", "hyperbolic sine rule", "d/du sinh(u) = cosh(u)"),
    "cosh": ("cosh", "hyperbolic cosine rule", "d/du cosh(u) = sinh(u)"),
    "tanh": ("tanh", "hyperbolic tangent rule", "d/du tanh(u) = 1 − tanh²(u)"),
    "sech": ("sech", "hyperbolic secant rule", "d/du sech(u) = −sech(u)·tanh(u)"),
    "csch": ("csch", "hyperbolic cosecant rule", "d/du csch(u) = −csch(u)·coth(u)"),
    "coth": ("coth", "hyperbolic cotangent rule", "d/du coth(u) = 1 − coth²(u)"),
    "asinh": ("asinh", "inverse hyperbolic sine rule", "d/du arsinh(u) = 1/√(u² + 1)"),
    "acosh": ("acosh", "inverse hyperbolic cosine rule", "d/du arcosh(u) = 1/√(u² − 1)"),
    "atanh": ("atanh", "inverse hyperbolic tangent rule", "d/du artanh(u) = 1/(1 − u²)"),
    "asech": ("asech", "inverse hyperbolic secant rule", "d/du arsech(u) = −1/(u·√(1 − u²))"),
    "acsch": ("acsch", "inverse hyperbolic cosecant rule", "d/du arcsch(u) = −1/(u²·√(1 + 1/u²))"),
    "acoth": ("acoth", "inverse hyperbolic cotangent rule", "d/du arcoth(u) = 1/(1 − u²)"),
    "Abs": ("abs", "absolute value rule", "d/du |u| = sign(u), for u ≠ 0"),
    "sigmoid": ("sigmoid", "sigmoid rule", "d/du σ(u) = σ(u)·(1 − σ(u))"),
    "softplus": ("softplus", "softplus rule", "d/du softplus(u) = σ(u)"),
    "relu": ("relu", "ReLU rule", "d/du relu(u) = d/du max(0, u) = 1[u > 0]"),
}


def rule_tree(expr: sympy.Expr, variable: sympy.Symbol) -> Step:
    """The rule tree that differentiates ``expr`` with respect to ``variable``."""
    if not occurs_in(expr, variable):
        return ConstantRule(expr, variable, sympy.Integer(0))
    if expr == variable:
        return IdentityRule(expr, variable, sympy.Integer(1))
    if expr.is_Add:
        return _sum(expr, variable)
    if expr.is_Mul:
        return _product(expr, variable)
    if expr.is_Pow:
        return _power(expr, variable)
    if isinstance(expr, sympy.exp):
        return _chain(expr, variable, expr.args[0], lambda w: _exponential(sympy.exp(w), w, sympy.E))
    if isinstance(expr, AppliedUndef):
        return AbstractFunctionRule(expr, variable, sympy.diff(expr, variable))
    name = type(expr).__name__
    if isinstance(expr, sympy.log) and len(expr.args) == 1:
        return _chain(expr, variable, expr.args[0], lambda w: _logarithm(sympy.log(w), w, sympy.E))
    if name in _FUNCTIONS and len(expr.args) == 1:
        return _chain(expr, variable, expr.args[0], lambda w: _function(expr.func(w), w))
    return Step(expr, variable, sympy.diff(expr, variable))


def _sum(expr: sympy.Expr, variable: sympy.Symbol) -> Step:
    """Term by term; the terms without the variable are one constant, whose derivative is 0."""
    terms = [rule_tree(term, variable) for term in terms_with(expr, variable)]
    constant = sum_without(expr, variable)  # both linear in the sum, asked once per input
    if constant != 0:
        terms.append(ConstantRule(constant, variable, sympy.Integer(0)))
    return SumRule(expr, variable, sympy.Add(*(step.result for step in terms)), tuple(terms))


def _product(expr: sympy.Expr, variable: sympy.Symbol) -> Step:
    constant, varying = expr.as_independent(variable, as_Add=False)
    base = _log_base(constant)
    if base is not None and isinstance(varying, sympy.log):
        return _chain(expr, variable, varying.args[0], lambda w: _logarithm(sympy.log(w, base), w, base))
    if constant != 1:
        inner = rule_tree(varying, variable)
        return ConstantMultipleRule(expr, variable, constant * inner.result, constant, inner)
    factors = sympy.Mul.make_args(expr)
    below = below_the_line(expr)
    if below and len(below) < len(factors):
        return _quotient(expr, variable, factors, below)
    steps = tuple(rule_tree(factor, variable) for factor in factors)
    terms = (
        sympy.Mul(*(step.result if i == j else factor for j, factor in enumerate(factors)))
        for i, step in enumerate(steps)
    )
    return ProductRule(expr, variable, sympy.Add(*terms), steps)


def below_the_line(expr: sympy.Expr) -> list[sympy.Expr]:
    """The factors of a product that a textbook writes under the fraction bar: powers with a
    negative number as exponent (e^(−x) is not one: its exponent is not a number)."""
    if not expr.is_Mul:
        return []
    return [f for f in expr.args if f.is_Pow and f.exp.is_number and f.exp.is_negative]


def _quotient(
    expr: sympy.Expr, variable: sympy.Symbol, factors: tuple[sympy.Expr, ...], below: list[sympy.Expr]
) -> Step:
    numerator = sympy.Mul(*(f for f in factors if f not in below))
    denominator = sympy.Mul(*(sympy.Pow(f.base, -f.exp) for f in below))
    top, bottom = rule_tree(numerator, variable), rule_tree(denominator, variable)
    result = (top.result * denominator - numerator * bottom.result) / denominator**2
    return QuotientRule(expr, variable, result, top, bottom)


def _power(expr: sympy.Expr, variable: sympy.Symbol) -> Step:
    base, exponent = expr.as_base_exp()
    if not exponent.has(variable):
        return _chain(expr, variable, base, lambda w: _power_of(w**exponent, w, exponent))
    if not base.has(variable):
        return _chain(expr, variable, exponent, lambda w: _exponential(base**w, w, base))
    base_step, exponent_step = rule_tree(base, variable), rule_tree(exponent, variable)
    result = expr * (exponent_step.result * sympy.log(base) + exponent * base_step.result / base)
    return GeneralPowerRule(expr, variable, result, base_step, exponent_step)


def _chain(
    expr: sympy.Expr, variable: sympy.Symbol, inner: sympy.Expr, outer: Callable[[sympy.Symbol], Step]
) -> Step:
    """The outer rule on the variable itself; around anything else, the chain rule.

    ``outer(w)`` is the outer function's rule with respect to its own argument ``w``.
    """
    if inner == variable:
        return outer(variable)
    placeholder = _placeholder(expr)
    outer_step, inner_step = outer(placeholder), rule_tree(inner, variable)
    result = outer_step.result.xreplace({placeholder: inner}) * inner_step.result
    return ChainRule(expr, variable, result, placeholder, outer_step, inner_step)


def _placeholder(expr: sympy.Expr) -> sympy.Symbol:
    """A letter for the inner function that the expression does not already use."""
    taken = {symbol.name for symbol in expr.free_symbols}
    return sympy.Symbol(next(name for name in ("w", "v", "s", "q", "ξ") if name not in taken))


def _power_of(expr: sympy.Expr, variable: sympy.Symbol, exponent: sympy.Expr) -> Step:
    return PowerRule(expr, variable, exponent * variable ** (exponent - 1), exponent)


def _exponential(expr: sympy.Expr, variable: sympy.Symbol, base: sympy.Expr) -> Step:
    result = expr if base == sympy.E else expr * sympy.log(base)
    return ExponentialRule(expr, variable, result, base)


def _logarithm(expr: sympy.Expr, variable: sympy.Symbol, base: sympy.Expr) -> Step:
    result = 1 / variable if base == sympy.E else 1 / (variable * sympy.log(base))
    return LogarithmRule(expr, variable, result, base)


def _log_base(constant: sympy.Expr) -> sympy.Expr | None:
    """b when ``constant`` is 1/ln(b), the factor SymPy writes log_b(u) with."""
    if constant.is_Pow and constant.exp == -1 and isinstance(constant.base, sympy.log):
        return constant.base.args[0]
    return None


# The textbook's form where SymPy's own differs: tan′ = sec², not 1 + tan².
_TEXTBOOK_DERIVATIVES: dict[str, Callable[[sympy.Symbol], sympy.Expr]] = {
    "tan": lambda u: sympy.sec(u) ** 2,
    "cot": lambda u: -(sympy.csc(u) ** 2),
}


def _function(expr: sympy.Expr, variable: sympy.Symbol) -> Step:
    name = type(expr).__name__
    textbook = _TEXTBOOK_DERIVATIVES.get(name)
    result = textbook(variable) if textbook is not None else expr.fdiff(1)
    return FunctionRule(expr, variable, result, name)
