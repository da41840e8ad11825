"""Paths from the output down to a leaf: counted exactly, listed only up to a limit.

Counting is dynamic programming over the DAG (each edge visited once), so 2⁴⁰ paths cost
no more than the graph's edges. Listing is a depth-first search that only steps into nodes
from which the target can be reached, and stops after ``limit`` paths.
"""

from __future__ import annotations

from collections.abc import Iterator

from chaintutor.core.graph import DependencyGraph


def paths_to(graph: DependencyGraph, target: str) -> dict[str, int]:
    """For every node, how many paths lead from it down to ``target``."""
    counts: dict[str, int] = {target: 1}
    for definition in graph.definitions:  # dependencies come first
        if definition.name != target:
            counts[definition.name] = sum(counts.get(child, 0) for child in definition.depends_on)
    return counts


def reaching(graph: DependencyGraph, target: str) -> frozenset[str]:
    """The nodes ``target`` can be reached from, going down the graph (``target`` included)."""
    return frozenset(name for name, count in paths_to(graph, target).items() if count > 0)


def count_paths(graph: DependencyGraph, target: str) -> int:
    return paths_to(graph, target).get(graph.output, 0)


def list_paths(graph: DependencyGraph, target: str, limit: int) -> list[tuple[str, ...]]:
    """The first ``limit`` paths from the output to ``target``, in depth-first order."""
    reaching = paths_to(graph, target)
    found: list[tuple[str, ...]] = []
    for path in _walk(graph, target, reaching):
        if len(found) >= limit:
            break
        found.append(path)
    return found


def _walk(graph: DependencyGraph, target: str, reaching: dict[str, int]) -> Iterator[tuple[str, ...]]:
    if reaching.get(graph.output, 0) == 0:
        return
    path = [graph.output]
    pending = [_next_steps(graph, graph.output, target, reaching)]
    while pending:
        step = next(pending[-1], None)
        if step is None:
            pending.pop()
            path.pop()
            continue
        path.append(step)
        if step == target:
            yield tuple(path)
            path.pop()
        else:
            pending.append(_next_steps(graph, step, target, reaching))


def _next_steps(graph: DependencyGraph, node: str, target: str, reaching: dict[str, int]) -> Iterator[str]:
    if node == target or graph.is_leaf(node):
        return iter(())
    return (child for child in graph.definition(node).depends_on if reaching.get(child, 0) > 0)
