"""The dependency diagram: the graph drawn as a tree from the output down to the leaves.

A node reached again along another path is drawn once in full and then marked "shown above",
so the drawing grows with the edges of the graph, not with the number of paths.
"""

from __future__ import annotations

from collections.abc import Collection

from chaintutor.graph import DependencyGraph
from chaintutor.render.document import EQUALS, Formula, TreeNode


def dependency_tree(graph: DependencyGraph, varying: Collection[str] | None = None) -> TreeNode:
    """``varying``: the leaves differentiated by; the others are marked as held constant."""
    expanded: set[str] = set()

    def node(name: str) -> TreeNode:
        symbol = graph.symbols[name]
        if graph.is_leaf(name):
            held = varying is not None and name not in varying
            return TreeNode((symbol,), (), "held constant" if held else "")
        definition = graph.definition(name)
        label: Formula = (symbol, EQUALS, definition.expr)
        if name in expanded:
            return TreeNode(label, (), "shown above")
        expanded.add(name)
        return TreeNode(label, tuple(node(child) for child in definition.depends_on))

    return node(graph.output)
