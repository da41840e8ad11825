"""Grading a derivation step by step: each local derivative, each path product, with follow-through.

``practice --steps`` asks for the local derivative on every edge that leads to the variable
(innermost first: du1/dx, du2/du1, …), then, when the variable reaches the output along
several paths, for each path's product, and last for the derivative itself (graded by
:func:`chaintutor.grade.check.check`). Each step gets one try: a wrong step stands, so that
later answers can be judged against it. That is follow-through: a path product or a final
answer that is what the chain gives *with the learner's own wrong step* is told so, since the
chain rule was applied right and only the earlier step needs mending.

Steps are compared in floats at the grading model's sample points (the same points ``check``
uses), written in the intermediates or in the leaves as the learner likes: the points hold
the value of every node.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy

from chaintutor.core.derive import LocalDerivative, Path, derive
from chaintutor.core.notation import equation, plain, route
from chaintutor.core.outline import outline
from chaintutor.errors import InputError
from chaintutor.grade.check import CheckResult, check, read_answer
from chaintutor.grade.mistakes import FACTORS_ADDED, UNKNOWN, Diagnosis
from chaintutor.grade.model import Edge, Model
from chaintutor.grade.numeric import compile_expr, same_values

MAX_PATH_STEPS = 6  # more paths than this: the path products are not asked one by one

Values = tuple[float | None, ...]


@dataclass(frozen=True)
class Step:
    """One thing to answer before the final derivative."""

    kind: str  # "local" | "path"
    label: str  # what is asked: "du2/du1", or the path "y → u → x"
    context: str  # what the learner needs to see: "u2 = sin(u1)", or the path's factors
    expected: sympy.Expr
    edge: Edge | None = None  # for "local"
    nodes: tuple[str, ...] = ()  # for "path": from the output down to the variable


@dataclass(frozen=True)
class StepVerdict:
    correct: bool
    answer: sympy.Expr
    diagnosis: tuple[Diagnosis, ...] = ()
    follows_from: tuple[str, ...] = ()  # earlier wrong steps the answer is consistent with


class StepGrader:
    """The steps of one derivative (``problem`` with respect to ``wrt``) and the learner's answers."""

    def __init__(self, problem: str, wrt: str) -> None:
        self.problem = problem
        self.wrt = wrt
        self.model = Model(problem, wrt)
        self.derivation = derive(problem, [wrt])
        self.wrong: dict[str, sympy.Expr] = {}  # step label -> the learner's wrong answer
        self.answered: dict[str, str] = {}  # step label -> the learner's text, for the next variable
        self._values_of: dict[str, Values] = {}  # step label -> the learner's answer at the points
        self._steps: dict[str, Step] = {}
        self._env = [
            {symbol.name: value for symbol, value in point.env.items()} for point in self.model.points
        ]

    # --- the plan -------------------------------------------------------------------------

    def plan(self, answered: Mapping[str, str] | None = None) -> list[Step]:
        """The local steps (innermost first), then the paths if there are several.

        Local steps already ``answered`` (label -> text, for another variable of the same
        problem) are graded silently, without being asked again. No steps when the only one
        would be the derivative itself (y = sin(x)), or when the problem has no real point
        where steps can be compared.
        """
        d = self.derivation
        if not self._env:
            return []
        taught = outline(d, self.wrt)
        steps = [self._local_step(local) for local in taught.local_derivatives]
        summary = taught.paths[self.wrt]
        if 1 < summary.count <= MAX_PATH_STEPS:
            steps.extend(_path_step(path) for path in summary.listed)
        if len(steps) == 1 and steps[0].edge == (d.output, self.wrt):
            return []
        self._steps = {step.label: step for step in steps}
        asked = []
        for step in steps:
            if answered and step.label in answered:
                self.grade_step(step, answered[step.label])
            else:
                asked.append(step)
        return asked

    def _local_step(self, local: LocalDerivative) -> Step:
        """du2/du1 =, shown with the piece it differentiates: u2 = sin(u1)."""
        piece = self.derivation.graph.definition(local.of)
        return Step("local", local.ratio, equation(piece.name, piece.expr), local.expr, edge=local.edge)

    # --- grading --------------------------------------------------------------------------

    def read(self, text: str) -> sympy.Expr:
        """The learner's expression (InputError with a caret when it cannot be read)."""
        return read_answer(text, self.model)

    def grade_step(self, step: Step, text: str) -> StepVerdict:
        """Right or wrong, and why; the answer is kept either way for the steps after it."""
        answer = self.read(text)
        got = self._values(answer)
        self._values_of[step.label] = got
        self.answered[step.label] = text
        if same_values(got, self._values(step.expected)):
            return StepVerdict(True, answer)
        self.wrong[step.label] = answer
        if step.kind == "local":
            return StepVerdict(False, answer, self._local_diagnosis(step, text))
        return self._path_verdict(step, answer, got)

    def grade_final(self, text: str) -> tuple[CheckResult, tuple[str, ...]]:
        """``check``'s result for the final answer, and the wrong steps it follows from (if any)."""
        result = check(self.problem, text, self.wrt)
        if result.correct or not self.wrong:
            return result, ()
        got = self._values(result.answer)
        right = tuple(self.model.value(point) for point in self.model.points)
        for chain in (self._chain_through_locals(), self._chain_through_paths()):
            if chain is not None and not same_values(chain, right) and same_values(got, chain):
                return result, tuple(label for label in self._steps if label in self.wrong)
        return result, ()

    # --- internals ------------------------------------------------------------------------

    def _values(self, expr: sympy.Expr) -> Values:
        names = {symbol.name: symbol for symbol in expr.free_symbols}
        if any(name not in env for env in self._env for name in names):
            return tuple(None for _ in self._env)
        evaluate = compile_expr(expr)
        return tuple(evaluate({names[name]: env[name] for name in names}) for env in self._env)

    def _local_diagnosis(self, step: Step, text: str) -> tuple[Diagnosis, ...]:
        """The mistake in one local derivative, read as a problem of its own: ``u2 = sin(u1)``."""
        assert step.edge is not None
        parent, child = step.edge
        definition = self.derivation.graph.definition(parent)
        try:
            result = check(f"{parent} = {plain(definition.expr)}", text, child)
        except InputError:  # written in other names (the leaves, say): no local diagnosis
            return ()
        return tuple(item for item in result.diagnosis if item.code != UNKNOWN)

    def _path_verdict(self, step: Step, answer: sympy.Expr, got: Values) -> StepVerdict:
        edges = list(itertools.pairwise(step.nodes))
        labels = [self._label(edge) for edge in edges]
        wrong_before = tuple(label for label in labels if label in self.wrong)
        from_steps = _combine([self._edge_values(edge) for edge in edges], math.prod)
        if wrong_before and from_steps is not None and same_values(got, from_steps):
            return StepVerdict(False, answer, follows_from=wrong_before)
        right = [self._values(self.derivation.local(*edge).expr) for edge in edges]
        added = _combine(right, math.fsum)
        if len(edges) > 1 and added is not None and same_values(got, added):
            message = "the local derivatives along the path were added instead of multiplied"
            return StepVerdict(False, answer, (Diagnosis(FACTORS_ADDED, message),))
        return StepVerdict(False, answer)

    def _label(self, edge: Edge) -> str:
        return next((step.label for step in self._steps.values() if step.edge == edge), "")

    def _edge_values(self, edge: Edge) -> Values:
        """The learner's local derivative on ``edge`` where they gave one, else the right one."""
        label = self._label(edge)
        if label in self._values_of:
            return self._values_of[label]
        return self._values(self.derivation.local(*edge).expr)

    def _chain_through_locals(self) -> Values:
        """d output/d wrt at each point, by forward accumulation over the learner's local derivatives."""
        graph = self.derivation.graph
        edges = {
            (d.name, child): self._edge_values((d.name, child))
            for d in graph.definitions
            for child in d.depends_on
        }
        values: list[float | None] = []
        for index in range(len(self._env)):
            tangent: dict[str, float] = {self.wrt: 1.0}
            for definition in graph.definitions:
                terms = [
                    (edges[(definition.name, child)][index], tangent[child])
                    for child in definition.depends_on
                    if child in tangent
                ]
                if any(local is None for local, _ in terms):
                    break
                tangent[definition.name] = math.fsum(
                    local * inner for local, inner in terms if local is not None
                )
            values.append(tangent.get(graph.output))
        return tuple(values)

    def _chain_through_paths(self) -> Values | None:
        """The sum of the learner's path products, when the paths were asked and one was wrong."""
        paths = [step for step in self._steps.values() if step.kind == "path"]
        if not any(step.label in self.wrong for step in paths):
            return None
        return _combine([self._values_of.get(s.label, self._values(s.expected)) for s in paths], math.fsum)


def _path_step(path: Path) -> Step:
    product = sympy.Mul(*path.factors) if path.product is None else path.product
    context = "the product of the local derivatives along this path"
    return Step("path", route(path.nodes), context, product, nodes=path.nodes)


def _combine(columns: Sequence[Values], how: Callable[[Sequence[float]], float]) -> Values | None:
    """``how`` applied point by point (None where any value is missing)."""
    if not columns:
        return None
    combined: list[float | None] = []
    for row in zip(*columns, strict=True):
        defined = [value for value in row if value is not None]
        combined.append(how(defined) if len(defined) == len(row) else None)
    return tuple(combined)
