"""Plain text: Unicode mathematics, aligned, no ANSI escapes, no wrapping inside a formula."""

from __future__ import annotations

import functools
import unicodedata
from typing import assert_never

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
    Rules,
    Table,
    Tree,
    TreeNode,
    Value,
    Word,
)

_OPERATORS = {"=": " = ", "·": " · ", "+": " + ", "→": " → ", "(": "(", ")": ")", ":": ": "}


def formula(pieces: Formula) -> str:
    """A formula in Unicode, as one line."""
    return "".join(_piece(piece, index, len(pieces)) for index, piece in enumerate(pieces))


def _piece(piece: Piece, index: int, count: int) -> str:
    match piece:
        case Deriv(of=of, wrt=wrt, partial=partial):
            return printing.ratio(of, wrt, partial)
        case Operator(wrt=wrt, partial=partial):
            return printing.ratio("", wrt, partial) + " "
        case Op(symbol=symbol):
            return _OPERATORS[symbol]
        case Value(number=number):
            digits = f"{number:.10g}"
            return f"({digits})" if number < 0 and index > 0 else digits
        case Adjoint(name=name):
            return name[0] + "\u0304" + name[1:]
        case ChainSum(of=of, wrt=wrt, via=via):
            return f"Σⱼ ∂{of}/∂{via}ⱼ · ∂{via}ⱼ/∂{wrt}"
        case Word(text=text):
            return text + (" " if index < count - 1 else "")
        case sympy.Basic():
            return _unicode(piece)
        case _:
            assert_never(piece)


@functools.lru_cache(maxsize=1024)
def _unicode(expr: sympy.Basic) -> str:
    """Printed once: a big graph's write-up shows a definition in its equations and its tree."""
    return printing.unicode(expr)


def render_document(document: Document) -> str:
    lines = [document.title, "", "  " + formula(document.statement)]
    for section in document.sections:
        lines += ["", section.title, "─" * len(section.title)]
        for block in section.blocks:
            lines += _block(block)
    return "\n".join(lines) + "\n"


def _block(block: Block) -> list[str]:
    match block:
        case Prose(text=text):
            return [text]
        case Equations():
            return equation_lines(block)
        case Table():
            return table_lines(block)
        case Rules():
            return rule_lines(block)
        case Tree(root=root):
            return ["  " + line for line in tree_lines(root)]
        case Check(ok=ok, text=text):
            return [("✓ " if ok else "✗ ") + text]
        case _:
            assert_never(block)


def width(text: str) -> int:
    """Columns on screen: combining marks (the bar of x̄) take none."""
    return sum(not unicodedata.combining(char) for char in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def equation_lines(block: Equations) -> list[str]:
    lefts = [formula(left) for left, _ in block.rows]
    columns = max(width(left) for left in lefts)
    lines = []
    for left, (_, rights) in zip(lefts, block.rows, strict=True):
        if block.inline:
            lines.append(f"  {_pad(left, columns)} = " + " = ".join(formula(right) for right in rights))
            continue
        for index, right in enumerate(rights):
            head = _pad(left, columns) if index == 0 else " " * columns
            lines.append(f"  {head} = {formula(right)}")
    return lines


def table_lines(block: Table) -> list[str]:
    cells = [[c if isinstance(c, str) else formula(c) for c in row] for row in block.rows]
    columns = [max((width(row[i]) for row in cells), default=0) for i in range(len(block.header))]
    return [
        "  " + "   ".join(_pad(cell, w) for cell, w in zip(row, columns, strict=True)).rstrip()
        for row in cells
    ]


def rule_lines(block: Rules) -> list[str]:
    """Each derivative and its rules, nested two spaces a level, the rules aligned in a column."""
    cells = [("  " * row.depth + formula(row.formula), row.rule) for row in block.rows]
    column = max((width(cell) for cell, _ in cells), default=0)
    return ["  " + f"{_pad(cell, column)}   {rule}".rstrip() for cell, rule in cells]


def tree_lines(root: TreeNode) -> list[str]:
    """Box-drawing tree, drawn without recursion so deep chains are fine."""
    lines: list[str] = []
    stack: list[tuple[TreeNode, str, str]] = [(root, "", "")]
    while stack:
        node, lead, child_lead = stack.pop()
        note = f"   ({node.note})" if node.note else ""
        lines.append(lead + formula(node.label) + note)
        last = len(node.children) - 1
        for index in range(last, -1, -1):
            branch, extension = ("└── ", "    ") if index == last else ("├── ", "│   ")
            stack.append((node.children[index], child_lead + branch, child_lead + extension))
    return lines
