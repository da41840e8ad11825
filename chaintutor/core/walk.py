"""Walking SymPy expressions as the DAGs they are, without recursion.

SymPy shares identical subtrees in memory, so an expression built by reverse accumulation
can be small as a DAG and exponential as a tree. These helpers visit each distinct
subexpression once and never recurse, so deep nests cannot raise RecursionError.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

import sympy

from chaintutor.errors import InputError
from chaintutor.parse.magnitude import (
    MAX_NUMBER_DIGITS,
    constant_refusal,
    digit_count,
    number_power_refusal,
    product_refusal,
)


def postorder(expr: sympy.Basic) -> list[sympy.Basic]:
    """Every distinct subexpression once, children before parents."""
    order: list[sympy.Basic] = []
    seen: set[int] = set()  # ids, not hashes: hashing a deep tree top-down recurses
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((arg, False) for arg in reversed(node.args) if id(arg) not in seen)
    return order


def substitute(
    expr: sympy.Basic,
    mapping: Mapping[sympy.Basic, sympy.Basic],
    inspect: Callable[[sympy.Basic], None] | None = None,
) -> sympy.Basic:
    """``expr.xreplace(mapping)``, but linear in the DAG size and free of recursion.

    ``inspect`` sees every rebuilt subexpression as soon as it exists and may raise to stop:
    substituting numbers evaluates bottom-up, so it can refuse a value before it grows huge.
    """
    rebuilt: dict[int, sympy.Basic] = {}
    for node in postorder(expr):
        if node in mapping:
            new = mapping[node]
        elif isinstance(node, sympy.Derivative):
            # Derivative(f(u), u) at u = x**2 is not Derivative(f(x**2), x**2): SymPy's subs
            # writes it as Subs(Derivative(f(ξ), ξ), ξ, x**2), the form sympy.diff itself uses.
            new = node.subs({k: v for k, v in mapping.items() if k in node.free_symbols}, simultaneous=True)
        elif node.args:
            args = tuple(rebuilt[id(arg)] for arg in node.args)
            changed = any(new_arg is not arg for new_arg, arg in zip(args, node.args, strict=True))
            if changed:
                _refuse_huge_numbers(node.func, args)
            new = node.func(*args) if changed else node
        else:
            new = node
        rebuilt[id(node)] = new
        if inspect is not None:
            inspect(new)
    return rebuilt[id(expr)]


def _refuse_huge_numbers(func: object, args: Sequence[sympy.Basic]) -> None:
    """Refuse, before SymPy computes it, a number that substitution would make huge.

    The builder bounds the numbers a user types, but substituting definitions multiplies
    and raises them (``y = u^u; u = 10^999``, ``y = u^1000; u = 10^999*x``).
    """
    if func is sympy.Pow or isinstance(func, sympy.FunctionClass):
        refusal = number_power_refusal(*args) if func is sympy.Pow else None
        refusal = refusal or constant_refusal(getattr(func, "__name__", ""), args)
        if refusal is not None:
            raise InputError(f"substituting the definitions: {refusal}", hint=_HINT)
    elif func is sympy.Mul:
        log10 = product_refusal((arg, False) for arg in args)
        if log10 is not None:
            raise InputError(
                f"substituting the definitions makes a number with {digit_count(log10)}"
                f" digits; the limit is {MAX_NUMBER_DIGITS:,}",
                hint=_HINT,
            )


_HINT = "this comes from substituting the definitions into each other; use smaller constants"


def tree_size(expr: sympy.Basic, replaced: Mapping[sympy.Basic, int] | None = None) -> int:
    """Nodes in ``expr`` printed as a tree (shared subtrees counted every time they occur).

    Computed on the DAG in linear time, so an exponential size is measured, never walked.
    ``replaced`` gives the sizes that some subexpressions would have after a substitution,
    so the size of a substitution's result is known before it is built.
    """
    replaced = replaced or {}
    sizes: dict[int, int] = {}
    for node in postorder(expr):
        if node in replaced:
            sizes[id(node)] = replaced[node]
        else:
            sizes[id(node)] = 1 + sum(sizes[id(arg)] for arg in node.args)
    return sizes[id(expr)]


def expanded_terms(expr: sympy.Basic, cap: int = 10**9) -> int:
    """About how many terms ``sympy.expand(expr)`` would have, counted before expanding.

    A sum contributes its terms, a product the product of its factors' counts, a power of a
    sum with t terms to a positive integer n the C(n + t − 1, t − 1) monomials of degree n.
    ``expand`` and ``cancel`` cost at least that much, so a test bounded by this estimate is
    bounded in time: (x + y + z + w + 1)^39 has 123,410 terms and is never expanded.
    """
    counts: dict[int, int] = {}
    for node in postorder(expr):
        args = [counts[id(arg)] for arg in node.args]
        if isinstance(node, sympy.Add):
            count = sum(args)
        elif isinstance(node, sympy.Mul):
            count = math.prod(args)
        elif isinstance(node, sympy.Pow) and node.exp.is_Integer and node.exp > 0:
            count = _monomials(args[0], int(node.exp), cap)
        else:
            count = 1
        counts[id(node)] = min(count, cap)
    return counts[id(expr)]


def _monomials(terms: int, degree: int, cap: int) -> int:
    if terms == 1:
        return 1
    if terms > 10_000 or degree > 10_000:
        return cap
    return math.comb(degree + terms - 1, terms - 1)


def symbols_in(expr: sympy.Basic) -> set[sympy.Symbol]:
    """``expr.free_symbols`` for expressions without bound variables, in linear time."""
    return {node for node in postorder(expr) if isinstance(node, sympy.Symbol)}


def contains(expr: sympy.Basic, kind: type) -> bool:
    """``expr.has(kind)``, visiting each distinct subexpression once."""
    return any(isinstance(node, kind) for node in postorder(expr))


def occurs_in(expr: sympy.Expr, symbol: sympy.Symbol) -> bool:
    """``expr.has(symbol)``; for a sum, looked up in its index (asked once per input of a wide
    node, walking the whole sum each time would cost the square of its size)."""
    return symbol in term_index(expr) if expr.is_Add else expr.has(symbol)


@functools.lru_cache(maxsize=16)
def term_index(expr: sympy.Expr) -> dict[sympy.Symbol, frozenset[int]]:
    """Where each symbol occurs among the terms of the sum ``expr``: the positions of the terms
    in ``expr.args``. Kept for the last few sums, which are asked about once per input."""
    index: dict[sympy.Symbol, set[int]] = {}
    for position, term in enumerate(expr.args):
        for symbol in symbols_in(term):
            index.setdefault(symbol, set()).add(position)
    return {symbol: frozenset(positions) for symbol, positions in index.items()}


def terms_with(expr: sympy.Expr, symbol: sympy.Symbol) -> list[sympy.Expr]:
    """The terms of the sum ``expr`` in which ``symbol`` occurs (as ``has`` finds it), in order."""
    return [expr.args[position] for position in sorted(term_index(expr).get(symbol, ()))]


def sum_without(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """The sum of the terms of the sum ``expr`` in which ``symbol`` does not occur: SymPy's own
    sum of them (its terms are already combined and sorted), built without sorting them again."""
    holding = term_index(expr).get(symbol, frozenset())
    terms = [term for position, term in enumerate(expr.args) if position not in holding]
    if len(terms) < 2:
        return terms[0] if terms else sympy.Integer(0)
    return sympy.Add._from_args(terms)
