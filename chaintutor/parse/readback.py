"""The "Read as" line: what was typed, written back in standard notation when reading it took
an interpretation.

A reading is worth showing when the text relied on implicit multiplication (``2x``,
``(x+1)(x-1)``), a function applied without brackets (``sin x^2``), a power of a function
(``sin^2 x``), the inverse notation (``sin^-1 x``) or a logarithm's base (``log_2 x``).
Some forms are genuinely ambiguous and are flagged in words besides:

- ``e^2x`` is e²·x: an exponent without brackets is one factor (write ``e^(2x)`` for e to the
  power 2x);
- ``1/2x`` is (1/2)·x: implicit multiplication is as tight as ``*`` and ``/``, left to right,
  as most calculators read it (write ``1/(2x)`` for one over 2x);
- ``√2x`` is √(2x), as ``sin 2x`` is sin(2x) (write ``√2·x`` for the product);
- ``xe^x`` or ``sin(xy)``, where every letter is itself a name of the problem (or e): a run of
  letters is one name (write ``x*e^x``, ``x*y`` for the products).

Everything is decided from the syntax tree and the typed text (brackets and ``*`` leave no
node of their own, but they leave gaps between the spans). Nothing here imports SymPy.

>>> from chaintutor.parse import parse_expression
>>> reading = read_back("1/2x", [(None, parse_expression("1/2x"))])
>>> reading.text
'(1/2)·x'
>>> reading.flags
('1/2x is read as (1/2)·x, as most calculators read it; write 1/(2x) for 1 over 2x',)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chaintutor.parse.functions import ABSTRACT_FUNCTIONS
from chaintutor.parse.parser import MAX_DEPTH, recursion_headroom
from chaintutor.parse.syntax import Call, Name, Neg, Node, Num, Power, Product, Sum, walk
from chaintutor.parse.tokens import WHITESPACE

_TIMES_SIGNS = frozenset("*·×")
_FRAMES_PER_LEVEL = 8  # the writers' frames per nesting level (three at most), with a wide margin
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

_TEX_FUNCTIONS = frozenset(
    {"sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth", "exp", "ln"}
    | {"arcsin", "arccos", "arctan"}
)  # the names LaTeX (and KaTeX) know as operators; the others are \operatorname
_GREEK = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega",
})  # fmt: skip
_TRIGONOMETRIC = ("sin", "cos", "tan", "sec", "csc", "cot")


@dataclass(frozen=True)
class Reading:
    """The problem (or answer) as read: ``text`` in Unicode, ``tex`` in LaTeX, and a sentence
    for each ambiguous form met."""

    text: str
    tex: str
    flags: tuple[str, ...]


def read_back(source: str, statements: Sequence[tuple[str | None, Node]]) -> Reading | None:
    """The reading of ``statements`` (name or None, right side) parsed from ``source``, or None
    when every one was written out in standard notation already (nothing to show)."""
    interpreted = any(_interpreted(source, node) for _, rhs in statements for node in walk(rhs))
    joined = _joined_names(statements)
    if not interpreted and not joined:
        return None
    with recursion_headroom(MAX_DEPTH * _FRAMES_PER_LEVEL):
        flags = tuple(flag for _, rhs in statements for node in walk(rhs) for flag in _flags(source, node))
        flags += tuple(joined)
        text = ";  ".join(_equation(name, _Text().write(rhs)) for name, rhs in statements)
        tex = r",\quad ".join(
            _equation(_tex_name(name) if name else None, _Tex().write(rhs)) for name, rhs in statements
        )
    return Reading(text, tex, flags)


def _equation(name: str | None, right: str) -> str:
    return right if name is None else f"{name} = {right}"


# --- what needed interpretation --------------------------------------------------------------


def _interpreted(source: str, node: Node) -> bool:
    if isinstance(node, Product):
        return any(_implicit(source, node, index) for index in range(1, len(node.factors)))
    if isinstance(node, Power):
        return _function_power(node)
    if isinstance(node, Call):
        return _unbracketed(source, node) or _notation_of_name(source, node)
    return False


def _implicit(source: str, product: Product, index: int) -> bool:
    """Whether factor ``index`` follows the one before it with no ``*`` between them."""
    if product.divide[index]:
        return False
    gap = source[product.factors[index - 1].span[1] : product.factors[index].span[0]]
    return not _TIMES_SIGNS & set(gap)


def _function_power(power: Power) -> bool:
    """``sin^2 x``: the exponent is written before the function's argument."""
    base = power.base
    return isinstance(base, Call) and bool(base.args) and power.exponent.span[0] < base.args[0].span[0]


