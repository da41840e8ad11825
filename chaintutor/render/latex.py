"""LaTeX: a fragment to paste into homework, or with ``standalone`` a whole document.

The fragment needs amsmath only (``align*``, ``\\text``), so it also works where the preamble is
not the student's own, such as a notebook exported to PDF. Every step's equations are an
``align*`` block (the table of local derivatives an ``alignat*``, which keeps each rule next
to its formula); the dependency tree is a ``tabular`` drawn with rules, which needs no
package at all. Text outside formulas is escaped to ASCII, so pdflatex accepts it whatever
the input encoding.

The formula functions here are shared with the Markdown renderer, whose math is LaTeX too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import assert_never

import sympy

from chaintutor.core import notation as printing
from chaintutor.errors import InputError
from chaintutor.render.diagrams import latex_tree
from chaintutor.render.document import (
    CLOSE,
    COLON,
    EQUALS,
    OPEN,
    PLUS,
    TIMES,
    Adjoint,
    Block,
    ChainSum,
    Check,
    Deriv,
    Document,
    Equations,
    Formula,
    Op,
    Operator,
    Phrase,
    Piece,
    Prose,
    ReadAs,
    RuleRow,
    Rules,
    Table,
    Tree,
    Value,
    Word,
)
from chaintutor.render.linebreak import LINE_WIDTH, Chunk, expression_chunks, fill_lines, tex_width

_OPERATORS = {
    "=": " = ",
    "·": r" \cdot ",
    "+": " + ",
    "→": r" \to ",
    "(": r"\left(",
    ")": r"\right)",
    ":": r"\colon\ ",
}

_TEXT_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    # In the default OT1 font encoding these three print as other glyphs (—, ¡, ¿).
    "|": r"\textbar{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}

_TEXT_SYMBOLS = {
    "\u20d7": "",  # the arrow of 1⃗ (vectors): "1" in running text, \vec{1} in formulas
    "′": "'",
    "″": "''",
    "…": r"\ldots{}",
    "–": "--",
    "—": "---",
    "✓": r"\ensuremath{\surd}",
    "✗": r"\ensuremath{\times}",
}

# Mathematics in running text: every character as math mode writes it (and the Greek letters,
# added below). amsmath alone provides them all; ℝ is bold, as \mathbb would need amssymb.
MATH_CHARACTERS = {
    "·": r"\cdot", "−": "-", "×": r"\times", "÷": r"\div", "±": r"\pm", "∓": r"\mp",
    "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow",
    "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "↑": r"\uparrow", "↓": r"\downarrow",
    "∂": r"\partial", "∇": r"\nabla", "√": r"\surd", "∑": r"\sum", "∏": r"\prod", "∫": r"\int",
    "∞": r"\infty", "≠": r"\neq", "≈": r"\approx", "≤": r"\leq", "≥": r"\geq", "≡": r"\equiv",
    "∼": r"\sim", "∝": r"\propto", "∘": r"\circ", "⊙": r"\odot", "⊗": r"\otimes", "⊕": r"\oplus",
    "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq", "∪": r"\cup", "∩": r"\cap",
    "∅": r"\emptyset", "∀": r"\forall", "∃": r"\exists", "¬": r"\neg", "∧": r"\wedge",
    "∨": r"\vee", "‖": r"\|", "⟨": r"\langle", "⟩": r"\rangle", "ℓ": r"\ell", "°": r"^{\circ}",
    "ℝ": r"\mathbf{R}", "ℕ": r"\mathbf{N}", "ℤ": r"\mathbf{Z}", "ℚ": r"\mathbf{Q}", "ℂ": r"\mathbf{C}",
}  # fmt: skip

# The Greek letters: those a variable may be named after (θ is \\theta), π, the variants, and
# the capitals TeX does not have, which look like Latin letters (Α is A).
MATH_CHARACTERS |= {letter: "\\" + name for name, letter in printing.GREEK_LETTERS.items()}
MATH_CHARACTERS |= {"π": r"\pi", "Π": r"\Pi", "Υ": r"\Upsilon", "ϑ": r"\vartheta", "ϕ": r"\phi"}
MATH_CHARACTERS |= {"ς": r"\varsigma", "ο": "o"} | dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX", strict=True))

# Accents over a letter in running text (NFD marks): ū is \=u, é is \'e.
_ACCENTS = {
    "\u0300": "\\`", "\u0301": "\\'", "\u0302": "\\^", "\u0303": "\\~", "\u0304": "\\=",
    "\u0306": "\\u", "\u0307": "\\.", "\u0308": '\\"', "\u030a": "\\r", "\u030b": "\\H",
    "\u030c": "\\v", "\u0327": "\\c",
}  # fmt: skip
_MARKS = "\u0300-\u036f\u20d0-\u20ff"

# pdfTeX allows 255 nested groups (a limit fixed when TeX is built); a document and the
# environments around a formula take a few, the rest is what the formulas may use.
TEX_GROUPING_LIMIT = 255
_GROUPING_BUDGET = TEX_GROUPING_LIMIT - 10
_GROUP_TOKEN = re.compile(r"\\\\|\\[{}]|\\(?:left|right|begin|end)(?![a-zA-Z])|[{}]")
_SIZED_DELIMITER = re.compile(r"\\(?:left|right)(?:\.|(?![a-zA-Z]))")

_FRACTION = re.compile(r"\\frac(?=\{)")
_BRACE_TOKEN = re.compile(r"\\.|[{}]")  # an escaped brace (\{) is a character, not a group
# Superscripts and subscripts: x², uⁿ⁻¹, u₁, uⱼ, and the modifier letters of eˣ and xʸ.
_SCRIPT_RUN = re.compile(
    r"[\u2070-\u209f\u1d2c-\u1d6a\u1d9c-\u1dbf\u02b0-\u02b8\u02e0-\u02e4\u2c7c\u00b2\u00b3\u00b9]+"
)
# A letter with its accents, or a run of superscripts or subscripts.
_CLUSTER = re.compile(rf"{_SCRIPT_RUN.pattern}|.[{_MARKS}]*", re.S)


# --- formulas (math mode) ----------------------------------------------------------------


def _symbol(name: str) -> str:
    """A variable's name as LaTeX: ``w1`` → ``w_{1}``, ``theta`` → ``\\theta``."""
    return printing.latex(sympy.Symbol(name))


