"""Constants (expressions without variables) that SymPy could never finish with.

SymPy evaluates constants numerically whenever it needs a sign or an order: asking whether
``sinh(sinh(sinh(sinh(2))))`` is zero, or printing ``x + sin(exp(exp(100)))`` in order. A
constant whose value is astronomically large makes that evaluation run for ever, inside one
big-integer operation that not even a signal interrupts, and a constant nested many
functions deep (``log10(log10(…(2)))``) grows SymPy's symbolic form exponentially.

So a constant is refused before SymPy builds it when its estimated value passes the limit
on numbers (10^1000, the limit on literals), or when functions nest more than
``MAX_CONSTANT_DEPTH`` deep in it. The estimate uses mpmath at machine precision on values
that are already known to be bounded, so it is itself quick.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import sympy

MAX_NUMBER_DIGITS = 1000
"""The most digits an exact number (numerator or denominator) may reach."""

MAX_CONSTANT_DEPTH = 6
"""The most function applications nested in a constant, as in ln(ln(ln(2)))."""

MAX_LOG10 = 1000
"""Constants must stay below 10^MAX_LOG10 in absolute value (MAX_NUMBER_DIGITS)."""

_Estimate = tuple[Any, int] | None  # (approximate value, function depth), None: not a known constant

# mpmath counterparts, by canonical name (chaintutor.parse.functions) and by SymPy class name.
_SAME_NAME = (
    "sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "asec", "acsc", "acot",
    "sinh", "cosh", "tanh", "sech", "csch", "coth", "asinh", "acosh", "atanh", "asech", "acsch",
    "acoth", "exp", "log", "log10", "sqrt", "cbrt",
)  # fmt: skip
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    **{name: getattr(mpmath, name) for name in _SAME_NAME},
    "log2": lambda arg: mpmath.log(arg, 2),
    "abs": abs,
    "Abs": abs,
    "sigmoid": lambda arg: 1 / (1 + mpmath.exp(-arg)),
    "softplus": lambda arg: mpmath.log(1 + mpmath.exp(arg)),
    "relu": lambda arg: max(arg, 0),
}

_CACHE: dict[sympy.Basic, _Estimate] = {}
_CACHE_SIZE = 50_000


def constant_refusal(name: str, args: Sequence[sympy.Basic]) -> str | None:
    """Why ``name(*args)`` must not be built, or None. ``name`` is a function's canonical or
    SymPy class name, or ``Pow``; the refusal applies only when every argument is a constant."""
    estimates = [_estimate(arg) for arg in args]
    if any(estimate is None for estimate in estimates):
        return None
    values = [estimate[0] for estimate in estimates if estimate is not None]
    depth = max((estimate[1] for estimate in estimates if estimate is not None), default=0)
    if name != "Pow":
        depth += 1
        if depth > MAX_CONSTANT_DEPTH:
            return (
                f"a constant with functions nested {depth} deep; the limit is {MAX_CONSTANT_DEPTH}"
                " (its derivative is 0 anyway)"
            )
    value = _apply(name, values)
    if value is None or not _past_limit(value):
        return None
    if value == _HUGE:
        return f"a number in this expression is beyond the limit of 10^±{MAX_LOG10:,}"
    log10 = mpmath.log10(abs(value))
    if log10 < 0:
        return f"this number is smaller than 10^-{MAX_LOG10:,}, the limit"
    about = f"about {int(log10) + 1:,}" if log10 < 10**18 else "more than 10^18"
    return f"this number would have {about} digits; the limit is {MAX_LOG10:,}"


_HUGE = mpmath.inf  # an estimate past the limit: nothing is computed from it


def _past_limit(value: Any) -> bool:
    return bool(value == _HUGE or (value != 0 and abs(mpmath.log10(abs(value))) >= MAX_LOG10))


def _apply(name: str, values: Sequence[Any]) -> Any:
    """The approximate value of ``name(*values)``, _HUGE, or None if it cannot be told.

    A function or a power is never evaluated at a number past the limit: ``sin`` of
    10^(10^43) would need 10^43 digits of precision.
    """
    if any(value == _HUGE for value in values):
        return _HUGE
    if name not in ("Add", "Mul") and any(_past_limit(value) for value in values):
        return _HUGE
    try:
        if name == "Pow":
            value = mpmath.power(values[0], values[1])
        elif name == "Add":
            value = mpmath.fsum(values)
        elif name == "Mul":
            value = mpmath.fprod(values)
        elif name in _FUNCTIONS:
            value = _FUNCTIONS[name](*values)
        else:
            return None
    except (ArithmeticError, ValueError, TypeError):
        return None
    return value if mpmath.isfinite(value) else None


def _estimate(expr: sympy.Basic) -> _Estimate:
    """``expr``'s approximate value and function depth, if it is a constant we know."""
    if expr in _CACHE:
        return _CACHE[expr]
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.clear()
    order: list[sympy.Basic] = []  # post-order, without recursion: constants may be deep
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in _CACHE:
            stack.append((node, True))
            stack.extend((arg, False) for arg in node.args)
    for node in order:
        if node not in _CACHE:
            _CACHE[node] = _leaf(node) if not node.args else _combine(node)
    return _CACHE[expr]


