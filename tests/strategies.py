"""Hypothesis strategies for hostile and nearly valid input: what students (and fuzzers) type.

Every strategy produces ``str``. They aim at the parser's edges rather than at valid maths:

- ``token_soups``: random runs of the language's tokens, look-alike characters and junk;
- ``near_valid``: valid seed expressions and systems with a few mutations (brackets deleted
  or doubled, characters dropped or swapped, stray operators, look-alike characters, huge
  numbers spliced in);
- ``deep_nests``: nesting just below and just above ``MAX_DEPTH`` (brackets, bars,
  functions, unary signs, exponents);
- ``number_towers`` and ``float_exponents``: numbers whose *value* is huge although the
  literal is short (``9**9**9``, ``1.0e999999``);
- ``systems``: equations over a few names, with cycles, duplicates, stray bare lines,
  comments and every separator;
- ``toml_files``: exercise files, valid ones and broken ones.

``hostile_inputs`` mixes them all; ``small_inputs`` leaves out the deep nests, for the tests
that run the whole derivation (a valid 250-level nest legitimately takes seconds to derive).
"""

from __future__ import annotations

import csv
import io

from hypothesis import strategies as st

from chaintutor.parse import MAX_DEPTH, MAX_DIGITS

# --- the pieces ---------------------------------------------------------------------------

OPERATORS = ["+", "-", "*", "/", "^", "**", "(", ")", "[", "]", "|", ",", "=", ";", "#", "\n", " ", "  "]
NAMES = ["x", "y", "z", "u", "v", "w1", "b1", "t", "theta", "e", "E", "pi", "x_1", "_", "X9", "u2"]
FUNCTIONS = [
    "sin", "cos", "tan", "sec", "csc", "cot", "asin", "arcsin", "acos", "atan", "arctan", "asec",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sech", "coth", "exp", "ln", "log", "log10",
    "log2", "sqrt", "cbrt", "abs", "sigmoid", "softplus", "f", "g", "h", "F", "G", "H", "φ", "ψ",
    "sine", "lg", "Sin", "sinx",
]  # fmt: skip
NUMBERS = [
    "0", "1", "2", "3", "10", "0.5", ".5", "2.5", "1.5e-3", "2.0e10", "2e3", "3e", "007", "0.0",
    "9" * MAX_DIGITS, "9" * (MAX_DIGITS + 1), "1" + "0" * (MAX_DIGITS - 1), "0." + "0" * 98 + "1",
    "1.0e999", "1.0e1000", "1.0e-1000", "1.0e999999", "9.9e99999999999999999999", "1.0e+5",
]  # fmt: skip
LOOKALIKES = [
    "−", "×", "·", "∗", "÷", "–", "—", "²", "³", "⁻¹", "⁻", "⁰", "π", "√", "∛", "θ", "σ", "α", "λ",
    "１", "２", "（", "）", "＋", "ｘ", "х", "е", "ο", "\u200b", "\u200f", "\u202e", "\u00a0", "\u3000",
    "\ufeff", "\x00", "\x1b[31m", "∣", "｜", "⋅", "µ", "ℯ", "𝑥", "ﬁ", "é", "e\u0301", "🙂",
]  # fmt: skip
JUNK = [
    "__import__", "lambda", ".", "'", '"', "`", "$", "@", "!", "\\", "{", "}", "<", ">", "&", "%", "~",
    "?", ":", "os", "exec", "eval", "__class__", "__mro__", "import", "\t", "\r", "\r\n", "0x1F", "1_000",
]  # fmt: skip

TOKENS = OPERATORS + NAMES + FUNCTIONS + NUMBERS + LOOKALIKES + JUNK

