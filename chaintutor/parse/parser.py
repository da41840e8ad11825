"""The parser: tokens to the syntax tree of :mod:`chaintutor.parse.syntax`, and systems.

Precedence climbing with one method per level, loosest first::

    expression := signed(product) (('+' | '-') signed(product))*    -> Sum, flattened
    signed(X)  := ('+' | '-') signed(X) | X                         -> Neg
    product    := power (('*' | '/') signed(power) | power)*        -> Product, flattened
    power      := primary [superscript | '^' signed(power)]         -> Power, right-associative
    primary    := number | name | call | '(' expression ')' | '|' expression '|' | …

Implicit multiplication has the same precedence as ``*`` and ``/`` and associates to the
left, so ``1/2x`` is x/2, as it would be with an explicit ``*`` and as most calculators
read it (the "Read as" line of :mod:`chaintutor.parse.readback` flags it, and ``e^2x``, e²·x).
A unary minus takes the whole product after it (``-x^2`` is -(x²)); after ``*``, ``/`` or
``^`` it takes one factor.

A built-in function without brackets applies to a simple argument: one factor with its
exponent (``sin x^2`` is sin(x²), ``sin x cos x`` is sin(x)·cos(x)), and a number written
against a name is taken along (``sin 2x`` is sin(2x)). ``sin^2 x`` is sin(x)², and
``sin^-1 x``, ``tan^(-1)(x)`` and ``sin⁻¹x`` are the inverse functions (arcsin, arctan).
``log_2 x`` and ``log_2(x)`` are the logarithm to base 2.

Abs bars: a ``|`` where an operand is expected opens a bar, a ``|`` where an operator is
expected closes the innermost open bar, or multiplies (``2|x|``) when no bar is open inside
the current brackets.

Nesting (brackets, bars, function applications, exponents, unary signs) is limited to
MAX_DEPTH levels; the recursion limit is raised for the duration of a parse so that the
limit, not Python, decides.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chaintutor.errors import InputError
from chaintutor.parse.functions import (
    ABSTRACT_FUNCTIONS,
    FUNCTIONS,
    GREEK_FUNCTION_NAMES,
    FunctionInfo,
    inverse_name,
    lookup,
    suggest,
)
from chaintutor.parse.syntax import Call, Name, Neg, Node, Num, Power, Product, Span, Sum
from chaintutor.parse.tokens import MAX_DIGITS, WHITESPACE, Token, tokenize

MAX_LENGTH = 20_000
"""The most characters a problem or an answer may have."""

MAX_DEPTH = 250
"""The most nesting levels: brackets, bars, applications, exponents, unary signs."""

# Python frames one nesting level can take (a bracketed call takes nine); the margin is wide.
_FRAMES_PER_LEVEL = 16

_HINT_LENGTH = 30

# ``log_2``, ``log_10``: a logarithm to the base written after the underscore.
_LOG_BASE = re.compile(r"log_(\d+)", re.ASCII)

# What ``function_exponent`` returns for ``^-1`` on a function with an inverse: not a power.
_INVERSE = Num("-1", (0, 0))


@dataclass(frozen=True)
class Statement:
    """One statement of a problem: ``name = rhs``, or a bare expression (``name`` is None)."""

    name: str | None
    name_span: Span | None
    rhs: Node
    span: Span


def parse_expression(text: str) -> Node:
    """Parse one expression, such as a student's answer; ``=`` and ``;`` are errors."""
    _check_length(text)
    tokens = tokenize(text)
    if tokens[0].kind == "end":
        raise InputError("the expression is empty", source=text)
    return _parse_tokens(text, tokens)


def parse_statements(text: str) -> list[Statement]:
    """Parse a problem: one bare expression, or equations ``NAME = expr`` separated by
    ``;`` or newlines. ``#`` starts a comment that runs to the end of the line.

    Only the syntax is checked here; cycles, duplicates and undefined names are not.
    """
    _check_length(text)
    spans = _statement_spans(text)
    if not spans:
        raise InputError("the problem is empty", source=text)
    return [_parse_statement(text, start, end, len(spans) > 1) for start, end in spans]


def _check_length(text: str) -> None:
    if len(text) > MAX_LENGTH:
        message = f"the input is {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        raise InputError(message, source=text)


