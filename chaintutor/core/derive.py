"""The derivation: local derivatives on every edge, paths, reverse accumulation, the result.

The derivative of the output with respect to each leaf is the sum over paths of the products
of the local derivatives along them. It is computed by reverse accumulation (adjoints, as
backpropagation does), so the work grows with the edges of the graph, never with the number
of paths; the listed paths are there to explain the sum, not to compute it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import sympy
from sympy.core.function import AppliedUndef

from chaintutor.core import notation
from chaintutor.core.backward import backward
from chaintutor.core.deadline import enter
from chaintutor.core.evaluate import PointValues, evaluate_at
from chaintutor.core.graph import DependencyGraph, Edge, Granularity, build_graph, not_independent_error
from chaintutor.core.paths import count_paths, list_paths
from chaintutor.core.problem import Problem, read_problem
from chaintutor.core.ruletree import Step, rule_tree
from chaintutor.core.stack import run_with_big_stack
from chaintutor.core.textbook import textbook_form
from chaintutor.core.verify import (
    Verification,
    agree_in_floating_point,
    agreeing_points,
    verify,
    verify_gradient_through_graph,
    verify_through_graph,
)
from chaintutor.core.walk import contains, substitute, symbols_in, terms_with, tree_size
from chaintutor.errors import InputError
from chaintutor.parse.point import parse_point

DEFAULT_MAX_PATHS = 32
MAX_PATHS_LIMIT = 10_000  # listed paths per variable: memory grows with them
LEAF_FORM_BUDGET = 25_000  # nodes of a result printed in the leaves (shared subtrees counted each time)
PATH_PRODUCT_BUDGET = 2_000  # nodes of one path's product printed in the leaves
# Nodes of the whole problem in the leaves past which its flattened sympy.diff is not worth its
# cost (a 4-layer network of 4 tanh units, 4,765 nodes, takes seconds) for results that stay in
# the intermediates: those are checked numerically against the forward pass instead.
FLAT_DIFF_BUDGET = 2_000


@dataclass(frozen=True)
class LocalDerivative:
    """∂of/∂wrt on one edge, in the symbols of ``of``'s definition."""

    of: str
    wrt: str
    expr: sympy.Expr
    rule: Step  # how the differentiation rules give ``expr``: a tree, one node per rule
    partial: bool  # ``of`` depends on more than one node: written ∂, else d

    @property
    def edge(self) -> tuple[str, str]:
        return self.of, self.wrt

    @property
    def ratio(self) -> str:
        """As the lectures write it: du2/du1, or ∂y/∂u where ``of`` depends on several nodes."""
        return notation.ratio(self.of, self.wrt, self.partial)


@dataclass(frozen=True)
class Path:
    nodes: tuple[str, ...]  # from the output down to the leaf
    factors: tuple[sympy.Expr, ...]  # the local derivative on each edge, top first
    product: sympy.Expr | None  # written in the leaves; None when too large to write


@dataclass(frozen=True)
class PathSummary:
    count: int
    listed: tuple[Path, ...]

    @property
    def truncated(self) -> bool:
        return len(self.listed) < self.count


@dataclass(frozen=True)
class Derivation:
    source: str
    graph: DependencyGraph
    wrt: tuple[str, ...]
    local_derivatives: tuple[LocalDerivative, ...]
    paths: dict[str, PathSummary]
    in_intermediates: dict[str, sympy.Expr | None]  # the adjoint of each wrt leaf; None if too large
    substituted: dict[str, sympy.Expr | None]  # the same in the leaves, before the textbook form
    result: dict[str, sympy.Expr]
    result_form: dict[str, str]  # "leaves" | "intermediates"
    verification: dict[str, Verification]
    leaf_forms: dict[str, sympy.Expr | None]  # every node written in the leaves
    at: PointValues | None = None  # numbers at a point, when one was given
    # ū = Σ adjoint(parent)·∂parent/∂u for every intermediate, when a result is written with them
    adjoint_equations: tuple[tuple[str, sympy.Expr], ...] = ()

    @property
    def output(self) -> str:
        return self.graph.output

    @property
    def independent(self) -> tuple[str, ...]:
        return self.graph.leaves

    @property
    def verified(self) -> dict[str, bool]:
        return {name: check.ok for name, check in self.verification.items()}

    def local(self, of: str, wrt: str) -> LocalDerivative:
        return next(d for d in self.local_derivatives if d.of == of and d.wrt == wrt)


