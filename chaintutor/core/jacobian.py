"""The vector chain rule: Jacobians layer by layer, multiplied, and read as path sums.

For outputs y = (y1 … ym) of variables x = (x1 … xn), the layers are the frontiers met going
down the graph: the outputs, then everything they depend on directly, and so on, with a leaf
carried down unchanged (a row of the identity) once it is reached. Each layer's Jacobian holds
local partial derivatives; their product J = J₁ · J₂ · … is the Jacobian of the whole system,
and entry (i, j) is the sum over every path from yᵢ to xⱼ of the product along it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy

from chaintutor.core.derive import DEFAULT_MAX_PATHS, Derivation, derive, names_in
from chaintutor.core.graph import Definition, Granularity
from chaintutor.core.problem import read_outputs
from chaintutor.core.stack import run_with_big_stack
from chaintutor.core.walk import substitute
from chaintutor.errors import InputError


@dataclass(frozen=True)
class Layer:
    """∂(rows)/∂(columns): one factor of the product."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    matrix: sympy.ImmutableMatrix


@dataclass(frozen=True)
class Jacobian:
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]
    layers: tuple[Layer, ...]
    product: sympy.ImmutableMatrix  # J₁ · J₂ · …, in the intermediates
    in_leaves: sympy.ImmutableMatrix | None  # the same written in the leaves, when small enough
    derivations: dict[str, Derivation]  # one per output: its paths and path sums
    agrees: bool  # every entry equals the matching path sum


def derive_jacobian(
    problem: str,
    outputs: Sequence[str] | str,
    wrt: Sequence[str] | str | None = None,
    *,
    granularity: Granularity | str = Granularity.compositions,
    max_paths: int = DEFAULT_MAX_PATHS,
    at: str | Mapping[str, object] | None = None,
) -> Jacobian:
    """The Jacobian of ``outputs`` with respect to ``wrt`` (default: every leaf), layer by layer."""
    names = [name for name in names_in(outputs) if name]
    if not names:
        raise InputError("--outputs needs at least one name")
    return run_with_big_stack(_jacobian, problem, names, wrt, Granularity(granularity), max_paths, at)


def _jacobian(
    text: str,
    outputs: list[str],
    wrt: Sequence[str] | str | None,
    granularity: Granularity,
    max_paths: int,
    at: str | Mapping[str, object] | None,
) -> Jacobian:
    problems = read_outputs(text, outputs)
    whole = [derive(p, None, granularity=granularity, max_paths=0) for p in problems]
    leaves = tuple(dict.fromkeys(leaf for d in whole for leaf in d.independent))
    chosen = _chosen(leaves, wrt)
    derivations = {
        p.output: derive(
            p, [v for v in chosen if v in d.independent], granularity=granularity, max_paths=max_paths, at=at
        )
        for p, d in zip(problems, whole, strict=True)
    }
    definitions = {e.name: e for d in derivations.values() for e in d.graph.definitions}
    symbols = {name: s for d in derivations.values() for name, s in d.graph.symbols.items()}
    layers = _layers(tuple(derivations), chosen, definitions, symbols)
    product = sympy.ImmutableMatrix(sympy.Mul(*(layer.matrix for layer in layers)).doit())
    forms = {symbols[n]: f for d in derivations.values() for n, f in d.leaf_forms.items() if f is not None}
    in_leaves = sympy.ImmutableMatrix(product.applyfunc(lambda entry: substitute(entry, forms)))
    agrees = all(
        _same(in_leaves[i, j], derivations[y], x)
        for i, y in enumerate(derivations)
        for j, x in enumerate(chosen)
    )
    return Jacobian(tuple(derivations), chosen, layers, product, in_leaves, derivations, agrees)


def _chosen(leaves: tuple[str, ...], wrt: Sequence[str] | str | None) -> tuple[str, ...]:
    if wrt is None:
        return leaves
    names = names_in(wrt)
    for name in names:
        if name not in leaves:
            raise InputError(
                f"'{name}' is not an independent variable", hint="they are: " + ", ".join(leaves)
            )
    return tuple(dict.fromkeys(names))


def _layers(
    outputs: tuple[str, ...],
    wrt: tuple[str, ...],
    definitions: dict[str, Definition],
    symbols: dict[str, sympy.Symbol],
) -> tuple[Layer, ...]:
    """Frontiers from the outputs down; a leaf is carried by an identity row once reached."""
    layers = []
    frontier = outputs
    while any(name in definitions for name in frontier):
        below = tuple(
            dict.fromkeys(
                child
                for name in frontier
                for child in (definitions[name].depends_on if name in definitions else (name,))
                if child in definitions or child in wrt
            )
        )
        rows = [[_entry(name, column, definitions, symbols) for column in below] for name in frontier]
        layers.append(Layer(frontier, below, sympy.ImmutableMatrix(len(frontier), len(below), _flat(rows))))
        frontier = below
    return tuple(layers)


def _flat(rows: list[list[sympy.Expr]]) -> list[sympy.Expr]:
    return [entry for row in rows for entry in row]


def _entry(
    name: str, column: str, definitions: dict[str, Definition], symbols: dict[str, sympy.Symbol]
) -> sympy.Expr:
    if name not in definitions:
        return sympy.Integer(1 if name == column else 0)
    definition = definitions[name]
    if column not in definition.depends_on:
        return sympy.Integer(0)
    return sympy.diff(definition.expr, symbols[column])


def _same(entry: sympy.Expr, derivation: Derivation, variable: str) -> bool:
    """Does entry (i, j) equal the sum over the paths from yᵢ to xⱼ, as derived on its own?"""
    if variable not in derivation.result:
        return entry == 0
    path_sum = derivation.substituted[variable]
    if path_sum is None:
        return True  # too large to compare in the leaves; each derivation is verified on its own
    return sympy.expand(entry - path_sum) == 0 or sympy.simplify(entry - path_sum) == 0