def formula(pieces: Formula) -> str:
    """A formula in LaTeX math mode, on one line."""
    return "".join(_piece(piece, index == len(pieces) - 1) for index, piece in enumerate(pieces))


def _piece(piece: Piece, last: bool) -> str:
    match piece:
        case Word(text=text, tex=tex):
            return (tex or _math_text(text)) + ("" if last else r"\ ")
        case sympy.Basic():
            return printing.latex(piece)
        case Deriv(of=of, wrt=wrt, partial=partial):
            d = r"\partial " if partial else "d"
            return rf"\frac{{{d}{_symbol(of)}}}{{{d}{_symbol(wrt)}}}"
        case Operator(wrt=wrt, partial=partial):
            top, d = (r"\partial", r"\partial ") if partial else ("d", "d")
            return rf"\frac{{{top}}}{{{d}{_symbol(wrt)}}}\,"
        case Op(symbol=symbol):
            return _OPERATORS[symbol]
        case ChainSum(of=of, wrt=wrt, via=via):
            of, wrt, middle = _symbol(of), _symbol(wrt), rf"\partial {via}_j"
            return rf"\sum_j \frac{{\partial {of}}}{{{middle}}}\,\frac{{{middle}}}{{\partial {wrt}}}"
        case Value(number=number):
            return _number(number)
        case Adjoint(name=name):
            return _adjoint(name)
        case _:
            assert_never(piece)


_BREAKS = {TIMES, PLUS, EQUALS}


def formula_lines(pieces: Formula) -> list[str]:
    """A formula cut into lines that fit a page: at its products, sums and equals signs, and
    inside an expression too wide for one line (see ``linebreak``)."""
    printed = [_piece(piece, index == len(pieces) - 1) for index, piece in enumerate(pieces)]
    whole = "".join(printed)
    if tex_width(whole) <= LINE_WIDTH:
        return [whole]
    chunks: list[Chunk] = []
    joiner, pending, depth = "", "", 0
    for piece, tex in zip(pieces, printed, strict=True):
        if depth == 0 and piece in _BREAKS:
            chunks.append(Chunk(joiner, pending))
            joiner, pending = _OPERATORS[piece.symbol], ""
            continue
        depth += (piece == OPEN) - (piece == CLOSE)
        if depth == 0 and isinstance(piece, sympy.Expr) and tex_width(tex) > LINE_WIDTH:
            first, *rest = expression_chunks(piece, printing.latex)
            pending += first.tex
            if rest:
                chunks.append(Chunk(joiner, pending))
                *middle, last = rest
                chunks += middle
                joiner, pending = last.joiner, last.tex
        else:
            pending += tex
    return fill_lines([*chunks, Chunk(joiner, pending)])