def _unbracketed(source: str, call: Call) -> bool:
    """``sin x``, ``√2x``: the argument has no brackets of its own (``√x`` alone is standard)."""
    if call.func in ABSTRACT_FUNCTIONS or call.func == "abs" or not call.args:
        return False
    if _previous_character(source, call.args[0].span[0]) in ("(", "["):
        return False
    return not (source[call.func_span[0] : call.func_span[1]] == "√" and isinstance(call.args[0], Name | Num))


def _previous_character(source: str, index: int) -> str:
    """The last character before ``index`` that is not a blank, or "" at the start."""
    while index > 0 and source[index - 1] in WHITESPACE:
        index -= 1
    return source[index - 1] if index > 0 else ""


def _notation_of_name(source: str, call: Call) -> bool:
    """``sin^-1``, ``sin⁻¹`` (the inverse) and ``log_2`` (a base) are readings of the name."""
    typed = source[call.func_span[0] : call.func_span[1]]
    return "^" in typed or "⁻" in typed or typed.startswith("log_")


# --- the ambiguous forms -----------------------------------------------------------------


def _flags(source: str, node: Node) -> list[str]:
    if isinstance(node, Call):
        return _root_flag(source, node)
    if not isinstance(node, Product):
        return []
    found = []
    for index in range(1, len(node.factors)):
        if not _implicit(source, node, index):
            continue
        before, factor = node.factors[index - 1], node.factors[index]
        if node.divide[index - 1] and _touching(before, factor):
            found.append(_division_flag(source, node, index))
        elif isinstance(before, Power) and _bare_exponent(source, before) and _touching(before, factor):
            found.append(_exponent_flag(source, before, factor))
    return found


def _root_flag(source: str, call: Call) -> list[str]:
    """``√2x`` is √(2x), as ``sin 2x`` is sin(2x); a root sign has no bar to show how far it
    reaches, so say it."""
    argument = call.args[0] if call.args else None
    if (
        source[call.func_span[0] : call.func_span[1]] != "√"
        or not isinstance(argument, Product)
        or not isinstance(argument.factors[0], Num)
        or _previous_character(source, argument.span[0]) in ("(", "[")
    ):
        return []
    number, rest = argument.factors[0].text, source[argument.factors[1].span[0] : argument.span[1]]
    typed = source[call.span[0] : call.span[1]]
    return [f"{typed} is read as {_Text().write(call)}; write √{number}·{rest} for √{number} times {rest}"]


def _joined_names(statements: Sequence[tuple[str | None, Node]]) -> list[str]:
    """``xe^x``, or ``sin(xy)`` where x and y are names of the problem: a run of letters is one
    name, although each of its letters is a name too (or e). Names the problem defines itself
    are meant as typed and never flagged."""
    used = {node.name for _, rhs in statements for node in walk(rhs) if isinstance(node, Name)}
    defined = {name for name, _ in statements if name is not None}
    letters = used | defined | {"e"}
    found = []
    for name in sorted(used - defined, key=lambda name: (len(name), name)):
        if len(name) > 1 and name.isalpha() and name not in _GREEK | {"pi"} and set(name) <= letters:
            found.append(
                f"{name} is read as one variable named {name}; write {'*'.join(name)} for the product"
            )
    return found


