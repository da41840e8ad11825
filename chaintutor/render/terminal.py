"""The terminal: the same document as plain text, drawn with Rich."""

from __future__ import annotations

from typing import assert_never

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table as RichTable
from rich.text import Text
from rich.tree import Tree as RichTree

from chaintutor.render.document import (
    Block,
    Check,
    Document,
    Equations,
    Prose,
    Rules,
    Table,
    Tree,
    TreeNode,
)
from chaintutor.render.text import formula


def print_document(document: Document, console: Console) -> None:
    console.print(Text(document.title, style="bold"))
    console.print(Padding(Text(formula(document.statement), style="bold cyan"), (0, 2)))
    for section in document.sections:
        console.print()
        console.rule(Text(section.title, style="bold"), align="left")
        for block in section.blocks:
            console.print(Padding(_block(block), (0, 2)))


def _block(block: Block) -> RenderableType:
    match block:
        case Prose(text=text):
            return Text(text, style="italic")
        case Equations():
            return _equations(block)
        case Table():
            return _table(block)
        case Rules(rows=rows):
            grid = RichTable.grid(padding=(0, 3))
            grid.add_column(style="cyan")
            grid.add_column()
            for row in rows:
                grid.add_row(Text("  " * row.depth + formula(row.formula)), row.rule)
            return grid
        case Tree(root=root):
            return _tree(root)
        case Check(ok=ok, text=text):
            return Text(("✓ " if ok else "✗ ") + text, style="bold green" if ok else "bold red")
        case _:
            assert_never(block)


def _equations(block: Equations) -> RenderableType:
    grid = RichTable.grid(padding=(0, 1))
    grid.add_column(justify="right", style="cyan", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    for left, rights in block.rows:
        for index, right in enumerate(rights):
            grid.add_row(formula(left) if index == 0 else "", "=", formula(right))
    return grid


def _table(block: Table) -> RenderableType:
    table = RichTable(*block.header, header_style="bold", box=None, padding=(0, 2))
    for row in block.rows:
        table.add_row(*(cell if isinstance(cell, str) else Text(formula(cell)) for cell in row))
    return table


def _tree(root: TreeNode) -> RenderableType:
    tree = RichTree(_label(root), guide_style="dim")
    stack = [(root, tree)]
    while stack:
        node, branch = stack.pop()
        for child in node.children:
            stack.append((child, branch.add(_label(child))))
    return Group(tree)


def _label(node: TreeNode) -> Text:
    label = Text(formula(node.label))
    if node.note:
        label.append(f"  ({node.note})", style="dim")
    return label