def _number(value: float) -> str:
    """Ten significant digits, as the text output shows them; 1e-05 becomes 1 \\times 10^{-5}."""
    mantissa, _, exponent = f"{value:.10g}".partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


def _adjoint(name: str) -> str:
    """The bar goes on the letter, not on its index: ``\\bar{w}_{1}``."""
    tex = _symbol(name)
    letter = len(re.split(r"[_^]", tex, maxsplit=1)[0])
    return rf"\bar{{{tex[:letter]}}}{tex[letter:]}"


def _math_text(text: str) -> str:
    r"""Words inside a formula. An underscore steps out of ``\text``, where MathJax would show ``\_``."""
    return r"\_".join(rf"\text{{{escape_text(part)}}}" for part in text.split("_"))


def equation_lines(block: Equations) -> list[str]:
    """The rows of an ``align*`` or ``aligned`` environment, aligned on the first '='; a right
    side too long for the page goes on in indented lines."""
    return [line for row in equation_rows(block) for line in row]


def equation_rows(block: Equations) -> list[list[str]]:
    """The lines of each equation of the block: its left side's, then every '=' after it."""
    rows = []
    for left, rights in block.rows:
        if block.inline:
            rows.append([f"{formula(left)} &= " + " = ".join(formula(right) for right in rights)])
            continue
        label, left = _label_apart(left)
        lines = [f"{label} &"] if label else []
        for number, right in enumerate(rights):
            first, *more = formula_lines(right)
            lines.append(f"{formula(left) if number == 0 else ''} &= {first}".lstrip())
            lines.extend(rf"&\qquad {line}" for line in more)
        rows.append(lines)
    return rows


def _label_apart(left: Formula) -> tuple[str, Formula]:
    """A left side too wide for its column loses its label ("path 1: y → u → x:") to a line of
    its own above it."""
    if COLON not in left or tex_width(formula(left)) <= LINE_WIDTH / 2:
        return "", left
    end = left.index(COLON) + 1
    return formula(left[:end]), left[end:]


def environment(name: str, lines: list[str], argument: str = "") -> list[str]:
    body = [line + r" \\" for line in lines[:-1]] + lines[-1:]
    opening = rf"\begin{{{name}}}" + (f"{{{argument}}}" if argument else "")
    return [opening, *body, rf"\end{{{name}}}"]


KEPT_TOGETHER = 12  # an equation of up to this many lines never breaks across pages


def kept_together(rows: list[list[str]]) -> list[str]:
    """``align*`` lines that a page breaks only between equations: ``\\*`` (amsmath's "no page
    break here") inside one, so that "= ∇y·v′" never opens a page alone. An equation longer
    than ``KEPT_TOGETHER`` lines may break inside, but never after its first line or before
    its last."""
    body = []
    for number, lines in enumerate(rows):
        last_row = number == len(rows) - 1
        for index, line in enumerate(lines):
            if last_row and index == len(lines) - 1:
                body.append(line)
            elif index == len(lines) - 1:
                body.append(line + r" \\")
            elif len(lines) <= KEPT_TOGETHER or index in (0, len(lines) - 2):
                body.append(line + r" \\*")
            else:
                body.append(line + r" \\")
    return [r"\begin{align*}", *body, r"\end{align*}"]


# --- formulas printed in Unicode, inside sentences ------------------------------------------