def _touching(left: Node, right: Node) -> bool:
    return left.span[1] == right.span[0]


def _bare_exponent(source: str, power: Power) -> bool:
    """``e^2``: an exponent after ``^`` without brackets (a superscript ends visibly)."""
    gap = source[power.base.span[1] : power.exponent.span[0]]
    return (
        ("^" in gap or "**" in gap)
        and "(" not in gap
        and not source[power.exponent.span[1] :].startswith(")")
    )


def _exponent_flag(source: str, power: Power, factor: Node) -> str:
    typed = source[power.span[0] : factor.span[1]]
    base = source[power.base.span[0] : power.base.span[1]]
    exponent = source[power.exponent.span[0] : factor.span[1]]
    shown = _Text().write(Product((power, factor), (False, False), (power.span[0], factor.span[1])))
    return f"{typed} is read as {shown}; write {base}^({exponent}) for {base} to the power {exponent}"


def _division_flag(source: str, product: Product, index: int) -> str:
    """``1/2x``: the run before the implicit factor is divided first, then multiplied."""
    start = product.span[0]
    divisor, factor = product.factors[index - 1], product.factors[index]
    slash = source.rfind("/", start, divisor.span[0])
    typed = source[start : factor.span[1]]
    denominator = source[slash + 1 : factor.span[1]].strip()
    upto = Product(product.factors[: index + 1], product.divide[: index + 1], (start, factor.span[1]))
    numerator = source[start:slash].strip()
    return (
        f"{typed} is read as {_Text().write(upto)}, as most calculators read it;"
        f" write {numerator}/({denominator}) for {numerator} over {denominator}"
    )


# --- writing the tree back ---------------------------------------------------------------------


def _display_name(func: str) -> str:
    """The name a textbook prints: arcsin for asin, arsinh for asinh, ln for log."""
    if func == "log":
        return "ln"
    if func.startswith("a") and func[1:] in _TRIGONOMETRIC:
        return "arc" + func[1:]
    if func.startswith("a") and func.endswith("h") and func[1:-1] in _TRIGONOMETRIC:
        return "ar" + func[1:]
    return func


class _Text:
    """Unicode standard notation: · for every product, brackets for every function argument."""

    times, minus, open, close = "·", "−", "(", ")"

    def write(self, node: Node) -> str:
        if isinstance(node, Num):
            return node.text
        if isinstance(node, Name):
            return self.name(node.name)
        if isinstance(node, Sum):
            return self.sum(node)
        if isinstance(node, Product):
            return self.product(node)
        if isinstance(node, Power):
            return self.power(node)
        if isinstance(node, Neg):
            return self.minus + self.operand(node.operand, isinstance(node.operand, Sum))
        return self.call(node)

    def grouped(self, node: Node, bracket: bool) -> str:
        inner = self.write(node)
        return f"{self.open}{inner}{self.close}" if bracket else inner

    def operand(self, node: Node, bracket: bool) -> str:
        """``node`` after an operator: bracketed also when it starts with a minus (x·(−2·y))."""
        inner = self.write(node)
        return f"{self.open}{inner}{self.close}" if bracket or inner.startswith(self.minus) else inner

    def sum(self, node: Sum) -> str:
        parts = [self.write(node.terms[0])]
        for term, sign in zip(node.terms[1:], node.signs[1:], strict=True):
            operator = " + " if sign > 0 else f" {self.minus} "
            parts.append(operator + self.operand(term, isinstance(term, Sum)))
        return "".join(parts)

    def product(self, node: Product) -> str:
        """Left to right; a product after a division brackets what came before: (1/2)·x."""
        text = self.grouped(node.factors[0], isinstance(node.factors[0], Sum))
        divided = False
        for factor, divide in zip(node.factors[1:], node.divide[1:], strict=True):
            if divide:
                bracket = isinstance(factor, Sum | Product)
                text, divided = f"{text}/{self.operand(factor, bracket)}", True
                continue
            if divided:
                text, divided = f"{self.open}{text}{self.close}", False
            text += self.times + self.operand(factor, isinstance(factor, Sum))
        return text

    def power(self, node: Power) -> str:
        base = self.grouped(node.base, not isinstance(node.base, Name | Num | Call))
        exponent = _integer(node.exponent)
        if exponent is not None:
            return base + self.superscript(exponent)
        plain = isinstance(node.exponent, Name | Num)
        return f"{base}^{self.grouped(node.exponent, not plain)}"

    def superscript(self, digits: str) -> str:
        return digits.translate(_SUPERSCRIPTS)

    def name(self, name: str) -> str:
        return "π" if name == "pi" else name

    def call(self, node: Call) -> str:
        args = [self.write(arg) for arg in node.args]
        if node.func == "abs":
            return f"|{args[0]}|"
        if node.func == "sqrt":
            atomic = isinstance(node.args[0], Name | Num)
            return "√" + (args[0] if atomic else f"({args[0]})")
        base = self.log_base(node)
        if base is not None:
            return f"log{base}({args[0]})"
        return f"{_display_name(node.func)}({', '.join(args)})"

    def log_base(self, node: Call) -> str | None:
        """The subscript of log₂(x), log₁₀(x); None for another function or base."""
        if node.func in ("log2", "log10"):
            return node.func[3:].translate(_SUBSCRIPTS)
        if node.func == "log" and len(node.args) == 2 and _integer(node.args[1]) is not None:
            return _integer(node.args[1]).translate(_SUBSCRIPTS)  # type: ignore[union-attr]
        return None


