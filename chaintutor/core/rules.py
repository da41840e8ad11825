"""Which differentiation rule gives a local derivative, stated the way a lecture states it."""

from __future__ import annotations

from dataclasses import dataclass

import sympy


@dataclass(frozen=True)
class Rule:
    """A rule's short name (``power``) and its statement (``d/du uⁿ = n·uⁿ⁻¹``)."""

    name: str
    statement: str


_FUNCTION_RULES: dict[str, tuple[str, str]] = {
    "sin": ("sine", "d/du sin(u) = cos(u)"),
    "cos": ("cosine", "d/du cos(u) = −sin(u)"),
    "tan": ("tangent", "d/du tan(u) = sec²(u) = 1 + tan²(u)"),
    "sec": ("secant", "d/du sec(u) = sec(u)·tan(u)"),
    "csc": ("cosecant", "d/du csc(u) = −csc(u)·cot(u)"),
    "cot": ("cotangent", "d/du cot(u) = −csc²(u)"),
    "asin": ("arcsine", "d/du asin(u) = 1/√(1 − u²)"),
    "acos": ("arccosine", "d/du acos(u) = −1/√(1 − u²)"),
    "atan": ("arctangent", "d/du atan(u) = 1/(1 + u²)"),
    "asec": ("arcsecant", "d/du asec(u) = 1/(u²·√(1 − 1/u²))"),
    "acsc": ("arccosecant", "d/du acsc(u) = −1/(u²·√(1 − 1/u²))"),
    "acot": ("arccotangent", "d/du acot(u) = −1/(1 + u²)"),
    "sinh": ("hyperbolic sine", "d/du sinh(u) = cosh(u)"),
    "cosh": ("hyperbolic cosine", "d/du cosh(u) = sinh(u)"),
    "tanh": ("hyperbolic tangent", "d/du tanh(u) = 1 − tanh²(u)"),
    "sech": ("hyperbolic secant", "d/du sech(u) = −sech(u)·tanh(u)"),
    "csch": ("hyperbolic cosecant", "d/du csch(u) = −csch(u)·coth(u)"),
    "coth": ("hyperbolic cotangent", "d/du coth(u) = 1 − coth²(u)"),
    "asinh": ("inverse hyperbolic sine", "d/du asinh(u) = 1/√(u² + 1)"),
    "acosh": ("inverse hyperbolic cosine", "d/du acosh(u) = 1/√(u² − 1)"),
    "atanh": ("inverse hyperbolic tangent", "d/du atanh(u) = 1/(1 − u²)"),
    "asech": ("inverse hyperbolic secant", "d/du asech(u) = −1/(u·√(1 − u²))"),
    "acsch": ("inverse hyperbolic cosecant", "d/du acsch(u) = −1/(u²·√(1 + 1/u²))"),
    "acoth": ("inverse hyperbolic cotangent", "d/du acoth(u) = 1/(1 − u²)"),
    "exp": ("exponential", "d/du eᵘ = eᵘ"),
    "log": ("logarithm", "d/du ln(u) = 1/u"),
    "Abs": ("absolute value", "d/du |u| = sign(u), for u ≠ 0"),
    "sigmoid": ("sigmoid", "d/du σ(u) = σ(u)·(1 − σ(u))"),
    "softplus": ("softplus", "d/du softplus(u) = σ(u)"),
}


def rule_for(expr: sympy.Expr, variable: sympy.Symbol) -> Rule:
    """The rule that differentiates ``expr`` with respect to ``variable`` (others held fixed)."""
    if expr == variable:
        return Rule("identity", "d/du u = 1")
    if expr.is_Add:
        return Rule("sum", "the derivative of a sum is the sum of the derivatives")
    if expr.is_Mul:
        return _product_rule(expr, variable)
    if expr.is_Pow:
        return _power_rule(expr, variable)
    if isinstance(expr, sympy.core.function.AppliedUndef):
        return Rule(
            "abstract function", f"{expr.func.__name__} is unknown: its partial derivative stays unevaluated"
        )
    name = type(expr).__name__
    if name in _FUNCTION_RULES and expr.args[0] == variable:
        title, statement = _FUNCTION_RULES[name]
        return Rule(title, statement)
    if name in _FUNCTION_RULES:
        return Rule(f"{_FUNCTION_RULES[name][0]} with the chain rule", _FUNCTION_RULES[name][1])
    return Rule("derivative", "differentiated by SymPy")


def _product_rule(expr: sympy.Expr, variable: sympy.Symbol) -> Rule:
    varying = [factor for factor in expr.args if factor.has(variable)]
    if len(varying) == 1:
        return Rule("constant multiple", "d/du (c·f) = c·df/du")
    if any(factor.is_Pow and factor.exp.is_negative for factor in varying):
        return Rule("quotient", "d/du (f/g) = (f'·g − f·g')/g²")
    return Rule("product", "d/du (f·g) = f'·g + f·g'")


def _power_rule(expr: sympy.Expr, variable: sympy.Symbol) -> Rule:
    base, exponent = expr.as_base_exp()
    if not exponent.has(variable):
        if exponent == sympy.Rational(1, 2):
            return Rule("square root", "d/du √u = 1/(2√u)")
        if exponent == -1 and base == variable:
            return Rule("reciprocal", "d/du (1/u) = −1/u²")
        return Rule("power", "d/du uⁿ = n·uⁿ⁻¹")
    if not base.has(variable):
        return Rule("exponential", "d/du aᵘ = aᵘ·ln(a)")
    return Rule("general power", "d/du f^g = f^g·(g'·ln f + g·f'/f)")