# The functions TeX sets upright with a command of its own; others get \operatorname.
_TEX_FUNCTIONS = frozenset(
    ["sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
     "coth", "ln", "log", "exp", "max", "min"]
)  # fmt: skip
_UNICODE_TOKEN = re.compile(
    rf"(?P<name>[A-Za-z][A-Za-z_]*\d*)(?P<call>\()?|(?P<number>\d+(?:\.\d+)?)"
    rf"|(?P<script>{_SCRIPT_RUN.pattern})|(?P<other>.)",
    re.S,
)
_ATOM = re.compile(rf"[A-Za-z][A-Za-z_]*\d*|\d+(?:\.\d+)?|[{''.join(printing.GREEK_LETTERS.values())}]")
_MATH_SPECIALS = {"{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "_": r"\_"}
_MATH_SPECIALS |= {"\\": r"\backslash ", "~": r"\sim ", "′": "'", "″": "''", "*": r"\ast "}
_VECTOR_ARROW = "\u20d7"
_REALS = re.compile(r"(?<=∈ )R(?=\^|\b)")  # "x ∈ R^n": the set of real numbers
_ENDS_IN_COMMAND = re.compile(r"\\[A-Za-z]+$")  # \to needs a space before a letter
_SPACES = re.compile(r"(?<=\S)  +")
_WRITABLE = MATH_CHARACTERS.keys() | _MATH_SPECIALS.keys() | {_VECTOR_ARROW}


def is_unicode_formula(text: str) -> bool:
    """Whether :func:`unicode_formula_tex` can write every character of ``text``."""
    return all(char.isascii() or char in _WRITABLE or _SCRIPT_RUN.match(char) for char in text)


def unicode_formula_tex(text: str) -> str:
    """A formula as the text output prints it (``x·eˣ + 1/(2√x)``, ``∂u1/∂w``, ``e^(u1 - 1)``)
    in LaTeX math mode: ``x \\cdot e^{x} + 1/(2\\sqrt{x})``. For formulas inside sentences
    (check's mistakes, the notes of vector write-ups), which only exist as text; slashes stay
    slashes, as the sentence wrote them."""
    text = _REALS.sub("ℝ", text)
    out: list[str] = []
    position = 0
    while position < len(text):
        if text[position] in "^√":
            tex, position = _raised_or_root(text, position)
            out.append(tex)
            continue
        token = _UNICODE_TOKEN.match(text, position)
        assert token is not None  # (?P<other>.) matches any character
        tex, position = _token_tex(token), token.end()
        if text.startswith(_VECTOR_ARROW, position):  # 1⃗, the vector of ones
            tex, position = rf"\vec{{{tex}}}", position + 1
        out.append(tex)
    return _SPACES.sub(" ", "".join(out))


def _raised_or_root(text: str, position: int) -> tuple[str, int]:
    """``^(…)``, ``^u1``, ``√(…)``, ``√x`` at ``position``: the TeX and where it ends."""
    command = "^" if text[position] == "^" else r"\sqrt"
    start = position + 1
    if text.startswith("(", start):
        depth = 0
        for end in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                return f"{command}{{{unicode_formula_tex(text[start + 1 : end])}}}", end + 1
    atom = _ATOM.match(text, start)
    if atom is not None:
        return f"{command}{{{unicode_formula_tex(atom.group())}}}", atom.end()
    return (r"\wedge " if command == "^" else r"\surd "), start


def _token_tex(token: re.Match[str]) -> str:
    if token.group("name"):
        name = token.group("name")
        if not token.group("call"):
            return _symbol(name)
        if name in _TEX_FUNCTIONS:
            return rf"\{name}("
        return f"{name}(" if len(name) == 1 else rf"\operatorname{{{name}}}("
    if token.group("number"):
        return token.group()
    if token.group("script"):
        run = token.group()
        mark = "_" if "SUBSCRIPT" in unicodedata.name(run[0], "") else "^"
        return f"{mark}{{{unicode_formula_tex(unicodedata.normalize('NFKC', run).replace('−', '-'))}}}"
    char = token.group()
    if char in _MATH_SPECIALS:
        return _MATH_SPECIALS[char]
    if char in MATH_CHARACTERS:
        tex = MATH_CHARACTERS[char]
        return tex + " " if _ENDS_IN_COMMAND.search(tex) else tex
    return char if char.isascii() else rf"\text{{{escape_text(char)}}}"


# --- text mode -----------------------------------------------------------------------------


# Short English words that a problem may also use as a variable's name: in a sentence they
# are words, unless an operator stands next to them ("a = x·z").
_ENGLISH = frozenset(
    ["a", "an", "and", "as", "at", "be", "by", "if", "in", "is", "it", "of", "on", "or", "the", "to"]
)
_OPERATOR_WORDS = frozenset(["=", "+", "-", "−", "→", "·", "/", "×", "<", ">", "≤", "≥", "≠", "≈"])
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_SEPARATOR = "·"  # after a number, it separates a title's number from its words: "Step 2 · Local"
_FORMULA_MARKS = re.compile(r"[\d()^/+=·√∂∇→\u0080-\uffff|]")


def formulas_in(text: str, names: frozenset[str] = frozenset()) -> Phrase:
    """A sentence written in Unicode (check's "the derivative of the inner function u1 = x²,
    2x, is missing", a vector write-up's notes) with its formulas as mathematics, for the
    writers that typeset: the words stay text, every formula (a run of words joined by
    operators, or one with a digit, a bracket or a mathematical sign; one of ``names``; a
    letter on its own but "a") is set from its Unicode form by ``unicode_formula_tex``."""
    chunks = _chunks(text)
    kinds = [_kind(core, names) for _, core, _ in chunks]
    for index, (_, core, trail) in enumerate(chunks):
        if kinds[index] == "number" or (kinds[index] == "word" and _NAME.fullmatch(core)):
            before = index > 0 and _joins(chunks[index - 1], kinds[index - 1])
            after = index + 1 < len(chunks) and _joins(chunks[index + 1], kinds[index + 1]) and not trail
            kinds[index] = "math" if before or after else kinds[index]
    phrase: list[str | tuple[Word, ...]] = []
    span: list[str] = []

    def close_span() -> None:
        if span:
            phrase.extend(_formula_part(" ".join(span)))
            span.clear()

    for index, ((space, core, trail), kind) in enumerate(zip(chunks, kinds, strict=True)):
        mathematical = kind in ("math", "operator") and is_unicode_formula(core)
        if core == _SEPARATOR and index > 0 and kinds[index - 1] == "number":
            mathematical = False  # "Step 2 · Local derivatives"
        if mathematical and not span:
            phrase.append(space)
        if mathematical and _open_brackets(" ".join([*span, core])) > 0:
            span.append(core + trail)  # the comma of max(0, u) is the formula's
            continue
        if mathematical:
            span.append(core)
        else:
            close_span()
            phrase.append(space + core)
        if trail or not mathematical:
            close_span()
            phrase.append(trail)
    close_span()
    return tuple(part for part in phrase if part)


def _open_brackets(text: str) -> int:
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def _joins(chunk: tuple[str, str, str], kind: str) -> bool:
    """Whether ``chunk`` is an operator that makes the words beside it mathematics."""
    return kind == "operator" and chunk[1] != _SEPARATOR and not chunk[2]


def _chunks(text: str) -> list[tuple[str, str, str]]:
    """(the space before, the word or formula, the punctuation after) for every piece of ``text``."""
    return [
        (match.group(1), match.group(2), match.group(3))
        for match in re.finditer(r"(\s*)(\S+?)([,;:.]*)(?=\s|$)", text)
    ]


def _kind(core: str, names: frozenset[str]) -> str:
    if core in _OPERATOR_WORDS:
        return "operator"
    if core.isdigit():
        return "number"
    bare = core.strip("()")
    if _WORD.fullmatch(bare):
        named = bare in names or (len(bare) == 1 and bare not in "aAI")
        return "math" if named and bare not in _ENGLISH else "word"
    return "math" if _FORMULA_MARKS.search(core) else "word"


def _formula_part(span: str) -> list[str | tuple[Word, ...]]:
    """A formula with what belongs to the sentence around it left outside as text: the
    brackets of "(from u = b + w·x)" or "(n)", and an operator at either end."""
    parts = span.split(" ")
    if all(part in _OPERATOR_WORDS for part in parts):
        return [(Word(span, unicode_formula_tex(span)),)]  # "⊙ is … and · the dot product"
    lead = trail = ""
    while parts[0] in _OPERATOR_WORDS:
        lead += parts.pop(0) + " "
    while parts[-1] in _OPERATOR_WORDS:
        trail = " " + parts.pop() + trail
    span = " ".join(parts)
    while span.startswith("(") and (span.count("(") > span.count(")") or _bracketed(span)):
        lead, span = lead + "(", span[1:]
    while span.endswith(")") and span.count(")") > span.count("("):
        trail, span = ")" + trail, span[:-1]
    if not span.strip():  # only brackets: no formula ("$$" would open a display in Markdown)
        return [lead + span + trail]
    return [lead, (Word(span, unicode_formula_tex(span)),), trail]


def _bracketed(span: str) -> bool:
    """Whether the bracket that opens ``span`` closes at its end: (n), (1×n)."""
    depth = 0
    for index, char in enumerate(span):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(span) - 1
    return False


def words(text: str, phrase: Phrase) -> str:
    """Text with its mathematics set as inline math ("$x$ reaches $y$"); the escaped ``text``
    when the phrase is empty (it has no mathematics)."""
    if not phrase:
        return escape_text(text)
    return "".join(escape_text(part) if isinstance(part, str) else f"${formula(part)}$" for part in phrase)


def escape_text(text: str) -> str:
    """Plain text for LaTeX text mode, in ASCII: specials escaped, Unicode mathematics as
    mathematics (θ is ``\\ensuremath{\\theta}``), accents as accent commands. A character
    with no such form is named ("[SNOWMAN]"), never dropped or turned into a '?'."""
    return _escape_clusters(unicodedata.normalize("NFC", text))


def _escape_clusters(text: str) -> str:
    found = (cluster.group() for cluster in _CLUSTER.finditer(text))
    return "".join(_script(run) if _SCRIPT_RUN.fullmatch(run) else _escape_cluster(run) for run in found)


def _script(run: str) -> str:
    """Superscripts (x², uⁿ⁻¹) and subscripts (uⱼ) as \\textsuperscript / \\textsubscript."""
    command = "textsubscript" if "SUBSCRIPT" in unicodedata.name(run[0], "") else "textsuperscript"
    plain = unicodedata.normalize("NFKC", run).replace("−", "-")
    return rf"\{command}{{{escape_text(plain)}}}"


def _escape_cluster(cluster: str) -> str:
    """One character, or a letter with accents (ū: \\={u})."""
    base, marks = cluster[0], cluster[1:]
    out = _escape_char(base)
    for mark in marks:
        out = rf"{_ACCENTS[mark]}{{{out}}}" if mark in _ACCENTS else out + _escape_char(mark)
    return out


def _escape_char(char: str) -> str:
    if char.isascii():
        return _TEXT_SPECIALS.get(char, char)
    if char in _TEXT_SYMBOLS:
        return _TEXT_SYMBOLS[char]
    if char in MATH_CHARACTERS:
        return rf"\ensuremath{{{MATH_CHARACTERS[char]}}}"
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char:  # é, ﬁ, a full-width x: the letters they are made of
        return _escape_clusters(decomposed)
    return f"[{unicodedata.name(char, f'U+{ord(char):04X}')}]"


# --- the document --------------------------------------------------------------------------

_PREAMBLE = r"""\documentclass{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\allowdisplaybreaks
\begin{document}
"""


def render_document(document: Document, standalone: bool = False) -> str:
    lines = [rf"\section*{{{escape_text(document.title)}}}"]
    lines += [line for block in document.preface for line in ["", *_block(block)]]
    lines += ["", *_statement(document.statement)]
    for section in document.sections:
        lines += [
            "",
            rf"\subsection*{{{words(section.title, section.phrase or formulas_in(section.title))}}}",
        ]
        for block in section.blocks:
            lines += ["", *_block(block)]
    body = _within_tex_grouping_limit("\n".join(lines) + "\n")
    if not standalone:
        return body
    return f"{_PREAMBLE}\n{body}\n\\end{{document}}\n"


def _statement(statement: Formula) -> list[str]:
    """``y = …`` displayed; on several aligned lines when it is too long for one."""
    if statement[1:2] == (EQUALS,):
        rows = equation_rows(Equations(((statement[:1], (statement[2:],)),)))
        if len(rows[0]) > 1:
            return kept_together(rows)
    return [rf"\[ {formula(statement)} \]"]


def grouping_depth(tex: str) -> int:
    """How deeply TeX groups nest in ``tex``: braces, ``\\left…\\right`` and environments."""
    depth = deepest = 0
    for token in _GROUP_TOKEN.finditer(tex):
        text = token.group()
        if text in ("{", r"\left", r"\begin"):
            depth += 1
            deepest = max(deepest, depth)
        elif text in ("}", r"\right", r"\end"):
            depth -= 1
    return deepest


def _within_tex_grouping_limit(tex: str) -> str:
    """Deep nests (past about 120 levels) would stop pdflatex with "TeX capacity exceeded".
    Every ``\\left( … \\right)`` is a group of its own, so plain delimiters halve the depth;
    deeper than that, say so rather than write LaTeX that does not compile."""
    if grouping_depth(tex) <= _GROUPING_BUDGET:
        return tex
    plain = _SIZED_DELIMITER.sub("", tex)
    depth = grouping_depth(plain)
    if depth > _GROUPING_BUDGET:
        raise InputError(
            f"this problem nests too deeply for LaTeX: its formulas nest {depth} groups deep, and"
            f" pdflatex stops at {TEX_GROUPING_LIMIT} in all; use --format text, markdown or json"
        )
    return plain


def _block(block: Block) -> list[str]:
    match block:
        case Prose(text=text, phrase=phrase):
            return [words(text, phrase or formulas_in(text))]
        case Equations():
            return kept_together(equation_rows(block))
        case Table(header=header, rows=rows):
            lines = [r" & \qquad ".join(_cell(cell) for cell in row) for row in rows]
            return environment("alignat*", lines, str(len(header)))
        case Rules(rows=rows):
            return _rule_list(rows)
        case Tree(root=root):
            return latex_tree(root, formula, escape_text)
        case Check(ok=ok, text=text, phrase=phrase):
            return [
                (r"\textbf{Check:} " if ok else r"\textbf{Check failed:} ")
                + words(text, phrase or formulas_in(text))
            ]
        case ReadAs(tex=tex, flags=flags):
            return [
                rf"\textbf{{Read as:}} \( {tex} \)",
                *(rf"\\ Ambiguous: {escape_text(flag)}." for flag in flags),
            ]
        case _:
            assert_never(block)


def _rule_list(rows: tuple[RuleRow, ...]) -> list[str]:
    """One paragraph a line, indented by its depth: text and inline mathematics wrap at the
    margin (an aligned display would run past it), and no nesting limit applies (itemize
    stops at four levels). A rule stated as a formula breaks only at its operators, so the
    lines may stretch further than TeX's default before one runs past the margin."""
    lines = [r"\smallskip", r"{\tolerance=1000\emergencystretch=2em"]
    for row in rows:
        indent = f"{1 + 1.5 * row.depth:g}em"
        line = rf"${_inline_lines(row.formula)}$\quad {words(row.rule, row.phrase or formulas_in(row.rule))}"
        lines.append(rf"{{\leftskip={indent}\noindent {line}\par}}")
    return [*lines, "}", r"\smallskip"]


def _inline_lines(pieces: Formula) -> str:
    """A formula for inline mathematics: one line or, too wide for the page, lines stacked in
    an ``aligned`` block (inline mathematics cannot break inside ``\\left( … \\right)``)."""
    first, *more = formula_lines(pieces)
    if not more:
        return stacked(first)
    rest = "".join(rf" \\ &\qquad {line}" for line in more)
    return stacked(rf"\begin{{aligned}}[t]& {first}{rest}\end{{aligned}}")


def stacked(tex: str) -> str:
    r"""Inline mathematics with a fraction inside a fraction set as a display sets it: inline,
    TeX shrinks the inner fraction to the size of a script, where a textbook stacks both."""
    return r"\displaystyle " + tex if has_nested_fraction(tex) else tex


def has_nested_fraction(tex: str) -> bool:
    """Whether a ``\\frac`` stands inside the numerator or denominator of another."""
    for match in _FRACTION.finditer(tex):
        position = match.end()
        for _ in range(2):
            end = _group_end(tex, position)
            if r"\frac" in tex[position:end]:
                return True
            position = end
    return False


def _group_end(tex: str, start: int) -> int:
    """Where the brace group opening at ``tex[start]`` closes (just past its '}')."""
    depth = 0
    for token in _BRACE_TOKEN.finditer(tex, start):
        depth += {"{": 1, "}": -1}.get(token.group(), 0)
        if depth == 0:
            return token.end()
    return len(tex)


def _cell(cell: Formula | str) -> str:
    """One column pair of ``alignat*``: a formula aligned on its '=', or text in the left column."""
    if isinstance(cell, str):
        return rf"& \text{{{escape_text(cell)}}}"
    if EQUALS in cell:
        split = cell.index(EQUALS)
        return f"{formula(cell[:split])} &= {formula(cell[split + 1 :])}"
    return f"& {formula(cell)}"
