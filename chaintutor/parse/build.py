"""Syntax tree to SymPy, with explicit constructors only: no user text ever reaches SymPy.

``combine`` builds one node from the SymPy values of its children, so a caller can fold the
tree its own way (naming intermediate nodes, say); ``to_sympy`` is the plain post-order fold,
done with an explicit stack so deep trees cannot exhaust Python's recursion.

The size limits that need values are checked here, before SymPy computes anything large.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy

from chaintutor.errors import InputError
from chaintutor.parse.activations import relu, sigmoid, softplus, step
from chaintutor.parse.functions import ABSTRACT_FUNCTIONS, CANONICAL_NAMES, VECTOR_FUNCTIONS
from chaintutor.parse.magnitude import (
    MAX_NUMBER_DIGITS,
    constant_refusal,
    digit_count,
    number_power_refusal,
    product_refusal,
)
from chaintutor.parse.parser import MAX_DEPTH, recursion_headroom
from chaintutor.parse.syntax import Call, Name, Neg, Node, Num, Power, Product, Sum, children

MAX_EXPONENT = 1000
"""The largest integer exponent allowed on an expression that is not a number."""

# Canonical names that are not SymPy function names; every other one is.
_NOT_IN_SYMPY: dict[str, Callable[..., sympy.Expr]] = {
    "log10": lambda arg: sympy.log(arg, 10),
    "log2": lambda arg: sympy.log(arg, 2),
    "abs": sympy.Abs,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "relu": relu,
}

_FUNCTIONS: dict[str, Callable[..., sympy.Expr]] = {
    name: _NOT_IN_SYMPY.get(name) or getattr(sympy, name) for name in CANONICAL_NAMES
}

_CONSTANTS = {"e": sympy.E, "E": sympy.E, "pi": sympy.pi}

# Frames SymPy may take per nesting level while constructing (log10 nested 250 deep needs 12).
_SYMPY_FRAMES_PER_LEVEL = 24


def to_sympy(node: Node, defined: frozenset[str] = frozenset(), source: str | None = None) -> sympy.Expr:
    """The SymPy expression for ``node``.

    ``defined`` holds the names the problem defines itself, which then stop meaning the
    constants e, E and pi. ``source`` is the parsed text, carried by errors for the caret.
    """
    pending: list[tuple[Node, bool]] = [(node, False)]
    values: list[sympy.Expr] = []
    with recursion_headroom(MAX_DEPTH * _SYMPY_FRAMES_PER_LEVEL):
        while pending:
            current, children_done = pending.pop()
            kids = children(current)
            if not children_done:
                pending.append((current, True))
                pending.extend((kid, False) for kid in reversed(kids))
                continue
            args = values[len(values) - len(kids) :]
            del values[len(values) - len(kids) :]
            values.append(combine(current, args, defined, source))
    return values[0]


def combine(
    node: Node,
    args: Sequence[sympy.Expr],
    defined: frozenset[str] = frozenset(),
    source: str | None = None,
) -> sympy.Expr:
    """The SymPy value of ``node`` given the values of ``children(node)``, in order.

    ``args`` may be anything SymPy accepts, such as symbols standing for whole subtrees.
    Values nested hundreds of levels deep make SymPy itself recurse; do such work inside
    :func:`chaintutor.parse.parser.recursion_headroom`, as :func:`to_sympy` does.
    """
    value = _combine(node, args, defined, source)
    if value in _UNDEFINED or any(arg in _UNDEFINED for arg in value.args):
        raise _error(_undefined_message(node, args), node, source)
    return value


def _combine(
    node: Node, args: Sequence[sympy.Expr], defined: frozenset[str], source: str | None
) -> sympy.Expr:
    if isinstance(node, Num):
        return _number(node, source)
    if isinstance(node, Name):
        return _name(node.name, defined)
    if isinstance(node, Sum):
        return sympy.Add(*(a if s > 0 else -a for a, s in zip(args, node.signs, strict=True)))
    if isinstance(node, Product):
        _check_product(node, args, source)
        factors = (sympy.Pow(a, -1) if d else a for a, d in zip(args, node.divide, strict=True))
        return sympy.Mul(*factors)
    if isinstance(node, Power):
        _check_power(node, args[0], args[1], source)
        _check_constant(node, "Pow", args, source)
        return sympy.Pow(args[0], args[1])
    if isinstance(node, Neg):
        return -args[0]
    _check_constant(node, node.func, args, source)
    return _call(node, args, source)


_UNDEFINED = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def _undefined_message(node: Node, args: Sequence[sympy.Expr]) -> str:
    """Why a value is undefined: a division by zero, as in x/0, 1/(x - x) or log(x, 1)."""
    if isinstance(node, Product) and any(
        divide and arg == 0 for arg, divide in zip(args, node.divide, strict=True)
    ):
        return "division by zero"
    return "this is undefined (it divides by zero or is infinite)"


def _name(name: str, defined: frozenset[str]) -> sympy.Expr:
    if name in _CONSTANTS and name not in defined:
        return _CONSTANTS[name]
    return sympy.Symbol(name, real=True)


def _call(node: Call, args: Sequence[sympy.Expr], source: str | None) -> sympy.Expr:
    if node.func in ABSTRACT_FUNCTIONS:
        return sympy.Function(node.func)(*args)
    if node.func == "Derivative":
        return _partial(node, args, source)
    if node.func == "max":
        return _maximum(node, args, source)
    if node.func in VECTOR_FUNCTIONS:
        raise _error(
            f"{node.func}(…) takes vectors: declare them in the problem, as in 'w, x ∈ R^n'", node, source
        )
    if node.func == "Heaviside":
        return _heaviside(node, args, source)
    return _FUNCTIONS[node.func](*args)


def _partial(node: Call, args: Sequence[sympy.Expr], source: str | None) -> sympy.Expr:
    """``Derivative(f(u, v), u)``: only the first partial of an abstract function in a variable."""
    function, variable = args
    if (
        not isinstance(function, sympy.core.function.AppliedUndef)
        or not isinstance(variable, sympy.Symbol)
        or variable not in function.args
    ):
        raise _error(
            "Derivative takes an abstract function and one of its variables, as in Derivative(f(u, v), u)",
            node,
            source,
        )
    return sympy.Derivative(function, variable)


def _maximum(node: Call, args: Sequence[sympy.Expr], source: str | None) -> sympy.Expr:
    """``max(0, u)`` (or ``max(u, 0)``) is relu(u); other maxima have no derivative to teach."""
    first, second = args
    if first == 0 or second == 0:
        return relu(second if first == 0 else first)
    raise _error("only max(0, u), the ReLU, is supported", node, source)


def _heaviside(node: Call, args: Sequence[sympy.Expr], source: str | None) -> sympy.Expr:
    """``Heaviside(u, 0)``: relu's derivative 1[u > 0], as SymPy's str writes it (0 at 0)."""
    if len(args) == 2 and args[1] != 0:
        raise _error("only Heaviside(u, 0), the step 1[u > 0], is supported", node, source)
    return step(args[0])


def _number(node: Num, source: str | None) -> sympy.Expr:
    """The exact value of a literal: ``2.5`` is 5/2 and ``1.5e-3`` is 3/2000."""
    mantissa, _, exponent = node.text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    significant = (whole + fraction).lstrip("0")
    scale = int(exponent or 0) - len(fraction)
    if not significant:
        return sympy.Integer(0)
    magnitude = len(significant) + scale  # digits before the point; the value < 10^magnitude
    if magnitude > MAX_NUMBER_DIGITS:
        raise _error(
            f"the number {node.text} has {magnitude:,} digits; the limit is {MAX_NUMBER_DIGITS:,}",
            node,
            source,
        )
    if magnitude < -MAX_NUMBER_DIGITS:
        raise _error(f"the number {node.text} is too small; the limit is 10^-1000", node, source)
    digits = int(whole + fraction)
    if scale >= 0:
        return sympy.Integer(digits * 10**scale)
    return sympy.Rational(digits, 10**-scale)


def _check_power(node: Power, base: sympy.Expr, exponent: sympy.Expr, source: str | None) -> None:
    """Refuse a power whose number part would be huge, before SymPy computes it."""
    if not exponent.is_Rational:
        return
    if not base.is_Rational and exponent.is_Integer and abs(exponent) > MAX_EXPONENT:
        raise _error(
            f"exponent {_abbreviated(exponent)} is too large; the limit is {MAX_EXPONENT}", node, source
        )
    refusal = number_power_refusal(base, exponent)
    if refusal is not None:
        raise _error(refusal, node, source)


def _check_product(node: Product, args: Sequence[sympy.Expr], source: str | None) -> None:
    """Refuse a product whose number part grows too large, one factor at a time."""
    log10 = product_refusal(zip(args, node.divide, strict=True))
    if log10 is not None:
        raise _error(
            f"this number would have {digit_count(log10)} digits; the limit is {MAX_NUMBER_DIGITS:,}",
            node,
            source,
        )


def _abbreviated(number: sympy.Integer) -> str:
    text = str(number)
    return text if len(text) <= 20 else f"{text[:6]}… ({len(text):,} digits)"


def _check_constant(node: Node, name: str, args: Sequence[sympy.Expr], source: str | None) -> None:
    """Refuse a constant too large or too deeply nested for SymPy to evaluate (see magnitude)."""
    refusal = constant_refusal(name, args)
    if refusal is not None:
        raise _error(refusal, node, source)


def _error(message: str, node: Node, source: str | None) -> InputError:
    start, end = node.span
    return InputError(message, source=source, start=start, end=end)
