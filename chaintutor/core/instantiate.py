"""Verification by instantiation: fix the dimensions (n = 1, 2, 3, and m ≠ n), write every
vector and matrix with component symbols (w₁ … wₙ, W₁₁ …), and compare the vector result
entry by entry with ``sympy.diff`` of the scalarised problem.

The reference is built from the problem's definitions alone: relu is written as max(0, u) and
σ as 1/(1 + e⁻ᵘ), so neither the chain of Jacobians nor the rules' own derivatives take part in
it. The comparison is numeric, at seeded random points (a kink of relu is met with probability
zero), because the step 1[u > 0] has no symbolic zero test worth the name.
"""

from __future__ import annotations

import random
from typing import Any

import sympy

from chaintutor.core.vector import (
    ChainProduct,
    Jacobian,
    VectorDerivation,
    VectorProblem,
    dimension_symbol,
    dot,
    ones,
    vsum,
)
from chaintutor.parse.activations import relu, sigmoid, softplus

POINTS = 3
"""Random points per dimension setting."""

_TOLERANCE = 1e-9

Value = Any  # a SymPy scalar expression or a column Matrix (a vector) or a Matrix (a matrix)


def dimension_settings(dimensions: tuple[str, ...]) -> list[dict[str, int]]:
    """n = 1, 2, 3 for every dimension together, then (with two or more) distinct sizes."""
    settings = [dict.fromkeys(dimensions, size) for size in (1, 2, 3)]
    if len(dimensions) > 1:
        settings.append({name: 2 + index for index, name in enumerate(dimensions)})
    return settings


def components(problem: VectorProblem, sizes: dict[str, int]) -> dict[sympy.Symbol, Value]:
    """Each leaf as a matrix of component symbols (scalars as themselves); dimensions as numbers."""
    values: dict[sympy.Symbol, Value] = {dimension_symbol(d): sympy.Integer(k) for d, k in sizes.items()}
    for leaf in problem.leaves:
        shape = problem.shapes[leaf]
        symbol = problem.symbol(leaf)
        if not shape:
            values[symbol] = symbol
        elif len(shape) == 1:
            values[symbol] = sympy.Matrix(
                [sympy.Symbol(f"{leaf}_{i + 1}", real=True) for i in range(sizes[shape[0]])]
            )
        else:
            rows, cols = sizes[shape[0]], sizes[shape[1]]
            entries = [
                [sympy.Symbol(f"{leaf}_{i + 1}{j + 1}", real=True) for j in range(cols)] for i in range(rows)
            ]
            values[symbol] = sympy.Matrix(entries)
    return values


def instantiate(expr: sympy.Expr, values: dict[sympy.Symbol, Value], problem: VectorProblem) -> Value:
    """A vector expression with its symbols replaced by their components, element by element."""
    if expr in values:
        return values[expr]
    if not expr.args:
        return expr
    args = [instantiate(arg, values, problem) for arg in expr.args]
    if isinstance(expr, dot):
        left, right = args
        if _is_matrix(expr.args[0], problem):
            return left * right
        if _is_matrix(expr.args[1], problem):
            return right.T * left
        return (left.T * right)[0, 0]
    if isinstance(expr, vsum):
        return sum(args[0], sympy.Integer(0))
    if isinstance(expr, ones):
        return sympy.ones(int(args[0]), 1)
    vectors = [arg for arg in args if isinstance(arg, sympy.MatrixBase)]
    if not vectors:
        return expr.func(*args)
    size = vectors[0].rows
    return sympy.Matrix(
        [expr.func(*(a[i] if isinstance(a, sympy.MatrixBase) else a for a in args)) for i in range(size)]
    )


def _is_matrix(expr: sympy.Expr, problem: VectorProblem) -> bool:
    return isinstance(expr, sympy.Symbol) and len(problem.shapes.get(expr.name, ())) == 2


def instantiate_jacobian(
    jacobian: Jacobian, values: dict[sympy.Symbol, Value], problem: VectorProblem
) -> Value:
    body = instantiate(jacobian.body, values, problem)
    if jacobian.kind == "scalar":
        return sympy.Matrix([[body]])
    if jacobian.kind in ("matrix", "matrix_T"):
        return body if jacobian.kind == "matrix" else body.T
    size = _size(jacobian.rows if jacobian.kind in ("diag", "identity", "column") else jacobian.cols, values)
    column = body if isinstance(body, sympy.MatrixBase) else sympy.Matrix([body] * size)
    if jacobian.kind in ("diag", "identity"):
        return sympy.diag(*column)
    return column if jacobian.kind == "column" else column.T


def _size(dimension: str, values: dict[sympy.Symbol, Value]) -> int:
    return 1 if dimension == "1" else int(values[dimension_symbol(dimension)])


