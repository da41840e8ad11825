"""``--at`` for vector problems: the forward and backward pass with numbers.

The dimensions follow from the values (``w=[1,2,-1]`` makes n = 3). Every node's value comes
from its definition, every local Jacobian and every chain product from the closed forms of
:mod:`chaintutor.core.vector`, instantiated at those sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from chaintutor.core.instantiate import components, forward, instantiate_jacobian, instantiate_result
from chaintutor.core.vector import VectorDerivation, VectorProblem, is_gradient, local_jacobians, result_for
from chaintutor.errors import InputError
from chaintutor.parse.vectors import PointValue, parse_vector_point, shape_text_of

Numbers = Any  # a float, a list of floats, or a list of rows


@dataclass(frozen=True)
class VectorPoint:
    point: dict[str, Numbers]
    sizes: dict[str, int]
    values: dict[str, Numbers]  # every variable and node, children first
    local: tuple[tuple[str, str, Numbers], ...]  # (of, wrt, the Jacobian's entries)
    paths: dict[str, list[Numbers]]
    gradient: dict[str, Numbers]
    adjoints: dict[str, Numbers]  # ∂output/∂node for a scalar output, else empty


def evaluate_at(derivation: VectorDerivation, text: str) -> VectorPoint:
    """The numbers of ``derivation`` at the point ``text`` (``w=[1,2,-1],x=[0.5,1,2],b=0.1``)."""
    problem = derivation.problem
    given = parse_vector_point(text)
    sizes = _sizes(problem, given, text)
    values = components(problem, sizes)
    for leaf in problem.leaves:
        values[problem.symbol(leaf)] = _as_value(given[leaf])
    values = forward(problem, values)
    local = tuple(
        (item.of, item.wrt, _matrix_numbers(instantiate_jacobian(item.jacobian, values, problem)))
        for item in derivation.local
        if item.jacobian.kind not in ("outer", "outer_T")
    )
    paths = {
        wrt: [_shaped(instantiate_result((path.product,), values, problem), result) for path in result.paths]
        for wrt, result in derivation.results.items()
    }
    gradient = {
        wrt: _shaped(instantiate_result(result.in_intermediates, values, problem), result)
        for wrt, result in derivation.results.items()
    }
    return VectorPoint(
        point={name: _numbers(_as_value(value)) for name, value in given.items()},
        sizes=sizes,
        values={
            name: _numbers(values[problem.symbol(name)]) for name in (*problem.leaves, *_node_names(problem))
        },
        local=local,
        paths=paths,
        gradient=gradient,
        adjoints=_adjoints(problem, values),
    )


def _node_names(problem: VectorProblem) -> list[str]:
    return [node.name for node in problem.nodes]


def _sizes(problem: VectorProblem, given: dict[str, PointValue], text: str) -> dict[str, int]:
    """The dimensions, read off the values; every variable needs one, of its declared shape."""
    missing = [leaf for leaf in problem.leaves if leaf not in given]
    unknown = [name for name in given if name not in problem.leaves]
    if missing or unknown:
        what = f"no value for {', '.join(missing)}" if missing else f"{', '.join(unknown)} is not a variable"
        raise InputError(f"--at: {what} (the variables: {', '.join(problem.leaves)})", source=text)
    sizes: dict[str, int] = {}
    for leaf in problem.leaves:
        shape, value = problem.shapes[leaf], given[leaf]
        found = _value_shape(value)
        if len(found) != len(shape):
            kind = ("a number", "a vector", "a matrix")[len(shape)]
            raise InputError(
                f"--at: {leaf} is in {shape_text_of(shape)}, so its value must be {kind}", source=text
            )
        for dimension, size in zip(shape, found, strict=True):
            if sizes.setdefault(dimension, size) != size:
                message = (
                    f"--at: {leaf} gives {dimension} = {size}, another value {dimension} = {sizes[dimension]}"
                )
                raise InputError(message, source=text)
    return sizes


def _value_shape(value: PointValue) -> tuple[int, ...]:
    if not isinstance(value, list):
        return ()
    return (len(value), len(value[0])) if isinstance(value[0], list) else (len(value),)


def _as_value(value: PointValue) -> Any:
    if not isinstance(value, list):
        return value
    return sympy.Matrix(value)  # a list of numbers makes a column, a list of rows a matrix


def _numbers(value: Any) -> Numbers:
    """Floats for JSON and for the document: a number, a list (vector) or a list of rows."""
    if isinstance(value, sympy.MatrixBase):
        if value.cols == 1:
            return [float(entry) for entry in value]
        return [[float(entry) for entry in value.row(i)] for i in range(value.rows)]
    return float(value)


def _matrix_numbers(matrix: sympy.Matrix) -> Numbers:
    """A Jacobian's entries as rows; a 1×1 Jacobian as its number."""
    if matrix.shape == (1, 1):
        return float(matrix[0, 0])
    return [[float(entry) for entry in matrix.row(i)] for i in range(matrix.rows)]


def _shaped(matrix: sympy.Matrix, result: Any) -> Numbers:
    """A gradient as a list like its variable; a Jacobian as rows; a 1×1 as a number."""
    if matrix.shape == (1, 1):
        return float(matrix[0, 0])
    if is_gradient(result) and matrix.rows == 1:
        return [float(entry) for entry in matrix]
    return _matrix_numbers(matrix) if matrix.cols > 1 else _numbers(matrix)


def _adjoints(problem: VectorProblem, values: dict[sympy.Symbol, Any]) -> dict[str, Numbers]:
    """∂output/∂node for every node and variable (backpropagation), for a scalar output."""
    if problem.shapes[problem.output]:
        return {}
    local = local_jacobians(problem)
    adjoints: dict[str, Numbers] = {problem.output: 1.0}
    for name in reversed([*problem.leaves, *_node_names(problem)[:-1]]):
        result = result_for(problem, name, local)
        if result.paths:
            adjoints[name] = _shaped(instantiate_result(result.in_intermediates, values, problem), result)
    return adjoints
