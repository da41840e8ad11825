"""Reverse accumulation, once, for every kind of number: backpropagation in a few lines.

The output's adjoint is 1. Going through the parents from the output down (reverse
topological order), each parent adds ``adjoint(parent) · local(parent, child)`` into the
adjoint of every child; a child's adjoint is complete before it is a parent in turn. Each
edge is visited once, whatever the number of paths. The same function serves SymPy
expressions (the derivation), 30-digit ``sympy.Float`` (the backward pass at a point) and
plain floats (the grader's sample points).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, Self, TypeVar

from chaintutor.core.graph import Edge


class _Number(Protocol):
    def __add__(self, other: Self, /) -> Self: ...
    def __mul__(self, other: Self, /) -> Self: ...


N = TypeVar("N", bound=_Number)


def backward(
    edges: Iterable[Edge],
    local: Mapping[Edge, N],
    output: str,
    one: N,
    zero: N,
    stand_in: Callable[[str], N] | None = None,
    total: Callable[[list[N]], N] | None = None,
) -> dict[str, N]:
    """The adjoint ∂output/∂node of every node below ``output``, and ``output``'s own (``one``).

    ``edges`` come as :meth:`DependencyGraph.edges` gives them: parents in topological order
    (children first), each parent's edges together. Parents are taken in reverse; each one's
    children keep their order, so the adjoints come out in a fixed order (the JSON of ``--at``
    lists them so) and each child's terms are summed in the same order every time.

    ``one`` and ``zero`` are that number type's 1 and 0. ``stand_in``: each parent contributes
    ``stand_in(parent) · local`` instead of its accumulated adjoint, which gives every node's
    adjoint equation ū = Σ p̄·∂p/∂u, written in the parents' adjoint symbols.

    A child's terms are collected in a list and summed once, when the child is next needed:
    ``total`` sums a list (``sympy.Add(*terms)`` builds a sum of n terms in one go, where adding
    them one at a time rebuilds a growing sum n times); by default they are added in order.
    """
    terms: dict[str, list[N]] = {}
    done: dict[str, N] = {output: one}

    def adjoint_of(name: str) -> N:
        if name not in done:
            collected = terms.get(name, [])
            done[name] = total(collected) if total is not None else _in_order(collected, zero)
        return done[name]

    for parent, children in reversed(_by_parent(edges)):
        upstream = adjoint_of(parent) if stand_in is None else stand_in(parent)
        for child in children:
            terms.setdefault(child, []).append(upstream * local[(parent, child)])
    return {output: one} | {child: adjoint_of(child) for child in terms}


def _in_order(terms: list[N], zero: N) -> N:
    """zero + t1 + t2 + …, left to right: the same rounding as adding them one at a time."""
    sum_ = zero
    for term in terms:
        sum_ = sum_ + term
    return sum_


def _by_parent(edges: Iterable[Edge]) -> list[tuple[str, list[str]]]:
    """Each parent with its children, both in the order given."""
    children: dict[str, list[str]] = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
    return list(children.items())
