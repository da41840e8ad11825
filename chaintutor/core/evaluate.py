"""Numbers at a point: the forward pass, the local derivatives, the paths, the backward pass.

This is backpropagation done by hand. The forward pass gives every node its value, children
first; the backward pass starts from the output's adjoint ȳ = 1 and, in reverse topological
order, adds ``adjoint(parent) · ∂parent/∂child`` into every child's adjoint. The adjoint of a
leaf is the gradient, and it equals the sum of the listed path products when every path is
listed. Both passes touch each edge once, whatever the number of paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import sympy

from chaintutor.core import notation as printing
from chaintutor.core.graph import DependencyGraph
from chaintutor.errors import InputError

PRECISION = 30
LARGEST_VALUE = sympy.Float("1e300")  # beyond this a value cannot be written as a JSON number


@dataclass(frozen=True)
class PointValues:
    point: dict[str, sympy.Float]  # a value for every leaf
    values: dict[str, sympy.Float]  # every node, leaves included
    local: dict[tuple[str, str], sympy.Float]  # every edge (of, wrt)
    paths: dict[str, list[sympy.Float]]  # the product along each listed path
    gradient: dict[str, sympy.Float]
    adjoints: dict[str, sympy.Float]  # every node: ∂output/∂node


def evaluate_at(
    graph: DependencyGraph,
    local_exprs: dict[tuple[str, str], sympy.Expr],
    listed_paths: dict[str, list[tuple[str, ...]]],
    point: dict[str, sympy.Expr],
) -> PointValues:
    _check_point(graph, point)
    values = forward_pass(graph, point)
    local = {edge: _number(expr, values, f"∂{edge[0]}/∂{edge[1]}") for edge, expr in local_exprs.items()}
    adjoints = _backward(graph, local)
    paths = {target: [_product(local, nodes) for nodes in listed] for target, listed in listed_paths.items()}
    gradient = {target: adjoints.get(target, sympy.Float(0, PRECISION)) for target in listed_paths}
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
    try:
        value = expr.xreplace(at).evalf(PRECISION)
        defined = value.is_number and value.is_finite is not False and not value.has(sympy.zoo, sympy.nan)
        real = defined and abs(sympy.im(value)) < sympy.Float(10) ** (5 - PRECISION)
    except (ArithmeticError, ValueError, TypeError):
        defined = real = False
    if defined and real and abs(sympy.re(value)) > LARGEST_VALUE:
        raise InputError(
            f"at this point {what} is larger than 10^300", hint="choose a point with smaller values"
        )
    if not defined or not real:
        why = "is undefined" if not defined else "is not a real number"
        described = f"at this point {what} = {printing.unicode(expr)}" if graph is not None else what
        raise InputError(f"{described} {why}", hint="choose a point inside the domain")
    return sympy.Float(sympy.re(value), PRECISION)


def _backward(graph: DependencyGraph, local: dict[tuple[str, str], sympy.Float]) -> dict[str, sympy.Float]:
    adjoints: dict[str, sympy.Float] = {graph.output: sympy.Float(1, PRECISION)}
    for definition in reversed(graph.definitions):
        upstream = adjoints.get(definition.name, sympy.Float(0, PRECISION))
        for child in definition.depends_on:
            contribution = upstream * local[(definition.name, child)]
            adjoints[child] = adjoints.get(child, sympy.Float(0, PRECISION)) + contribution
    return adjoints


def _product(local: dict[tuple[str, str], sympy.Float], nodes: tuple[str, ...]) -> sympy.Float:
    product = sympy.Float(1, PRECISION)
    for parent, child in pairwise(nodes):
        product *= local[(parent, child)]
    return product
