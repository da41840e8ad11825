"""A problem as the user stated it: which names are defined, which is the output.

This is where a system's meaning is checked (duplicates, cycles, an output used as an
input), with a caret under the offending name. A definition the output does not depend on
is left out with a note, not refused: a textbook may pose a problem that way on purpose
(OpenStax Calculus 3, §4.5 #226: ``f = x**4; x = t; y = t``, df/dt).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, count

from chaintutor.errors import InputError
from chaintutor.parse import parse_statements
from chaintutor.parse.functions import ABSTRACT_FUNCTIONS
from chaintutor.parse.readback import Reading, read_back
from chaintutor.parse.syntax import Call, Name, Node, Span, walk

CONSTANT_NAMES = frozenset({"e", "E", "pi"})
OUTPUT_NAMES = ("y", "f", "g", "F", "out")


@dataclass(frozen=True)
class Equation:
    """``name = rhs`` as typed; ``name_span`` is None for the output of a bare expression."""

    name: str
    rhs: Node
    name_span: Span | None


@dataclass(frozen=True)
class Problem:
    source: str
    output: str
    equations: tuple[Equation, ...]  # the output's first, then the others as typed
    is_system: bool
    names: tuple[str, ...]  # every variable name used, in order of first appearance
    reading: Reading | None = None  # the "Read as" line, when reading the text took interpretation
    notes: tuple[str, ...] = ()  # what was left out, and why ("y is defined but f does not depend on it")

    @property
    def defined(self) -> frozenset[str]:
        return frozenset(equation.name for equation in self.equations)


def read_problem(text: str) -> Problem:
    """Parse ``text`` and check that it means one well-formed problem."""
    statements = parse_statements(text)
    called = _check_functions_are_not_variables(text, [s.rhs for s in statements])
    reading = read_back(text, [(s.name, s.rhs) for s in statements])
    if len(statements) == 1 and statements[0].name is None:
        rhs = statements[0].rhs
        names = _names_in_order([rhs])
        output = _output_name({*names, *called})
        return Problem(text, output, (Equation(output, rhs, None),), False, names, reading)
    equations = tuple(Equation(s.name, s.rhs, s.name_span) for s in statements if s.name is not None)
    _check_system(text, equations)
    used = _reachable(equations[0], {equation.name: equation for equation in equations})
    kept = tuple(equation for equation in equations if equation.name in used)
    output = equations[0].name
    notes = tuple(
        f"{equation.name} is defined but {output} does not depend on it; it is left out"
        for equation in equations
        if equation.name not in used
    )
    names = _names_in_order(e.rhs for e in kept)
    return Problem(text, output, kept, True, names, reading, notes)


def read_outputs(text: str, outputs: Sequence[str]) -> list[Problem]:
    """A system with several outputs: one problem per output, holding the equations it reaches.

    Every output must be defined; a definition no output reaches is left out, with a note.
    """
    statements = parse_statements(text)
    reading = read_back(text, [(s.name, s.rhs) for s in statements])
    equations = [Equation(s.name, s.rhs, s.name_span) for s in statements if s.name is not None]
    if len(equations) != len(statements):
        raise InputError("--outputs needs a system of equations NAME = expression", source=text)
    by_name = {equation.name: equation for equation in equations}
    for output in outputs:
        if output not in by_name:
            raise InputError(
                f"the output '{output}' is not defined by the system",
                source=text,
                hint="defined: " + ", ".join(by_name),
            )
    reaches = {output: _reachable(by_name[output], by_name) for output in dict.fromkeys(outputs)}
    reached = set().union(*reaches.values())
    notes = tuple(
        f"{equation.name} is defined but no output depends on it; it is left out"
        for equation in equations
        if equation.name not in reached
    )
    problems = []
    for output, reach in reaches.items():
        own = (by_name[output], *(e for e in equations if e.name in reach and e.name != output))
        _check_system(text, own)
        problems.append(Problem(text, output, own, True, _names_in_order(e.rhs for e in own), reading, notes))
    return problems


def _reachable(start: Equation, defined: dict[str, Equation]) -> set[str]:
    """The names of ``start`` and of every equation it depends on, directly or not."""
    seen, frontier = {start.name}, [start]
    while frontier:
        for use in _dependencies(frontier.pop(), defined):
            if use.name not in seen:
                seen.add(use.name)
                frontier.append(defined[use.name])
    return seen


def _output_name(taken: set[str]) -> str:
    """The name of a single expression's output: y, unless the expression uses it."""
    candidates = chain(OUTPUT_NAMES, (f"y{index}" for index in count(1)))
    return next(name for name in candidates if name not in taken)