# Valid problems to mutate: the contract's examples, the bank's shapes, every syntax feature.
SEED_EXPRESSIONS = [
    "ln(sin(x**3)**2)", "sin(x)", "x^2", "2x", "3 sin(x)", "(x+1)(x-1)", "x y", "sin x^2", "sin^2 x",
    "sin x cos x", "|x|", "2|x - 1|", "sqrt(x^2 + 1)", "√x", "x²·y³", "x⁻¹", "−x × 2", "π x", "e^x",
    "2^3^2", "log(x, 2)", "log10(x)", "sigmoid(w1*x + b1)", "softplus(x)", "f(x, y)", "f(g(x))",
    "f(x + y)", "g(x y) + h(x - y)", "1/2x", "-x^2", "exp(-x^2/2)", "atan(y/x)", "arcsin(x/2)",
    "cbrt(x) + abs(x)", "1.5e-3 x",
    "tanh(sinh(cosh(x)))", "(2*x + 1)**5", "sec(x**2)", "[x + 1]^2", "x^x", "sin(x)^cos(x)",
]  # fmt: skip
SEED_SYSTEMS = [
    "y = u^2 + v; u = x*z; v = sin(x)", "y = x + u; u = x**2", "y = f(u, v); u = g(x, z); v = h(x, z)",
    "z = f(x, y); x = g(t); y = h(t)", "y = u**2; u = w1*x + b1", "f = g**2*h + h; g = 3*x; h = x**2",
    "y = a*b\na = sin(x)  # first layer\nb = cos(x)", "L = (a - t)^2; a = sigmoid(z); z = w*x + b",
]  # fmt: skip
SEEDS = SEED_EXPRESSIONS + SEED_SYSTEMS

# --- token soups --------------------------------------------------------------------------

tokens = st.sampled_from(TOKENS)


@st.composite
def token_soups(draw: st.DrawFn, max_tokens: int = 30) -> str:
    """A random run of tokens, glued or spaced."""
    parts = draw(st.lists(tokens | st.text(max_size=3), max_size=max_tokens))
    glue = draw(st.sampled_from(["", " ", ""]))
    return glue.join(parts)


# --- mutations of valid input -------------------------------------------------------------

# Look-alike replacements: what a paste from a word processor or a phone does to ASCII.
_LOOKALIKE_OF = {
    "-": ["−", "–", "—", "\u2212\u2212"], "*": ["×", "·", "∗", "⋅"], "2": ["²", "２", "₂"],
    "3": ["³", "３"], "x": ["х", "ｘ", "𝑥", "×"], "e": ["е", "ℯ"], "(": ["（", "⁽"], ")": ["）", "⁾"],
    " ": ["\u00a0", "\u200b", "\u3000", "\t"], "|": ["∣", "｜", "‖"], "/": ["÷", "∕"], "^": ["ˆ", "＾"],
    "s": ["ѕ"], "i": ["і", "ı"], "1": ["¹", "l", "I"],
}  # fmt: skip
_BRACKETS = "()[]|"
_STRAY = ["+", "-", "*", "/", "^", "**", "(", ")", "=", ";", ",", "|", "^-", "--", "**-", ".", "e", "1e"]
_SPLICES = ["9" * (MAX_DIGITS + 1), "9" * MAX_DIGITS, "10^10^10", "1.0e999999", "0." + "0" * 99, "sin(" * 10]


@st.composite
def _mutate(draw: st.DrawFn, text: str) -> str:
    """``text`` with one random edit."""
    kind = draw(st.sampled_from(["delete", "double", "swap", "bracket", "stray", "lookalike", "splice"]))
    if not text:
        return draw(st.sampled_from(_STRAY))
    i = draw(st.integers(0, len(text) - 1))
    if kind == "delete":
        return text[:i] + text[i + 1 :]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    if kind == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == "bracket":
        brackets = [j for j, char in enumerate(text) if char in _BRACKETS]
        if brackets:
            j = draw(st.sampled_from(brackets))
            edit = draw(st.sampled_from(["delete", "double", "flip"]))
            replacement = {"delete": "", "double": text[j] * 2, "flip": _flip(text[j])}[edit]
            return text[:j] + replacement + text[j + 1 :]
        return text[:i] + draw(st.sampled_from(_BRACKETS)) + text[i:]
    if kind == "lookalike":
        spots = [j for j, char in enumerate(text) if char in _LOOKALIKE_OF]
        if spots:
            j = draw(st.sampled_from(spots))
            return text[:j] + draw(st.sampled_from(_LOOKALIKE_OF[text[j]])) + text[j + 1 :]
    if kind == "splice":
        return text[:i] + draw(st.sampled_from(_SPLICES)) + text[i:]
    return text[:i] + draw(st.sampled_from(_STRAY)) + text[i:]


def _flip(bracket: str) -> str:
    return {"(": ")", ")": "(", "[": ")", "]": "(", "|": "("}[bracket]


@st.composite
def near_valid(draw: st.DrawFn, seeds: list[str] | None = None, max_edits: int = 4) -> str:
    """A valid seed with up to ``max_edits`` random edits (possibly none: valid input too)."""
    text = draw(st.sampled_from(seeds or SEEDS))
    for _ in range(draw(st.integers(0, max_edits))):
        text = draw(_mutate(text))
    return text


