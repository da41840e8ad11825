"""Reading a student's answer: the input language, plus the ways students write derivatives.

Problems are never read this way; an answer is read with the problem's names in hand:

- ``name(…)`` is a product unless ``name`` is a function: ``2x(1+x)``, ``p(1-p)``,
  ``w2(1-h^2)x`` and, for a system's intermediate ``g``, ``g(1+x)``;
- a run of letters that is no name of the problem (``xcos``, ``sinx``, ``xy``) is split into
  the problem's variables, constants and functions when that is the only way to split it;
- a leading derivative notation ``dy/dx =``, ``∂y/∂x =``, ``y' =``, ``f'(x) =`` is read off
  (:class:`Notation`) for the caller to compare with the question;
- ``σ`` is sigmoid;
- for a problem with abstract functions (``y = f(u, v)``), a partial derivative of one of them
  as textbooks write it (:class:`Partial`): ``f_u``, ``f_1``, ``∂f/∂u``, ``df/du``, ``D[1]f``,
  ``D_1 f``, and for a function of one variable ``f′``, ``f'(u)`` or ``f'(g(x))`` (at the
  argument given); the function's own argument list may follow (``∂f/∂u(u, v)``). SymPy's
  ``Derivative(f(u, v), u)`` is read by the parser itself.

>>> answer = read("dy/dx = 2xcos(x^2)", frozenset({"x"}))
>>> answer.notation.of, answer.notation.wrt, answer.text
('y', 'x', '2xcos(x^2)')
>>> [piece for _, piece in answer.split]
['x·cos']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from chaintutor.errors import InputError
from chaintutor.parse.functions import FUNCTIONS, spelled_out
from chaintutor.parse.parser import _check_length, parse_tokens
from chaintutor.parse.readback import Reading, read_back
from chaintutor.parse.syntax import Node, Num, Span, walk
from chaintutor.parse.tokens import WHITESPACE, Token, tokenize

CONSTANTS = frozenset({"e", "E", "pi"})
_MAX_READINGS = 2  # a letter run is split only when it has exactly one reading
_MAX_RUN = 40  # longer runs are not split

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# d y / d x, ∂y/∂x, d(y)/d(x); the d may touch the name (dy/dx).
_RATIO = re.compile(
    rf"^\s*(?P<d1>d|∂)\s*\(?\s*(?P<of>{_NAME})\s*\)?\s*/\s*(?P<d2>d|∂)\s*\(?\s*(?P<wrt>{_NAME})\s*\)?\s*$"
)
# y', y′, f'(x), f′(x)
_PRIME = re.compile(rf"^\s*(?P<of>{_NAME})\s*['′]\s*(?:\(\s*(?P<wrt>{_NAME})\s*\))?\s*$")
# d/dx y, d/dx(y), ∂/∂x y
_OPERATOR = re.compile(rf"^\s*(?:d|∂)\s*/\s*(?:d|∂)\s*(?P<wrt>{_NAME})\s*\(?\s*(?P<of>{_NAME})\s*\)?\s*$")

# Partial derivatives of abstract functions, inside an answer; ``fn`` is the function's letter.
_ALONE = r"(?<![A-Za-z0-9_′'])"  # not the end of a longer name
_END = r"(?![A-Za-z0-9_])"
_PARTIAL_PATTERNS = (
    re.compile(rf"{_ALONE}(?:∂|d)\s*(?P<fn>[A-Za-zφψ])\s*/\s*(?:∂|d)\s*(?P<var>{_NAME}){_END}"),  # ∂f/∂u
    re.compile(rf"{_ALONE}(?P<fn>[A-Za-zφψ])_(?:\{{(?P<var>{_NAME})\}}|(?P<bare>[A-Za-z0-9]+)){_END}"),  # f_u
    re.compile(
        rf"{_ALONE}D\s*(?:\[\s*(?P<index>\d)\s*\]|_\{{?(?P<sub>\d)\}}?)\s*(?P<fn>[A-Za-zφψ]){_END}"
    ),  # D[1]f
    re.compile(rf"{_ALONE}(?P<fn>[A-Za-zφψ])\s*(?P<prime>['′])"),  # f′, f'(…)
)
# An abstract function's arguments as the problem applies it: a name, or None for an expression.
Signatures = Mapping[str, tuple[str | None, ...]]


@dataclass(frozen=True)
class Notation:
    """The derivative notation an answer starts with: ``dy/dx =`` has of ``y`` and wrt ``x``;
    ``y' =`` names no variable (wrt None)."""

    of: str
    wrt: str | None
    span: Span  # the notation, the '=' excluded
    typed: str


