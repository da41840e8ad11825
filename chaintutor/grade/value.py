"""Grading a number: the value of a derivative at a point, perhaps from a table of values.

An exercise with a point (``at``) asks for dy/dx *there*: a numeric backward pass, or f′(g(a))
read off a table. The right value comes from the derivation itself (:func:`derive`), its
intermediates and its result evaluated node by node at the point. Abstract functions of one
variable are evaluated from the table: ``g(2) = 1`` gives the value of g at 2, ``g'(2) = 3``
the value of its derivative there, so f′(g(2))·g′(2) needs the rows ``g(2)``, ``f'(1)`` and
``g'(2)`` and nothing else.

The answer is a number, written exactly (``3/4``, ``2e^2``) or as a decimal; a decimal is right
when it gives the value to :data:`SIGNIFICANT_FIGURES` significant figures at least.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import sympy
from sympy.core.function import AppliedUndef

from chaintutor.core.derive import Derivation, derive
from chaintutor.core.notation import unicode
from chaintutor.errors import InputError
from chaintutor.grade.abstract import chain_variants
from chaintutor.grade.check import CheckResult
from chaintutor.grade.mistakes import UNKNOWN, Diagnosis
from chaintutor.parse.answer import read
from chaintutor.parse.build import to_sympy
from chaintutor.parse.point import parse_point
from chaintutor.parse.syntax import Name, walk

SIGNIFICANT_FIGURES = 3
CONSTANTS = frozenset({"e", "E", "pi"})
# A row of a table of values, as the bank reads it: ("g", True, "2", "3") for g'(2) = 3.
TableRow = tuple[str, bool, str, str]
_Table = dict[tuple[str, bool, sympy.Rational], sympy.Rational]  # (function, derivative?, at) -> value


def _read_table(rows: Sequence[TableRow]) -> _Table:
    return {(name, prime, _exact(where)): _exact(value) for name, prime, where, value in rows}


def _exact(number: str) -> sympy.Rational:
    fraction = Fraction(number)
    return sympy.Rational(fraction.numerator, fraction.denominator)


def expected_value(problem: str, wrt: str, at: str, table: Sequence[TableRow] = ()) -> sympy.Expr:
    """d output/d ``wrt`` at the point ``at``, exactly: the result, each name it uses replaced
    by that node's value (computed from its definition, only when needed)."""
    derivation = derive(problem, [wrt])
    return _value(_evaluator(derivation, at, table), derivation.result[wrt], at)


def _evaluator(derivation: Derivation, at: str, table: Sequence[TableRow]) -> _Evaluator:
    graph = derivation.graph
    point = {graph.symbols[name]: value for name, value in parse_point(at).items()}
    return _Evaluator(_read_table(table), point, {graph.symbols[d.name]: d.expr for d in graph.definitions})


def _value(values: _Evaluator, expr: sympy.Expr, at: str) -> sympy.Expr:
    value = sympy.simplify(values(expr))
    if value.free_symbols or not value.is_number:
        raise InputError(f"the derivative has no numeric value at {at}: {unicode(value)}")
    return value


class _Evaluator:
    """Expressions evaluated at a point, the nodes' values computed from their definitions and
    the abstract functions (and their derivatives) read from a table of values."""

    def __init__(
        self,
        table: _Table,
        point: dict[sympy.Symbol, sympy.Expr],
        definitions: dict[sympy.Symbol, sympy.Expr],
    ) -> None:
        self.table = table
        self.known = dict(point)
        self.definitions = definitions

    def __call__(self, expr: sympy.Expr) -> sympy.Expr:
        moved = {  # f′ taken at a given point: Subs(Derivative(f(ξ), ξ), ξ, point)
            s: self.lookup(s.expr.expr.func.__name__, True, self(s.point[0]))
            for s in expr.atoms(sympy.Subs)
            if isinstance(s.expr, sympy.Derivative)
            and isinstance(s.expr.expr, AppliedUndef)
            and len(s.point) == 1
        }
        expr = expr.xreplace(moved)
        partials = {
            d: self.lookup(d.expr.func.__name__, True, self(d.expr.args[0]))
            for d in expr.atoms(sympy.Derivative)
            if isinstance(d.expr, AppliedUndef) and d.expr.args == d.variables and len(d.variables) == 1
        }
        expr = expr.xreplace(partials)
        calls = {
            call: self.lookup(call.func.__name__, False, self(call.args[0]))
            for call in expr.atoms(AppliedUndef)
            if len(call.args) == 1
        }
        expr = expr.xreplace(calls)
        return expr.xreplace({symbol: self.node(symbol) for symbol in expr.free_symbols})

    def node(self, symbol: sympy.Symbol) -> sympy.Expr:
        if symbol not in self.known:
            self.known[symbol] = self(self.definitions[symbol])
        return self.known[symbol]

    def lookup(self, name: str, derivative: bool, argument: sympy.Expr) -> sympy.Expr:
        key = (name, derivative, argument)
        if key not in self.table:
            row = f"{name}{chr(39) if derivative else ''}({argument})"
            raise InputError(f"the table of values does not give {row}, which the answer needs")
        return self.table[key]