# --- resource limits ----------------------------------------------------------------------

_NEST_KINDS = {
    # kind: (opening, closing) repeated n times around the core
    "call": ("sin(", ")"),
    "paren": ("(", ")"),
    "square": ("[", "]"),
    "bars": ("|", "|"),
    "abstract": ("f(", ")"),
    "sqrt": ("sqrt ", ""),
    "surd": ("√", ""),
    "minus": ("-", ""),
    "power": ("x^", ""),
    "caret-minus": ("2^-", ""),
    "log10": ("log10(", ")"),
    "mixed": ("exp((", "))"),
}


@st.composite
def deep_nests(draw: st.DrawFn, low: int = MAX_DEPTH - 10, high: int = MAX_DEPTH + 10) -> str:
    """Nesting around the depth limit; sometimes unbalanced (one closer missing or extra)."""
    opening, closing = _NEST_KINDS[draw(st.sampled_from(sorted(_NEST_KINDS)))]
    depth = draw(st.integers(low, high))
    core = draw(st.sampled_from(["x", "x + 1", "2", "y z", "1.0e999999"]))
    closers = closing * depth
    if closers and draw(st.booleans()):
        closers = closers[: -len(closing)] if draw(st.booleans()) else closers + closing
    return opening * depth + core + closers


def number_towers() -> st.SearchStrategy[str]:
    """Powers of numbers whose value is astronomically large (or small) for their length."""
    number = st.sampled_from(["10", "9", "2", "0.5", "1.5", "1000", "99999", "2.0e10", "(-2)", "(1/3)"])
    caret = st.sampled_from(["^", "**"])

    @st.composite
    def tower(draw: st.DrawFn) -> str:
        parts = draw(st.lists(number, min_size=2, max_size=5))
        text = parts[0]
        for part in parts[1:]:
            text += draw(caret) + draw(st.sampled_from(["", "-"])) + part
        around = draw(
            st.sampled_from(["{}", "x*{}", "{}*x", "x^({})", "({})^x", "sin({})", "{}/{}", "{}-{}"])
        )
        return around.replace("{}", text)

    fixed = st.sampled_from([
        "10^10^10", "9**9**9", "2^1000^2", "10^999*10", "2^3321*2", "2^3322", "(10^999)^(10^999)",
        "0.5^100000", "10^-999/10^999", "10^(10^3)", "x^1001", "x^(10^10)", "(x^1000)^1000",
        "x**0.5**1000", "(2^0.5)^10000", "2^(1/2)^1000", "10^10^-10", "0^-1", "0^0", "1^(10^100)",
        "(-1)^(10^99)", "e^(10^99)", "exp(10^100)", "sin(10^999)", "sin^99999999999 x",
        "x^" + "9" * 100, "2" + "^2" * 30, "x" + "^2" * 30, "(1+x)^1000", "x^-10000",
    ])  # fmt: skip
    return fixed | tower()


def float_exponents() -> st.SearchStrategy[str]:
    """Scientific notation with huge, tiny and absurd exponents, alone or in an expression."""

    @st.composite
    def literal(draw: st.DrawFn) -> str:
        mantissa = draw(st.sampled_from(["1.0", "9.99", ".5", "0.0", "1." + "0" * 50, "123.456"]))
        sign = draw(st.sampled_from(["", "+", "-"]))
        exponent = draw(st.integers(0, 10**30)) if draw(st.booleans()) else draw(st.integers(990, 1010))
        letter = draw(st.sampled_from(["e", "E"]))
        around = draw(st.sampled_from(["{}", "x*{}", "{}x", "x^{}", "{}^x", "sin({})", "{}^{}"]))
        return around.replace("{}", f"{mantissa}{letter}{sign}{exponent}")

    return literal()


# --- systems ------------------------------------------------------------------------------

_SYSTEM_NAMES = ["y", "u", "v", "w", "x", "z", "f", "g", "e", "pi", "sin", "u1"]
_RIGHT_SIDES = ["x", "u", "v*w", "sin(u)", "u^2 + v", "x*z", "f(u, v)", "g(x)", "e^u", "y", "", "1", "u(x)"]