def _statement_spans(text: str) -> list[Span]:
    """The non-blank statements, comments and surrounding whitespace removed.

    A trailing ';' is allowed; an empty statement before a ';' (``x;;``) is refused, unless
    the whole problem is empty, which the caller reports as such.
    """
    spans = []
    empty_before: list[int] = []  # offsets of semicolons with nothing before them
    line_start = 0
    for line in text.split("\n"):
        pieces = line.split("#", 1)[0].split(";")
        piece_start = line_start
        for index, piece in enumerate(pieces):
            stripped = piece.strip(WHITESPACE)
            if stripped:
                start = piece_start + len(piece) - len(piece.lstrip(WHITESPACE))
                spans.append((start, start + len(stripped)))
            elif index < len(pieces) - 1:
                empty_before.append(piece_start + len(piece))
            piece_start += len(piece) + 1
        line_start += len(line) + 1
    if spans and empty_before:
        semicolon = empty_before[0]
        raise InputError(
            "an empty statement: nothing stands before this ';'",
            source=text,
            start=semicolon,
            end=semicolon + 1,
            hint="remove the extra ';'",
        )
    return spans


def _parse_statement(source: str, start: int, end: int, in_system: bool) -> Statement:
    tokens = tokenize(source, start, end)
    equals = [index for index, token in enumerate(tokens) if token.is_op("=")]
    if not equals:
        if in_system:
            raise InputError(
                "every line of a system must be an equation NAME = expression",
                source=source,
                start=start,
                end=end,
                hint="for example: u = x^2",
            )
        return Statement(None, None, _parse_tokens(source, tokens), (start, end))
    if len(equals) > 1:
        second = tokens[equals[1]]
        raise InputError(
            f"a second '=' at column {second.start + 1}; a statement has one",
            source=source,
            start=second.start,
            end=second.end,
        )
    name = _left_side(source, tokens[: equals[0]], tokens[equals[0]])
    rhs = tokens[equals[0] + 1 :]
    if rhs[0].kind == "end":
        raise InputError(
            f"'{name.text}' has an empty definition",
            source=source,
            start=name.start,
            end=tokens[equals[0]].end,
        )
    node = _parse_tokens(source, rhs)
    return Statement(name.text, (name.start, name.end), node, (start, end))


def _left_side(source: str, tokens: list[Token], equals: Token) -> Token:
    """The name being defined, refusing anything else on the left of ``=``."""
    if len(tokens) != 1 or tokens[0].kind != "name":
        start, end = (tokens[0].start, tokens[-1].end) if tokens else (equals.start, equals.end)
        raise InputError("the left side of '=' must be a single name", source=source, start=start, end=end)
    name = tokens[0]
    if lookup(name.text) is not None or name.text in GREEK_FUNCTION_NAMES or _LOG_BASE.fullmatch(name.text):
        raise InputError(
            f"'{source[name.start : name.end]}' is a function name; it cannot be defined",
            source=source,
            start=name.start,
            end=name.end,
            hint="choose another name, such as u",
        )
    return name


