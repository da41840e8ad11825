"""The tokenizer: user text to a list of tokens, each with its span in the whole text.

Unicode spellings are normalised here, so the parser only sees ASCII forms: ``·`` and ``×``
become ``*``, ``−`` becomes ``-``, ``**`` becomes ``^``, ``π`` becomes the name ``pi``, ``√``
is a ``sqrt`` token and a run of superscripts such as ``⁻¹`` is one ``super`` token ``-1``.
Every other character outside the language is refused here, by name.

Numbers are exact decimals (``12``, ``2.5``, ``.5``). Scientific notation needs a decimal
point in the mantissa (``1.5e-3``, ``2.0e10``): ``2e3`` is 2·e·3, because e is Euler's
number and a student writing ``2e^x`` or ``3e`` means e.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Literal

from chaintutor.errors import InputError

MAX_DIGITS = 100
"""The most digits a numeric literal may have."""

TokenKind = Literal["num", "name", "op", "sqrt", "super", "end"]

WHITESPACE = " \t\r\n\f\v"

# A mantissa with a decimal point may carry an exponent; a bare integer may not, because
# ``2e3`` means 2·e·3 (e is Euler's number), which the scanner produces by splitting the e off.
_NUMBER = re.compile(r"(?:\d+\.\d+|\.\d+)(?:[eE][+-]?\d+)?|\d+", re.ASCII)
_EULER_AFTER_INTEGER = re.compile(r"[eE]\d", re.ASCII)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
# ``log_2x`` is log_2 applied to x: the base ends where the digits do.
_LOG_BASE = re.compile(r"log_\d+(?=[A-Za-z])", re.ASCII)

_OPERATORS = frozenset("+-*/^()[]|,=;")
_UNICODE_OPERATORS = {"·": "*", "×": "*", "−": "-"}
_SUPERSCRIPT_DIGITS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4",
                       "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}  # fmt: skip
_SUPERSCRIPT_MINUS = "⁻"

# Hints for characters people are likely to paste. Greek letters other than π (the
# constant) and φ, ψ (abstract function names) are not names: the hint gives the spelling.
_CHARACTER_HINTS = {
    "α": "write alpha", "β": "write beta", "γ": "write gamma", "δ": "write delta",
    "ε": "write epsilon", "ζ": "write zeta", "η": "write eta", "θ": "write theta",
    "ϑ": "write theta", "ι": "write iota", "κ": "write kappa", "λ": "write lambda",
    "μ": "write mu", "µ": "write mu", "ν": "write nu", "ξ": "write xi", "ρ": "write rho",
    "σ": "write sigma for a variable, or sigmoid(x) for the logistic function",
    "τ": "write tau", "υ": "write upsilon", "ϕ": "write phi, or φ(x) for a function",
    "χ": "write chi", "ω": "write omega", "Γ": "write Gamma", "Δ": "write Delta",
    "Θ": "write Theta", "Λ": "write Lambda", "Ξ": "write Xi", "Π": "write pi for π",
    "Σ": "write Sigma", "Φ": "write Phi", "Ψ": "write Psi", "Ω": "write Omega",
    "÷": "write /", "–": "write -", "—": "write -", "∗": "write *", "⋅": "write *",
    "∙": "write *", "∛": "write cbrt(x)", "\u00a0": "write a plain space",
}  # fmt: skip


@dataclass(frozen=True)
class Token:
    """One token. ``text`` is the normalised spelling; the source slice is what was typed."""

    kind: TokenKind
    text: str
    start: int
    end: int

    def is_op(self, *texts: str) -> bool:
        """Whether this is an operator or bracket token spelled as one of ``texts``."""
        return self.kind == "op" and self.text in texts


def tokenize(source: str, start: int = 0, end: int | None = None, *, answer: bool = False) -> list[Token]:
    """The tokens of ``source[start:end]``, ending with an ``end`` token.

    Offsets are into the whole ``source``, so that a statement of a system can be tokenized
    on its own and still report columns of the whole text. In an ``answer`` (a student's
    derivative), ``σ`` is the name ``sigmoid``, as the tool itself prints it.
    """
    return _Scanner(source, start, len(source) if end is None else end, answer).run()


def _describe(char: str) -> str:
    """A character quoted for a message, with its code point when it is not plain ASCII."""
    if not char.isprintable():
        return f"U+{ord(char):04X}"
    quoted = f'"{char}"' if char == "'" else f"'{char}'"
    return quoted if char.isascii() else f"{quoted} (U+{ord(char):04X})"


class _Scanner:
    def __init__(self, source: str, start: int, stop: int, answer: bool = False) -> None:
        self.source = source
        self.answer = answer
        self.pos = start
        self.stop = stop
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        while self.pos < self.stop:
            char = self.source[self.pos]
            if char in WHITESPACE:
                self.pos += 1
            elif number := _NUMBER.match(self.source, self.pos, self.stop):
                self._number(number.group())
            elif name := _LOG_BASE.match(self.source, self.pos, self.stop) or _NAME.match(
                self.source, self.pos, self.stop
            ):
                _refuse_keyword(name.group(), self.source, self.pos)
                self._emit("name", name.group(), len(name.group()))
            elif char in _SUPERSCRIPT_DIGITS or char == _SUPERSCRIPT_MINUS:
                self._superscript()
            else:
                self._symbol(char)
        self.tokens.append(Token("end", "", self.stop, self.stop))
        return self.tokens

    def _emit(self, kind: TokenKind, text: str, length: int) -> None:
        self.tokens.append(Token(kind, text, self.pos, self.pos + length))
        self.pos += length

    def _number(self, text: str) -> None:
        self._check_digits(text, len(text))
        self._emit("num", text, len(text))
        if "." not in text and _EULER_AFTER_INTEGER.match(self.source, self.pos, self.stop):
            self._emit("name", self.source[self.pos], 1)

    def _superscript(self) -> None:
        end = self.pos + (self.source[self.pos] == _SUPERSCRIPT_MINUS)
        while end < self.stop and self.source[end] in _SUPERSCRIPT_DIGITS:
            end += 1
        typed = self.source[self.pos : end]
        digits = "".join(_SUPERSCRIPT_DIGITS.get(char, "-") for char in typed)
        if not digits.lstrip("-"):
            raise InputError(
                f"'{_SUPERSCRIPT_MINUS}' at column {self.pos + 1} has no superscript digits",
                source=self.source,
                start=self.pos,
                end=end,
                hint="write x⁻¹ or x^-1",
            )
        self._check_digits(digits, end - self.pos)
        self._emit("super", digits, end - self.pos)

    def _symbol(self, char: str) -> None:
        if char == "*" and self.source.startswith("**", self.pos, self.stop):
            self._emit("op", "^", 2)
        elif char in _OPERATORS:
            self._emit("op", char, 1)
        elif char in _UNICODE_OPERATORS:
            self._emit("op", _UNICODE_OPERATORS[char], 1)
        elif char == "√":
            self._emit("sqrt", "sqrt", 1)
        elif char == "π":
            self._emit("name", "pi", 1)
        elif char in "φψ":
            self._emit("name", char, 1)
        elif char == "σ" and self.answer:
            self._emit("name", "sigmoid", 1)
        else:
            raise self._refuse(char)

    def _refuse(self, char: str) -> InputError:
        if char.isascii():
            message = f"unexpected character {_describe(char)} at column {self.pos + 1}"
        else:
            message = f"character {_describe(char)} is not allowed"
        return InputError(message, source=self.source, start=self.pos, hint=_CHARACTER_HINTS.get(char))

    def _check_digits(self, digits: str, length: int) -> None:
        count = sum(char.isdigit() for char in digits)
        if count > MAX_DIGITS:
            raise InputError(
                f"the number at column {self.pos + 1} has {count} digits; the limit is {MAX_DIGITS}",
                source=self.source,
                start=self.pos,
                end=self.pos + length,
            )


# Python's keywords: a student pasting code (``x if x > 0 else 0``) would otherwise get the
# product of variables named if and else. ``in`` is left to the vector declarations (R^n).
_KEYWORDS = frozenset(keyword.kwlist) - {"in"}


def _refuse_keyword(name: str, source: str, start: int) -> None:
    if name in _KEYWORDS:
        raise InputError(
            f"'{name}' is a Python keyword, not a variable: chaintutor reads mathematics, not code",
            source=source,
            start=start,
            end=start + len(name),
            hint="write the formula itself, for example abs(x) or x**2 + 1",
        )
