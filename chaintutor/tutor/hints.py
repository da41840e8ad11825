"""The three hints of an exercise, read off its derivation: name the pieces, differentiate each
piece, follow the paths.

A problem the learner typed and a generated exercise share the first two; the third differs:
a typed problem may ask for several variables, a generated one asks for one and says what to
do when there is a single path.
"""

from __future__ import annotations

from chaintutor.core.derive import Derivation
from chaintutor.core.notation import equation, route, unicode
from chaintutor.core.outline import Outline, outline


def derivation_hints(d: Derivation) -> tuple[str, str, str]:
    """The hints of a problem the learner typed: the paths to every variable it asks for."""
    taught = outline(d)
    return _pieces_hint(taught), _local_hint(taught), _every_path_hint(taught, d.output)


def generated_hints(d: Derivation, wrt: str) -> tuple[str, str, str]:
    """The hints of a generated exercise, which asks for the derivative by ``wrt`` alone."""
    taught = outline(d)
    return _pieces_hint(taught), _local_hint(taught), _paths_to_hint(taught, d.output, wrt)


def _pieces_hint(taught: Outline) -> str:
    pieces = ", ".join(equation(piece.name, piece.expr) for piece in taught.pieces)
    return f"Name the pieces, innermost first: {pieces}."


def _local_hint(taught: Outline) -> str:
    parts = ", ".join(f"{local.ratio} = {unicode(local.expr)}" for local in taught.local_derivatives)
    return f"Differentiate each piece on its own: {parts}."


def _routes(taught: Outline, wrt: str) -> str:
    return "; ".join(route(path.nodes) for path in taught.paths[wrt].listed)


def _every_path_hint(taught: Outline, output: str) -> str:
    reached = []
    for name, summary in taught.paths.items():
        count = "one path" if summary.count == 1 else f"{summary.count} paths"
        reached.append(f"{name} reaches {output} along {count} ({_routes(taught, name)})")
    return "; ".join(reached) + ": multiply the local derivatives along each path, then add the paths."


def _paths_to_hint(taught: Outline, output: str, wrt: str) -> str:
    summary, routes = taught.paths[wrt], _routes(taught, wrt)
    if summary.count == 1:
        return f"One path, {routes}: multiply the local derivatives along it, then write everything in {wrt}."
    return (
        f"{wrt} reaches {output} along {summary.count} paths ({routes}): multiply the local derivatives "
        "along each path, then add the paths."
    )
