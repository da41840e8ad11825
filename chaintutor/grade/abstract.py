"""Grading an answer to a problem with abstract functions (``y = f(u, v); u = g(x, z); …``).

The right answer holds unevaluated partials, ∂f/∂u·∂g/∂x + ∂f/∂v·∂h/∂x, so there are no numbers
to put in. Both sides are therefore compared after *instantiating* the abstract functions:
each letter becomes a concrete function chosen at random (from a seed), f(a, b) say
2.3a − 0.7b + 0.4ab + sin(1.1a + 0.6b), and every partial its derivative. An answer equal to
the right one is equal under every instantiation; a wrong one differs under almost every one,
and two instantiations at several points each leave no room for chance.

A wrong answer is matched against the mistakes of the general chain rule that need no
formula: a path left out, the paths multiplied, a factor of a path left out (inner or outer),
the factors of a path added. Anything else is ``unknown``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

import sympy
from sympy.core.function import AppliedUndef

from chaintutor.core.derive import Derivation, Path, derive
from chaintutor.core.notation import ratio, route, unicode
from chaintutor.core.problem import CONSTANT_NAMES
from chaintutor.errors import InputError
from chaintutor.grade.mistakes import (
    FACTORS_ADDED,
    MISSING_INNER_DERIVATIVE,
    MISSING_OUTER_DERIVATIVE,
    MISSING_PATH,
    OUTER_AT_WRONG_ARGUMENT,
    PATHS_MULTIPLIED,
    UNKNOWN,
    WRONG_VARIABLE,
    Diagnosis,
)
from chaintutor.grade.reading import check_notation, in_the_answer, not_a_variable, visible_names
from chaintutor.parse.answer import Answer, Partial, Signatures, read
from chaintutor.parse.build import to_sympy
from chaintutor.parse.functions import ABSTRACT_FUNCTIONS
from chaintutor.parse.syntax import Call, Name, walk

SEED = 20261129
INSTANCES = 2  # instantiations of the abstract functions
POINTS = 4  # random points per instantiation
TOLERANCE = 1e-9  # relative


@dataclass(frozen=True)
class AbstractVerdict:
    correct: bool
    exact: bool  # the same expression once written in the leaves
    expected: sympy.Expr
    answer: sympy.Expr
    typed: str  # the answer's expression as typed, a leading dy/dx = left out
    diagnosis: tuple[Diagnosis, ...]


def grade_abstract(derivation: Derivation, wrt: str, text: str) -> AbstractVerdict:
    """Grade ``text`` as the derivative of ``derivation``'s output by ``wrt``."""
    typed, answer = _read(text, derivation, wrt)
    expected = derivation.result[wrt]
    leaves = _Leaves(derivation)
    samples = _Samples(derivation, leaves)
    answer_values = samples.values(answer)
    correct = samples.same(answer_values, samples.values(expected))
    diagnosis = () if correct else tuple(_diagnose(derivation, wrt, samples, answer_values))
    return AbstractVerdict(
        correct=correct,
        exact=leaves(answer) == leaves(expected),
        expected=expected,
        answer=answer,
        typed=typed,
        diagnosis=diagnosis,
    )


# --- reading --------------------------------------------------------------------------------


def signatures(derivation: Derivation) -> dict[str, tuple[sympy.Expr, ...]]:
    """Each abstract function with the arguments the problem applies it to (the first use)."""
    found: dict[str, tuple[sympy.Expr, ...]] = {}
    for definition in derivation.graph.definitions:
        for call in sorted(definition.expr.atoms(AppliedUndef), key=str):
            found.setdefault(type(call).__name__, call.args)
    return found


def _read(text: str, derivation: Derivation, wrt: str) -> tuple[str, sympy.Expr]:
    """The answer's expression as typed, and as SymPy with its partials in place."""
    graph = derivation.graph
    applied = signatures(derivation)
    names: Signatures = {
        function: tuple(arg.name if isinstance(arg, sympy.Symbol) else None for arg in args)
        for function, args in applied.items()
    }
    typed = set(visible_names(graph))
    try:
        answer = read(text, frozenset(typed), names)
        check_notation(answer, text, graph, wrt)
        _check_names(answer, text, typed, applied)
        return answer.text, _to_sympy(answer, text, applied, graph.symbols)
    except InputError as error:
        raise in_the_answer(error, text) from None


def _check_names(
    answer: Answer, text: str, typed: set[str], applied: dict[str, tuple[sympy.Expr, ...]]
) -> None:
    placeholders = _placeholders(answer)
    for node in walk(answer.tree):
        if isinstance(node, Name) and node.name not in typed | placeholders | CONSTANT_NAMES:
            raise not_a_variable(node, text, sorted(typed))
        if (
            isinstance(node, Call)
            and node.func in ABSTRACT_FUNCTIONS
            and len(node.args) != len(applied.get(node.func, ()))
        ):
            raise InputError(
                f"the problem does not apply '{node.func}' to {len(node.args)} argument(s)",
                source=text,
                start=node.func_span[0],
                end=node.func_span[1],
            )