@contextmanager
def recursion_headroom(frames: int) -> Iterator[None]:
    """Allow ``frames`` more Python frames than now, for the duration of the block.

    Work on a tree MAX_DEPTH levels deep recurses once per level or more (the parser's
    methods, SymPy's constructors and assumptions), past Python's default limit of 1000.
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def parse_tokens(source: str, tokens: list[Token], variables: frozenset[str] | None = None) -> Node:
    """Parse one expression from ``tokens``; ``variables`` (the problem's names) turns on the
    answer reading, where ``name(…)`` is a product unless ``name`` is a function."""
    return _parse_tokens(source, tokens, variables)


def _parse_tokens(source: str, tokens: list[Token], variables: frozenset[str] | None = None) -> Node:
    parser = _Parser(source, tokens, variables)
    with recursion_headroom(MAX_DEPTH * _FRAMES_PER_LEVEL):
        node = parser.expression()
        parser.expect_end()
    return node


class _Parser:
    """One parse over a token list that ends with an ``end`` token."""

    def __init__(self, source: str, tokens: list[Token], variables: frozenset[str] | None = None) -> None:
        self.source = source
        self.tokens = tokens
        self.variables = variables  # an answer's reading: the problem's names, which are never functions
        self.index = 0
        self.depth = 0
        self.bars_open = 0  # abs bars open inside the innermost brackets

    # --- token access -------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    @property
    def last_end(self) -> int:
        """The end offset of the last token consumed."""
        return self.tokens[self.index - 1].end

    def typed(self, token: Token) -> str:
        return self.source[token.start : token.end]

    def error(self, message: str, start: int, end: int, hint: str | None = None) -> InputError:
        return InputError(message, source=self.source, start=start, end=end, hint=hint)

    @contextmanager
    def nested(self, token: Token) -> Iterator[None]:
        """One level deeper, refused beyond MAX_DEPTH at ``token``."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                token.start,
                token.end,
                hint="name the inner parts in a system: u = …; y = …",
            )
        yield
        self.depth -= 1

    # --- precedence levels ----------------------------------------------------------------

    def expression(self) -> Node:
        start = self.peek().start
        terms = [self.signed(self.product)]
        signs = [1]
        while self.peek().is_op("+", "-"):
            signs.append(1 if self.advance().text == "+" else -1)
            terms.append(self.signed(self.product))
        if len(terms) == 1:
            return terms[0]
        return Sum(tuple(terms), tuple(signs), (start, self.last_end))

    def signed(self, operand: Callable[[], Node]) -> Node:
        """Unary signs in front of ``operand``: a minus is a Neg, a plus changes nothing."""
        token = self.peek()
        if not token.is_op("+", "-"):
            return operand()
        self.advance()
        with self.nested(token):
            node = self.signed(operand)
        return node if token.text == "+" else Neg(node, (token.start, self.last_end))

    def product(self) -> Node:
        start = self.peek().start
        factors = [self.power()]
        divide = [False]
        while True:
            token = self.peek()
            if token.is_op("*", "/"):
                self.advance()
                factors.append(self.signed(self.power))
                divide.append(token.text == "/")
            elif token.kind == "num" and self.peek(-1).kind in ("num", "super"):
                raise self.error(
                    f"unexpected number '{self.typed(token)}' at column {token.start + 1}",
                    token.start,
                    token.end,
                    hint="write * between two numbers",
                )
            elif self.juxtaposed(token):
                factors.append(self.power())
                divide.append(False)
            else:
                break
        if len(factors) == 1:
            return factors[0]
        return Product(tuple(factors), tuple(divide), (start, self.last_end))

    def juxtaposed(self, token: Token) -> bool:
        """Whether ``token``, met where an operator is expected, starts an implicit factor."""
        return (
            token.kind in ("num", "name", "sqrt")
            or token.is_op("(", "[")
            or (token.is_op("|") and self.bars_open == 0)
        )

    def power(self) -> Node:
        start = self.peek().start
        base = self.primary()
        token = self.peek()
        if token.kind == "super":
            self.advance()
            follower = self.peek()
            if follower.is_op("^") or follower.kind == "super":
                raise self.error(
                    f"unexpected '{self.typed(follower)}' at column {follower.start + 1}",
                    follower.start,
                    follower.end,
                    hint="add brackets to say which power is taken first",
                )
            return Power(base, self.superscript(token), (start, token.end))
        if token.is_op("^"):
            self.advance()
            with self.nested(token):
                exponent = self.signed(self.power)
            return Power(base, exponent, (start, self.last_end))
        return base

    def superscript(self, token: Token) -> Node:
        """The exponent written by a superscript token, ``⁻¹`` being Neg(Num('1'))."""
        if not token.text.startswith("-"):
            return Num(token.text, (token.start, token.end))
        return Neg(Num(token.text[1:], (token.start + 1, token.end)), (token.start, token.end))

    def primary(self) -> Node:
        token = self.peek()
        if token.kind == "num":
            self.advance()
            return Num(token.text, (token.start, token.end))
        if token.kind == "name":
            return self.named(token)
        if token.kind == "sqrt":
            return self.function(token, FUNCTIONS["sqrt"])
        if token.is_op("(", "["):
            return self.group()
        if token.is_op("|"):
            return self.bars()
        raise self.unexpected(token)

    # --- brackets and bars ----------------------------------------------------------------

    def group(self) -> Node:
        """``( … )`` or ``[ … ]``: grouping only, no node of its own."""
        opener = self.advance()
        saved_bars, self.bars_open = self.bars_open, 0
        with self.nested(opener):
            inner = self.expression()
        self.bars_open = saved_bars
        self.expect_close(opener)
        return inner

    def bars(self) -> Node:
        opener = self.advance()
        self.bars_open += 1
        with self.nested(opener):
            inner = self.expression()
        self.bars_open -= 1
        closer = self.expect_close(opener)
        return Call("abs", (inner,), (opener.start, closer.end), (opener.start, opener.end))

    def expect_close(self, opener: Token) -> Token:
        closing = {"(": ")", "[": "]", "|": "|"}[opener.text]
        token = self.peek()
        if token.is_op(closing):
            return self.advance()
        if token.kind == "end":
            raise self.never_closed(opener)
        raise self.error(
            f"expected '{closing}' to close '{opener.text}' at column {opener.start + 1},"
            f" found '{self.typed(token)}'",
            token.start,
            token.end,
        )

    def never_closed(self, opener: Token) -> InputError:
        return self.error(
            f"'{opener.text}' at column {opener.start + 1} is never closed",
            opener.start,
            opener.end,
        )

    def expect_end(self) -> None:
        token = self.peek()
        if token.kind == "end":
            return
        hint = "nothing is open for it to close" if token.is_op(")", "]") else None
        raise self.unexpected(token, hint)

    def unexpected(self, token: Token, hint: str | None = None) -> InputError:
        if token.kind == "end":
            previous = self.peek(-1)
            if previous.is_op("(", "[", "|"):
                return self.never_closed(previous)
            return self.error(
                f"the expression ends after '{self.typed(previous)}'",
                previous.start,
                previous.end,
            )
        if token.is_op("=", ";"):
            return self.error(
                f"'{token.text}' is not allowed in an expression",
                token.start,
                token.end,
                hint="give a single expression, with no equations",
            )
        return self.error(
            f"unexpected '{self.typed(token)}' at column {token.start + 1}",
            token.start,
            token.end,
            hint,
        )

    # --- names and functions --------------------------------------------------------------

    def named(self, token: Token) -> Node:
        """A name: a variable, a constant, a built-in function or an abstract function."""
        following = self.peek(1)
        if self.variables is not None and token.text in self.variables:
            self.advance()  # an answer's g(1 + x), g a variable of the problem, is g·(1 + x)
            return Name(token.text, (token.start, token.end))
        if token.text in ABSTRACT_FUNCTIONS and following.is_op("("):
            return self.abstract_call(token)
        if token.text in GREEK_FUNCTION_NAMES:
            raise self.error(
                f"'{token.text}' is allowed only as a function name, as in {token.text}(x)",
                token.start,
                token.end,
                hint=f"write {GREEK_FUNCTION_NAMES[token.text]} for a variable",
            )
        info = lookup(token.text)
        if info is not None:
            return self.function(token, info)
        base = _LOG_BASE.fullmatch(token.text)
        if base is not None:
            return self.based_logarithm(token, base.group(1))
        self.advance()
        touching = following.is_op("(") and following.start == token.end
        if touching and (self.variables is None or suggest(token.text) is not None):
            raise self.unknown_function(token)  # in an answer, only a likely misspelling
        return Name(token.text, (token.start, token.end))

    def unknown_function(self, token: Token) -> InputError:
        """``sine(x)`` or ``x(x+1)``: a suggestion, or else the product it may have meant."""
        suggestion = suggest(token.text)
        if suggestion is not None:
            hint = f"did you mean {suggestion}?"
        else:
            argument_start = self.peek().start
            self.group()
            argument = self.source[argument_start : self.last_end]
            if len(argument) > _HINT_LENGTH:
                argument = "(…)"
            hint = f"write {token.text}*{argument} for a product"
        return self.error(f"unknown function '{token.text}'", token.start, token.end, hint)

    def abstract_call(self, token: Token) -> Node:
        self.advance()
        with self.nested(token):
            args = self.bracketed_arguments()
        if not args:
            raise self.error(f"{token.text} needs at least one argument", token.start, self.last_end)
        return Call(token.text, args, (token.start, self.last_end), (token.start, token.end))

    def function(self, token: Token, info: FunctionInfo) -> Node:
        """A built-in function, with brackets or a simple argument, maybe with a power.

        ``sin^-1``, ``sin^(-1)`` and ``sin⁻¹`` are the inverse function, arcsin, as textbooks
        write it; the name's span then covers the ``^-1``.
        """
        self.advance()
        exponent = self.function_exponent(token, info)
        name_end = token.end
        if exponent is _INVERSE:
            info, exponent, name_end = FUNCTIONS[inverse_name(info.name) or info.name], None, self.last_end
        with self.nested(token):
            args = self.arguments(token, info)
        call = Call(info.name, args, (token.start, self.last_end), (token.start, name_end))
        if exponent is None:
            return call
        return Power(call, exponent, (token.start, self.last_end))

    def based_logarithm(self, token: Token, base: str) -> Node:
        """``log_2 x`` or ``log_2(x)``: the logarithm to base 2, ``log(x, 2)``."""
        if len(base) > MAX_DIGITS:
            raise self.error(
                f"the base of this logarithm has {len(base)} digits; the limit is {MAX_DIGITS}",
                token.start,
                token.end,
            )
        if base.lstrip("0") in ("", "1"):
            raise self.error(
                f"a logarithm to base {base} is undefined",
                token.start,
                token.end,
                hint="the base of a logarithm is positive and not 1, as in log_2 x",
            )
        info = FUNCTIONS["log"]
        self.advance()
        exponent = self.function_exponent(token, info)  # log has no inverse in the table: never _INVERSE
        with self.nested(token):
            (argument,) = self.arguments(token, FunctionInfo("log"))
        base_span = (token.start + len("log_"), token.end)
        span = (token.start, self.last_end)
        call = Call("log", (argument, Num(base, base_span)), span, (token.start, token.end))
        if exponent is None:
            return call
        return Power(call, exponent, span)

    def function_exponent(self, name: Token, info: FunctionInfo) -> Node | None:
        """The ``2`` of ``sin^2 x`` or ``sin²x``, or ``_INVERSE`` for the ``-1`` of ``sin^-1``;
        another negative power is ambiguous (1/sin(x)² or arcsin applied twice?) and refused."""
        token = self.peek()
        if token.kind == "super":
            self.advance()
            power, span = token.text, (token.start, token.end)
        elif token.is_op("^"):
            self.advance()
            power, span = self.function_exponent_number(name)
        else:
            return None
        if power == "-1" and inverse_name(info.name) is not None:
            return _INVERSE
        if power.startswith("-"):
            raise self.negative_function_power(name, info, power)
        return Num(power, span)

    def function_exponent_number(self, name: Token) -> tuple[str, Span]:
        """The number after ``sin^``, with its sign, and the number's span; it may stand in
        brackets (``tan^(-1)``)."""
        opener = self.advance() if self.peek().is_op("(") else None
        sign = self.advance().text if self.peek().is_op("-", "+") else ""
        token = self.peek()
        closed = opener is None or self.peek(1).is_op(")")
        if token.kind != "num" or not closed:
            raise self.error(
                f"the power of '{self.typed(name)}' must be a number, as in sin^2 x",
                token.start,
                token.end if closed else self.peek(1).end,
                hint=f"write ({self.typed(name)}(x))^n for other powers",
            )
        self.advance()
        if opener is not None:
            self.advance()
        return ("-" if sign == "-" else "") + token.text, (token.start, token.end)

    def negative_function_power(self, name: Token, info: FunctionInfo, power: str) -> InputError:
        typed = self.typed(name)
        reciprocal = f"1/{typed}(x)" + ("" if power == "-1" else f"^{power[1:]}")
        inverse = inverse_name(info.name)
        if power == "-1" and inverse is not None:
            hint = f"write {inverse}(x) for the inverse, or {reciprocal} for the reciprocal"
        else:
            hint = f"write {reciprocal} for the reciprocal"
        return self.error(
            f"'{self.source[name.start : self.last_end]}' is ambiguous",
            name.start,
            self.last_end,
            hint,
        )

    def arguments(self, name: Token, info: FunctionInfo) -> tuple[Node, ...]:
        token = self.peek()
        if token.is_op("(", "["):
            args = self.bracketed_arguments()
            if not info.min_args <= len(args) <= info.max_args:
                raise self.arity_error(name, info, len(args))
            return args
        if token.kind in ("num", "name", "sqrt") or token.is_op("|"):
            return (self.simple_argument(),)
        typed = self.typed(name)
        raise self.error(
            f"'{typed}' needs an argument",
            name.start,
            name.end,
            hint=f"write {typed}(x), with its argument in brackets",
        )

    def simple_argument(self) -> Node:
        """One factor with its exponent; a number written against a name is taken along."""
        token, following = self.peek(), self.peek(1)
        if not (token.kind == "num" and following.kind in ("name", "sqrt") and following.start == token.end):
            return self.power()
        self.advance()
        number = Num(token.text, (token.start, token.end))
        factor = self.power()
        return Product((number, factor), (False, False), (token.start, self.last_end))

    def bracketed_arguments(self) -> tuple[Node, ...]:
        """``( a, b, … )`` after a function name; possibly empty."""
        opener = self.advance()
        closing = ")" if opener.text == "(" else "]"
        saved_bars, self.bars_open = self.bars_open, 0
        args = []
        if not self.peek().is_op(closing):
            args.append(self.expression())
            while self.peek().is_op(","):
                self.advance()
                args.append(self.expression())
        self.bars_open = saved_bars
        self.expect_close(opener)
        return tuple(args)

    def arity_error(self, name: Token, info: FunctionInfo, count: int) -> InputError:
        typed = self.typed(name)
        hint = "write log(x, b) for a logarithm to base b" if typed == "ln" else None
        return self.error(f"{typed} takes {info.arity_text()}, got {count}", name.start, self.last_end, hint)