def instantiate_result(
    terms: tuple[ChainProduct, ...], values: dict[sympy.Symbol, Value], problem: VectorProblem
) -> sympy.Matrix:
    """The sum of the chain products as one explicit matrix."""
    total = None
    for term in terms:
        matrix = sympy.Matrix([[instantiate(term.coefficient, values, problem)]])
        for factor in term.factors:
            part = instantiate_jacobian(factor, values, problem)
            matrix = matrix[0, 0] * part if matrix.shape == (1, 1) else matrix * part
        total = matrix if total is None else total + matrix
    assert total is not None
    return total


def forward(
    problem: VectorProblem, values: dict[sympy.Symbol, Value], plain: bool = False
) -> dict[sympy.Symbol, Value]:
    """``values`` with every node's value added, children first; a vector node whose definition
    is a plain number (w*x - x*w) is that number in every entry. ``plain``: relu as max(0, u)
    and σ, softplus as their formulas in exp, so that sympy.diff owes nothing to their classes."""
    found = dict(values)
    for node in problem.nodes:
        expr = _plain(node.expr) if plain else node.expr
        value = instantiate(expr, found, problem)
        if node.shape and not isinstance(value, sympy.MatrixBase):
            value = sympy.Matrix([value] * _size(node.shape[0], values))
        found[problem.symbol(node.name)] = value
    return found


def _plain(expr: sympy.Expr) -> sympy.Expr:
    expr = expr.replace(relu, lambda u: sympy.Max(0, u))
    expr = expr.replace(sigmoid, lambda u: 1 / (1 + sympy.exp(-u)))
    return expr.replace(softplus, lambda u: sympy.log(1 + sympy.exp(u)))


def reference_jacobian(problem: VectorProblem, wrt: str, values: dict[sympy.Symbol, Value]) -> sympy.Matrix:
    """sympy.diff of the scalarised problem: every output entry by every entry of ``wrt``."""
    scalarised = forward(problem, values, plain=True)
    output = scalarised[problem.symbol(problem.output)]
    outputs = list(output) if isinstance(output, sympy.MatrixBase) else [output]
    variable = values[problem.symbol(wrt)]
    if isinstance(variable, sympy.MatrixBase) and variable.cols > 1:  # a matrix: the gradient's shape
        (single,) = outputs
        return variable.applyfunc(lambda entry: sympy.diff(single, entry))
    entries = list(variable) if isinstance(variable, sympy.MatrixBase) else [variable]
    return sympy.Matrix([[sympy.diff(out, entry) for entry in entries] for out in outputs])


def verify_by_instantiation(derivation: VectorDerivation, seed: int = 17) -> dict[str, InstantiationCheck]:
    """For every variable: the result against the scalarised sympy.diff at every dimension setting."""
    problem = derivation.problem
    settings = dimension_settings(problem.dimensions)
    checks = {}
    for wrt, result in derivation.results.items():
        mismatch = None
        for sizes in settings:
            values = components(problem, sizes)
            ours = instantiate_result(result.in_leaves, forward(problem, values), problem)
            reference = reference_jacobian(problem, wrt, values)
            mismatch = (
                _compare(ours, reference, values, random.Random(seed)) if mismatch is None else mismatch
            )
            if mismatch is not None:
                mismatch = f"{_setting(sizes)}: {mismatch}"
                break
        checks[wrt] = InstantiationCheck(
            mismatch is None, ", ".join(_setting(s) for s in settings), mismatch or ""
        )
    return checks


def _setting(sizes: dict[str, int]) -> str:
    return ",".join(f"{name}={size}" for name, size in sizes.items()) or "scalars"


def _compare(
    ours: sympy.Matrix, reference: sympy.Matrix, values: dict[sympy.Symbol, Value], rng: random.Random
) -> str | None:
    if ours.shape != reference.shape:
        return f"the shapes differ: {ours.shape} and {reference.shape}"
    symbols = sorted((ours.free_symbols | reference.free_symbols), key=lambda s: s.name)
    for _ in range(POINTS):
        point = {s: sympy.Float(rng.uniform(-2, 2), 30) for s in symbols}
        for index, (a, b) in enumerate(zip(ours, reference, strict=True)):
            mine, theirs = _number(a, point), _number(b, point)
            if abs(mine - theirs) > _TOLERANCE * max(1.0, abs(theirs)):
                return f"entry {index + 1} differs at a random point ({mine.real:.6g} ≠ {theirs.real:.6g})"
    return None


def _number(expr: sympy.Expr, point: dict[sympy.Symbol, sympy.Float]) -> complex:
    """The value at ``point``: xreplace (which evaluates max and the step on numbers at once) is far
    cheaper than subs."""
    return complex(expr.xreplace(point).evalf(30))


class InstantiationCheck:
    """The verdict for one variable: ``ok``, the dimension settings checked, what differed."""

    method = "instantiated"

    def __init__(self, ok: bool, settings: str, detail: str) -> None:
        self.ok = ok
        self.settings = settings
        self.detail = detail
