"""Plain text: Unicode mathematics, aligned, no ANSI escapes; long formulas wrapped, never cut.

A document is laid out once, as lines of styled spans (:func:`document_lines`): the text
format joins the spans, the terminal colours them (:mod:`chaintutor.render.terminal`). With
a width, a formula too long for its line is broken where a textbook breaks it, at a top-level
``=`` first, then ``+`` or ``−``, then ``·`` (the order :mod:`chaintutor.render.linebreak`
follows for LaTeX), each continuation line starting with its operator and indented under the
first line's right-hand side; only a run with no operator at all is cut between characters.
Every character of every formula is printed, at any width. Without a width (output piped to a
script) each formula stays on one line.
"""

from __future__ import annotations

import functools
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from itertools import chain, pairwise
from typing import TypeAlias, assert_never

import sympy

from chaintutor.core import notation as printing
from chaintutor.render.document import (
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
    Piece,
    Prose,
    ReadAs,
    Rules,
    Table,
    Tree,
    TreeNode,
    Value,
    Word,
)

_OPERATORS = {"=": " = ", "·": " · ", "+": " + ", "→": " → ", "(": "(", ")": ")", ":": ": "}
_BRACKETS_A_NEGATIVE = "·+"  # after these, "x · -2" reads as a subtraction: x · (-2)

MIN_FORMULA_WIDTH = 20  # columns a formula needs beside its label; with fewer, it goes under it
MIN_RULE_WIDTH = 24  # columns the rule column of the local derivatives needs, else rules go under
_HANG = 4  # the indentation of a formula put under its label


def formula(pieces: Formula) -> str:
    """A formula in Unicode, as one line."""
    texts = [_piece(piece, index, len(pieces)) for index, piece in enumerate(pieces)]
    for index, (before, piece) in enumerate(pairwise(pieces), start=1):
        negative = isinstance(piece, sympy.Basic) and texts[index].startswith("-")
        if negative and isinstance(before, Op) and before.symbol in _BRACKETS_A_NEGATIVE:
            texts[index] = f"({texts[index]})"
    return "".join(texts)


def _piece(piece: Piece, index: int, count: int) -> str:
    match piece:
        case Deriv(of=of, wrt=wrt, partial=partial):
            return printing.ratio(printing.name_text(of), printing.name_text(wrt), partial)
        case Operator(wrt=wrt, partial=partial):
            return printing.ratio("", printing.name_text(wrt), partial) + " "
        case Op(symbol=symbol):
            return _OPERATORS[symbol]
        case Value(number=number):
            digits = f"{number:.10g}"
            return f"({digits})" if number < 0 and index > 0 else digits
        case Adjoint(name=name):
            return _adjoint(name)
        case ChainSum(of=of, wrt=wrt, via=via):
            of, wrt = printing.name_text(of), printing.name_text(wrt)
            return f"Σⱼ ∂{of}/∂{via}ⱼ · ∂{via}ⱼ/∂{wrt}"
        case Word(text=text):
            return names_in(text) + (" " if index < count - 1 else "")
        case sympy.Basic():
            return _unicode(piece)
        case _:
            assert_never(piece)


@functools.lru_cache(maxsize=1024)
def _unicode(expr: sympy.Basic) -> str:
    """Printed once: a big graph's write-up shows a definition in its equations and its tree."""
    return names_in(printing.unicode(expr))


def _adjoint(name: str) -> str:
    """ū₁ for the adjoint of u1: the bar on the letters, the index below."""
    letters = name.rstrip("0123456789")
    return printing.name_text(f"{letters}bar{name[len(letters) :]}") if letters.isalpha() else name + "\u0304"


# A variable's name in a sentence or a formula: one or two letters and an index (u1, J2, w10,
# x_1, the adjoint ū1), or a Greek name (theta, theta1), after a coefficient (6u1, 2theta) or not.
_GREEK = "|".join(printing.GREEK_LETTERS)
_NAME_IN_TEXT = re.compile(
    rf"(?<![A-Za-z_.])(?:[A-Za-z]{{1,2}}\u0304?_?\d{{1,2}}|(?:{_GREEK})(?=[\d\u0304]|\b)\u0304?\d{{0,2}})"
    r"(?![A-Za-z_]|\.\w)"
)


