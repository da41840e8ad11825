"""From a problem to its dependency graph: the output, the intermediates, the leaves.

A single expression is decomposed into intermediate variables. At ``compositions``
granularity (the lecture's method) a subexpression gets a name when it is the argument of a
function or a power (``u1 = x³`` in ``sin(x³)``), or when it is itself a composition standing
in a sum or product (``cos(sin(x))`` in ``sin(x)·cos(sin(x))``). At ``fine`` granularity every
operation gets a name, as in an autodiff engine's computational graph. Identical
subexpressions share one name, so x reaches y along several paths exactly where it really does.
A system's own equations are kept as typed (at ``fine`` they are decomposed too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import sympy

from chaintutor.core.problem import Problem
from chaintutor.core.walk import substitute
from chaintutor.errors import InputError
from chaintutor.parse.build import combine
from chaintutor.parse.readback import Reading
from chaintutor.parse.syntax import Call, Neg, Node, Power, Product, Sum, children

INTERMEDIATE_PREFIXES = ("u", "v", "w", "q", "s", "t")

Edge = tuple[str, str]  # (parent, child): the local derivative ∂parent/∂child is on it


class Granularity(StrEnum):
    compositions = "compositions"
    fine = "fine"


@dataclass(frozen=True)
class Definition:
    """One node of the graph that is not a leaf: ``name = expr``."""

    name: str
    expr: sympy.Expr  # in terms of the symbols of its direct dependencies
    depends_on: tuple[str, ...]
    introduced: bool  # made by the decomposition (u1, u2, …), not typed by the user

    @property
    def partial(self) -> bool:
        """Its derivatives are partial (written ∂, else d): it depends on several nodes."""
        return len(self.depends_on) > 1


@dataclass(frozen=True)
class DependencyGraph:
    output: str
    definitions: tuple[Definition, ...]  # each before its users; the output last
    leaves: tuple[str, ...]  # independent variables, in order of first appearance
    symbols: dict[str, sympy.Symbol] = field(repr=False)
    typed: tuple[str, ...] = ()  # the user's own equations, in the order typed (output first)
    is_system: bool = False
    reading: Reading | None = field(default=None, compare=False)  # the problem's "Read as" line
    notes: tuple[str, ...] = field(default=(), compare=False)  # definitions left out, and why
    _by_name: dict[str, Definition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {definition.name: definition for definition in self.definitions}
        object.__setattr__(self, "_by_name", by_name)

    def definition(self, name: str) -> Definition:
        return self._by_name[name]

    def is_leaf(self, name: str) -> bool:
        return name not in self._by_name

    def edges(self) -> Iterator[Edge]:
        """(parent, child) for every edge, parents in equation order."""
        for definition in self.definitions:
            for child in definition.depends_on:
                yield definition.name, child


def not_independent_error(graph: DependencyGraph, name: str, action: str) -> InputError:
    """The error for ``name`` given where an independent variable is needed: ``action`` is
    what could not be done with it ("cannot differentiate")."""
    where = (
        "an intermediate variable"
        if name in graph.symbols and not graph.is_leaf(name)
        else "not a variable of the problem"
    )
    return InputError(
        f"{action} with respect to '{name}': it is {where}",
        hint=f"the independent variables are: {', '.join(graph.leaves) or 'none'}",
    )


def build_graph(
    problem: Problem, granularity: Granularity = Granularity.compositions, split_equations: bool = False
) -> DependencyGraph:
    """``split_equations``: decompose a system's own equations too (grading does, to find a
    chain mistake made inside one equation)."""
    namer = _Namer(problem, fine=granularity is Granularity.fine)
    values: dict[str, sympy.Expr] = {}
    for equation in problem.equations:
        if problem.is_system and granularity is Granularity.compositions and not split_equations:
            values[equation.name] = namer.build_plain(equation.rhs)
        else:
            values[equation.name] = namer.build_decomposed(equation.rhs)
    values = namer.share_identical(values)
    return _assemble(problem, values, namer)


class _Namer:
    """Builds right-hand sides bottom-up, naming the subexpressions that become nodes."""

    def __init__(self, problem: Problem, fine: bool) -> None:
        self.problem = problem
        self.fine = fine
        self.defined = problem.defined
        self.named: dict[sympy.Expr, sympy.Symbol] = {}  # subexpression -> provisional symbol
        self.definitions: dict[sympy.Symbol, sympy.Expr] = {}

    def build_plain(self, rhs: Node) -> sympy.Expr:
        return self._fold(rhs, name_child=lambda parent, child, value: value)

    def build_decomposed(self, rhs: Node) -> sympy.Expr:
        return self._fold(rhs, name_child=self._maybe_name)

    def _fold(self, rhs: Node, name_child: Callable[[Node, Node, sympy.Expr], sympy.Expr]) -> sympy.Expr:
        values: dict[int, sympy.Expr] = {}
        for node in _postorder(rhs):
            args = [name_child(node, child, values.pop(id(child))) for child in children(node)]
            values[id(node)] = combine(node, args, self.defined, self.problem.source)
        return values[id(rhs)]

    def _maybe_name(self, parent: Node, child: Node, value: sympy.Expr) -> sympy.Expr:
        if value.is_Atom or not value.free_symbols:
            return value
        if self.fine or isinstance(parent, Call | Power):
            return self._name(value)
        composes = isinstance(child, Call | Power) and bool(value.free_symbols & set(self.definitions))
        if isinstance(parent, Sum | Product | Neg) and composes:
            return self._name(value)
        return value

    def _name(self, value: sympy.Expr) -> sympy.Symbol:
        if value not in self.named:
            symbol = sympy.Symbol(f"·{len(self.named)}", real=True)  # untypable: never a user name
            self.named[value] = symbol
            self.definitions[symbol] = value
        return self.named[value]

    def share_identical(self, values: dict[str, sympy.Expr]) -> dict[str, sympy.Expr]:
        """Where a named subexpression also occurs unnamed (``sin(x)`` as a factor), use the name."""
        if not self.named:
            return values
        for symbol, expr in list(self.definitions.items()):
            self.definitions[symbol] = _replace_inside(expr, self.named)
        return {name: _replace_inside(expr, self.named) for name, expr in values.items()}


def _replace_inside(expr: sympy.Expr, named: dict[sympy.Expr, sympy.Symbol]) -> sympy.Expr:
    if not expr.args:
        return expr
    args = [substitute(arg, named) for arg in expr.args]
    return expr.func(*args) if args != list(expr.args) else expr


def _postorder(root: Node) -> list[Node]:
    order: list[Node] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children(node)))
    return order


def _assemble(problem: Problem, values: dict[str, sympy.Expr], namer: _Namer) -> DependencyGraph:
    """Order the nodes (dependencies first), give introduced nodes their final names."""
    provisional = {symbol.name: expr for symbol, expr in namer.definitions.items()}
    everything = {**provisional, **values}
    order = _topological(problem.output, everything)
    prefix = _free_prefix((*problem.names, *problem.defined))
    introduced = [name for name in order if name in provisional]
    final_names = {old: f"{prefix}{index}" for index, old in enumerate(introduced, start=1)}
    symbols = {name: sympy.Symbol(name, real=True) for name in problem.names}
    symbols.update({new: sympy.Symbol(new, real=True) for new in final_names.values()})
    symbols.update({name: sympy.Symbol(name, real=True) for name in values})
    renaming = {sympy.Symbol(old, real=True): symbols[new] for old, new in final_names.items()}
    definitions = []
    for name in order:
        expr = substitute(everything[name], renaming)
        depends = _dependencies(expr, everything, final_names)
        definitions.append(Definition(final_names.get(name, name), expr, depends, name in provisional))
    defined = {definition.name for definition in definitions}
    _check_still_used(problem, defined)
    used = {child for definition in definitions for child in definition.depends_on}
    leaves = tuple(name for name in problem.names if name in used and name not in defined)
    typed = tuple(equation.name for equation in problem.equations)
    return DependencyGraph(
        problem.output,
        tuple(definitions),
        leaves,
        symbols,
        typed,
        problem.is_system,
        problem.reading,
        problem.notes,
    )


def _check_still_used(problem: Problem, defined: set[str]) -> None:
    """A definition that SymPy folded away (``y = 0*u + v``) is unused, as a definition
    nothing mentions is (chaintutor.core.problem refuses those before anything is built)."""
    for equation in problem.equations:
        if equation.name not in defined:
            start, end = equation.name_span or (None, None)
            raise InputError(
                f"'{equation.name}' is defined but the output '{problem.output}' does not depend on it"
                " (where it is used, it cancels out)",
                source=problem.source,
                start=start,
                end=end,
            )


def _dependencies(
    expr: sympy.Expr, everything: dict[str, sympy.Expr], final_names: dict[str, str]
) -> tuple[str, ...]:
    renamed = {new for new in final_names.values()}
    names = {symbol.name for symbol in expr.free_symbols}
    intermediates = sorted((n for n in names if n in renamed or n in everything), key=_natural_key)
    leaves = sorted((n for n in names if n not in renamed and n not in everything), key=_natural_key)
    return tuple(intermediates + leaves)


def _topological(output: str, everything: dict[str, sympy.Expr]) -> list[str]:
    """Post-order from the output: every node after the nodes it depends on."""
    order: list[str] = []
    done: set[str] = set()
    stack: list[tuple[str, bool]] = [(output, False)]
    while stack:
        name, expanded = stack.pop()
        if expanded:
            if name not in done:
                done.add(name)
                order.append(name)
            continue
        if name in done:
            continue
        stack.append((name, True))
        children_names = sorted(
            (s.name for s in everything[name].free_symbols if s.name in everything), key=_natural_key
        )
        stack.extend((child, False) for child in reversed(children_names) if child not in done)
    return order


def _natural_key(name: str) -> tuple[object, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _free_prefix(user_names: tuple[str, ...]) -> str:
    """The first prefix whose numbered names (u1, u2, …) the user does not use."""
    for prefix in INTERMEDIATE_PREFIXES:
        if not any(re.fullmatch(rf"{prefix}\d+", name) for name in user_names):
            return prefix
    return "node"
