"""What every grader checks of an answer once it is read: that a leading ``dy/dx =`` names the
question's derivative, which names the answer may use, and errors that point into the answer."""

from __future__ import annotations

from collections.abc import Iterable

from chaintutor.core.graph import DependencyGraph
from chaintutor.core.notation import ratio
from chaintutor.errors import InputError
from chaintutor.parse.answer import Answer
from chaintutor.parse.syntax import Name


def visible_names(graph: DependencyGraph) -> list[str]:
    """The leaves, then a system's own intermediates (the names the user typed)."""
    names = list(graph.leaves)
    if graph.is_system:
        names += [name for name in graph.typed if name != graph.output]
    return names


def check_notation(answer: Answer, text: str, graph: DependencyGraph, wrt: str) -> None:
    """``dy/dx =`` in front of the answer must name the question's derivative."""
    notation = answer.notation
    if notation is None:
        return
    outputs = {graph.output}
    if not graph.is_system:
        outputs |= {"y", "f"} - set(graph.leaves)
    wanted = ratio(graph.output, wrt, len(graph.leaves) > 1)
    problem = None
    if notation.of not in outputs:
        problem = f"it names the derivative of '{notation.of}', but the problem's output is {graph.output}"
    elif notation.wrt is None and len(graph.leaves) > 1:
        problem = f"it does not say which variable; the question is {wanted}"
    elif notation.wrt is not None and notation.wrt != wrt:
        problem = f"it is a derivative with respect to '{notation.wrt}', but the question is {wanted}"
    if problem is not None:
        raise InputError(
            f"the answer starts with '{notation.typed}': {problem}",
            source=text,
            start=notation.span[0],
            end=notation.span[1],
            hint=f"write {wanted} = …, or the expression alone",
        )


def not_a_variable(node: Name, text: str, names: Iterable[str]) -> InputError:
    """The error for a name in the answer that the problem does not have, the caret under it."""
    return InputError(
        f"the answer uses '{node.name}', which is not a variable of the problem",
        source=text,
        start=node.span[0],
        end=node.span[1],
        hint=f"the problem's variables are: {', '.join(names)}",
    )


def in_the_answer(error: InputError, text: str) -> InputError:
    """``error`` as a mistake in the answer ``text``, its caret kept."""
    return InputError(
        f"in the answer: {error.message}", source=text, start=error.start, end=error.end, hint=error.hint
    )