class _Tex(_Text):
    """The same reading in LaTeX (valid in KaTeX and MathJax too)."""

    times, minus, open, close = r" \cdot ", "-", r"\left(", r"\right)"

    def power(self, node: Power) -> str:
        base = self.grouped(node.base, not isinstance(node.base, Name | Num | Call))
        exponent = _integer(node.exponent)
        return f"{base}^{{{exponent if exponent is not None else self.write(node.exponent)}}}"

    def name(self, name: str) -> str:
        return _tex_name(name)

    def call(self, node: Call) -> str:
        args = [self.write(arg) for arg in node.args]
        if node.func == "abs":
            return rf"\left|{args[0]}\right|"
        if node.func == "sqrt":
            return rf"\sqrt{{{args[0]}}}"
        if node.func == "cbrt":
            return rf"\sqrt[3]{{{args[0]}}}"
        if node.func in ("log2", "log10") or (node.func == "log" and len(node.args) == 2):
            base = node.func[3:] if node.func != "log" else args[1]
            return rf"\log_{{{base}}}{self.open}{args[0]}{self.close}"
        name = _display_name(node.func)
        if name == "sigmoid":
            head = r"\sigma"
        elif name in _TEX_FUNCTIONS:
            head = "\\" + name
        elif node.func in ABSTRACT_FUNCTIONS:
            head = {"φ": r"\varphi", "ψ": r"\psi"}.get(name, name)
        else:
            head = rf"\operatorname{{{name}}}"
        return f"{head}{self.open}{', '.join(args)}{self.close}"


def _tex_name(name: str) -> str:
    """x, x_{1}, \\theta, \\pi, \\mathit{speed}."""
    if name == "pi":
        return r"\pi"
    letters = name.rstrip("0123456789")
    digits = name[len(letters) :]
    head = letters.replace("_", r"\_")
    if letters in _GREEK:
        head = "\\" + letters
    elif len(letters) > 1:
        head = rf"\mathit{{{head}}}"
    return f"{head}_{{{digits}}}" if digits and letters else head


def _integer(node: Node) -> str | None:
    """The digits of an integer literal, with a leading - for Neg: what a superscript can show."""
    if isinstance(node, Num) and node.text.isdigit():
        return node.text
    if isinstance(node, Neg) and isinstance(node.operand, Num) and node.operand.text.isdigit():
        return "-" + node.operand.text
    return None