def names_in(text: str) -> str:
    """Text with the variables' names as a textbook prints them: "u1 reaches y" is "u₁ reaches
    y", "6u1²" is "6u₁²", "sin(2theta)" is "sin(2θ)"."""
    return _NAME_IN_TEXT.sub(lambda match: printing.name_text(match.group().replace("\u0304", "bar")), text)


# --- breaking one formula into lines ---------------------------------------------------------

# Where a formula may break, best first: (text, rank, the break comes after it). A break inside
# brackets costs ten ranks a level, so a top-level '·' is preferred to a '+' inside brackets.
_BREAKS = (
    (" = ", 0, False),
    (": ", 0, True),
    ("; ", 0, True),
    (" → ", 1, False),
    (", ", 1, True),
    (" + ", 2, False),
    (" - ", 2, False),
    (" − ", 2, False),
    (" · ", 3, False),
    ("·", 4, False),
    ("/", 5, False),
    (" ", 6, False),
)
_OPENING, _CLOSING = "([{", ")]}"
_STEP_DOT = re.compile(r"(?<=^Step \d) · ")


def width(text: str) -> int:
    """Columns on screen: combining marks (the bar of x̄) take none, wide characters two."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def break_formula(text: str, first: int, rest: int, labelled: bool = False) -> list[str]:
    """``text`` in lines of at most ``first`` columns (the first line) and ``rest`` (the others),
    broken at the best places; each line after the first starts with its operator.
    ``labelled``: the text starts with a label (``dy/dx = …``) that keeps the beginning of
    what follows beside it."""
    filler = _Filler(max(first, 1), max(rest, 1), labelled)
    filler.add(text)
    return filler.finish()


def _breaks(text: str) -> list[tuple[int, int]]:
    """(position, cost) of every place ``text`` may break, the start excluded."""
    found: list[tuple[int, int]] = []
    first, last = len(text) - len(text.lstrip()), len(text.rstrip())
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        separator = next((entry for entry in _BREAKS if text.startswith(entry[0], index)), None)
        if separator is not None and index > first:
            symbol, rank, after = separator
            position = index + len(symbol) if after else index
            if position < last:
                found.append((position, 10 * depth + rank))
            index += len(symbol)
            continue
        depth += char in _OPENING
        depth -= char in _CLOSING and depth > 0
        index += 1
    return found


def _pieces(text: str) -> list[str] | None:
    """``text`` cut at every break of its cheapest kind, or None when it has none."""
    found = _breaks(text)
    if not found:
        return None
    cheapest = min(cost for _, cost in found)
    cuts = [0, *(position for position, cost in found if cost == cheapest), len(text)]
    return [text[start:end] for start, end in pairwise(cuts)]


class _Filler:
    """Greedy filling: a piece that does not fit on the line goes to the next; a piece wider
    than a whole line is cut into its own pieces, down to characters if it must be. A short
    label that starts the formula (``dy/dx``) keeps the beginning of what follows beside it."""

    def __init__(self, first: int, rest: int, labelled: bool) -> None:
        self.first, self.rest, self.labelled = first, rest, labelled
        self.lines = [""]
        self.used = 0  # the columns of the last line
        self.placed = 0  # pieces on the first line

    def limit(self) -> int:
        return self.first if len(self.lines) == 1 else self.rest

    def add(self, segment: str) -> None:
        size = width(segment)
        if self.used + size <= self.limit():
            self._append(segment, size)
            self.placed += 1
            return
        beside_label = self.labelled and len(self.lines) == 1 and self.placed == 1
        if self.lines[-1].strip() and not (beside_label and 3 * self.used <= self.limit()):
            self._new_line()
            segment = segment.lstrip()
            size = width(segment)
            if size <= self.limit():
                self._append(segment, size)
                return
        pieces = _pieces(segment)
        if pieces is None:
            self._fold(segment)
            return
        for piece in pieces:
            self.add(piece)

    def _append(self, text: str, size: int) -> None:
        self.lines[-1] += text
        self.used += size

    def _new_line(self) -> None:
        self.lines[-1] = self.lines[-1].rstrip()
        self.lines.append("")
        self.used = 0

    def _fold(self, segment: str) -> None:
        for char in segment:
            size = width(char)
            if self.used and self.used + size > self.limit():
                self._new_line()
            if self.lines[-1] or not char.isspace():
                self._append(char, size)

    def finish(self) -> list[str]:
        lines = [line.rstrip() for line in self.lines]
        return [line for line in lines if line] or [""]


# --- laying out a document -------------------------------------------------------------------

Span: TypeAlias = tuple[str, str]  # (text, role): the terminal styles each role
Line: TypeAlias = tuple[Span, ...]


def render_document(document: Document, line_width: int | None = None, ascii: bool = False) -> str:
    """The document as plain text, ``line_width`` columns wide (None: each formula on one line)."""
    lines = document_lines(document, line_width, ascii)
    return "\n".join("".join(text for text, _ in line).rstrip() for line in lines) + "\n"


def document_lines(document: Document, line_width: int | None = None, ascii: bool = False) -> list[Line]:
    """The document as lines of styled spans, each at most ``line_width`` columns wide."""
    return _Layout(line_width, ascii).document(document)


@dataclass(frozen=True)
class _Layout:
    width: int | None
    ascii: bool

    def math(self, pieces: Formula) -> str:
        return self.words(formula(pieces))

    def words(self, text: str) -> str:
        """Text as printed: names as the formulas have them (u₁, θ), or all of it in ASCII."""
        return printing.ascii_text(names_in(text)) if self.ascii else names_in(text)

    def document(self, document: Document) -> list[Line]:
        lines = self.paragraph(document.title, "title")
        for block in document.preface:
            lines.append(())
            lines += self.block(block)
        lines.append(())
        statement = self.math(document.statement)
        head, equals, body = statement.partition(" = ")
        if not equals or (self.width is not None and self.width - 2 - width(head) - 3 < MIN_FORMULA_WIDTH):
            head, body = "", statement
        lines += self.hang("  " + head + equals, body, "statement", "statement")
        for section in document.sections:
            lines.append(())
            lines += self.heading(section.title)
            for block in section.blocks:
                lines += self.block(block)
        return lines

    def heading(self, title: str) -> list[Line]:
        shown = self.words(_STEP_DOT.sub(": ", title, count=1) if self.ascii else title)
        lines = self.paragraph(shown, "heading")
        longest = max(width("".join(text for text, _ in line)) for line in lines)
        return [*lines, ((self.words("─") * longest, "underline"),)]

    def paragraph(self, text: str, role: str, indent: str = "") -> list[Line]:
        """Words wrapped to the width, lines after the first indented by ``indent``."""
        text = self.words(text)
        if self.width is None:
            return [((text, role),)]
        wrapped = textwrap.wrap(
            text, self.width, subsequent_indent=indent, break_on_hyphens=False, break_long_words=True
        )
        return [((line, role),) for line in wrapped or [""]]

    def hang(self, head: str | Line, body: str, head_role: str, body_role: str) -> list[Line]:
        """``head`` then ``body``, the body broken to the width, its continuation lines indented
        under its start. ``head`` is a text in ``head_role`` or styled spans."""
        spans: Line = ((head, head_role),) if isinstance(head, str) else head
        if self.width is None:
            return [(*spans, (body, body_role))]
        under = width("".join(text for text, _ in spans))
        parts = break_formula(body, self.width - under, self.width - under)
        first: Line = (*spans, (parts[0], body_role))
        return [first, *(((" " * under, ""), (part, body_role)) for part in parts[1:])]

    def block(self, block: Block) -> list[Line]:
        match block:
            case Prose(text=text):
                return self.paragraph(text, "prose")
            case Equations():
                return self.equations(block)
            case Table():
                return self.table(block)
            case Rules():
                return self.rules(block)
            case Tree(root=root):
                return self.tree(root)
            case Check(ok=ok, text=text):
                return self.paragraph(("✓ " if ok else "✗ ") + text, "ok" if ok else "bad", "  ")
            case ReadAs(text=text, flags=flags):
                flagged = (self.paragraph(f"  Ambiguous: {flag}.", "note", "    ") for flag in flags)
                return [*self.hang("Read as: ", self.words(text), "header", "formula"), *chain(*flagged)]
            case _:
                assert_never(block)

    def equations(self, block: Equations) -> list[Line]:
        lefts = [self.math(left) for left, _ in block.rows]
        column = max(width(left) for left in lefts)
        rows: list[tuple[str, list[str]]] = []
        for left, (_, rights) in zip(lefts, block.rows, strict=True):
            shown = [self.math(right) for right in rights]
            rows.append((left, [" = ".join(shown)] if block.inline else shown))
        if self.width is not None and 2 + column + 3 + MIN_FORMULA_WIDTH > self.width:
            return self.stacked_equations(rows)
        lines: list[Line] = []
        for left, texts in rows:
            for index, text in enumerate(texts):
                head = _pad(left, column) if index == 0 else " " * column
                lines += self.hang((("  ", ""), (head, "lhs"), (" = ", "")), text, "", "")
        return lines

    def stacked_equations(self, rows: list[tuple[str, list[str]]]) -> list[Line]:
        """Labels too wide to share a line: each label on its own lines, its right sides under it."""
        assert self.width is not None
        lines: list[Line] = []
        for left, rights in rows:
            parts = break_formula(left, self.width - 2, self.width - 2 - _HANG, labelled=True)
            lines.append((("  ", ""), (parts[0], "lhs")))
            lines += [(("  " + " " * _HANG, ""), (part, "lhs")) for part in parts[1:]]
            for right in rights:
                lines += self.hang(" " * _HANG + "= ", right, "", "")
        return lines

    def rules(self, block: Rules) -> list[Line]:
        """Each derivative and its rules, nested two spaces a level, the rules aligned in a column;
        at a width too narrow for the column, each rule goes under its derivative."""
        cells = [("  " * row.depth, self.math(row.formula), self.words(row.rule)) for row in block.rows]
        column = max((width(nest + cell) for nest, cell, _ in cells), default=0)
        if self.width is not None and 2 + column + 3 + MIN_RULE_WIDTH > self.width:
            return self.stacked_rules(cells)
        lines: list[Line] = []
        for nest, cell, rule in cells:
            lead = "  " + nest
            gap = " " * (column - width(nest + cell) + 3)
            if self.width is None or not rule:
                lines.append(((lead, ""), (cell, "formula"), (gap + rule if rule else "", "rule")))
                continue
            wrapped = textwrap.wrap(rule, self.width - 2 - column - 3, break_on_hyphens=False)
            lines.append(((lead, ""), (cell, "formula"), (gap + wrapped[0], "rule")))
            lines += [((" " * (2 + column + 3), ""), (more, "rule")) for more in wrapped[1:]]
        return lines

    def stacked_rules(self, cells: list[tuple[str, str, str]]) -> list[Line]:
        """Each derivative on its own lines, its rule under it, indented less than the
        derivative's continuation lines (which hang under its right-hand side)."""
        assert self.width is not None
        lines: list[Line] = []
        for nest, cell, rule in cells:
            lead = "  " + nest
            lines += self.equation_lines(lead, cell, "formula", width(lead) + 2 * _HANG)
            under = lead + " " * _HANG
            for text in textwrap.wrap(rule, max(self.width - width(under), 10), break_on_hyphens=False):
                lines.append(((under, ""), (text, "rule")))
        return lines

    def equation_lines(self, lead: str, text: str, role: str, fallback: int) -> list[Line]:
        """``lead`` and an equation ``a = b = …``, broken to the width, continuation lines under
        its first right-hand side (or at column ``fallback`` when that leaves too little room)."""
        assert self.width is not None
        head, equals, _ = text.partition(" = ")
        under = width(lead + head + equals) if equals else width(lead) + _HANG
        if self.width - under < MIN_FORMULA_WIDTH:
            under = fallback
        parts = break_formula(text, self.width - width(lead), self.width - under, labelled=True)
        return [((lead, ""), (parts[0], role)), *(((" " * under, ""), (part, role)) for part in parts[1:])]

    def table(self, block: Table) -> list[Line]:
        """Columns three spaces apart, a header first; the last column's formulas wrap in it."""
        rows = [tuple(self.words(c) if isinstance(c, str) else self.math(c) for c in r) for r in block.rows]
        header = tuple(self.words(title) for title in block.header)
        columns = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        start = 2 + sum(w + 3 for w in columns[:-1])
        stacked = self.width is not None and self.width - start < MIN_FORMULA_WIDTH
        lines: list[Line] = []
        for index, row in enumerate([header, *rows]):
            role = "header" if index == 0 else ""
            lead = "  " + "".join(_pad(cell, w) + "   " for cell, w in zip(row[:-1], columns, strict=False))
            if stacked:
                lines.append(((lead.rstrip(), role),))
                lines += self.hang(" " * (2 + _HANG), row[-1], "", role or "formula")
            else:
                lines += self.hang(lead, row[-1], role, role or "formula")
        return lines

    def tree(self, root: TreeNode) -> list[Line]:
        """Box-drawing tree, drawn without recursion so deep chains are fine; a long label wraps
        under itself, the guides carried down beside it."""
        lines: list[Line] = []
        stack: list[tuple[TreeNode, str, str]] = [(root, "", "")]
        while stack:
            node, lead, child_lead = stack.pop()
            lines += self.tree_node(node, "  " + lead, "  " + child_lead)
            last = len(node.children) - 1
            for index in range(last, -1, -1):
                branch, extension = ("└── ", "    ") if index == last else ("├── ", "│   ")
                stack.append((node.children[index], child_lead + branch, child_lead + extension))
        return lines

    def tree_node(self, node: TreeNode, lead: str, child_lead: str) -> list[Line]:
        label = self.math(node.label)
        note = f"   ({self.words(node.note)})" if node.note else ""
        guide, under = self.words(lead), self.words(child_lead + ("│   " if node.children else "    "))
        if self.width is None:
            return [((guide, "guide"), (label, ""), (note, "note"))]
        parts = break_formula(label, self.width - width(guide), self.width - width(under), labelled=True)
        lines: list[Line] = [((guide, "guide"), (parts[0], ""))]
        lines += [((under, "guide"), (part, "")) for part in parts[1:]]
        if note and width("".join(text for text, _ in lines[-1]) + note) <= self.width:
            lines[-1] = (*lines[-1], (note, "note"))
        elif note:
            lines.append(((under, "guide"), (note.strip(), "note")))
        return lines