def _placeholders(answer: Answer) -> set[str]:
    found = set()
    for partial in answer.partials:
        found.add(partial.placeholder)
        if partial.argument is not None:
            found |= _placeholders(partial.argument)
    return found


def _to_sympy(
    answer: Answer, text: str, applied: dict[str, tuple[sympy.Expr, ...]], symbols: dict[str, sympy.Symbol]
) -> sympy.Expr:
    expr = to_sympy(answer.tree, frozenset(symbols), source=text)
    partials = {
        sympy.Symbol(partial.placeholder, real=True): _partial(partial, text, applied, symbols)
        for partial in answer.partials
    }
    return expr.xreplace(partials)


def _partial(
    partial: Partial, text: str, applied: dict[str, tuple[sympy.Expr, ...]], symbols: dict[str, sympy.Symbol]
) -> sympy.Expr:
    """The partial as SymPy writes it: Derivative(f(u, v), u), or f′ at a given point as Subs."""
    function = sympy.Function(partial.function)
    arguments = applied[partial.function]
    if partial.argument is not None:
        at = _to_sympy(partial.argument, text, applied, symbols)
        slot = sympy.Dummy("ξ")
        return sympy.Subs(sympy.Derivative(function(slot), slot), slot, at)
    variable = arguments[partial.position]
    if isinstance(variable, sympy.Symbol) and list(arguments).count(variable) == 1:
        return sympy.Derivative(function(*arguments), variable)
    slot = sympy.Dummy("ξ")  # an argument that is an expression: the partial in that slot, taken there
    slots = [slot if k == partial.position else arg for k, arg in enumerate(arguments)]
    return sympy.Subs(sympy.Derivative(function(*slots), slot), slot, variable)


# --- comparing ------------------------------------------------------------------------------


class _Leaves:
    """An expression with every intermediate replaced by its definition, down to the leaves."""

    def __init__(self, derivation: Derivation) -> None:
        graph = derivation.graph
        self.definitions = {
            graph.symbols[d.name]: d.expr for d in graph.definitions if d.name != graph.output
        }

    def __call__(
        self, expr: sympy.Expr, definitions: dict[sympy.Symbol, sympy.Expr] | None = None
    ) -> sympy.Expr:
        definitions = self.definitions if definitions is None else definitions
        for _ in range(len(definitions) + 1):
            if not expr.free_symbols & set(definitions):
                return expr
            expr = expr.subs(definitions)
        return expr


class _Samples:
    """The instantiations of the abstract functions and the points an expression is valued at.
    Functions are instantiated first (so each partial is a concrete derivative at its node),
    then the nodes are written in the leaves, then the leaves get numbers."""

    def __init__(self, derivation: Derivation, leaves: _Leaves) -> None:
        rng = random.Random(SEED)
        self.leaves = leaves
        arities = {name: len(args) for name, args in signatures(derivation).items()}
        self.instances = [
            {sympy.Function(name): _concrete(rng, arity) for name, arity in sorted(arities.items())}
            for _ in range(INSTANCES)
        ]
        self.definitions = [
            {node: _instantiate(expr, instance) for node, expr in leaves.definitions.items()}
            for instance in self.instances
        ]
        variables = [derivation.graph.symbols[name] for name in derivation.graph.leaves]
        self.points = [
            {v: sympy.Float(rng.uniform(0.3, 1.4) * rng.choice((1, -1))) for v in variables}
            for _ in range(POINTS)
        ]

    def values(self, expr: sympy.Expr) -> list[complex]:
        found = []
        for instance, definitions in zip(self.instances, self.definitions, strict=True):
            concrete = self.leaves(_instantiate(expr, instance), definitions)
            found += [_number(concrete.evalf(20, subs=point)) for point in self.points]
        return found

    @staticmethod
    def same(first: list[complex], second: list[complex]) -> bool:
        return all(abs(a - b) <= TOLERANCE * max(1.0, abs(b)) for a, b in zip(first, second, strict=True))


def _number(value: sympy.Expr) -> complex:
    """A value as a complex number; NaN where the expression is undefined (1/0, an unevaluated
    remainder), which equals nothing."""
    try:
        number = complex(value)
    except (TypeError, ValueError):
        return complex(math.nan)
    return number if math.isfinite(number.real) and math.isfinite(number.imag) else complex(math.nan)


def _instantiate(expr: sympy.Expr, instance: dict[sympy.FunctionClass, sympy.Lambda]) -> sympy.Expr:
    for function, body in instance.items():
        expr = expr.replace(function, body)
    return expr.doit()


def _concrete(rng: random.Random, arity: int) -> sympy.Lambda:
    """A smooth function of ``arity`` real arguments, defined everywhere, with generic slopes."""
    slots = sympy.symbols(f"a0:{arity}", real=True)

    def coefficient() -> sympy.Float:
        return sympy.Float(round(rng.uniform(0.3, 2.0) * rng.choice((1, -1)), 3))

    linear = sum(coefficient() * slot for slot in slots)
    mixed = coefficient() * sympy.prod(slots) if arity > 1 else coefficient() * slots[0] ** 2
    wave = sympy.sin(sum(coefficient() * slot for slot in slots))
    return sympy.Lambda(slots, linear + mixed + wave + sympy.exp(coefficient() * slots[-1] / 3))