def derive(
    problem: str | Problem,
    wrt: Sequence[str] | str | None = None,
    *,
    granularity: Granularity | str = Granularity.compositions,
    max_paths: int = DEFAULT_MAX_PATHS,
    at: str | Mapping[str, object] | None = None,
) -> Derivation:
    """Derive ``problem`` (an expression, a system, or a Problem already read) with respect to
    ``wrt`` (default: every leaf).

    ``at`` (``"x=0.5,z=2"`` or ``{"x": 0.5}``) adds the numbers of the forward and backward pass.
    """
    return run_with_big_stack(_derive, problem, wrt, Granularity(granularity), max_paths, at)


def _derive(
    problem: str | Problem,
    wrt: Sequence[str] | str | None,
    granularity: Granularity,
    max_paths: int,
    at: str | Mapping[str, object] | None,
) -> Derivation:
    if not 0 <= max_paths <= MAX_PATHS_LIMIT:
        raise InputError(
            f"--max-paths must be between 0 and {MAX_PATHS_LIMIT:,}",
            hint="every path is counted whatever the limit; listing more is not readable",
        )
    enter("parse")
    stated = read_problem(problem) if isinstance(problem, str) else problem
    enter("graph")
    graph = build_graph(stated, granularity)
    targets = _targets(graph, wrt)
    enter("diff")
    locals_ = local_derivatives_of(graph)
    enter("substitute")
    leaf_forms = leaf_forms_of(graph)
    adjoints = adjoints_of(graph, locals_)
    substituted = {v: written_in_leaves(adjoints[v], graph, leaf_forms) for v in targets}
    printable = {v: adjoints[v] if tree_size(adjoints[v]) <= LEAF_FORM_BUDGET else None for v in targets}
    needs_adjoints = any(printable[v] is None for v in targets)
    through_adjoints, adjoint_equations = _adjoint_form(graph, locals_) if needs_adjoints else ({}, ())
    enter("simplify")
    result = {
        v: textbook_form(substituted[v])
        if substituted[v] is not None
        else printable[v]
        if printable[v] is not None
        else through_adjoints[v]
        for v in targets
    }
    enter("paths")
    paths = {v: _path_summary(graph, v, locals_, leaf_forms, max_paths) for v in targets}
    enter("verify")
    verification = _verify_all(graph, targets, result, substituted, leaf_forms, adjoints)
    enter("evaluation")
    at_point = None if at is None else _at_point(graph, locals_, paths, at)
    return Derivation(
        source=stated.source,
        graph=graph,
        wrt=targets,
        local_derivatives=tuple(locals_.values()),
        paths=paths,
        in_intermediates=printable,
        substituted=substituted,
        result=result,
        result_form={v: "intermediates" if substituted[v] is None else "leaves" for v in targets},
        verification=verification,
        leaf_forms=leaf_forms,
        at=at_point,
        adjoint_equations=adjoint_equations,
    )


def _at_point(
    graph: DependencyGraph,
    locals_: dict[Edge, LocalDerivative],
    paths: dict[str, PathSummary],
    at: str | Mapping[str, object],
) -> PointValues:
    point = parse_point(at) if isinstance(at, str) else {name: _exact(v) for name, v in at.items()}
    listed = {v: [path.nodes for path in summary.listed] for v, summary in paths.items()}
    return evaluate_at(graph, _exprs(locals_), listed, point)


def _exact(value: object) -> sympy.Expr:
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, int | float):
        return sympy.nsimplify(value) if isinstance(value, float) else sympy.Integer(value)
    return parse_point(f"v={value}")["v"]


def _targets(graph: DependencyGraph, wrt: Sequence[str] | str | None) -> tuple[str, ...]:
    if wrt is None:
        return graph.leaves
    names = names_in(wrt)
    for name in names:
        if name not in graph.leaves:
            raise not_independent_error(graph, name, "cannot differentiate")
    return tuple(dict.fromkeys(names))


def names_in(names: Sequence[str] | str) -> list[str]:
    """The names of a list, or of a comma-separated string ("x, z"), without spaces around."""
    return [name.strip() for name in (names.split(",") if isinstance(names, str) else names)]


def local_derivatives_of(graph: DependencyGraph) -> dict[Edge, LocalDerivative]:
    found = {}
    for definition in graph.definitions:
        for child, expr in _partials(definition.expr, [graph.symbols[c] for c in definition.depends_on]):
            symbol = graph.symbols[child]
            found[(definition.name, child)] = LocalDerivative(
                definition.name, child, expr, rule_tree(definition.expr, symbol), definition.partial
            )
    return found


