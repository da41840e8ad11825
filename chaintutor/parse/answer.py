"""Reading a student's answer: the input language, plus the ways students write derivatives.

Problems are never read this way; an answer is read with the problem's names in hand:

- ``name(…)`` is a product unless ``name`` is a function: ``2x(1+x)``, ``p(1-p)``,
  ``w2(1-h^2)x`` and, for a system's intermediate ``g``, ``g(1+x)``;
- a run of letters that is no name of the problem (``xcos``, ``sinx``, ``xy``) is split into
  the problem's variables, constants and functions when that is the only way to split it;
- a leading derivative notation ``dy/dx =``, ``∂y/∂x =``, ``y' =``, ``f'(x) =`` is read off
  (:class:`Notation`) for the caller to compare with the question;
- ``σ`` is sigmoid.

>>> answer = read("dy/dx = 2xcos(x^2)", frozenset({"x"}))
>>> answer.notation.of, answer.notation.wrt, answer.text
('y', 'x', '2xcos(x^2)')
>>> [piece for _, piece in answer.split]
['x·cos']
"""

from __future__ import annotations

import re
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


@dataclass(frozen=True)
class Notation:
    """The derivative notation an answer starts with: ``dy/dx =`` has of ``y`` and wrt ``x``;
    ``y' =`` names no variable (wrt None)."""

    of: str
    wrt: str | None
    span: Span  # the notation, the '=' excluded
    typed: str


@dataclass(frozen=True)
class Answer:
    tree: Node
    text: str  # the expression as typed, the notation and surrounding blanks removed
    start: int  # where ``text`` starts in the whole answer
    notation: Notation | None
    split: tuple[tuple[Span, str], ...]  # letter runs read as several names: (span, "x·cos")

    def reading(self, source: str) -> Reading | None:
        """The "Read as" line of the answer typed as ``source``, when reading it took
        interpretation (``2xcos(x^2)`` is 2·x·cos(x²))."""
        return read_back(source, [(None, self.tree)])

    @property
    def has_decimal(self) -> bool:
        """Whether a number was typed with a decimal point (2.5, 0.693)."""
        return any(isinstance(node, Num) and "." in node.text for node in walk(self.tree))


def read(text: str, variables: frozenset[str]) -> Answer:
    """Parse ``text`` as an answer to a problem whose names are ``variables``."""
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
    tokens = tokenize(text, start, end, answer=True)
    tokens, split = _split_runs(text, tokens, variables)
    tree = parse_tokens(text, tokens, variables)
    return Answer(tree, text[start:end], start, notation, tuple(split))


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