@st.composite
def systems(draw: st.DrawFn) -> str:
    """Equations over a few names: cycles, duplicates, unused definitions, bare lines."""
    count = draw(st.integers(1, 7))
    lines = []
    for _ in range(count):
        name = draw(st.sampled_from(_SYSTEM_NAMES))
        rhs = draw(st.sampled_from(_RIGHT_SIDES) | near_valid(SEED_EXPRESSIONS, max_edits=1))
        shape = draw(st.sampled_from(["{n} = {r}", "{n}={r}", "{r}", "{n} == {r}", "{n} = {r}  # note"]))
        lines.append(shape.format(n=name, r=rhs))
    separator = draw(st.sampled_from(["; ", "\n", ";", " ;\n", "\r\n", ";;"]))
    return separator.join(lines)


# --- valid random problems -------------------------------------------------------------------

_BUILTINS = [name for name in FUNCTIONS[: FUNCTIONS.index("f")] if name != "log"]
_VALID_LEAVES = st.sampled_from(["x", "y", "z", "2", "0.5", "pi", "e", "x^2", "3x", "(x + 1)", "1.5e-3"])


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    call = st.builds(lambda f, a: f"{f}({a})", st.sampled_from(_BUILTINS), children)
    bare = st.builds(lambda f, a: f"{f} {a}", st.sampled_from(["sin", "cos", "ln", "exp"]), _VALID_LEAVES)
    operator = st.sampled_from([" + ", " - ", "*", " / ", "^", " ", "·"])
    binary = st.builds(lambda a, op, b: f"({a}){op}({b})", children, operator, children)
    return call | call | bare | binary


def valid_problems() -> st.SearchStrategy[str]:
    """Syntactically valid problems: random compositions of functions and operators, and the
    seeds; they may still be refused (a power too large), but most are derived."""
    return st.recursive(_VALID_LEAVES, _grow, max_leaves=6) | st.sampled_from(SEEDS)


@st.composite
def problems_with_wrt(draw: st.DrawFn) -> tuple[str, str | None]:
    """A problem, mostly valid, and a variable it may have (None: let check choose)."""
    problem = draw(valid_problems() | near_valid(max_edits=1) | systems())
    present = [name for name in ("x", "y", "z", "t", "w1", "b1") if name in problem]
    wrt = draw(st.sampled_from(present) | st.none()) if present else draw(st.none() | st.just("x"))
    return problem, wrt


# --- everything together ------------------------------------------------------------------


def small_inputs() -> st.SearchStrategy[str]:
    """Everything but the deep nests: input that derives quickly when it is valid."""
    return st.one_of(token_soups(), near_valid(), number_towers(), float_exponents(), systems())


def hostile_inputs() -> st.SearchStrategy[str]:
    """Every kind of input above, deep nests included."""
    return st.one_of(small_inputs(), deep_nests())


# --- --at and --wrt values ----------------------------------------------------------------


def point_texts() -> st.SearchStrategy[str]:
    """Values for ``--at``: well formed, nearly so, and junk."""
    value = st.sampled_from(
        ["0.5", "2", "-1", "pi/4", "1.0e999999", "10^10^10", "0", "x", "", "sqrt(-1)", "1/0"]
    )
    pair = st.builds(
        lambda name, v: f"{name}={v}", st.sampled_from(["x", "z", "y", "u", "1x", " x", ""]), value
    )
    well_formed = st.lists(pair, min_size=1, max_size=3).map(",".join)
    return well_formed | near_valid(["x=0.5,z=2", "x=pi/4", "x=(1,2)"], max_edits=2) | token_soups(8)


# --- exercise files -----------------------------------------------------------------------

VALID_TOML = """[set]
name = "fuzz-set"
title = "A set"

[[exercise]]
id = "first"
problem = "ln(sin(x**3)**2)"
wrt = ["x"]
level = 2
hints = ["Name the layers."]
source = "fuzz"
"""