def _check_functions_are_not_variables(text: str, right_sides: list[Node]) -> set[str]:
    """The abstract functions applied; a letter that is also used as a variable is refused
    (``x + f(x + f)``: SymPy cannot tell the two apart, and the reader cannot either)."""
    called = {
        node.func
        for rhs in right_sides
        for node in walk(rhs)
        if isinstance(node, Call) and node.func in ABSTRACT_FUNCTIONS
    }
    for rhs in right_sides:
        for use in _name_uses(rhs):
            if use.name in called:
                raise _at(
                    text,
                    use.span,
                    f"'{use.name}' is applied as a function, {use.name}(…), and also used as a variable",
                    hint="use another letter for the variable",
                )
    return called


def _name_uses(rhs: Node) -> Iterator[Name]:
    return (node for node in walk(rhs) if isinstance(node, Name))


def _names_in_order(right_sides: Iterator[Node] | list[Node]) -> tuple[str, ...]:
    uses = sorted((use.span[0], use.name) for rhs in right_sides for use in _name_uses(rhs))
    return tuple(dict.fromkeys(name for _, name in uses))


def _check_system(text: str, equations: tuple[Equation, ...]) -> None:
    seen: dict[str, Equation] = {}
    for equation in equations:
        if equation.name in seen:
            raise _at(text, equation.name_span, f"'{equation.name}' is defined twice")
        seen[equation.name] = equation
    output = equations[0].name
    for equation in equations:
        for node in walk(equation.rhs):
            if isinstance(node, Name) and node.name == output:
                raise _at(
                    text,
                    node.span,
                    f"the output '{output}' is used in the definition of '{equation.name}'",
                    hint=f"the first equation defines the output; '{output}' cannot also be an input",
                )
            if isinstance(node, Call) and node.func in seen:
                raise _at(
                    text,
                    node.func_span,
                    f"'{node.func}' is defined as a variable but applied as a function",
                )
    _check_acyclic(text, equations, seen)


def _dependencies(equation: Equation, defined: dict[str, Equation]) -> list[Name]:
    return [use for use in _name_uses(equation.rhs) if use.name in defined]


def _check_acyclic(text: str, equations: tuple[Equation, ...], defined: dict[str, Equation]) -> None:
    """Depth-first search with colours; the first back edge found is reported as a cycle."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    for start in equations:
        if start.name in state:
            continue
        path = [start.name]
        stack = [iter(_dependencies(start, defined))]
        state[start.name] = 1
        while stack:
            use = next(stack[-1], None)
            if use is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(use.name) == 1:
                cycle = [*path[path.index(use.name) :], use.name]
                raise _at(
                    text, use.span, "cycle: " + " → ".join(cycle), hint="a variable cannot depend on itself"
                )
            if use.name not in state:
                state[use.name] = 1
                path.append(use.name)
                stack.append(iter(_dependencies(defined[use.name], defined)))


def _at(text: str, span: Span | None, message: str, hint: str | None = None) -> InputError:
    if span is None:
        return InputError(message, source=text, hint=hint)
    return InputError(message, source=text, start=span[0], end=span[1], hint=hint)
