"""The dependency diagram in other notations: Mermaid and DOT draw the graph, LaTeX the tree.

They all start from the tree of :func:`chaintutor.render.tree.dependency_tree`, the one the
document holds. That tree expands every variable once and marks later visits "shown above",
so it holds every edge of the graph exactly once: merging its nodes by name gives back the
graph itself, one node per variable and one edge per dependency, for Mermaid and DOT.
Nodes get generated ids (n1, n2, …), so no variable name can clash with either syntax.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from chaintutor.render.document import EQUALS, Deriv, Formula, TreeNode
from chaintutor.render.text import formula


@dataclass(frozen=True)
class _Node:
    id: str
    label: str  # plain Unicode, as in the text output: "u2 = sin(u1)"
    leaf: bool


@dataclass(frozen=True)
class _Edge:
    parent: str
    child: str
    label: str  # the local derivative on the edge: "∂y/∂u"


def _graph(root: TreeNode) -> tuple[list[_Node], list[_Edge]]:
    """The graph behind the tree, nodes in the order they are first drawn."""
    nodes: dict[str, _Node] = {}
    edges: list[tuple[str, str, str]] = []
    pending = [root]
    while pending:
        node = pending.pop()
        name = _name(node)
        if name not in nodes:
            note = f" ({node.note})" if node.note and node.note != "shown above" else ""
            nodes[name] = _Node(f"n{len(nodes) + 1}", formula(node.label) + note, EQUALS not in node.label)
        partial = len(node.children) > 1
        for child in node.children:
            edges.append((name, _name(child), formula((Deriv(name, _name(child), partial),))))
        pending.extend(reversed(node.children))
    return list(nodes.values()), [_Edge(nodes[p].id, nodes[c].id, label) for p, c, label in edges]


def _name(node: TreeNode) -> str:
    """A tree label starts with the variable's symbol: ``u`` or ``u = x·z``."""
    symbol = node.label[0]
    assert isinstance(symbol, sympy.Symbol)
    return str(symbol.name)


def mermaid(root: TreeNode) -> str:
    """A Mermaid flowchart, output at the top; leaves are rounded."""
    nodes, edges = _graph(root)
    lines = ["flowchart TD"]
    for node in nodes:
        shape = '(["{}"])' if node.leaf else '["{}"]'
        lines.append(f"    {node.id}" + shape.format(_mermaid_text(node.label)))
    lines += [f'    {e.parent} -->|"{_mermaid_text(e.label)}"| {e.child}' for e in edges]
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Inside a quoted Mermaid label only '"' and the entity marker '#' are special."""
    return text.replace("#", "#35;").replace('"', "#quot;")


def dot(root: TreeNode) -> str:
    """A Graphviz digraph, output at the top; leaves are ellipses."""
    nodes, edges = _graph(root)
    lines = ["digraph dependencies {", "    node [shape=box];"]
    for node in nodes:
        shape = ", shape=ellipse" if node.leaf else ""
        lines.append(f'    {node.id} [label="{_dot_text(node.label)}"{shape}];')
    lines += [f'    {e.parent} -> {e.child} [label="{_dot_text(e.label)}"];' for e in edges]
    return "\n".join([*lines, "}"]) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# --- the tree in LaTeX ---------------------------------------------------------------------

# Each connector is 1.5em wide, its vertical line 0.5em in, under the start of the parent's
# label. A tabular row with \arraystretch at 1.5 spans 1.5 times the strut, so vertical rules
# of that size meet from row to row. (\baselineskip is zero inside a tabular: not usable.)
_FULL_HEIGHT = r"\rule[-1.5\dp\strutbox]{0.4pt}{\dimexpr1.5\ht\strutbox+1.5\dp\strutbox\relax}"
_UPPER_HALF = r"\rule[0.5ex]{0.4pt}{\dimexpr1.5\ht\strutbox-0.5ex\relax}"
_STUB = r"\rule[0.5ex]{0.8em}{0.4pt}"
_TREE_MACROS = (
    r"\renewcommand{\arraystretch}{1.5}%",
    rf"\newcommand{{\ctPass}}{{\makebox[1.5em][l]{{\hspace{{0.5em}}{_FULL_HEIGHT}}}}}%",
    rf"\newcommand{{\ctTee}}{{\makebox[1.5em][l]{{\hspace{{0.5em}}{_FULL_HEIGHT}{_STUB}}}}}%",
    rf"\newcommand{{\ctLast}}{{\makebox[1.5em][l]{{\hspace{{0.5em}}{_UPPER_HALF}{_STUB}}}}}%",
    r"\newcommand{\ctSkip}{\hspace*{1.5em}}%",
)


def latex_tree(root: TreeNode, math: Callable[[Formula], str], text: Callable[[str], str]) -> list[str]:
    """The tree as a ``tabular`` with connecting lines drawn by ``\\rule``: no package needed.

    ``math`` and ``text`` write a label and a note; the macros are defined inside the
    ``center`` group, so pasting two trees into one document is fine.
    """
    rows = []
    for connectors, node in _tree_rows(root):
        note = rf"\quad\textit{{({text(node.note)})}}" if node.note else ""
        rows.append(f"{connectors}${math(node.label)}${note}")
    body = [row + r" \\" for row in rows[:-1]] + rows[-1:]
    tabular = [r"\begin{tabular}{@{}l@{}}", *body, r"\end{tabular}"]
    return [r"\begin{center}", *_TREE_MACROS, *tabular, r"\end{center}"]


def _tree_rows(root: TreeNode) -> list[tuple[str, TreeNode]]:
    """Each node with the connectors before it, in drawing order, without recursion."""
    rows = []
    pending: list[tuple[TreeNode, str, str]] = [(root, "", "")]
    while pending:
        node, lead, child_lead = pending.pop()
        rows.append((lead, node))
        last = len(node.children) - 1
        for index in range(last, -1, -1):
            branch, extension = (r"\ctLast ", r"\ctSkip ") if index == last else (r"\ctTee ", r"\ctPass ")
            pending.append((node.children[index], child_lead + branch, child_lead + extension))
    return rows
