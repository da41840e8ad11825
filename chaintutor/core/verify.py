"""Does a result agree with ``sympy.diff``? Cheap tiers first, the slow one under a budget.

1. structural: the two expressions are identical;
2. numeric: both are evaluated at seeded random points; one mismatch is decisive;
3. symbolic: ``expand``/``cancel`` and then ``simplify`` of the difference give zero, in a
   worker process with a time budget. When it runs out, agreement at the points stands and the
   method says ``numeric``.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import mpmath
import sympy
from sympy.core.function import AppliedUndef

from chaintutor.core.evaluate import IMAGINARY_NOISE, PRECISION, forward_pass, real_everywhere, value_at
from chaintutor.core.graph import DependencyGraph
from chaintutor.core.walk import contains, expanded_terms, postorder, symbols_in, tree_size
from chaintutor.errors import InputError

# The symbolic test is bounded by size, never by a clock, so that its verdict (and the method
# printed) is the same on an idle and a loaded machine.
ZERO_TEST_SIZE_LIMIT = 300  # tree nodes of both sides: expand and cancel the difference
EXPANSION_LIMIT = 2_000  # terms the expanded difference would have (walk.expanded_terms)
SIMPLIFY_SIZE_LIMIT = 60  # tree nodes of both sides: also simplify, whose cost grows fastest
POINTS_WANTED = 4
TOLERANCE = sympy.Float("1e-12")
LARGEST_COMPARED = 1e300

K = TypeVar("K")  # what a random point gives values to: symbols, or the names of the leaves


@dataclass(frozen=True)
class Verification:
    ok: bool
    method: str  # "symbolic" | "numeric" | "failed"
    detail: str  # how it was decided, for people
    against: str = "sympy.diff"  # what the result was compared with


def verify(
    result: sympy.Expr,
    reference: sympy.Expr,
    variables: list[sympy.Symbol],
    function: sympy.Expr | None = None,
) -> Verification:
    """``function``, when given, is what was differentiated: only points where it is real count."""
    if result == reference:
        return Verification(True, "symbolic", "identical to sympy.diff")
    points = agreeing_points(result, reference, variables, function)
    if isinstance(points, str):
        return Verification(False, "failed", points)
    count = f"agrees with sympy.diff at {points} random points"
    # Agreement at no point at all is no evidence: only a symbolic proof may then verify.
    unproven = "no random point where both are real numbers, and SymPy could not reduce the difference to 0"
    size = tree_size(result) + tree_size(reference)
    if size > ZERO_TEST_SIZE_LIMIT or expanded_terms(result - reference) > EXPANSION_LIMIT:
        if points == 0:
            return Verification(False, "failed", unproven + " (too large for a symbolic test)")
        return Verification(True, "numeric", f"{count}; too large for a symbolic test")
    how = _zero_test(result - reference, size, thorough=points == 0)
    if how is not None:
        return Verification(True, "symbolic", f"sympy.diff minus this {how} to 0")
    if points == 0:
        return Verification(False, "failed", unproven)
    return Verification(True, "numeric", f"{count}; SymPy could not reduce the difference to 0")


def _zero_test(difference: sympy.Expr, size: int, thorough: bool) -> str | None:
    """``thorough``: no random point could be evaluated (abstract functions), so a proof is all
    there is, and ``simplify`` is tried whatever the size (the command's deadline bounds it)."""
    if sympy.cancel(sympy.expand(difference)) == 0:
        return "expands and cancels"
    if (size <= SIMPLIFY_SIZE_LIMIT or thorough) and sympy.simplify(difference) == 0:
        return "simplifies"
    return None


def agreeing_points(
    result: sympy.Expr,
    reference: sympy.Expr,
    variables: list[sympy.Symbol],
    function: sympy.Expr | None = None,
) -> int | str:
    """How many random points the two agree at, or a sentence naming a point where they differ.
    Points where ``function`` (when given) is not a real number are outside what is taught."""
    symbols = sorted(symbols_in(result) | symbols_in(reference), key=lambda s: s.name)
    agreed = 0
    for point in _random_points(symbols):
        if function is not None and not real_everywhere(function, point):
            continue
        expected = evaluate(reference, point)
        if expected is None or not _real(expected):
            continue  # outside the real domain (ln of a negative number): nothing taught there
        got = evaluate(result, point)
        if got is not None and not _real(got):
            continue  # the result is not real here: a layer (ln, sqrt) is outside its real domain
        if got is None and _too_large(result, point):
            continue  # a subexpression of this form passes 10^300 where sympy.diff's does not
        if got is None or abs(got - expected) > TOLERANCE * max(1, abs(expected)):
            where = ", ".join(f"{s} = {sympy.Float(v, 6)}" for s, v in point.items())
            return f"differs from sympy.diff at {where}"
        agreed += 1
        if agreed == POINTS_WANTED:
            break
    return agreed


def agree_in_floating_point(first: sympy.Expr, second: sympy.Expr) -> bool:
    """A quick look before :func:`agreeing_points`: do the two agree (to 1e-12) at its first
    POINTS_WANTED random points where both have a value in mpmath's numbers?

    mpmath is some thirty times faster than SymPy's numbers for the elementary functions
    (:func:`_precise_can`) and settles the usual case, two forms of one result. False proves
    nothing (a form outside those functions, no point with values): SymPy's comparison decides.
    """
    if not (_precise_can(first) and _precise_can(second)):
        return False
    mp = _mp()
    symbols = sorted(symbols_in(first) | symbols_in(second), key=lambda s: s.name)
    agreed = 0
    for point in _random_points(symbols):
        at: dict[sympy.Basic, Any] = {symbol: mp.mpf(value._mpf_) for symbol, value in point.items()}
        one, other = _mp_value(first, at, {}), _mp_value(second, at, {})
        if one is None or other is None:
            continue
        if abs(one - other) > 1e-12 * max(1, abs(other)):
            return False
        agreed += 1
        if agreed == POINTS_WANTED:
            return True
    return False


def _too_large(expr: sympy.Expr, point: dict[sympy.Symbol, sympy.Float]) -> bool:
    return (
        not contains(expr, AppliedUndef) and value_at(expr, point, refuse_above=LARGEST_COMPARED) == sympy.oo
    )


def _real(number: complex) -> bool:
    return abs(number.imag) <= 1e-20 * max(1.0, abs(number.real))


def _random_points(names: Sequence[K]) -> Iterator[dict[K, sympy.Float]]:
    """Up to 40 seeded random points, the same ones every run: no clock decides how many are
    tried (the command's deadline, core.deadline, bounds the time), so the output never
    depends on the machine's load."""
    rng = random.Random(20240611)
    for _ in range(40):
        yield {name: _draw(rng) for name in names}


def _draw(rng: random.Random) -> sympy.Float:
    magnitude = rng.uniform(0.1, 0.95)
    return sympy.Float(magnitude if rng.random() < 0.75 else -magnitude, PRECISION)


def evaluate(
    expr: sympy.Expr,
    point: dict[sympy.Symbol, sympy.Float],
    shared: dict[int, sympy.Basic] | None = None,
    digits: int = PRECISION,
) -> complex | None:
    """The value at ``point``, or None where it is undefined, not a number, or too large to
    compare in floating point (exp(exp(exp(x))) is, almost everywhere). ``shared``: see
    :func:`~chaintutor.core.evaluate.value_at`."""
    if contains(expr, AppliedUndef):  # an abstract function has no value; evalf of its partials
        return None  # at a point, Subs(Derivative(f(ξ), ξ), ξ, x + y), recurses without end
    value = value_at(expr, point, refuse_above=LARGEST_COMPARED, shared=shared, digits=digits)
    if value is None or value.has(sympy.oo, -sympy.oo):  # ∞ inside a value not itself infinite
        return None
    try:
        number = complex(value)
    except (ValueError, TypeError, ArithmeticError):
        return None
    return number if _comparable(number) else None


def _comparable(number: complex) -> bool:
    """Finite and below LARGEST_COMPARED in both parts, so a difference of two means something."""
    return all(math.isfinite(part) and abs(part) < LARGEST_COMPARED for part in (number.real, number.imag))


def verify_through_graph(
    graph: DependencyGraph, result: sympy.Expr, target: str, reference: sympy.Expr | None
) -> Verification:
    """Numeric agreement for a result too large to write in the leaves.

    The result (in the intermediates) is evaluated on the forward pass's values. It is compared
    with ``sympy.diff`` evaluated at the point when the whole problem could be written in the
    leaves, and otherwise with a central difference of the forward pass itself.
    """
    step = sympy.Float("1e-12", PRECISION)
    agreed = 0
    for point in _random_points(graph.leaves):
        try:
            values = forward_pass(graph, point)
            expected = (
                evaluate(reference, {graph.symbols[n]: v for n, v in point.items()})
                if reference is not None
                else _central_difference(graph, point, target, step)
            )
        except InputError:
            continue
        got = evaluate(result, {graph.symbols[name]: value for name, value in values.items()})
        if expected is None or got is None:
            continue
        if abs(got - expected) > 1e-9 * max(1, abs(expected)):
            return Verification(
                False, "failed", f"differs from the reference at a random point ({got} ≠ {expected})"
            )
        agreed += 1
        if agreed == POINTS_WANTED:
            break
    if agreed == 0:
        return Verification(False, "failed", "no point was found where both sides are defined")
    against = "sympy.diff" if reference is not None else _FORWARD_PASS
    detail = f"agrees with {against} at {agreed} random points; too large for a symbolic test"
    return Verification(True, "numeric", detail, against)


_FORWARD_PASS = "a central difference of the forward pass"


def verify_gradient_through_graph(
    graph: DependencyGraph, results: dict[str, sympy.Expr]
) -> dict[str, Verification] | None:
    """Numeric agreement of several results (in the intermediates) at once, with no flattened
    ``sympy.diff`` (too large to afford): the results, evaluated on the forward pass's values,
    against a central difference of the forward pass along a random direction.

    Along a direction d the forward pass's slope is Σ dᵥ·∂y/∂v, so one pair of extra forward
    passes per point checks every input together, and the base pass is shared by all of them:
    the work grows with the edges, not with edges × inputs. A wrong component would have to
    cancel against the others at every random point and direction to pass. Returns None when
    this does not settle it (a disagreement, or no usable point): then each result is checked
    on its own, which names the one that differs.
    """
    exprs = [definition.expr for definition in graph.definitions] + list(results.values())
    numbers = _Precise(graph) if all(map(_precise_can, exprs)) else _Exact(graph)
    step = sympy.Float("1e-12", PRECISION)
    rng = random.Random(20240612)
    agreed = 0
    for point in _random_points(graph.leaves):
        direction = {name: _draw(rng) for name in results}
        values = numbers.forward(point)
        above = numbers.forward(_moved(point, direction, step))
        below = numbers.forward(_moved(point, direction, -step))
        if values is None or above is None or below is None:
            continue
        expected = complex((above[graph.output] - below[graph.output]) / (2 * numbers.number(step)))
        got = numbers.results(list(results.values()), values)
        if got is None or not _comparable(expected):
            continue
        terms = [complex(direction[name]) * value for name, value in zip(results, got, strict=True)]
        slope = sum(terms, 0j)
        # Relative to the terms, however small (a saturated network's gradient can be 1e-9),
        # above the central difference's own error (rounding at 40 digits over a 1e-12 step).
        noise = 1e-20 * max(1.0, abs(complex(values[graph.output])))
        tolerance = 1e-9 * sum(abs(term) for term in terms) + noise
        if abs(slope - expected) > tolerance:
            return None
        agreed += 1
        if agreed == POINTS_WANTED:
            break
    if agreed == 0:
        return None
    detail = (
        f"agrees with a central difference of the forward pass at {agreed} random points"
        " (every input at once, along random directions); too large for a symbolic test"
    )
    return {name: Verification(True, "numeric", detail, _FORWARD_PASS) for name in results}


def _moved(
    point: dict[str, sympy.Float], direction: dict[str, sympy.Float], step: sympy.Float
) -> dict[str, sympy.Float]:
    return {name: value + step * direction.get(name, 0) for name, value in point.items()}


class _Exact:
    """SymPy's numbers, as ``--at`` computes them: every function SymPy knows."""

    def __init__(self, graph: DependencyGraph) -> None:
        self.graph = graph

    def number(self, value: sympy.Float) -> Any:
        return value

    def forward(self, point: dict[str, sympy.Float]) -> dict[str, Any] | None:
        try:
            return forward_pass(self.graph, point)
        except InputError:
            return None

    def results(self, exprs: list[sympy.Expr], values: dict[str, Any]) -> list[complex] | None:
        at = {self.graph.symbols[name]: value for name, value in values.items()}
        shared: dict[int, sympy.Basic] = {}  # the adjoints of the inputs share most of their terms
        got = [evaluate(expr, at, shared) for expr in exprs]
        known = [value for value in got if value is not None]
        return known if len(known) == len(got) else None


# mpmath's name of each elementary function.
_MP_NAMES = {
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.tan: "tan",
    sympy.sec: "sec",
    sympy.csc: "csc",
    sympy.cot: "cot",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.atan: "atan",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.tanh: "tanh",
    sympy.exp: "exp",
    sympy.log: "ln",
    sympy.Abs: "fabs",
    sympy.sign: "sign",
}


@functools.cache
def _mp() -> Any:
    """40 digits in a context of its own: no other user of mpmath (another thread) sees its
    precision. Made on first use: a start-up that never needs it does not pay for it."""
    context = mpmath.MPContext()
    context.dps = PRECISION + 10
    return context


def _precise_can(expr: sympy.Expr) -> bool:
    return all(
        isinstance(node, sympy.Add | sympy.Mul | sympy.Pow | sympy.Symbol | sympy.Rational | sympy.Float)
        or node in (sympy.pi, sympy.E)
        or (type(node) in _MP_NAMES and len(node.args) == 1)
        for node in postorder(expr)
    )


class _Precise:
    """The same passes in mpmath's 40-digit numbers, some thirty times faster than SymPy's for
    the elementary functions (:func:`_precise_can`); a value that is not a finite real number
    makes the point unusable, as it does for ``forward_pass``."""

    def __init__(self, graph: DependencyGraph) -> None:
        self.graph = graph

    def number(self, value: sympy.Float) -> Any:
        return _mp().mpf(value._mpf_)

    def forward(self, point: dict[str, sympy.Float]) -> dict[str, Any] | None:
        mp = _mp()
        noise = mp.mpf(IMAGINARY_NOISE._mpf_)  # smaller: rounding, as in forward_pass
        values = {self.graph.symbols[name]: self.number(value) for name, value in point.items()}
        for definition in self.graph.definitions:
            value = _mp_value(definition.expr, values, {})
            if value is None or abs(mp.im(value)) > noise:
                return None
            value = mp.re(value)
            if not mp.isfinite(value) or abs(value) > LARGEST_COMPARED:
                return None
            values[self.graph.symbols[definition.name]] = value
        return {symbol.name: value for symbol, value in values.items()}

    def results(self, exprs: list[sympy.Expr], values: dict[str, Any]) -> list[complex] | None:
        at = {self.graph.symbols[name]: value for name, value in values.items()}
        shared: dict[int, Any] = {}
        got = []
        for expr in exprs:
            value = _mp_value(expr, at, shared)
            number = None if value is None else complex(value)
            if number is None or not _comparable(number):
                return None
            got.append(number)
        return got


def _mp_value(expr: sympy.Expr, at: dict[sympy.Basic, Any], shared: dict[int, Any]) -> Any:
    """``expr`` in mpmath numbers, subexpressions once (``shared``); None where undefined."""
    mp = _mp()
    try:
        for node in postorder(expr):
            if id(node) in shared:
                continue
            args = [shared[id(arg)] for arg in node.args]
            if node in at:
                value = at[node]
            elif isinstance(node, sympy.Float):
                value = mp.mpf(node._mpf_)
            elif isinstance(node, sympy.Rational):
                value = mp.mpf(node.p) / node.q
            elif node == sympy.pi:
                value = +mp.pi
            elif node == sympy.E:
                value = +mp.e
            elif isinstance(node, sympy.Add):
                value = mp.fsum(args)
            elif isinstance(node, sympy.Mul):
                value = mp.fprod(args)
            elif isinstance(node, sympy.Pow):
                value = mp.power(args[0], args[1])
            else:
                value = getattr(mp, _MP_NAMES[type(node)])(args[0])
            if not mp.isfinite(value):
                return None
            shared[id(node)] = value
    except (ArithmeticError, ValueError, TypeError, KeyError):
        return None
    return shared[id(expr)]


def _central_difference(
    graph: DependencyGraph, point: dict[str, sympy.Float], target: str, step: sympy.Float
) -> complex:
    above = forward_pass(graph, {**point, target: point[target] + step})[graph.output]
    below = forward_pass(graph, {**point, target: point[target] - step})[graph.output]
    difference = complex((above - below) / (2 * step))
    if not _comparable(difference):
        raise InputError("the central difference is too large to compare")
    return difference