def check_value(
    problem: str, answer: str, wrt: str, at: str, table: Sequence[TableRow] = (), output: str = "y"
) -> CheckResult:
    """Grade ``answer``, a number, as the value of the derivative by ``wrt`` at ``at``."""
    derivation = derive(problem, [wrt])
    values = _evaluator(derivation, at, table)
    expected = _value(values, derivation.result[wrt], at)
    typed, number, decimal = _read_number(answer, at)
    correct = _matches(number, expected, decimal)
    close = decimal and not correct and _gap(number, expected) <= 0.05 * abs(float(expected))
    if decimal:
        how, detail = "numeric", f"a decimal, compared to {SIGNIFICANT_FIGURES} significant figures"
    else:
        how, detail = "exact", "an exact number, compared exactly"
    if close:
        detail = f"give the value to {SIGNIFICANT_FIGURES} significant figures (or exactly)"
    wrong = not correct and not close
    return CheckResult(
        problem=problem,
        wrt=wrt,
        correct=correct,
        equivalence=how,
        expected=expected,
        answer=number,
        diagnosis=_diagnose(derivation, wrt, values, number, decimal, at) if wrong else [],
        detail=detail,
        problem_output=output,
        typed=typed,
        close=close,
    )


def _gap(number: sympy.Expr, expected: sympy.Expr) -> float:
    return abs(float(sympy.N(number - expected, 30)))


def _matches(number: sympy.Expr, expected: sympy.Expr, decimal: bool) -> bool:
    """A decimal rounds the value to SIGNIFICANT_FIGURES; an exact number equals it."""
    gap = _gap(number, expected)
    if decimal:
        return gap <= _tolerance(expected)
    return gap < 1e-20 * max(1.0, abs(float(expected)))


def _diagnose(
    derivation: Derivation, wrt: str, values: _Evaluator, number: sympy.Expr, decimal: bool, at: str
) -> list[Diagnosis]:
    """The first mistake of the chain rule whose value at the point is the answer's."""
    for code, variant, message in chain_variants(derivation, wrt):
        try:
            wrong = sympy.simplify(values(variant))
            if wrong.is_number and wrong.is_finite and _matches(number, wrong, decimal):
                return [Diagnosis(code, f"{message} (that gives {unicode(wrong)} here)")]
        except (InputError, TypeError, ValueError):  # a value the table does not give, 1/0
            continue
    return [Diagnosis(UNKNOWN, f"this is not the value at {at}, and no known mistake gives it")]


def _tolerance(expected: sympy.Expr) -> float:
    """Half a unit in the last significant figure asked for (at least)."""
    size = abs(float(expected))
    if size == 0:
        return 1e-12
    return 0.5 * 10 ** (math.floor(math.log10(size)) - SIGNIFICANT_FIGURES + 1)


def _read_number(text: str, at: str) -> tuple[str, sympy.Expr, bool]:
    """The answer as typed, as an exact number, and whether it holds a decimal point."""
    answer = read(text, frozenset())
    for node in walk(answer.tree):
        if isinstance(node, Name) and node.name not in CONSTANTS:
            raise InputError(
                f"the answer is a number (the value at {at}), so '{node.name}' has no place in it",
                source=text,
                start=node.span[0],
                end=node.span[1],
                hint="put the point's values in and work the number out",
            )
    number = to_sympy(answer.tree, frozenset(), source=text)
    return answer.text, number, answer.has_decimal