def _leaf(node: sympy.Basic) -> _Estimate:
    if node.is_Rational:
        return mpmath.mpf(int(node.p)) / int(node.q), 0
    if node is sympy.I:
        return mpmath.mpc(0, 1), 0
    if isinstance(node, sympy.NumberSymbol):
        return mpmath.mpf(node.evalf(20)), 0
    return None  # a symbol, infinity, nan, a float


def _combine(node: sympy.Basic) -> _Estimate:
    estimates = [_CACHE[arg] for arg in node.args]
    if any(estimate is None for estimate in estimates):
        return None
    name = type(node).__name__
    value = _apply(name, [estimate[0] for estimate in estimates if estimate is not None])
    if value is None:
        return None
    depth = max(estimate[1] for estimate in estimates if estimate is not None)
    return value, depth + (name in _FUNCTIONS)


def number_power_refusal(base: sympy.Expr, exponent: sympy.Expr) -> str | None:
    """Why SymPy must not compute ``base**exponent``, or None when it may.

    The number part of the base (the 3 of ``3*x``) to the power ``p/q`` has about
    ``|p/q|·log10(number)`` digits. A fractional power costs more than its value: SymPy
    collects roots from the number's factors and rationalises (``2^(-1/3)`` is ``2^(2/3)/2``),
    computing integers up to the number to the power ``q``, so ``99999^(-1/3486784401)``,
    a value close to 1, would never finish.
    """
    if not exponent.is_Rational:
        return None
    coefficient = base.as_coeff_Mul()[0]
    if not coefficient.is_Rational or abs(coefficient) == 1 or coefficient == 0:
        return None
    power = _fraction(exponent)
    size = _log10_size(_fraction(coefficient))
    log10 = math.inf if abs(power) > 10**18 else float(abs(power)) * size
    if log10 >= MAX_NUMBER_DIGITS:
        return f"this number would have {digit_count(log10)} digits; the limit is {MAX_NUMBER_DIGITS:,}"
    if power.denominator > 1 and (
        power.denominator > 10**18 or power.denominator * size >= MAX_NUMBER_DIGITS
    ):
        order = f"{power.denominator:,}" if power.denominator < 10**18 else "more than 10^18"
        return (
            f"this power takes a root of order {order} of a number, too fine to compute exactly;"
            f" the limit is a root order times the number's digits under {MAX_NUMBER_DIGITS:,}"
        )
    return None


def product_refusal(factors: Iterable[tuple[sympy.Expr, bool]]) -> float | None:
    """log10 of the number part of a product once it passes the limit, else None.

    ``factors`` are (factor, divide) pairs, taken one at a time, so the refusal comes before
    SymPy multiplies anything huge.
    """
    coefficient = Fraction(1)
    for factor, divide in factors:
        number = factor.as_coeff_Mul()[0]
        if not number.is_Rational or number == 0:
            continue
        value = _fraction(number)
        coefficient = coefficient / value if divide else coefficient * value
        log10 = _log10_size(coefficient)
        if log10 >= MAX_NUMBER_DIGITS:
            return log10
    return None


def digit_count(log10: float) -> str:
    """How many digits a number of size 10^log10 has, for a message: "about 1,204"."""
    return f"about {math.floor(log10) + 1:,}" if log10 < 1e18 else "more than 10^18"


def _fraction(number: sympy.Rational) -> Fraction:
    return Fraction(int(number.p), int(number.q))


def _log10_size(value: Fraction) -> float:
    """log10 of the larger of numerator and denominator: one less than its digit count."""
    return math.log10(max(abs(value.numerator), value.denominator))