def _partials(expr: sympy.Expr, symbols: list[sympy.Symbol]) -> Iterator[tuple[str, sympy.Expr]]:
    """``sympy.diff(expr, s)`` for each symbol, a sum differentiated term by term once.

    ``sympy.diff`` of a sum differentiates every term, each time: for a node with n inputs
    that is n² term derivatives. The terms holding ``s`` are the only ones whose derivative is
    not 0, and SymPy's sum is the same whatever terms of 0 it is given: the same expression,
    for work that grows with the size of the sum.
    """
    if not expr.is_Add:
        for symbol in symbols:
            yield symbol.name, _diff(expr, symbol)
        return
    for symbol in symbols:
        yield symbol.name, sympy.Add(*(_diff(term, symbol) for term in terms_with(expr, symbol)))


def _diff(expr: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff(expr, symbol)``, asked directly of the expression for f(u) and uⁿ by u.

    The commonest edges, sin(u) or σ(u) by u, are functions SymPy differentiates by its
    generic rule (``Function._eval_derivative``): f.fdiff(1) times du/du = 1, the very same
    expression. For uⁿ with a number n, ``sympy.diff`` makes one call of the power's own
    ``_eval_derivative`` and returns its result untouched (no Derivative in it to make
    canonical). Asked directly, both skip ``Derivative``'s bookkeeping and its assumption
    queries on the result, most of the cost of so small a derivative.
    """
    generic = getattr(type(expr), "_eval_derivative", None) is sympy.Function._eval_derivative
    if generic and expr.args == (symbol,) and not isinstance(expr, AppliedUndef):
        return expr.fdiff(1)
    if expr.is_Pow and expr.base == symbol and expr.exp.is_Number:
        return expr._eval_derivative(symbol)
    return sympy.diff(expr, symbol)


def leaf_forms_of(graph: DependencyGraph) -> dict[str, sympy.Expr | None]:
    """Each node written in the leaves, bottom-up; None once it outgrows the size budget.

    The size is measured before the form is built (SymPy takes long to build a sum of huge
    terms), and again after: building can only grow it (a number times a sum is distributed),
    except where SymPy cancels terms, which a form past the budget is not worth building for."""
    forms: dict[str, sympy.Expr | None] = {}
    mapping: dict[sympy.Basic, sympy.Basic] = {}
    sizes: dict[sympy.Basic, int] = {}
    for definition in graph.definitions:
        forms[definition.name] = None
        if any(forms.get(child, 0) is None for child in definition.depends_on):
            continue
        if tree_size(definition.expr, sizes) > LEAF_FORM_BUDGET:
            continue
        form = substitute(definition.expr, mapping)
        size = tree_size(form)
        if size <= LEAF_FORM_BUDGET:
            forms[definition.name] = form
            mapping[graph.symbols[definition.name]] = form
            sizes[graph.symbols[definition.name]] = size
    return forms


def adjoints_of(graph: DependencyGraph, locals_: dict[Edge, LocalDerivative]) -> dict[str, sympy.Expr]:
    """Reverse accumulation: adjoint(child) = Σ over parents adjoint(parent) · ∂parent/∂child."""
    one, zero = sympy.Integer(1), sympy.Integer(0)
    return backward(graph.edges(), _exprs(locals_), graph.output, one, zero, total=_sum_of)


def _sum_of(terms: list[sympy.Expr]) -> sympy.Expr:
    return sympy.Add(*terms)


def _exprs(locals_: dict[Edge, LocalDerivative]) -> dict[Edge, sympy.Expr]:
    return {edge: local.expr for edge, local in locals_.items()}


def adjoint_name(name: str) -> str:
    """The name of a node's adjoint: ``ubar``, ``abar1``, ``thetabar`` (printed ū, ā₁, θ̄)."""
    match = re.match(r"([A-Za-z]+)(.*)", name)
    return f"{match.group(1)}bar{match.group(2)}" if match else f"{name}bar"


def _adjoint_form(
    graph: DependencyGraph, locals_: dict[Edge, LocalDerivative]
) -> tuple[dict[str, sympy.Expr], tuple[tuple[str, sympy.Expr], ...]]:
    """Every result written with the adjoints of the nodes above it, and their definitions.

    This is what backpropagation stores: ū = Σ over parents p of p̄·∂p/∂u. It stays linear in
    the edges where the same sum written in the intermediates alone can grow exponentially.
    """
    bar = {
        name: sympy.Integer(1) if name == graph.output else sympy.Symbol(adjoint_name(name), real=True)
        for name in (d.name for d in graph.definitions)
    }
    one, zero = sympy.Integer(1), sympy.Integer(0)
    incoming = backward(
        graph.edges(), _exprs(locals_), graph.output, one, zero, stand_in=bar.__getitem__, total=_sum_of
    )
    equations = tuple(
        (adjoint_name(d.name), incoming[d.name])
        for d in reversed(graph.definitions)
        if d.name != graph.output
    )
    return {leaf: incoming[leaf] for leaf in graph.leaves}, equations


def written_in_leaves(
    expr: sympy.Expr,
    graph: DependencyGraph,
    forms: dict[str, sympy.Expr | None],
    budget: int = LEAF_FORM_BUDGET,
) -> sympy.Expr | None:
    """``expr`` written in the leaves, or None when that is too large, or when it holds the
    partial of an abstract function: ∂f/∂u stays at u, as the lectures write it."""
    if contains(expr, sympy.Derivative):
        return None
    mapping = {}
    for symbol in symbols_in(expr):
        if symbol.name in forms:
            form = forms[symbol.name]
            if form is None:
                return None
            mapping[symbol] = form
    sizes = {symbol: tree_size(form) for symbol, form in mapping.items()}
    if tree_size(expr, sizes) > budget:  # measured before anything large is built
        return None
    return substitute(expr, mapping)


def _path_summary(
    graph: DependencyGraph,
    target: str,
    locals_: dict[Edge, LocalDerivative],
    forms: dict[str, sympy.Expr | None],
    limit: int,
) -> PathSummary:
    listed = []
    for nodes in list_paths(graph, target, limit):
        factors = tuple(locals_[(parent, child)].expr for parent, child in pairwise(nodes))
        product = written_in_leaves(sympy.Mul(*factors), graph, forms, PATH_PRODUCT_BUDGET)
        listed.append(Path(nodes, factors, product))
    return PathSummary(count_paths(graph, target), tuple(listed))


def _leaf_mapping(
    graph: DependencyGraph, forms: dict[str, sympy.Expr | None]
) -> dict[sympy.Basic, sympy.Basic]:
    return {graph.symbols[name]: form for name, form in forms.items() if form is not None}


def _verify_all(
    graph: DependencyGraph,
    targets: tuple[str, ...],
    result: dict[str, sympy.Expr],
    substituted: dict[str, sympy.Expr | None],
    forms: dict[str, sympy.Expr | None],
    adjoints: dict[str, sympy.Expr],
) -> dict[str, Verification]:
    """Each result against ``sympy.diff`` of the whole problem written in the leaves, where that
    is affordable. Where it is not and the results stay in the intermediates, every local
    derivative is already ``sympy.diff``'s own, and one numeric check of the forward pass covers
    all the results together; only if it does not settle them is each checked on its own."""
    whole = forms[graph.output]
    in_graph = {
        v: adjoints[v]
        for v in targets
        if substituted[v] is None and not contains(result[v], sympy.Derivative)
    }
    together = None
    if in_graph and (whole is None or tree_size(whole) > FLAT_DIFF_BUDGET):
        together = verify_gradient_through_graph(graph, in_graph)
    return {
        v: together[v]
        if together is not None and v in together
        else _verify(graph, v, result[v], substituted[v], forms, adjoints[v])
        for v in targets
    }


def _verify(
    graph: DependencyGraph,
    target: str,
    shown: sympy.Expr,
    substituted: sympy.Expr | None,
    forms: dict[str, sympy.Expr | None],
    adjoint: sympy.Expr,
) -> Verification:
    """Compare with ``sympy.diff`` of the whole problem written in the leaves."""
    whole = forms[graph.output]
    symbol = graph.symbols[target]
    reference = None if whole is None else sympy.diff(whole, symbol)
    if substituted is None and reference is not None and contains(shown, sympy.Derivative):
        substituted = substitute(shown, _leaf_mapping(graph, forms))
    if substituted is None or reference is None:
        return verify_through_graph(graph, adjoint, target, reference)
    check = verify(substituted, reference, [symbol], function=whole)
    if check.ok and shown is not substituted and not agree_in_floating_point(shown, substituted):
        points = agreeing_points(shown, substituted, [symbol])
        if isinstance(points, str):
            return Verification(False, "failed", "the simplified form " + points)
    return check
