"""The parser's own syntax tree: small frozen dataclasses, each with its source span.

A span is ``(start, end)``: character offsets into the text that was parsed, end exclusive.
Sums and products are n-ary and keep the user's grouping, so that ``x*x**2`` stays a product
of two factors (SymPy would fold it into ``x**3``); the decomposition needs that shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class Num:
    """A numeric literal exactly as typed: ``3``, ``2.5``, ``1e-3``."""

    text: str
    span: Span


@dataclass(frozen=True)
class Name:
    """A variable name (``x``, ``w1``, ``theta``) or a constant name (``e``, ``pi``, ``E``)."""

    name: str
    span: Span


@dataclass(frozen=True)
class Call:
    """A function applied to arguments; ``func`` is the canonical name (``asin`` for ``arcsin``)."""

    func: str
    args: tuple[Node, ...]
    span: Span
    func_span: Span


@dataclass(frozen=True)
class Sum:
    """``t0 ± t1 ± …``: ``signs[i]`` is +1 or -1 for ``terms[i]``."""

    terms: tuple[Node, ...]
    signs: tuple[int, ...]
    span: Span


@dataclass(frozen=True)
class Product:
    """``f0 * f1 / f2 …``: ``divide[i]`` is True when ``factors[i]`` divides."""

    factors: tuple[Node, ...]
    divide: tuple[bool, ...]
    span: Span


@dataclass(frozen=True)
class Power:
    base: Node
    exponent: Node
    span: Span


@dataclass(frozen=True)
class Neg:
    operand: Node
    span: Span


Node = Num | Name | Call | Sum | Product | Power | Neg


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, in source order; no recursion, so
    a tree nested to the parser's depth limit is walked like any other.

    >>> from chaintutor.parse import parse_expression
    >>> [type(node).__name__ for node in walk(parse_expression("sin(x) + 2*y"))]
    ['Sum', 'Call', 'Name', 'Product', 'Num', 'Name']
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes, in the order the builder expects their SymPy values."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Sum):
        return node.terms
    if isinstance(node, Product):
        return node.factors
    if isinstance(node, Power):
        return (node.base, node.exponent)
    if isinstance(node, Neg):
        return (node.operand,)
    return ()
