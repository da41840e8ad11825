"""Numbers at a point: the forward pass, the local derivatives, the paths, the backward pass.

This is backpropagation done by hand. The forward pass gives every node its value, children
first; the backward pass starts from the output's adjoint ȳ = 1 and, in reverse topological
order, adds ``adjoint(parent) · ∂parent/∂child`` into every child's adjoint. The adjoint of a
leaf is the gradient, and it equals the sum of the listed path products when every path is
listed. Both passes touch each edge once, whatever the number of paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

import sympy
from sympy.core.function import AppliedUndef

from chaintutor.core import notation as printing
from chaintutor.core.backward import backward
from chaintutor.core.graph import DependencyGraph, Edge
from chaintutor.core.walk import postorder
from chaintutor.errors import InputError

PRECISION = 30
LARGEST_VALUE = sympy.Float("1e300")  # beyond this a value cannot be written as a JSON number
# An imaginary part smaller than this is rounding: the value is real.
IMAGINARY_NOISE = sympy.Float(10) ** (5 - PRECISION)


@dataclass(frozen=True)
class PointValues:
    point: dict[str, sympy.Float]  # a value for every leaf
    values: dict[str, sympy.Float]  # every node, leaves included
    local: dict[Edge, sympy.Float]  # every edge (of, wrt)
    paths: dict[str, list[sympy.Float]]  # the product along each listed path
    gradient: dict[str, sympy.Float]
    adjoints: dict[str, sympy.Float]  # every node: ∂output/∂node


def evaluate_at(
    graph: DependencyGraph,
    local_exprs: dict[Edge, sympy.Expr],
    listed_paths: dict[str, list[tuple[str, ...]]],
    point: dict[str, sympy.Expr],
) -> PointValues:
    _check_point(graph, point)
    values = forward_pass(graph, point)
    local = {edge: _number(expr, values, f"∂{edge[0]}/∂{edge[1]}") for edge, expr in local_exprs.items()}
    zero = sympy.Float(0, PRECISION)
    adjoints = backward(graph.edges(), local, graph.output, sympy.Float(1, PRECISION), zero)
    paths = {target: [_product(local, nodes) for nodes in listed] for target, listed in listed_paths.items()}
    gradient = {target: adjoints.get(target, zero) for target in listed_paths}
    exact_point = {name: values[name] for name in graph.leaves}
    return PointValues(exact_point, values, local, paths, gradient, adjoints)


def _check_point(graph: DependencyGraph, point: dict[str, sympy.Expr]) -> None:
    unknown = [name for name in point if name not in graph.leaves]
    if unknown:
        raise InputError(
            f"--at gives a value to '{unknown[0]}', which is not an independent variable",
            hint="the independent variables are: " + ", ".join(graph.leaves),
        )
    missing = [name for name in graph.leaves if name not in point]
    if missing:
        raise InputError("--at needs a value for every independent variable; missing: " + ", ".join(missing))


def forward_pass(graph: DependencyGraph, point: dict[str, sympy.Expr]) -> dict[str, sympy.Float]:
    """The value of every node, children first; an InputError names the first undefined one."""
    values = {name: _number(point[name], {}, f"the value given for {name}") for name in graph.leaves}
    for definition in graph.definitions:
        values[definition.name] = _number(definition.expr, values, definition.name, graph)
    return values


def _number(
    expr: sympy.Expr, values: dict[str, sympy.Float], what: str, graph: DependencyGraph | None = None
) -> sympy.Float:
    """The value of ``expr`` with the known values put in; an InputError where it is undefined."""
    at = {symbol: values[symbol.name] for symbol in expr.free_symbols if symbol.name in values}
    value = value_at(expr, at)
    try:
        real = value is not None and abs(sympy.im(value)) < IMAGINARY_NOISE
    except (ArithmeticError, ValueError, TypeError):  # not even its imaginary part can be found
        value, real = None, False
    defined = value is not None
    if defined and real and abs(sympy.re(value)) > LARGEST_VALUE:
        raise InputError(
            f"at this point {what} is larger than 10^300", hint="choose a point with smaller values"
        )
    if not defined or not real:
        why = "is undefined" if not defined else "is not a real number"
        described = f"at this point {what} = {printing.unicode(expr)}" if graph is not None else what
        raise InputError(f"{described} {why}", hint="choose a point inside the domain")
    return sympy.Float(sympy.re(value), PRECISION)


def value_at(
    expr: sympy.Expr,
    point: Mapping[sympy.Basic, sympy.Basic],
    *,
    refuse_above: float | None = None,
    shared: dict[int, sympy.Basic] | None = None,
    digits: int = PRECISION,
) -> sympy.Expr | None:
    """``expr`` with the numbers of ``point`` put in, to ``digits`` digits, perhaps complex; None
    where that is not a finite number (undefined, or beyond SymPy's evaluation), ``sympy.oo``
    where it passes ``refuse_above`` (default: 10^1000).

    The numbers are put in bottom-up, linearly in the DAG (a result built by reverse accumulation
    can be exponential as a tree), each subexpression evaluated to a number as soon as its
    arguments are, at a bounded precision. Evaluation stops as soon as a number passes the
    bound, before exp(exp(…)) is computed to a number with a million-digit exponent, and
    never asks for more digits of π than the bound's exponent needs: a single ``evalf`` of the
    whole can run for minutes (π^(e^(π^e)), or the real part of log(asin(2))).

    ``shared``: the values already found for subexpressions (by their id), kept between calls at
    the same point and bound, so expressions that share subtrees (the adjoints of several
    inputs) evaluate each one once. The caller keeps the expressions alive while it holds it.
    """
    bound = sympy.Float(refuse_above if refuse_above is not None else HARD_BOUND)
    try:
        value = _bounded(expr, point, bound, values=shared, working=digits + _GUARD_DIGITS)
    except _TooLarge:
        return sympy.oo
    except (ArithmeticError, ValueError, TypeError, AttributeError, RecursionError):
        return None
    if value is None:
        return None
    if value.is_number and value.is_finite is not False and not value.has(sympy.zoo, sympy.nan):
        return value.evalf(digits)
    return None


HARD_BOUND = sympy.Float("1e1000")
_GUARD_DIGITS = 10  # digits carried between subexpressions beyond those asked for
_WORKING = PRECISION + _GUARD_DIGITS  # so that rounding stays below PRECISION


class _TooLarge(ArithmeticError):
    pass


def real_everywhere(expr: sympy.Expr, point: Mapping[sympy.Basic, sympy.Basic]) -> bool:
    """Is every subexpression of ``expr`` a finite real number at ``point``? (x^x at x < 0 is
    not, even where rounding makes the whole look real: it is outside the real domain.)"""
    try:
        return _bounded(expr, point, HARD_BOUND, real=True) is not None
    except (_TooLarge, ArithmeticError, ValueError, TypeError, AttributeError, RecursionError):
        return False


def _bounded(
    expr: sympy.Basic,
    point: Mapping[sympy.Basic, sympy.Basic],
    bound: sympy.Float,
    *,
    real: bool = False,
    values: dict[int, sympy.Basic] | None = None,
    working: int = _WORKING,
) -> sympy.Expr | None:
    values = {} if values is None else values
    for node in postorder(expr):
        if id(node) in values:
            continue
        if node in point:
            new = sympy.sympify(point[node]).evalf(working)
        elif isinstance(node, sympy.Symbol | sympy.Derivative | sympy.Subs | AppliedUndef):
            return None  # no value without one for every symbol
        elif not node.args:
            new = node.evalf(working) if isinstance(node, sympy.Expr) else node
        else:
            new = node.func(*(values[id(arg)] for arg in node.args))
            if isinstance(new, sympy.Expr) and not isinstance(new, sympy.Float):
                new = new.evalf(working)
        if new is sympy.zoo or new is sympy.nan:
            return None  # 1/0, log(0), 0/0: undefined, not large
        if real and isinstance(new, sympy.Expr) and new.is_number and new.has(sympy.I):
            return None
        if isinstance(new, sympy.Expr) and new.is_number and _magnitude(new) > bound:
            raise _TooLarge
        values[id(node)] = new
    result = values[id(expr)]
    return result if isinstance(result, sympy.Expr) else None


def _magnitude(value: sympy.Expr) -> sympy.Float:
    """|value| for a number already evaluated (a Float, or a + b·I); ∞ when not finite."""
    if isinstance(value, sympy.Float):
        return abs(value)
    if value in (sympy.oo, -sympy.oo):
        return sympy.Float("inf")
    real, imaginary = value.as_real_imag()
    return max(abs(sympy.Float(real)), abs(sympy.Float(imaginary)))


def _product(local: dict[Edge, sympy.Float], nodes: tuple[str, ...]) -> sympy.Float:
    product = sympy.Float(1, PRECISION)
    for parent, child in pairwise(nodes):
        product *= local[(parent, child)]
    return product
