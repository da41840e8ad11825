"""Fast evaluation of SymPy expressions at real points, in plain floats.

An expression is compiled once into a flat program (its distinct subexpressions, children
first) and then run at each point with :mod:`math`. The semantics are those of the real
numbers: a subexpression that is not a finite real number (the square root or logarithm of a
negative number, a division by zero, an overflow) makes the whole value undefined (``None``).
That is what "undefined at a point" means for ``check``: a function and its derivative are
taught on the reals.

Evaluating this way costs microseconds where ``evalf`` costs milliseconds; the grader runs
dozens of candidate mistakes at several points, within a budget of about 100 ms.
Expressions holding something the compiler does not know (an abstract function, an
unevaluated derivative) raise :class:`Unsupported` at compile time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import sympy

from chaintutor.core.evaluate import PRECISION, value_at
from chaintutor.core.verify import evaluate

Program = list[tuple[int, object, tuple[int, ...]]]

_CONST, _SYMBOL, _ADD, _MUL, _POW, _CALL = range(6)


class Unsupported(ValueError):
    """The expression holds an operation that has no plain-float evaluation here."""


def _inverse(function: Callable[[float], float]) -> Callable[[float], float]:
    return lambda value: 1.0 / function(value)


def _of_reciprocal(function: Callable[[float], float]) -> Callable[[float], float]:
    return lambda value: function(1.0 / value)


def _acot(value: float) -> float:
    return math.pi / 2 if value == 0 else math.atan(1.0 / value)


def _sign(value: float) -> float:
    return 0.0 if value == 0 else math.copysign(1.0, value)


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def _step(value: float) -> float:
    return 1.0 if value > 0 else 0.0


def _softplus(value: float) -> float:
    return max(value, 0.0) + math.log1p(math.exp(-abs(value)))


_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "cot": _inverse(math.tan),
    "sec": _inverse(math.cos),
    "csc": _inverse(math.sin),
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "acot": _acot,
    "asec": _of_reciprocal(math.acos),
    "acsc": _of_reciprocal(math.asin),
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "coth": _inverse(math.tanh),
    "sech": _inverse(math.cosh),
    "csch": _inverse(math.sinh),
    "asinh": math.asinh,
    "acosh": math.acosh,
    "atanh": math.atanh,
    "acoth": _of_reciprocal(math.atanh),
    "asech": _of_reciprocal(math.acosh),
    "acsch": _of_reciprocal(math.asinh),
    "exp": math.exp,
    "log": math.log,
    "Abs": abs,
    "sign": _sign,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "relu": lambda value: max(value, 0.0),
}


def _constant(expr: sympy.Expr) -> float | None:
    """A number without symbols, if it is a finite real one."""
    number = value_at(expr, {}, refuse_above=1e300)  # bounded: evalf alone can run for minutes
    try:
        value = complex(number) if number is not None else complex("nan")
    except (TypeError, ValueError, ArithmeticError):
        return None
    if value.imag != 0 or not math.isfinite(value.real):
        return None
    return value.real


class Compiled:
    """``expr`` ready to be evaluated at many points: ``compiled(env)`` → float or None."""

    __slots__ = ("expr", "program", "symbols")

    def __init__(self, expr: sympy.Expr) -> None:
        self.expr = expr
        self.program: Program = []
        self.symbols: frozenset[sympy.Symbol] = frozenset(expr.free_symbols)
        index: dict[int, int] = {}  # id of a subexpression -> its slot in the program
        stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in index:
                continue
            if not expanded and not _is_leaf(node):
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(node.args) if id(arg) not in index)
                continue
            index[id(node)] = len(self.program)
            self.program.append(_instruction(node, index))

    def __call__(self, env: Mapping[sympy.Symbol, float]) -> float | None:
        values: list[float] = []
        append = values.append
        try:
            for kind, payload, args in self.program:
                if kind == _CONST:
                    if payload is None:
                        return None
                    value = payload
                elif kind == _SYMBOL:
                    value = env[payload]
                elif kind == _ADD:
                    value = math.fsum(values[i] for i in args)
                elif kind == _MUL:
                    value = 1.0
                    for i in args:
                        value *= values[i]
                elif kind == _POW:
                    value = values[args[0]] ** values[args[1]]
                    if isinstance(value, complex):
                        return None
                else:
                    value = payload(values[args[0]])  # type: ignore[operator]
                if not math.isfinite(value):  # type: ignore[arg-type]
                    return None
                append(value)  # type: ignore[arg-type]
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        return values[-1]


def _is_leaf(node: sympy.Basic) -> bool:
    return node.is_Symbol or not node.args or (node.is_number and not node.free_symbols)


def _instruction(node: sympy.Basic, index: dict[int, int]) -> tuple[int, object, tuple[int, ...]]:
    if node.is_Symbol:
        return _SYMBOL, node, ()
    if not node.free_symbols:
        if not node.is_number:
            raise Unsupported(f"cannot evaluate {type(node).__name__} numerically")
        return _CONST, _constant(node), ()
    args = tuple(index[id(arg)] for arg in node.args)
    if node.is_Add:
        return _ADD, None, args
    if node.is_Mul:
        return _MUL, None, args
    if node.is_Pow:
        return _POW, None, args
    name = type(node).__name__
    if name == "Heaviside":  # relu's derivative 1[u > 0]; its second argument, 0, is the value at 0
        return _CALL, _step, args[:1]
    if name in _FUNCTIONS and len(args) == 1:
        return _CALL, _FUNCTIONS[name], args
    raise Unsupported(f"cannot evaluate {name} numerically")


def close(a: float, b: float, tolerance: float = 1e-8) -> bool:
    """Equal up to rounding: relative to the larger value, with a tiny absolute floor."""
    return abs(a - b) <= tolerance * max(abs(a), abs(b)) + 1e-12


def same_values(a: Sequence[float | None], b: Sequence[float | None]) -> bool:
    """Two functions' values at the same points agree: ``close`` wherever both are defined,
    undefined (None) at the same points, and compared at one point at least, so that two
    columns undefined everywhere never count as the same function."""
    compared = 0
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            if (x is None) != (y is None):
                return False
            continue
        if not close(x, y):
            return False
        compared += 1
    return compared > 0


class _Slow:
    """The fallback for what :class:`Compiled` cannot run: ``evalf`` at 30 digits."""

    __slots__ = ("expr",)

    def __init__(self, expr: sympy.Expr) -> None:
        self.expr = expr

    def __call__(self, env: Mapping[sympy.Symbol, float]) -> float | None:
        point = {symbol: sympy.Float(env[symbol], PRECISION) for symbol in self.expr.free_symbols}
        return real_value(self.expr, point)


def compile_expr(expr: sympy.Expr) -> Callable[[Mapping[sympy.Symbol, float]], float | None]:
    """A fast evaluator for ``expr``, or a slow one if it holds something unusual."""
    try:
        return Compiled(expr)
    except Unsupported:
        return _Slow(expr)


def real_value(
    expr: sympy.Expr, point: Mapping[sympy.Symbol, sympy.Float], digits: int = PRECISION
) -> float | None:
    """``expr`` at ``point`` to ``digits`` digits, if that is a finite real number."""
    value = evaluate(expr, dict(point), digits=digits)
    if value is None or abs(value.imag) > 1e-20 * max(1.0, abs(value.real)):
        return None
    return value.real
