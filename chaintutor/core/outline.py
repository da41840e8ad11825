"""A derivation in the order the chain rule is taught: the pieces, each local derivative, each path.

The written derivation, the hints of an exercise and the steps of ``practice --steps`` all go
through a derivation in this order, each in its own words. They take the order from here
rather than each walking the graph again.
"""

from __future__ import annotations

from dataclasses import dataclass

from chaintutor.core.derive import Derivation, LocalDerivative, PathSummary
from chaintutor.core.graph import Definition
from chaintutor.core.paths import reaching


@dataclass(frozen=True)
class Outline:
    pieces: tuple[Definition, ...]  # the decomposition, innermost first (each before its users)
    local_derivatives: tuple[LocalDerivative, ...]  # one per edge, in the order of the pieces
    paths: dict[str, PathSummary]  # for each variable: the paths from the output down to it


def outline(d: Derivation, wrt: str | None = None) -> Outline:
    """``d`` in teaching order; with ``wrt``, only the local derivatives on edges that lead to
    that variable, and its paths alone (the pieces are always all of them)."""
    if wrt is None:
        return Outline(d.graph.definitions, d.local_derivatives, dict(d.paths))
    leading = reaching(d.graph, wrt)
    on_the_way = tuple(local for local in d.local_derivatives if local.wrt in leading)
    return Outline(d.graph.definitions, on_the_way, {wrt: d.paths[wrt]})