# --- diagnosing -----------------------------------------------------------------------------


def _diagnose(
    derivation: Derivation, wrt: str, samples: _Samples, answer: list[complex]
) -> Iterator[Diagnosis]:
    for code, variant, message in chain_variants(derivation, wrt):
        if samples.same(answer, samples.values(variant)):
            yield Diagnosis(code, message)
            return
    yield Diagnosis(UNKNOWN, "no known mistake of the chain rule gives this answer")


def chain_variants(derivation: Derivation, wrt: str) -> Iterator[tuple[str, sympy.Expr, str]]:
    """Wrong answers of the general chain rule, built from the paths alone (so they hold for
    abstract functions too): (code, the wrong answer, what went wrong)."""
    paths = list(derivation.paths[wrt].listed)
    terms = [sympy.Mul(*path.factors) for path in paths]
    total = sympy.Add(*terms)
    output = derivation.graph.output
    for path, term in zip(paths, terms, strict=True):
        for index in range(len(path.factors) if len(path.factors) > 1 else 0):
            code = MISSING_OUTER_DERIVATIVE if index == 0 else MISSING_INNER_DERIVATIVE
            dropped = sympy.Mul(*(f for k, f in enumerate(path.factors) if k != index))
            yield (
                code,
                total - term + dropped,
                f"{_local(path, index)} is missing from the path {route(path.nodes)}",
            )
        if len(path.factors) > 1:
            message = f"the factors of the path {route(path.nodes)} were added; along a path they multiply"
            yield FACTORS_ADDED, total - term + sympy.Add(*path.factors), message
    yield from _wrong_arguments(paths, terms, total, derivation.graph.symbols[wrt])
    yield from _wrong_variables(derivation, wrt, total)
    if len(paths) > 1:
        for path, term in zip(paths, terms, strict=True):
            message = (
                f"the path {route(path.nodes)}, {unicode(term)}, is missing: "
                f"each path from {output} to {wrt} adds a term"
            )
            yield MISSING_PATH, total - term, message
        yield PATHS_MULTIPLIED, sympy.Mul(*terms), "the terms of the paths were multiplied; they add"


def _wrong_arguments(
    paths: list[Path], terms: list[sympy.Expr], total: sympy.Expr, wrt: sympy.Symbol
) -> Iterator[tuple[str, sympy.Expr, str]]:
    """f′ taken at x instead of at its inside (f′(x)·g′(x) for f(g(x)))."""
    for path, term in zip(paths, terms, strict=True):
        for index, factor in enumerate(path.factors):
            inner: tuple[sympy.Expr, ...] = factor.expr.args if isinstance(factor, sympy.Derivative) else ()
            if len(inner) != 1 or inner[0] == wrt or not isinstance(inner[0], sympy.Symbol):
                continue
            slot = sympy.Dummy("ξ")
            moved = sympy.Subs(sympy.Derivative(factor.expr.func(slot), slot), slot, wrt)
            inside = inner[0]
            message = (
                f"{_local(path, index)} is taken at {wrt} instead of at its inside, {inside}: "
                "an outer derivative is evaluated at the inner function"
            )
            yield OUTER_AT_WRONG_ARGUMENT, total - term + term.xreplace({factor: moved}), message


def _wrong_variables(
    derivation: Derivation, wrt: str, total: sympy.Expr
) -> Iterator[tuple[str, sympy.Expr, str]]:
    """Every partial by ``wrt`` taken by another variable instead (∂g/∂z for ∂g/∂x)."""
    variable = derivation.graph.symbols[wrt]
    partials = [d for d in total.atoms(sympy.Derivative) if d.variables == (variable,)]
    for other in derivation.graph.leaves:
        swapped = derivation.graph.symbols[other]
        if other == wrt or not partials or not all(swapped in d.expr.args for d in partials):
            continue
        wrong = total.xreplace({d: sympy.Derivative(d.expr, swapped) for d in partials})
        yield WRONG_VARIABLE, wrong, f"the partial derivatives are taken with respect to {other}, not {wrt}"


def _local(path: Path, index: int) -> str:
    parent, child = path.nodes[index], path.nodes[index + 1]
    return f"the factor {ratio(parent, child, True)} = {unicode(path.factors[index])}"


def grade_answer(problem: str, answer: str, wrt: str | None) -> tuple[Derivation, str, AbstractVerdict]:
    """Derive ``problem`` and grade ``answer`` by ``wrt`` (which may be left out when the problem
    has one independent variable)."""
    derivation = derive(problem, [wrt] if wrt else None)
    if len(derivation.wrt) != 1:
        raise InputError(
            f"the problem has several variables ({', '.join(derivation.wrt)}): say which, with wrt"
        )
    name = derivation.wrt[0]
    return derivation, name, grade_abstract(derivation, name, answer)