@dataclass(frozen=True)
class Partial:
    """A partial derivative of an abstract function written in an answer. In the answer's tree
    it is the name ``placeholder``; ``position`` is the argument it is taken in (0 for the
    first), and ``argument`` the point it is taken at, when one was written (``f'(g(x))``);
    otherwise it is taken at the function's own arguments in the problem."""

    placeholder: str
    function: str
    position: int
    argument: Answer | None
    span: Span


@dataclass(frozen=True)
class Answer:
    tree: Node
    text: str  # the expression as typed, the notation and surrounding blanks removed
    start: int  # where ``text`` starts in the whole answer
    notation: Notation | None
    split: tuple[tuple[Span, str], ...]  # letter runs read as several names: (span, "x·cos")
    partials: tuple[Partial, ...] = ()

    def reading(self, source: str) -> Reading | None:
        """The "Read as" line of the answer typed as ``source``, when reading it took
        interpretation (``2xcos(x^2)`` is 2·x·cos(x²))."""
        return read_back(source, [(None, self.tree)])

    @property
    def has_decimal(self) -> bool:
        """Whether a number was typed with a decimal point (2.5, 0.693)."""
        return any(isinstance(node, Num) and "." in node.text for node in walk(self.tree))


def read(text: str, variables: frozenset[str], functions: Signatures | None = None) -> Answer:
    """Parse ``text`` as an answer to a problem whose names are ``variables`` and whose abstract
    functions are applied as ``functions`` says."""
    _check_length(text)
    notation, start = _notation(text)
    end = len(text)
    while start < end and text[start] in WHITESPACE:
        start += 1
    while end > start and text[end - 1] in WHITESPACE:
        end -= 1
    if start == end:
        if notation is not None:
            raise InputError(
                f"nothing follows '{notation.typed} ='", source=text, start=notation.span[0], end=len(text)
            )
        raise InputError("the expression is empty", source=text)
    return _read_expression(text, start, end, variables, functions or {}, notation)


def _read_expression(
    text: str,
    start: int,
    end: int,
    variables: frozenset[str],
    functions: Signatures,
    notation: Notation | None = None,
    counter: list[int] | None = None,
) -> Answer:
    """``text[start:end]`` as an answer; ``counter`` numbers the partials' placeholders across
    the nested readings of ``f'(…)``."""
    counter = [0] if counter is None else counter
    partials = _find_partials(text, start, end, variables, functions, counter) if functions else []
    tokens: list[Token] = []
    position = start
    for partial in partials:
        tokens += tokenize(text, position, partial.span[0], answer=True)[:-1]
        tokens.append(Token("name", partial.placeholder, *partial.span))
        position = partial.span[1]
    tokens += tokenize(text, position, end, answer=True)
    tokens, split = _split_runs(text, tokens, variables)
    names = variables | {partial.placeholder for partial in partials}
    tree = parse_tokens(text, tokens, names)
    return Answer(tree, text[start:end], start, notation, tuple(split), tuple(partials))


def _find_partials(
    text: str, start: int, end: int, variables: frozenset[str], functions: Signatures, counter: list[int]
) -> list[Partial]:
    """Every partial-derivative notation in ``text[start:end]``, left to right."""
    found: list[Partial] = []
    position = start
    while position < end:
        match = _first_partial(text, position, end, variables, functions)
        if match is None:
            break
        found.append(_partial(text, match, end, variables, functions, counter))
        position = found[-1].span[1]
    return found


def _first_partial(
    text: str, start: int, end: int, variables: frozenset[str], functions: Signatures
) -> re.Match[str] | None:
    """The leftmost notation naming one of ``functions`` (and not a name of the problem)."""
    candidates = []
    for pattern in _PARTIAL_PATTERNS:
        for match in pattern.finditer(text, start, end):
            if match["fn"] in functions and match[0].strip() not in variables:
                if pattern.groupindex.get("index") and "D" in variables:
                    continue
                candidates.append(match)
                break
    return min(candidates, key=lambda m: m.start(), default=None)


def _partial(
    text: str,
    match: re.Match[str],
    end: int,
    variables: frozenset[str],
    functions: Signatures,
    counter: list[int],
) -> Partial:
    function = match["fn"]
    arguments = functions[function]
    stop = match.end()
    group = _group_after(text, stop, end)
    own = group is not None and _blank_free(text[group[0] + 1 : group[1] - 1]) == ",".join(
        map(str, arguments)
    )
    placeholder = f"ʹ{function}{counter[0]}"  # no name of the input language looks like it
    counter[0] += 1
    argument = None
    if "prime" in match.groupdict() and match["prime"]:
        if len(arguments) != 1:
            raise InputError(
                f"{function} has {len(arguments)} arguments, so {function}′ does not say which partial",
                source=text,
                start=match.start(),
                end=stop,
                hint=f"write ∂{function}/∂… , {function}_… or D[1]{function}",
            )
        position = 0
        if group is not None and not own:
            argument = _read_expression(text, group[0] + 1, group[1] - 1, variables, functions, None, counter)
            stop = group[1]
    else:
        position = _position(text, match, arguments)
    if own and group is not None:
        stop = group[1]
    return Partial(placeholder, function, position, argument, (match.start(), stop))


