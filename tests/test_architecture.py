"""The layout is the architecture: layers import one way and no module imports itself back.

import-linter (run by .ci/run, configured in pyproject.toml) holds the layers; this test holds
the stronger rule that no two modules import each other even indirectly, counting imports made
inside functions, which a lazy import would otherwise hide.
"""

from __future__ import annotations

import grimp


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: every group of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return groups


def _import_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("chaintutor", include_external_packages=False, cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}


def test_the_circle_finder_finds_a_circle():
    groups = _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert [g for g in groups if len(g) > 1] == [["a", "b", "c"]]


def test_no_module_imports_itself_back_even_through_function_level_imports():
    circles = [group for group in _strongly_connected(_import_graph()) if len(group) > 1]
    assert circles == []
