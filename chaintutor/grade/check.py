"""``check``: is a student's derivative right, and if not, which mistake gives it?

>>> r = check("sin(x**3)", "cos(x**3)")
>>> r.correct, [d.code for d in r.diagnosis]
(False, ['missing_inner_derivative'])

The answer is read by the same parser as problems (never by SymPy's own parsers). For a
system it may use the intermediates' names (``2*u*z + cos(x)``); they stand for their
definitions. It may use the problem's variables and intermediates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from chaintutor.core.deadline import enter
from chaintutor.core.notation import plain
from chaintutor.core.problem import CONSTANT_NAMES, read_problem
from chaintutor.core.stack import run_with_big_stack
from chaintutor.core.walk import substitute
from chaintutor.errors import InputError
from chaintutor.grade.abstract import grade_answer
from chaintutor.grade.diagnose import diagnose
from chaintutor.grade.equivalence import SYMBOLIC_SECONDS, compare
from chaintutor.grade.mistakes import Diagnosis
from chaintutor.grade.model import Model
from chaintutor.grade.reading import check_notation, in_the_answer, not_a_variable, visible_names
from chaintutor.parse.answer import Answer, read
from chaintutor.parse.build import to_sympy
from chaintutor.parse.functions import ABSTRACT_FUNCTIONS
from chaintutor.parse.readback import Reading
from chaintutor.parse.syntax import Call, Name, Node, Sum, walk


@dataclass(frozen=True)
class CheckResult:
    problem: str
    wrt: str
    correct: bool
    equivalence: str  # "exact" | "numeric" | "symbolic": how the verdict was reached
    expected: sympy.Expr  # the right derivative, in the leaves where it can be written so
    answer: sympy.Expr  # the answer as read, intermediates replaced by their definitions
    diagnosis: list[Diagnosis] = field(default_factory=list)  # empty when correct
    detail: str = ""  # how it was decided, for people
    problem_output: str = ""  # the output's name (y), for "dy/dx"
    typed: str = ""  # the answer's expression as typed (a leading "dy/dx =" left out)
    close: bool = False  # "close, but not exact": a decimal only approximates the exact answer
    problem_reading: Reading | None = None  # "Read as" lines, when reading took interpretation
    answer_reading: Reading | None = None

    @property
    def verdict(self) -> str:
        """``correct``, ``close`` (not correct: a decimal approximates an exact number) or ``wrong``."""
        return "correct" if self.correct else "close" if self.close else "wrong"

    def to_dict(self) -> dict[str, Any]:
        """Exactly the JSON of ``check --format json``."""
        return run_with_big_stack(self._to_dict)

    def _to_dict(self) -> dict[str, Any]:
        data = {
            "correct": self.correct,
            "equivalence": self.equivalence,
            "expected": plain(self.expected),
            "answer": plain(self.answer),
            "diagnosis": [d.to_dict() for d in self.diagnosis],
        }
        if self.close:
            data["verdict"] = "close"
        read_as = {
            which: {"text": reading.text, "latex": reading.tex, "flags": list(reading.flags)}
            for which, reading in (("problem", self.problem_reading), ("answer", self.answer_reading))
            if reading is not None
        }
        if read_as:
            data["read_as"] = read_as
        return data


def check(
    problem: str,
    answer: str,
    wrt: str | Sequence[str] | None = None,
    *,
    symbolic_seconds: float = SYMBOLIC_SECONDS,
) -> CheckResult:
    """Grade ``answer`` as the derivative of ``problem`` with respect to ``wrt``.

    ``wrt`` may be left out when the problem has a single independent variable.
    Raises :class:`InputError` for a problem or answer that cannot be read.
    Runs with a big stack (:func:`chaintutor.core.stack.run_with_big_stack`): diagnosis and printing recurse
    once per nesting level, and problems may be nested MAX_DEPTH levels deep.
    """
    return run_with_big_stack(_check, problem, answer, wrt, symbolic_seconds)


def _check(
    problem: str, answer: str, wrt: str | Sequence[str] | None, symbolic_seconds: float
) -> CheckResult:
    if applies_abstract_functions(problem):
        return _check_abstract(problem, answer, _one_name(wrt))
    enter("model")
    model = Model(problem, _one_name(wrt))
    enter("answer")
    read_as, expr = _read(answer, model)
    in_leaves = _in_leaves(expr, model)
    enter("grade")
    verdict = compare(model, expr, in_leaves, symbolic_seconds, approximate=read_as.has_decimal)
    wrong = not verdict.equal and not verdict.close
    enter("diagnose")
    diagnosis = diagnose(model, verdict.values, verdict.undefined_at) if wrong else []
    return CheckResult(
        problem=problem,
        wrt=model.wrt,
        correct=verdict.equal,
        equivalence=verdict.method,
        expected=model.right_answer,
        answer=in_leaves if in_leaves is not None else expr,
        diagnosis=diagnosis,
        detail=verdict.detail,
        problem_output=model.output,
        typed=read_as.text,
        close=verdict.close,
        problem_reading=model.problem.reading,
        answer_reading=read_as.reading(answer),
    )


def applies_abstract_functions(problem: str) -> bool:
    """Whether ``problem`` applies an abstract function (y = f(u, v)): graded by instantiation."""
    return any(
        isinstance(node, Call) and node.func in ABSTRACT_FUNCTIONS
        for equation in read_problem(problem).equations
        for node in walk(equation.rhs)
    )


def _check_abstract(problem: str, answer: str, wrt: str | None) -> CheckResult:
    enter("grade")
    derivation, name, verdict = grade_answer(problem, answer, wrt)
    return CheckResult(
        problem=problem,
        wrt=name,
        correct=verdict.correct,
        equivalence="exact" if verdict.exact else "numeric",
        expected=verdict.expected,
        answer=verdict.answer,
        diagnosis=list(verdict.diagnosis),
        detail="the abstract functions replaced by concrete ones, compared at random points",
        problem_output=derivation.output,
        typed=verdict.typed,
    )


def _one_name(wrt: str | Sequence[str] | None) -> str | None:
    if wrt is None or isinstance(wrt, str):
        return wrt
    names = list(wrt)
    if len(names) != 1:
        raise InputError("check grades one derivative at a time: give a single variable for wrt")
    return names[0]


def read_answer(text: str, model: Model) -> sympy.Expr:
    """The answer as SymPy, through chaintutor's own parser; errors point into ``text``."""
    return _read(text, model)[1]