def _position(text: str, match: re.Match[str], arguments: tuple[str | None, ...]) -> int:
    """Which argument a partial is taken in: by name (f_u, ∂f/∂u) or by number (f_1, D[1]f)."""
    groups = match.groupdict()
    number = groups.get("index") or groups.get("sub")
    name = groups.get("var") or groups.get("bare")
    if number is None and name is not None and name.isdigit():
        number = name
    if number is not None and 1 <= int(number) <= len(arguments):
        return int(number) - 1
    if name is not None and name in arguments:
        return arguments.index(name)
    function = match["fn"]
    names = ", ".join(str(a) for a in arguments if a is not None)
    applied = ", ".join(a or "…" for a in arguments)
    raise InputError(
        f"{match[0].strip()}: {function} is applied to ({applied}) in the problem",
        source=text,
        start=match.start(),
        end=match.end(),
        hint=f"name one of its arguments ({names}) or number them from 1" if names else "number them from 1",
    )


def _group_after(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The bracketed group right after ``start`` (blanks allowed): its span, brackets included."""
    position = start
    while position < end and text[position] in WHITESPACE:
        position += 1
    if position >= end or text[position] != "(":
        return None
    depth = 0
    for index in range(position, end):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return position, index + 1
    return None


def _blank_free(text: str) -> str:
    return "".join(char for char in text if char not in WHITESPACE)


def _notation(text: str) -> tuple[Notation | None, int]:
    """The leading ``… =`` of an answer, if it has one, and where the expression starts."""
    equals = text.find("=")
    if equals < 0:
        return None, 0
    left = text[:equals]
    match = _RATIO.match(left) or _PRIME.match(left) or _OPERATOR.match(left)
    stripped = left.strip(WHITESPACE)
    start = len(left) - len(left.lstrip(WHITESPACE))
    if match is None or not stripped:
        raise InputError(
            "an answer is an expression; only a derivative notation such as dy/dx may stand before '='",
            source=text,
            start=start if stripped else equals,
            end=start + len(stripped) if stripped else equals + 1,
            hint="write the derivative itself, for example 2x·cos(x²), or dy/dx = 2x·cos(x²)",
        )
    if text.find("=", equals + 1) >= 0:
        second = text.find("=", equals + 1)
        raise InputError(
            "a second '=' in the answer", source=text, start=second, end=second + 1,
            hint="give one expression after the derivative notation",
        )  # fmt: skip
    notation = Notation(match["of"], match["wrt"], (start, start + len(stripped)), stripped)
    return notation, equals + 1


def _split_runs(
    text: str, tokens: list[Token], variables: frozenset[str]
) -> tuple[list[Token], list[tuple[Span, str]]]:
    """Letter runs that name nothing, split into names when there is exactly one way."""
    vocabulary = variables | CONSTANTS | (frozenset(FUNCTIONS) - {"Derivative"})
    result: list[Token] = []
    split: list[tuple[Span, str]] = []
    for token in tokens:
        if (
            token.kind != "name"
            or token.text in vocabulary
            or spelled_out(token.text)  # sine is a misspelt sin, not sin·e
            or text[token.start : token.end] != token.text
        ):
            result.append(token)
            continue
        readings = _readings(token.text, vocabulary) if len(token.text) <= _MAX_RUN else []
        if len(readings) != 1:
            result.append(token)
            continue
        position = token.start
        for piece in readings[0]:
            result.append(Token("name", piece, position, position + len(piece)))
            position += len(piece)
        split.append(((token.start, token.end), "·".join(readings[0])))
    return result, split


def _readings(run: str, vocabulary: frozenset[str]) -> list[tuple[str, ...]]:
    """Up to two ways to cut ``run`` into words of ``vocabulary``."""
    found: list[tuple[str, ...]] = []
    dead: set[int] = set()  # positions from which the rest cannot be cut

    def cut(start: int, pieces: tuple[str, ...]) -> None:
        if len(found) >= _MAX_READINGS or start in dead:
            return
        if start == len(run):
            if len(pieces) > 1:
                found.append(pieces)
            return
        before = len(found)
        for stop in range(len(run), start, -1):
            word = run[start:stop]
            if word in vocabulary:
                cut(stop, (*pieces, word))
        if len(found) == before:
            dead.add(start)

    cut(0, ())
    return found