def _pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def tree_lines(root: TreeNode) -> list[str]:
    """The dependency tree as text lines, unwrapped (``graph`` prints these)."""
    lines = _Layout(None, False).tree(root)
    return ["".join(text for text, _ in line)[2:].rstrip() for line in lines]


def wrap_text(text: str, line_width: int | None, ascii: bool = False) -> str:
    """Plain lines (``check``'s verdict) at a width, or in ASCII: a ``label: formula`` line is
    broken as :func:`break_formula` does, continuation lines under the formula; any other line
    (a sentence, a bullet) is wrapped at its spaces."""
    shown = printing.ascii_text(text) if ascii else text
    if line_width is None:
        return shown
    lines: list[str] = []
    for line in shown.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        remark = line.lstrip().startswith(("- ", "("))  # a bullet or a remark in brackets
        label = None if remark else _LABEL.match(line)
        if width(line) <= line_width:
            lines.append(line)
        elif label is not None and 2 * width(label.group(1)) <= line_width:
            head = label.group(1)
            parts = break_formula(line[len(head) :], line_width - width(head), line_width - width(head))
            lines += [head + parts[0], *(" " * width(head) + part for part in parts[1:])]
        else:
            hang = indent + ("  " if remark else "")
            lines += textwrap.wrap(line, line_width, subsequent_indent=hang, break_on_hyphens=False)
    return "\n".join(lines) + "\n"


# A formula's label: "  expected:    " or "  dy/dx = ".
_LABEL = re.compile(r"^(\s*[^=:]*?(?:: +| = ))(?=\S)")
