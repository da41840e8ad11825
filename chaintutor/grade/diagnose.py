"""Which mistake produced a wrong answer? Rebuild the derivation with each known mistake.

Every candidate mistake is a *variant* of the right derivation: a local derivative dropped,
negated, evaluated at the wrong argument, or differentiated with a broken power rule; a chain
whose factors are added; a path left out; path contributions multiplied; a composition
treated as a product. Each variant is computed at the same real points as the answer (in
floats, from the values of the nodes and local derivatives the model already holds), and
the answer is diagnosed with every mistake whose variant matches it at every point.

- Variants that coincide with the right answer at the points are discarded: they are not
  mistakes (dropping a local derivative that is 1, say).
- One mistake at a time first. Only when no single mistake matches are pairs tried (a local
  derivative dropped or negated together with another mistake), so the simplest explanation
  wins and a pair never adds noise to a single-mistake diagnosis. The first pair that
  reproduces the answer is reported as one explanation: both mistakes, marked ``together``.
- An answer no variant reproduces gets ``unknown``: the grader does not guess.

Messages are built only for the mistakes that match, and name the actual pieces
("the derivative of the inner function u1 = x³, 3x², is missing").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import sympy

from chaintutor.core.notation import equation, ratio, route, unicode
from chaintutor.grade.mistakes import (
    COMPOSITION_AS_PRODUCT,
    DERIVATIVE_IN_EXPONENT,
    DIAGNOSIS_CODES,
    FACTORS_ADDED,
    MISSING_INNER_DERIVATIVE,
    MISSING_OUTER_DERIVATIVE,
    MISSING_PATH,
    OUTER_AT_WRONG_ARGUMENT,
    PATHS_MULTIPLIED,
    POWER_RULE_ERROR,
    POWER_RULE_ON_EXPONENTIAL,
    PRODUCT_OF_DERIVATIVES,
    QUOTIENT_OF_DERIVATIVES,
    RECIPROCAL_DERIVATIVE,
    SIGN_ERROR,
    UNKNOWN,
    WRONG_VARIABLE,
    Diagnosis,
)
from chaintutor.grade.model import Edge, Model, Point
from chaintutor.grade.numeric import compile_expr, same_values

Values = list[float | None]
Message = Callable[[], str]

MAX_FACTOR_PATTERNS = 5  # a path with more factors gets only the simplest "added" patterns
NEARBY_LAYERS = 2  # an outer derivative is tried at the two layers under its argument, at wrt, and one above
MAX_PAIR_EDITS = 80  # pairs of mistakes are tried only for derivations with at most this many single ones


@dataclass(frozen=True)
class _Finding:
    code: str
    message: Message


@dataclass(frozen=True)
class _Variant:
    findings: tuple[_Finding, ...]
    values: Values


@dataclass(frozen=True)
class _EdgeEdit:
    """A wrong local derivative on one edge: its values at the points, and what it means."""

    edge: Edge
    kind: str  # "drop" | "negate" | anything else
    finding: _Finding
    values: Values


def diagnose(
    model: Model, answer: Sequence[float | None], undefined_at: Point | None = None
) -> list[Diagnosis]:
    """The mistakes that reproduce ``answer`` (its values at ``model.points``), or ``unknown``."""
    builder = _Builder(model)
    right = [model.value(point) for point in model.points]

    def reproduces(variant: _Variant) -> bool:
        return not same_values(variant.values, right) and same_values(variant.values, answer)

    edits = builder.edge_edits()
    matched = [v for v in itertools.chain(builder.singles(edits), builder.structural()) if reproduces(v)]
    if not matched:
        pair = next((v for v in builder.pairs(edits) if reproduces(v)), None)
        if pair is not None:  # one explanation: the two mistakes act together, the telling one first
            return [Diagnosis(f.code, f.message(), together=True) for f in reversed(pair.findings)]
        return [Diagnosis(UNKNOWN, _unknown_message(model, undefined_at))]
    first: dict[str, _Finding] = {}
    for variant in matched:
        for finding in variant.findings:
            first.setdefault(finding.code, finding)
    return [Diagnosis(code, first[code].message()) for code in DIAGNOSIS_CODES if code in first]


def _unknown_message(model: Model, undefined_at: Point | None) -> str:
    text = "no common chain-rule mistake reproduces this answer"
    if undefined_at is not None:
        where = undefined_at.leaves(model.graph.leaves, model.symbols)
        text += f"; it is undefined at {where}, where the derivative is defined"
    return text


class _Builder:
    """Builds the variants of one model's derivation."""

    def __init__(self, model: Model) -> None:
        self.m = model
        self.points = model.points
        self.n = len(model.points)
        self.right = [model.value(point) for point in model.points]

    # --- helpers ---------------------------------------------------------------------------

    def values_of(
        self, expr: sympy.Expr, extra: Mapping[sympy.Symbol, Sequence[float]] | None = None
    ) -> Values:
        compiled = compile_expr(expr)
        if not extra:
            return [compiled(point.env) for point in self.points]
        found: Values = []
        for k, point in enumerate(self.points):
            env = dict(point.env)
            env.update({symbol: column[k] for symbol, column in extra.items()})
            found.append(compiled(env))
        return found

    def forward(
        self,
        overrides: Mapping[Edge, Values] | None = None,
        multiply_at: frozenset[str] = frozenset(),
        replace: Mapping[str, Values] | None = None,
    ) -> Values:
        found: Values = []
        for k, point in enumerate(self.points):
            edges: dict[Edge, float | None] = dict(point.edges)
            for edge, column in (overrides or {}).items():
                edges[edge] = column[k]
            swap = {name: column[k] for name, column in replace.items()} if replace else None
            tangent = self.m.forward(edges, multiply_at, swap)
            found.append(None if tangent is None else tangent.get(self.m.output, 0.0))
        return found

    def sym(self, name: str) -> sympy.Symbol:
        return self.m.symbols[name]

    def d(self, parent: str, child: str) -> str:
        """dy/du1, or ∂y/∂u where the parent depends on several nodes."""
        return ratio(parent, child, self.m.definition(parent).partial)

    def shown(self, expr: sympy.Expr) -> str:
        """``cos(u1) = cos(x³)``: the expression, and its form in the leaves when different."""
        leaves = self.m.in_leaves(expr)
        text = unicode(expr)
        return text if leaves == expr else f"{text} = {unicode(leaves)}"

    def factor_text(self, edge: Edge) -> str:
        """A local derivative in the leaves, as a factor of a product."""
        return _factor(self.m.in_leaves(self.m.local[edge]))

    def leaves_text(self, expr: sympy.Expr) -> str:
        return unicode(self.m.in_leaves(expr))

    def defined(self, name: str) -> str:
        return equation(name, self.m.definition(name).expr)

    def node(self, name: str) -> str:
        if self.m.is_leaf(name):
            return name
        return f"{name} = {unicode(self.m.leaf_form(name))}"

    def contribution(self, path: Sequence[str]) -> sympy.Expr:
        return sympy.Mul(*(self.m.local[(a, b)] for a, b in itertools.pairwise(path)))

    def below(self, name: str) -> list[str]:
        """Nodes under ``name`` that lead to wrt, nearest first (``wrt`` included)."""
        found: list[str] = []
        frontier = [name]
        while frontier:
            current = frontier.pop(0)
            if self.m.is_leaf(current):
                continue
            for child in self.m.definition(current).depends_on:
                if child in self.m.reaches and child not in found:
                    found.append(child)
                    frontier.append(child)
        return found

    def above(self, name: str) -> list[str]:
        """Intermediate nodes over ``name`` (the output excluded), nearest first."""
        parents: dict[str, list[str]] = {}
        for parent, child in self.m.edges:
            parents.setdefault(child, []).append(parent)
        found: list[str] = []
        frontier = [name]
        while frontier:
            for parent in parents.get(frontier.pop(0), []):
                if parent not in found and parent != self.m.output:
                    found.append(parent)
                    frontier.append(parent)
        return found

    # --- mistakes on one edge ------------------------------------------------------------------

    def edge_edits(self) -> list[_EdgeEdit]:
        edits: list[_EdgeEdit] = []
        for edge in self.m.edges:
            edits.extend(self._drop(edge))
            edits.extend(self._wrong_argument(edge))
            edits.extend(self._inner(edge))
            edits.extend(self._power(edge))
        signed = [e for e in self.m.edges if self.m.local[e].could_extract_minus_sign()]
        unsigned = [e for e in self.m.edges if e not in signed]
        for edge in signed + unsigned:
            edits.extend(self._negate(edge))
        for edge in self.m.edges:
            edits.extend(self._term_signs(edge))
        for edge in self.m.edges:
            edits.extend(self._exponential_power(edge))
            edits.extend(self._wrong_variable(edge))
        return edits

    def _exponential_power(self, edge: Edge) -> Iterator[_EdgeEdit]:
        """d/du e^u taken as u·e^(u−1) (and a^u as u·a^(u−1)): the power rule on an exponential."""
        parent, child = edge
        expr, at = self.m.definition(parent).expr, self.sym(child)
        if isinstance(expr, sympy.exp) and expr.args[0] == at:
            base: sympy.Expr = sympy.E
        elif expr.is_Pow and expr.exp == at and expr.base.is_number and expr.base.is_positive:
            base = expr.base
        else:
            return
        wrong = at * base ** (at - 1)

        def text() -> str:
            return (
                f"the power rule was applied to the exponential {self.defined(parent)}: "
                f"{self.d(parent, child)} was taken as {unicode(wrong)} "
                f"instead of {self.shown(self.m.local[edge])}"
            )

        yield _EdgeEdit(edge, "exponential", _Finding(POWER_RULE_ON_EXPONENTIAL, text), self.values_of(wrong))

    def _wrong_variable(self, edge: Edge) -> Iterator[_EdgeEdit]:
        """∂parent/∂child taken with respect to another of the parent's variables (x·σ′ for ∂y/∂b)."""
        parent, child = edge
        expr = self.m.definition(parent).expr
        right = self.m.local[edge]
        for other in self.m.definition(parent).depends_on:
            if other == child:
                continue
            wrong = sympy.diff(expr, self.sym(other))
            if wrong == right:
                continue

            def text(other: str = other, wrong: sympy.Expr = wrong) -> str:
                return (
                    f"in {self.defined(parent)}, the derivative was taken with respect to {other} "
                    f"instead of {child}: {self.d(parent, other)} = {unicode(wrong)} in place of "
                    f"{self.d(parent, child)} = {unicode(right)}"
                )

            yield _EdgeEdit(edge, "variable", _Finding(WRONG_VARIABLE, text), self.values_of(wrong))

    def _drop(self, edge: Edge) -> Iterator[_EdgeEdit]:
        local = self.m.local[edge]
        if local == 1:
            return
        if self._is_outer(edge):
            finding = _Finding(MISSING_OUTER_DERIVATIVE, lambda: self._outer_text(edge))
        else:
            finding = _Finding(MISSING_INNER_DERIVATIVE, lambda: self._drop_text(edge))
        yield _EdgeEdit(edge, "drop", finding, [1.0] * self.n)

    def _is_outer(self, edge: Edge) -> bool:
        """The outermost layer's own derivative: the parent is a function of one inner function
        (not of wrt itself), and nothing above it depends on wrt (its adjoint is a constant)."""
        parent, child = edge
        if self.m.is_leaf(child) or self.m.definition(parent).depends_on != (child,):
            return False
        adjoints = [point.adjoint.get(parent, 0.0) for point in self.points]
        return bool(adjoints) and all(a == adjoints[0] for a in adjoints)

    def _outer_text(self, edge: Edge) -> str:
        parent, child = edge
        return (
            f"the derivative of the outer function {self.defined(parent)}, {self.shown(self.m.local[edge])}, "
            f"is missing: only the derivative of the inner function {self.node(child)} is left"
        )

    def _drop_text(self, edge: Edge) -> str:
        parent, child = edge
        local = self.m.local[edge]
        dependencies = self.m.definition(parent).depends_on
        factor, definition = self.shown(local), self.defined(parent)
        if len(dependencies) > 1:
            return f"the factor {self.d(parent, child)} = {factor} (from {definition}) is missing"
        if parent == self.m.output:
            return f"the derivative of the outer function {definition}, {factor}, is missing"
        if child == self.m.wrt:
            return f"the derivative of the inner function {definition}, {factor}, is missing"
        return (
            f"the derivative of the inner function {self.defined(parent)} with respect to {child}, "
            f"{self.shown(local)}, is missing"
        )

    def _negate(self, edge: Edge) -> Iterator[_EdgeEdit]:
        local = self.m.local[edge]
        if local == 0:
            return
        parent, child = edge

        def text() -> str:
            return (
                f"the sign of {self.d(parent, child)}, the derivative of {self.defined(parent)}, is wrong: "
                f"{unicode(-local)} instead of {unicode(local)}"
            )

        values = [-point.edges[edge] for point in self.points]
        yield _EdgeEdit(edge, "negate", _Finding(SIGN_ERROR, text), list(values))

    def _term_signs(self, edge: Edge) -> Iterator[_EdgeEdit]:
        local = self.m.local[edge]
        if not local.is_Add:
            return
        parent, child = edge
        for term in local.args:
            wrong = local - 2 * term

            def text(wrong: sympy.Expr = wrong, term: sympy.Expr = term) -> str:
                return (
                    f"a sign is wrong in {self.d(parent, child)}: {unicode(wrong)} "
                    f"instead of {unicode(local)} (the term {unicode(term)})"
                )

            yield _EdgeEdit(edge, "term_sign", _Finding(SIGN_ERROR, text), self.values_of(wrong))

    def _wrong_argument(self, edge: Edge) -> Iterator[_EdgeEdit]:
        parent, child = edge
        local = self.m.local[edge]
        at = self.sym(child)
        if self.m.is_leaf(child) or at not in local.free_symbols:
            return
        below = self.below(child)
        nearby = [*below[:NEARBY_LAYERS], *([self.m.wrt] if self.m.wrt in below[NEARBY_LAYERS:] else [])]
        for other in nearby + self.above(child)[:1]:
            wrong = local.xreplace({at: self.sym(other)})

            def text(other: str = other, wrong: sympy.Expr = wrong) -> str:
                return (
                    f"the derivative of the outer function {self.defined(parent)}, {unicode(local)}, "
                    f"was evaluated at {self.node(other)} instead of at the inner function "
                    f"{self.node(child)}: {self.leaves_text(wrong)} instead of {self.leaves_text(local)}"
                )

            finding = _Finding(OUTER_AT_WRONG_ARGUMENT, text)
            yield _EdgeEdit(edge, "argument", finding, self.values_of(wrong))
        slope = sympy.Dummy("slope", real=True)
        wrong = local.xreplace({at: slope})
        column = [point.tangent[child] for point in self.points]

        def inner_text() -> str:
            inner = self.m.total_derivative(child)
            return (
                f"the derivative of the outer function {self.defined(parent)}, {unicode(local)}, "
                f"was evaluated at the inner derivative {unicode(inner)} instead of at the inner function "
                f"{self.node(child)}: {unicode(wrong.xreplace({slope: inner}))} "
                f"instead of {self.leaves_text(local)}"
            )

        yield _EdgeEdit(
            edge,
            "slope",
            _Finding(OUTER_AT_WRONG_ARGUMENT, inner_text),
            self.values_of(wrong, {slope: column}),
        )

    def _subterms(self, edge: Edge) -> Iterator[tuple[sympy.Expr, sympy.Expr, sympy.Expr]]:
        """Powers and one-argument functions inside the parent's definition that hold the child:
        (term, its base or argument, ∂parent/∂term)."""
        parent, child = edge
        expr = self.m.definition(parent).expr
        at = self.sym(child)
        for term in sympy.preorder_traversal(expr):
            if term.is_Pow and term.exp.is_Rational and term.exp not in (0, 1):
                inner = term.base
            elif isinstance(term, sympy.Function) and len(term.args) == 1:
                inner = term.args[0]
            else:
                continue
            if not inner.has(at):
                continue
            if term == expr:
                outer = sympy.Integer(1)
            else:
                hole = sympy.Dummy("term")
                outer = sympy.diff(expr.xreplace({term: hole}), hole).xreplace({hole: term})
            yield term, inner, outer

    def _power(self, edge: Edge) -> Iterator[_EdgeEdit]:
        parent, child = edge
        local = self.m.local[edge]
        at = self.sym(child)
        for term, base, outer in self._subterms(edge):
            if not term.is_Pow:
                continue
            n = term.exp
            right = n * base ** (n - 1)
            chain = outer * sympy.diff(base, at)
            mistakes = (
                (n * base**n, "the exponent was kept"),
                (base ** (n - 1), f"the coefficient {unicode(n)} was dropped"),
                ((n - 1) * base ** (n - 1), f"the coefficient is {unicode(n - 1)} instead of {unicode(n)}"),
                (
                    n * base ** (n + 1),
                    f"the exponent was raised to {unicode(n + 1)} instead of lowered to {unicode(n - 1)}",
                ),
            )
            for wrong_power, what in mistakes:
                if wrong_power == right:
                    continue
                wrong = local + chain * (wrong_power - right)

                def text(
                    term: sympy.Expr = term,
                    what: str = what,
                    wrong_power: sympy.Expr = wrong_power,
                    right: sympy.Expr = right,
                    base: sympy.Expr = base,
                ) -> str:
                    where = "" if self.m.is_leaf(child) and base == at else f" (in {self.defined(parent)})"
                    return (
                        f"power rule on {unicode(term)}{where}: {what}: "
                        f"{unicode(wrong_power)} instead of {unicode(right)}"
                    )

                yield _EdgeEdit(edge, "power", _Finding(POWER_RULE_ERROR, text), self.values_of(wrong))

    def _inner(self, edge: Edge) -> Iterator[_EdgeEdit]:
        """A chain hidden inside one definition (a system's ``y = exp(sin(u))``, ``1/(x² + 1)``)."""
        parent, child = edge
        local = self.m.local[edge]
        at = self.sym(child)
        for term, inner, outer in self._subterms(edge):
            if inner == at:
                continue
            hole = sympy.Dummy("inner")
            derivative = sympy.diff(term.xreplace({inner: hole}), hole)
            at_inner = derivative.xreplace({hole: inner})
            inner_slope = sympy.diff(inner, at)
            if inner_slope != 1:
                dropped = local + outer * at_inner * (1 - inner_slope)

                def drop_text(
                    inner: sympy.Expr = inner, inner_slope: sympy.Expr = inner_slope, term: sympy.Expr = term
                ) -> str:
                    return (
                        f"the derivative of the inner function {unicode(inner)}, {self.shown(inner_slope)}, "
                        f"is missing in the derivative of {unicode(term)} (in {self.defined(parent)})"
                    )

                yield _EdgeEdit(
                    edge, "inner", _Finding(MISSING_INNER_DERIVATIVE, drop_text), self.values_of(dropped)
                )
            at_variable = derivative.xreplace({hole: at})
            misplaced = local + outer * (at_variable - at_inner) * inner_slope

            def argument_text(
                inner: sympy.Expr = inner,
                at_inner: sympy.Expr = at_inner,
                at_variable: sympy.Expr = at_variable,
            ) -> str:
                return (
                    f"in the derivative of {self.defined(parent)}, the outer derivative was evaluated at "
                    f"{child} instead of at the inner function {unicode(inner)}: "
                    f"{unicode(at_variable)} instead of {unicode(at_inner)}"
                )

            yield _EdgeEdit(
                edge, "inner", _Finding(OUTER_AT_WRONG_ARGUMENT, argument_text), self.values_of(misplaced)
            )

    # --- variants ------------------------------------------------------------------------------

    def singles(self, edits: list[_EdgeEdit]) -> Iterator[_Variant]:
        for edit in edits:
            yield _Variant((edit.finding,), self.one_edge(edit.edge, edit.values))
        yield from self._truncations()

    def one_node(self, name: str, column: Values) -> Values:
        """The derivative with d name/d wrt replaced: it moves by d output/d name · the change."""
        found: Values = []
        for k, point in enumerate(self.points):
            new = column[k]
            if new is None:
                found.append(None)
                continue
            found.append(self.right[k] + point.adjoint.get(name, 0.0) * (new - point.tangent[name]))
        return found

    def one_edge(self, edge: Edge, column: Values) -> Values:
        """The derivative with one local derivative changed: the answer is linear in each edge,
        so it moves by d output/d parent · (new − old) · d child/d wrt."""
        parent, child = edge
        found: Values = []
        for k, point in enumerate(self.points):
            new = column[k]
            if new is None:
                found.append(None)
                continue
            change = point.adjoint.get(parent, 0.0) * (new - point.edges[edge]) * point.tangent[child]
            found.append(self.right[k] + change)
        return found

    def pairs(self, edits: list[_EdgeEdit]) -> Iterator[_Variant]:
        """Two mistakes at once, one of them a dropped or negated local derivative."""
        if len(edits) > MAX_PAIR_EDITS:
            return
        for i, first in enumerate(edits):
            if first.kind not in ("drop", "negate"):
                continue
            for j, second in enumerate(edits):
                if j == i or (second.kind in ("drop", "negate") and j < i):
                    continue
                if second.kind == "slope" and (first.kind != "drop" or first.edge[0] != second.edge[1]):
                    continue  # f'(g'(x)): only with g' itself left out, as in d/dx sin(x²) = cos(2x)
                if second.edge == first.edge:
                    if first.kind != "negate" or second.kind in ("drop", "negate"):
                        continue
                    negated: Values = [None if v is None else -v for v in second.values]
                    yield _Variant((first.finding, second.finding), self.forward({first.edge: negated}))
                    continue
                overrides = {first.edge: first.values, second.edge: second.values}
                yield _Variant((first.finding, second.finding), self.forward(overrides))

    def structural(self) -> Iterator[_Variant]:
        yield from self._compositions()
        yield from self._products()
        yield from self._inside()
        yield from self._reciprocals()
        yield from self._other_leaves()
        yield _Variant(
            (_Finding(SIGN_ERROR, lambda: "the whole answer has the wrong sign"),), [-r for r in self.right]
        )
        yield from self._factors_added()
        yield from self._paths()

    def _truncations(self) -> Iterator[_Variant]:
        """The chain stopped early: every local derivative under one node is missing."""
        for name in self.below(self.m.output):
            if self.m.is_leaf(name):
                continue
            inside = {name, *self.below(name)}
            under = [edge for edge in self.m.edges if edge[0] in inside]
            under = [edge for edge in under if self.m.local[edge] != 1]
            if len(under) < 2:
                continue

            def text(name: str = name, under: list[Edge] = under) -> str:
                factors = ", ".join(self.leaves_text(self.m.local[edge]) for edge in reversed(under))
                return (
                    f"the chain stopped at {self.node(name)}: the derivatives of the inner functions "
                    f"below it ({factors}) are missing"
                )

            overrides: dict[Edge, Values] = {edge: [1.0] * self.n for edge in under}
            yield _Variant((_Finding(MISSING_INNER_DERIVATIVE, text),), self.forward(overrides))

    def _compositions(self) -> Iterator[_Variant]:
        """f(g(x)) read as the product f(x)·g(x)."""
        w = self.m.wrt_symbol
        for parent, child in self.m.edges:
            if self.m.definition(parent).depends_on != (child,) or self.m.is_leaf(child):
                continue
            at = self.sym(child)
            outer_at_x = self.m.definition(parent).expr.xreplace({at: w})
            slope_at_x = self.m.local[(parent, child)].xreplace({at: w})
            f = self.values_of(outer_at_x)
            df = self.values_of(slope_at_x)
            g = [point.env[at] for point in self.points]
            dg = [point.tangent[child] for point in self.points]
            product_rule: Values = []
            of_slopes: Values = []
            for k in range(self.n):
                fk, dfk = f[k], df[k]
                if fk is None or dfk is None:
                    product_rule.append(None)
                    of_slopes.append(None)
                else:
                    product_rule.append(dfk * g[k] + fk * dg[k])
                    of_slopes.append(dfk * dg[k])
            inner = self.m.leaf_form(child)
            whole = self._composition(parent, child)

            def product_text(
                whole: str = whole, outer_at_x: sympy.Expr = outer_at_x, inner: sympy.Expr = inner
            ) -> str:
                return (
                    f"{whole} was treated as the product {_factor(outer_at_x)}·{_factor(inner)} "
                    "and differentiated with the product rule"
                )

            def slopes_text(
                whole: str = whole,
                outer_at_x: sympy.Expr = outer_at_x,
                inner: sympy.Expr = inner,
                slope_at_x: sympy.Expr = slope_at_x,
                child: str = child,
            ) -> str:
                return (
                    f"{whole} was treated as the product {_factor(outer_at_x)}·{_factor(inner)}, "
                    "and its derivative taken as the product of the derivatives, "
                    f"{_factor(slope_at_x)}·{_factor(self.m.total_derivative(child))}"
                )

            yield _Variant(
                (_Finding(COMPOSITION_AS_PRODUCT, product_text),), self.one_node(parent, product_rule)
            )
            yield _Variant((_Finding(COMPOSITION_AS_PRODUCT, slopes_text),), self.one_node(parent, of_slopes))

    def _products(self) -> Iterator[_Variant]:
        """d(f·g) taken as f′·g′, d(f/g) as f′/g′ and d(c/g) as c/g′, at one node."""
        w = self.m.wrt_symbol
        for definition in self.m.relevant:
            name, expr = definition.name, definition.expr
            if not expr.is_Mul and not (expr.is_Pow and expr.exp.is_negative):
                continue
            numerator, denominator = sympy.fraction(self.m.in_leaves(expr))
            right = self.m.total_derivative(name)
            whole = self.leaves_text(expr)
            if denominator.has(w):
                if numerator.has(w):
                    wrong = sympy.diff(numerator, w) / sympy.diff(denominator, w)
                    code, how = QUOTIENT_OF_DERIVATIVES, "the quotient of the derivatives"
                else:
                    wrong = numerator / sympy.diff(denominator, w)
                    code, how = RECIPROCAL_DERIVATIVE, "the constant over the derivative of the denominator"
            else:
                factors = [f for f in sympy.Mul.make_args(numerator) if f.has(w)]
                if len(factors) < 2:
                    continue
                constant = sympy.Mul(*(f for f in sympy.Mul.make_args(numerator) if not f.has(w)))
                wrong = constant * sympy.Mul(*(sympy.diff(f, w) for f in factors))
                code, how = PRODUCT_OF_DERIVATIVES, "the product of the derivatives"
            if wrong.has(sympy.zoo, sympy.nan):
                continue

            def text(
                whole: str = whole, how: str = how, wrong: sympy.Expr = wrong, right: sympy.Expr = right
            ) -> str:
                rule = "quotient rule" if "quotient" in how or "denominator" in how else "product rule"
                return (
                    f"the derivative of {whole} was taken as {how}, {unicode(wrong)}; "
                    f"the {rule} gives {unicode(right)}"
                )

            yield _Variant((_Finding(code, text),), self.one_node(name, self.values_of(wrong)))

    def _inside(self) -> Iterator[_Variant]:
        """f(g(x))′ written as f(g′(x)): the derivative put inside the function (e^(2x·cos x²))."""
        for parent, child in self.m.edges:
            expr, at = self.m.definition(parent).expr, self.sym(child)
            if self.m.definition(parent).depends_on != (child,) or self.m.is_leaf(child):
                continue
            if not (isinstance(expr, sympy.Function) or (expr.is_Pow and expr.exp == at)):
                continue
            slope = sympy.Dummy("slope", real=True)
            column = [point.tangent[child] for point in self.points]
            values = self.values_of(expr.xreplace({at: slope}), {slope: column})

            def text(parent: str = parent, child: str = child) -> str:
                inner = self.m.total_derivative(child)
                wrong = self.m.definition(parent).expr.xreplace({self.sym(child): inner})
                return (
                    f"the derivative of the inner function {self.node(child)}, {unicode(inner)}, was put "
                    f"inside the outer function {self.defined(parent)}: {unicode(wrong)}; "
                    f"the chain rule gives {self.leaves_text(self.m.local[(parent, child)])}·{_factor(inner)}"
                )

            yield _Variant((_Finding(DERIVATIVE_IN_EXPONENT, text),), self.one_node(parent, values))

    def _reciprocals(self) -> Iterator[_Variant]:
        """The reciprocal of the whole derivative, or of one local derivative (d ln u = u)."""
        whole: Values = [None if r == 0 else 1 / r for r in self.right]

        def text() -> str:
            right = self.m.right_answer
            return f"the answer is the reciprocal of the derivative: 1/({unicode(right)})"

        yield _Variant((_Finding(RECIPROCAL_DERIVATIVE, text),), whole)
        for edge in self.m.edges:
            local = self.m.local[edge]
            if local.is_number:
                continue
            column: Values = [None if p.edges[edge] == 0 else 1 / p.edges[edge] for p in self.points]

            def edge_text(edge: Edge = edge, local: sympy.Expr = local) -> str:
                parent, child = edge
                return (
                    f"{self.d(parent, child)}, the derivative of {self.defined(parent)}, "
                    f"was taken upside down: {unicode(1 / local)} instead of {self.shown(local)}"
                )

            yield _Variant((_Finding(RECIPROCAL_DERIVATIVE, edge_text),), self.one_edge(edge, column))

    def _other_leaves(self) -> Iterator[_Variant]:
        """The derivative with respect to another variable (∂y/∂w given for ∂y/∂b)."""
        whole = self.m.leaf_forms.get(self.m.output)
        if whole is None:
            return
        for leaf in self.m.graph.leaves:
            if leaf == self.m.wrt:
                continue
            other = sympy.diff(whole, self.sym(leaf))

            def text(leaf: str = leaf) -> str:
                return (
                    f"this is the derivative with respect to {leaf}, "
                    f"{ratio(self.m.output, leaf, True)}, not with respect to {self.m.wrt}"
                )

            yield _Variant((_Finding(WRONG_VARIABLE, text),), self.values_of(other))

    def _composition(self, parent: str, child: str) -> str:
        """f(g(x)) as typed, unevaluated: (3x)² rather than 9x²."""
        expr = self.m.definition(parent).expr
        inner = self.m.leaf_form(child)
        if isinstance(expr, sympy.Function | sympy.Pow) and self.sym(child) in expr.args:
            args = [inner if arg == self.sym(child) else arg for arg in expr.args]
            return unicode(expr.func(*args, evaluate=False))
        return unicode(self.m.leaf_form(parent))

    def _path_factors(self, path: Sequence[str]) -> list[Edge]:
        return [edge for edge in itertools.pairwise(path) if self.m.local[edge] != 1]

    def _product(self, edges: Sequence[Edge], k: int) -> float:
        value = 1.0
        for edge in edges:
            value *= self.points[k].edges[edge]
        return value

    def _contributions(self, paths: Sequence[Sequence[str]]) -> list[list[float]]:
        """Each path's product of local derivatives, at each point."""
        return [[self._product(list(itertools.pairwise(p)), k) for k in range(self.n)] for p in paths]

    def _factors_added(self) -> Iterator[_Variant]:
        """Local derivatives added instead of multiplied, along one path or along all of them."""
        paths = self.m.paths
        if len(paths) != self.m.path_count:
            return
        contributions = self._contributions(paths)
        summed_all = [0.0] * self.n
        for index, path in enumerate(paths):
            factors = self._path_factors(path)
            if len(factors) < 2:
                summed_all = [s + c for s, c in zip(summed_all, contributions[index], strict=True)]
                continue
            for blocks in _block_patterns(len(factors)):
                groups = [[factors[i] for i in block] for block in blocks]
                column = [sum(self._product(group, k) for group in groups) for k in range(self.n)]
                values: Values = [
                    r - c + v for r, c, v in zip(self.right, contributions[index], column, strict=True)
                ]

                def text(groups: list[list[Edge]] = groups, path: Sequence[str] = path) -> str:
                    pieces = _join(["·".join(self.factor_text(e) for e in group) for group in groups])
                    along = "" if len(self.m.paths) == 1 else f" along the path {route(path)}"
                    return f"the local derivatives {pieces} were added instead of multiplied{along}"

                yield _Variant((_Finding(FACTORS_ADDED, text),), values)
            every = [sum(self.points[k].edges[e] for e in factors) for k in range(self.n)]
            summed_all = [s + v for s, v in zip(summed_all, every, strict=True)]
        if len(paths) > 1:
            everywhere = "along every path, the local derivatives were added instead of multiplied"
            yield _Variant((_Finding(FACTORS_ADDED, lambda: everywhere),), list(summed_all))

    def _paths(self) -> Iterator[_Variant]:
        paths = self.m.paths
        if self.m.path_count < 2 or len(paths) != self.m.path_count:
            return
        contributions = self._contributions(paths)
        for path, column in zip(paths, contributions, strict=True):

            def missing(path: Sequence[str] = path) -> str:
                return (
                    f"the path {route(path)} is missing; "
                    f"its contribution is {self.leaves_text(self.contribution(path))}"
                )

            def subtracted(path: Sequence[str] = path) -> str:
                return (
                    f"the contribution of the path {route(path)}, "
                    f"{self.leaves_text(self.contribution(path))}, was subtracted instead of added"
                )

            yield _Variant(
                (_Finding(MISSING_PATH, missing),), [r - c for r, c in zip(self.right, column, strict=True)]
            )
            yield _Variant(
                (_Finding(SIGN_ERROR, subtracted),),
                [r - 2 * c for r, c in zip(self.right, column, strict=True)],
            )
        for edge in self.m.edges:
            through = [p for p in paths if edge in set(itertools.pairwise(p))]
            if len(through) < 2 or len(through) == len(paths):
                continue

            def ignored(edge: Edge = edge) -> str:
                parent, child = edge
                return (
                    f"{child} was treated as a constant in {self.defined(parent)}: "
                    f"the paths through {parent} → {child} are missing"
                )

            yield _Variant((_Finding(MISSING_PATH, ignored),), self.forward({edge: [0.0] * self.n}))

        def multiplied() -> str:
            pieces = ", ".join(self.leaves_text(self.contribution(path)) for path in paths)
            return f"the contributions of the {len(paths)} paths ({pieces}) were multiplied instead of added"

        product = [1.0] * self.n
        for column in contributions:
            product = [p * c for p, c in zip(product, column, strict=True)]
        yield _Variant((_Finding(PATHS_MULTIPLIED, multiplied),), list(product))
        branching = [
            d.name for d in self.m.relevant if sum(child in self.m.reaches for child in d.depends_on) > 1
        ]
        for name in branching:

            def at_node(name: str = name) -> str:
                children = [c for c in self.m.definition(name).depends_on if c in self.m.reaches]
                return (
                    f"at {name}, the contributions through {', '.join(children)} "
                    "were multiplied instead of added"
                )

            finding = _Finding(PATHS_MULTIPLIED, at_node)
            yield _Variant((finding,), self.forward(multiply_at=frozenset({name})))
        if len(branching) > 1:
            every = "at every branching node, the contributions were multiplied instead of added"
            finding = _Finding(PATHS_MULTIPLIED, lambda: every)
            yield _Variant((finding,), self.forward(multiply_at=frozenset(branching)))


def _join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _factor(expr: sympy.Expr) -> str:
    """The expression as a factor of a product: a sum gets parentheses."""
    text = unicode(expr)
    return f"({text})" if expr.is_Add else text


def _block_patterns(count: int) -> list[list[list[int]]]:
    """Ways to cut ``count`` factors into consecutive blocks that are added (at least one cut)."""
    cuts_wanted = range(1, count) if count <= MAX_FACTOR_PATTERNS else [count - 1]
    patterns: list[list[list[int]]] = []
    for size in cuts_wanted:
        for cuts in itertools.combinations(range(1, count), size):
            bounds = [0, *cuts, count]
            patterns.append([list(range(a, b)) for a, b in itertools.pairwise(bounds)])
    if count > MAX_FACTOR_PATTERNS:
        patterns.extend([list(range(0, cut)), list(range(cut, count))] for cut in range(1, count))
    return patterns
