"""Markdown that renders the same in pandoc, on GitHub and in Jupyter.

What the three agree on, and so what this writes: display math as ``$$`` alone on the lines
before and after, no blank line inside, a blank line around the block; inline math ``$…$``
with no space inside the dollars; pipe tables, in which a '|' even inside math would end the
cell, so math there spells it ``\\vert``; and the dependency diagram as a ``mermaid`` block
(drawn by GitHub and JupyterLab, shown as its source by plain pandoc).
"""

from __future__ import annotations

import re
from typing import assert_never

from chaintutor.render import latex
from chaintutor.render.diagrams import mermaid
from chaintutor.render.document import (
    Block,
    Check,
    Document,
    Equations,
    Formula,
    Phrase,
    Prose,
    ReadAs,
    RuleRow,
    Rules,
    Table,
    Tree,
)

# Characters that could start emphasis, code, links, HTML, math, strikethrough or a cell.
_NO_BAR = re.compile(r"\|\s*")  # | ends a table cell: written \vert, one space after it
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~])")


def render_document(document: Document) -> str:
    parts = [f"# {escape(document.title)}", *(_block(block) for block in document.preface)]
    parts.append(display_math(latex.formula(document.statement)))
    for section in document.sections:
        parts.append(f"## {words(section.title, section.phrase or latex.formulas_in(section.title))}")
        parts.extend(_block(block) for block in section.blocks)
    return "\n\n".join(parts) + "\n"


def _block(block: Block) -> str:
    match block:
        case Prose(text=text, phrase=phrase):
            return words(text, phrase or latex.formulas_in(text))
        case Equations():
            return display_math(*latex.environment("aligned", latex.equation_lines(block)))
        case Table():
            return _table(block)
        case Rules(rows=rows):
            return "\n".join(_rule_line(row) for row in rows)
        case Tree(root=root):
            return f"```mermaid\n{mermaid(root)}```"
        case Check(ok=ok, text=text, phrase=phrase):
            return ("✓ " if ok else "✗ ") + words(text, phrase or latex.formulas_in(text))
        case ReadAs(tex=tex, flags=flags):
            return "\n".join([f"**Read as:** ${tex}$", *(f"- Ambiguous: {escape(flag)}." for flag in flags)])
        case _:
            assert_never(block)


def _rule_line(row: RuleRow) -> str:
    rule = words(row.rule, row.phrase or latex.formulas_in(row.rule))
    return f"{'  ' * row.depth}- {_cell(row.formula)} — {rule}"


def display_math(*lines: str) -> str:
    return "\n".join(["$$", *lines, "$$"])


def _table(block: Table) -> str:
    rows = [
        "| " + " | ".join(escape(cell) for cell in block.header) + " |",
        "|" + "---|" * len(block.header),
    ]
    rows += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in block.rows]
    return "\n".join(rows)


def _cell(cell: Formula | str) -> str:
    if isinstance(cell, str):
        return escape(cell)
    return inline_math(cell)


def inline_math(pieces: Formula) -> str:
    """``$…$``, with no space inside the dollars and no '|' (see the module's docstring)."""
    return "$" + _NO_BAR.sub(r"\\vert ", latex.stacked(latex.formula(pieces))).strip() + "$"


def words(text: str, phrase: Phrase) -> str:
    """Text with its mathematics as inline math ("$x$ reaches $y$"); plain ``text`` when the
    phrase is empty (it has no mathematics)."""
    if not phrase:
        return escape(text)
    return "".join(escape(part) if isinstance(part, str) else inline_math(part) for part in phrase)


def escape(text: str) -> str:
    """Plain text that Markdown shows as it is."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