_TOML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (every character escaped that TOML requires)."""

    def escape(char: str) -> str:
        if char in _TOML_ESCAPES:
            return _TOML_ESCAPES[char]
        return char if 0x20 <= ord(char) != 0x7F else f"\\u{ord(char):04x}"

    return '"' + "".join(escape(char) for char in text) + '"'


@st.composite
def toml_files(draw: st.DrawFn) -> bytes:
    """An exercise file: valid with fuzzed fields, mutated TOML, or raw bytes."""
    kind = draw(st.sampled_from(["fields", "fields", "mutated", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "mutated":
        return draw(near_valid([VALID_TOML], max_edits=6)).encode("utf-8", "surrogatepass")
    problem = draw(small_inputs())
    wrt = draw(st.lists(st.sampled_from(["x", "y", "z", "", "u", "x"]), max_size=3))
    level = draw(st.sampled_from(["2", "0", "6", "true", '"2"', "2.0", "-1", "99999999999999999999999"]))
    exercise_id = draw(st.sampled_from(["first", "First", "a-b", "", "x y", "first"]))
    extra = draw(st.sampled_from(["", "extra = 1\n", "[[exercise]]\n", "[set]\n", "hints = []\n"]))
    wrt_text = "[" + ", ".join(_toml_string(name) for name in wrt) + "]"
    text = VALID_TOML.replace('"ln(sin(x**3)**2)"', _toml_string(problem))
    text = text.replace('["x"]', wrt_text).replace("level = 2", f"level = {level}")
    text = text.replace('id = "first"', f"id = {_toml_string(exercise_id)}") + extra
    if draw(st.booleans()):
        text += "\n" + text[text.index("[[exercise]]") :]  # a second exercise, maybe with the same id
    return text.encode("utf-8", "surrogatepass")


# --- files of answers (grade) and practice sessions ------------------------------------------

BANK_IDS = ["ln-sin-cube", "sec-x-squared", "cot-sqrt", "no-such-exercise", ""]
_STUDENTS = ["ada", "bo", "", " ", "Zoë", "a|b", "x" * 300, "émile\u200b", "=cmd()", "\x1b[31mred"]
_COMMANDS = ["hint", "skip", "help", "?", "h", "q", "", "  ", "HINT", "quit"]


def answers() -> st.SearchStrategy[str]:
    """What a student types as an answer: nearly right, hostile, or junk."""
    return st.one_of(
        near_valid(SEED_EXPRESSIONS, max_edits=2),
        small_inputs(),
        st.sampled_from(["6x^2 cos(x^3)/sin(x^3)", "3x^2 cos(x^3)", "cos(x^3)", "0", "", "u*2", "dy/dx"]),
        near_valid(_SYSTEM_ANSWERS, max_edits=2),  # the intermediates of a system, by name
    )


# Answers to the seed systems that use their intermediates' names.
_SYSTEM_ANSWERS = ["2*u*z + cos(x)", "u^u", "u*v*w", "2 u w1", "a*cos(x) - b sin(x)", "g^2 h", "L*a*(1-a)*w"]


def practice_lines() -> st.SearchStrategy[list[str]]:
    """The lines of a practice session: answers and commands, and sometimes a menu choice."""
    return st.lists(answers() | st.sampled_from(_COMMANDS) | st.sampled_from(["1", "99", "single-chains"]),
                    max_size=6)  # fmt: skip


_GOOD_STUDENTS = ["ada", "bo", "Zoë", "a|b `c`"]


@st.composite
def grade_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A file of answers for ``grade``: (suffix, content), TOML or CSV; mostly well formed
    (so that the answers get graded), sometimes with a broken row, mangled, or raw bytes."""
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        well_formed = draw(st.integers(0, 4)) > 0
        by_id = draw(st.booleans())
        rows.append(
            {
                "student": draw(st.sampled_from(_GOOD_STUDENTS if well_formed else _STUDENTS)),
                "exercise": draw(st.sampled_from(BANK_IDS[:3] if well_formed else BANK_IDS)) if by_id else "",
                "problem": "" if by_id else draw(st.sampled_from(SEED_EXPRESSIONS) | near_valid(max_edits=1)),
                "wrt": draw(st.sampled_from(["", "x"] if well_formed else ["", "x", "z", "q", "x,z"])),
                "answer": draw(answers()),
            }
        )
    suffix = draw(st.sampled_from([".toml", ".csv", ".toml", ".csv", ".txt"]))
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(list(rows[0]) if draw(st.integers(0, 5)) else ["student", "problem", "answer"])
        writer.writerows([list(row.values()) for row in rows])
        text = buffer.getvalue()
    else:
        tables = []
        for row in rows:
            keys = [key for key, value in row.items() if value or draw(st.booleans())]
            tables.append("[[answer]]\n" + "".join(f"{key} = {_toml_string(row[key])}\n" for key in keys))
        text = "\n".join(tables)
    kind = draw(st.sampled_from(["as is"] * 6 + ["mutated", "bytes"]))
    if kind == "mutated":
        text = draw(near_valid([text], max_edits=3))
    content = draw(st.binary(max_size=100)) if kind == "bytes" else text.encode("utf-8", "surrogatepass")
    return suffix, content