def _read(text: str, model: Model) -> tuple[Answer, sympy.Expr]:
    """The answer as read (see :mod:`chaintutor.parse.answer`) and as SymPy."""
    defined = model.problem.defined
    known = set(model.symbols)
    try:
        answer = read(text, frozenset(known))
    except InputError as error:
        raise in_the_answer(error, text) from None
    check_notation(answer, text, model.graph, model.wrt)
    for node in walk(answer.tree):
        if isinstance(node, Name) and node.name not in known:
            if node.name in CONSTANT_NAMES and node.name not in defined:
                continue
            if node.name == "C" and _is_added(answer.tree, node):
                raise InputError(
                    "'+ C' is a constant of integration: a derivative has none",
                    source=text,
                    start=node.span[0],
                    end=node.span[1],
                    hint="leave out + C (it belongs to antiderivatives)",
                )
            raise not_a_variable(node, text, visible_names(model.graph))
        if isinstance(node, Call) and node.func in ABSTRACT_FUNCTIONS:
            raise InputError(
                f"the answer applies '{node.func}', an abstract function, which the problem does not use",
                source=text,
                start=node.func_span[0],
                end=node.func_span[1],
            )
    try:
        return answer, to_sympy(answer.tree, defined, source=text)
    except InputError as error:
        raise in_the_answer(error, text) from None


def _is_added(tree: Node, name: Name) -> bool:
    """Whether ``name`` is a term of the answer's outermost sum (``… + C``)."""
    return isinstance(tree, Sum) and any(term is name for term in tree.terms)


def _in_leaves(expr: sympy.Expr, model: Model) -> sympy.Expr | None:
    """The answer with each intermediate it uses replaced by its form in the leaves."""
    mapping = {}
    for symbol in expr.free_symbols:
        name = symbol.name
        if name in model.symbols and not model.is_leaf(name):
            form = model.leaf_forms.get(name)
            if form is None:
                return None
            mapping[symbol] = form
    return substitute(expr, mapping) if mapping else expr
