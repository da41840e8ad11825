"""Plain text: Unicode mathematics, aligned, no ANSI escapes, no wrapping inside a formula."""

from __future__ import annotations

import unicodedata

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
    Prose,
    Table,
    Tree,
    TreeNode,
    Value,
    Word,
)

_OPERATORS = {"=": " = ", "·": " · ", "+": " + ", "→": " → ", "(": "(", ")": ")", ":": ": "}


def formula(pieces: Formula) -> str:
    """A formula in Unicode, as one line."""
    out = []
    for index, piece in enumerate(pieces):
        if isinstance(piece, Deriv):
            out.append(printing.ratio(piece.of, piece.wrt, piece.partial))
        elif isinstance(piece, Op):
            out.append(_OPERATORS[piece.symbol])
        elif isinstance(piece, Value):
            number = f"{piece.number:.10g}"
            out.append(f"({number})" if piece.number < 0 and index > 0 else number)
        elif isinstance(piece, Adjoint):
            out.append(piece.name[0] + "\u0304" + piece.name[1:])
        elif isinstance(piece, ChainSum):
            out.append(f"Σⱼ ∂{piece.of}/∂uⱼ · ∂uⱼ/∂{piece.wrt}")
        elif isinstance(piece, Word):
            out.append(piece.text + (" " if index < len(pieces) - 1 else ""))
        else:
            assert isinstance(piece, sympy.Basic)
            out.append(printing.unicode(piece))
    return "".join(out)


def render_document(document: Document) -> str:
    lines = [document.title, "", "  " + formula(document.statement)]
    for section in document.sections:
        lines += ["", section.title, "─" * len(section.title)]
        for block in section.blocks:
            lines += _block(block)
    return "\n".join(lines) + "\n"


def _block(block: Block) -> list[str]:
    if isinstance(block, Prose):
        return [block.text]
    if isinstance(block, Equations):
        return equation_lines(block)
    if isinstance(block, Table):
        return table_lines(block)
    if isinstance(block, Tree):
        return ["  " + line for line in tree_lines(block.root)]
    assert isinstance(block, Check)
    return [("✓ " if block.ok else "✗ ") + block.text]


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
