"""The problem as the grader sees it: its graph, its local derivatives, and sample points.

At every sample point the grader knows, in plain floats, the value of every node, the value
of every local derivative on an edge that leads to ``wrt``, and the derivative of every node
with respect to ``wrt`` (forward accumulation: d node = Σ over its edges local · d child).
The right answer and every candidate mistake are then a few float operations per point.

Points are real, drawn at random from a seeded generator (so the same input gives the same
verdict), and re-drawn wherever the problem or its derivative is undefined: where a node or
a local derivative is not a finite real number. That keeps every point inside the domain of
every variable without having to compute the domain.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import sympy

from chaintutor.core.backward import backward
from chaintutor.core.derive import adjoints_of, leaf_forms_of, local_derivatives_of, written_in_leaves
from chaintutor.core.graph import Definition, DependencyGraph, Edge, build_graph, not_independent_error
from chaintutor.core.paths import count_paths, list_paths, reaching
from chaintutor.core.problem import Problem, read_problem
from chaintutor.core.walk import substitute
from chaintutor.errors import InputError
from chaintutor.grade.numeric import Compiled, Unsupported

K = TypeVar("K")  # the key a compiled value is stored under: a symbol, or an edge

POINTS_WANTED = 6
POINTS_ENOUGH = 3  # fewer than wanted in one range: try the next, wider one
PATH_LIMIT = 64  # path-level mistakes are built for at most this many listed paths
SEED = 20240611
# Magnitude ranges tried in turn; a problem defined only far from 0 (acosh(x/10)) needs the wider ones.
RANGES = ((0.2, 1.6), (0.05, 4.0), (0.01, 25.0))
ATTEMPTS_PER_RANGE = 40
# The equivalence test's further points: magnitudes spread over 10^-2 … 10^2 (one draw per
# stratum of a log scale, either sign), then more draws near the ones found when the domain is
# narrow, so that an answer right on only part of the domain (asin(sin(x)) → 1) is caught.
WIDE_STRATA = 48
WIDE_DECADES = (-2.0, 2.0)
WIDE_ENOUGH = 24  # fewer than this found on the log scale: draw more near them
NEAR_ATTEMPTS = 48


@dataclass(frozen=True)
class Point:
    """One sample point: every symbol's value, every relevant edge's local derivative, d node/d wrt."""

    env: dict[sympy.Symbol, float]
    edges: dict[Edge, float]
    tangent: dict[str, float]  # d node/d wrt (forward accumulation)
    adjoint: dict[str, float]  # d output/d node (reverse accumulation)

    def leaves(self, names: Iterable[str], symbols: Mapping[str, sympy.Symbol]) -> str:
        return ", ".join(f"{name} = {self.env[symbols[name]]:.4g}" for name in names)


class Model:
    """A problem ready for grading with respect to one independent variable."""

    def __init__(self, problem: str, wrt: str | None) -> None:
        self.problem = read_problem(problem)
        self.graph: DependencyGraph = _grading_graph(self.problem)
        self.symbols = self.graph.symbols
        _refuse_abstract(self.graph)
        self.wrt = _choose_wrt(self.graph, wrt)
        self.wrt_symbol = self.symbols[self.wrt]
        self.output = self.graph.output
        self.reaches = reaching(self.graph, self.wrt)
        self.relevant: tuple[Definition, ...] = tuple(
            d for d in self.graph.definitions if d.name in self.reaches
        )
        self.edges: tuple[Edge, ...] = tuple(
            (d.name, child) for d in self.relevant for child in d.depends_on if child in self.reaches
        )
        local_derivatives = local_derivatives_of(self.graph)
        self.local: dict[Edge, sympy.Expr] = {edge: local_derivatives[edge].expr for edge in self.edges}
        self.leaf_forms: dict[str, sympy.Expr | None] = leaf_forms_of(self.graph)
        adjoints = adjoints_of(self.graph, local_derivatives)
        self.in_intermediates: sympy.Expr = adjoints.get(self.wrt, sympy.Integer(0))
        self.expected: sympy.Expr | None = written_in_leaves(
            self.in_intermediates, self.graph, self.leaf_forms
        )
        self.path_count = count_paths(self.graph, self.wrt)
        self.paths: tuple[tuple[str, ...], ...] = tuple(list_paths(self.graph, self.wrt, PATH_LIMIT))
        try:
            self._definitions = [(self.symbols[d.name], Compiled(d.expr)) for d in self.graph.definitions]
            self._locals = [(edge, Compiled(self.local[edge])) for edge in self.edges]
        except Unsupported as error:
            raise InputError(f"check cannot evaluate this problem: {error}") from error
        self.points = self._sample()
        self.wide_points = self._sample_wide()  # for the equivalence test only

    # --- names and forms, for messages -------------------------------------------------

    def is_leaf(self, name: str) -> bool:
        return self.graph.is_leaf(name)

    def definition(self, name: str) -> Definition:
        return self.graph.definition(name)

    def in_leaves(self, expr: sympy.Expr) -> sympy.Expr:
        """``expr`` with every intermediate replaced by its form in the leaves, where known."""
        mapping = {
            self.symbols[name]: form
            for name, form in self.leaf_forms.items()
            if form is not None and self.symbols[name] in expr.free_symbols
        }
        return substitute(expr, mapping) if mapping else expr

    def leaf_form(self, name: str) -> sympy.Expr:
        form = self.leaf_forms.get(name)
        return self.symbols[name] if form is None else form

    @property
    def right_answer(self) -> sympy.Expr:
        """The right derivative as it is shown: in the leaves where it can be written so."""
        return self.expected if self.expected is not None else self.in_intermediates

    def total_derivative(self, name: str) -> sympy.Expr:
        """d name/d wrt written in the leaves (for messages only)."""
        return sympy.diff(self.leaf_form(name), self.wrt_symbol)

    # --- numbers -----------------------------------------------------------------------

    def _sample(self) -> list[Point]:
        rng = random.Random(SEED)
        leaves = [self.symbols[name] for name in self.graph.leaves]
        points: list[Point] = []
        for low, high in RANGES:
            for _ in range(ATTEMPTS_PER_RANGE):
                env = {leaf: _draw(rng, low, high) for leaf in leaves}
                point = self._point(env)
                if point is not None:
                    points.append(point)
                    if len(points) == POINTS_WANTED:
                        return points
            if len(points) >= POINTS_ENOUGH:
                return points
        return points  # empty: the answer can only be compared symbolically

    def _sample_wide(self) -> list[Point]:
        """Points over the whole real domain, at several scales (seeded, so deterministic)."""
        rng = random.Random(SEED + 1)
        leaves = [self.symbols[name] for name in self.graph.leaves]
        low, high = WIDE_DECADES
        strata = {leaf: rng.sample(range(WIDE_STRATA), WIDE_STRATA) for leaf in leaves}
        points: list[Point] = []
        for index in range(WIDE_STRATA):
            env = {}
            for leaf in leaves:
                exponent = low + (high - low) * (strata[leaf][index] + rng.random()) / WIDE_STRATA
                env[leaf] = 10**exponent * (1 if rng.random() < 0.5 else -1)
            point = self._point(env)
            if point is not None:
                points.append(point)
        found = [*points, *self.points]
        for _ in range(NEAR_ATTEMPTS if found and len(points) < WIDE_ENOUGH else 0):
            near = rng.choice(found)
            env = {leaf: near.env[leaf] * (1 + rng.uniform(-0.5, 0.5)) for leaf in leaves}
            point = self._point(env)
            if point is not None:
                points.append(point)
        return points

    def _point(self, env: dict[sympy.Symbol, float]) -> Point | None:
        edges: dict[Edge, float] = {}
        if not (_evaluate_into(env, self._definitions, env) and _evaluate_into(edges, self._locals, env)):
            return None
        tangent = self.forward(edges)
        if tangent is None:
            return None
        adjoint = backward(self.edges, edges, self.output, 1.0, 0.0)
        return Point(env, edges, tangent, adjoint)

    def forward(
        self,
        edges: Mapping[Edge, float | None],
        multiply_at: frozenset[str] = frozenset(),
        replace: Mapping[str, float | None] | None = None,
    ) -> dict[str, float] | None:
        """d node/d wrt for every relevant node, from the local derivatives on the edges.

        ``multiply_at``: nodes where the branch contributions are multiplied instead of added;
        ``replace``: nodes whose derivative is given outright. None where anything is undefined.
        """
        tangent = {self.wrt: 1.0}
        for definition in self.relevant:
            name = definition.name
            if replace is not None and name in replace:
                value = replace[name]
                if value is None:
                    return None
                tangent[name] = value
                continue
            terms = []
            for child in definition.depends_on:
                if child in tangent:
                    local = edges[(name, child)]
                    if local is None:
                        return None
                    terms.append(local * tangent[child])
            if name in multiply_at and len(terms) > 1:
                total = 1.0
                for term in terms:
                    total *= term
            else:
                total = sum(terms)
            if total != total or total in (float("inf"), float("-inf")):
                return None
            tangent[name] = total
        return tangent

    def value(self, point: Point) -> float:
        """The right answer at ``point``."""
        return point.tangent.get(self.output, 0.0)


def _evaluate_into(
    into: dict[K, float], programs: list[tuple[K, Compiled]], env: Mapping[sympy.Symbol, float]
) -> bool:
    """Each program's value at ``env``, stored in ``into`` under its key, in order (so that a
    definition sees the ones before it when ``into`` is ``env``); False at the first undefined."""
    for key, compiled in programs:
        value = compiled(env)
        if value is None:
            return False
        into[key] = value
    return True


def _grading_graph(problem: Problem) -> DependencyGraph:
    """The graph ``derive`` draws, except that a system's nested equations are decomposed too.

    ``y = exp(sin(u)); u = x*z`` becomes ``y = exp(u1), u1 = sin(u)``: each layer is a node of
    its own, so a mistake in one layer (its inner derivative left out, say) is one edge's
    mistake. Equations without nesting (``u = x*z``) are the same as in ``derive``.
    """
    if not problem.is_system:
        return build_graph(problem)
    return build_graph(problem, split_equations=True)


def _draw(rng: random.Random, low: float, high: float) -> float:
    magnitude = rng.uniform(low, high)
    return magnitude if rng.random() < 0.7 else -magnitude


def _choose_wrt(graph: DependencyGraph, wrt: str | None) -> str:
    leaves = graph.leaves
    if wrt is None:
        if len(leaves) == 1:
            return leaves[0]
        if not leaves:
            raise InputError("the problem has no variable to differentiate with respect to")
        raise InputError(
            f"the problem has several independent variables ({', '.join(leaves)}): "
            "say which derivative the answer is",
            hint=f"add --wrt {leaves[0]} (or wrt='{leaves[0]}' in Python)",
        )
    name = wrt.strip()
    if name not in leaves:
        raise not_independent_error(graph, name, "cannot check a derivative")
    return name


def _refuse_abstract(graph: DependencyGraph) -> None:
    for definition in graph.definitions:
        found = definition.expr.atoms(sympy.core.function.AppliedUndef)
        if found:
            name = sorted(type(f).__name__ for f in found)[0]
            raise InputError(
                f"check needs concrete functions: '{name}' is an abstract function",
                hint="check compares with concrete functions such as sin(x**3); "
                "derive shows the general chain rule",
            )
