"""The JSON of ``derive --format json`` (schema_version 1 of CONTRACT.md) and of ``graph``.

The reference for every key is the JSON Schema shipped in :mod:`chaintutor.schema`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from chaintutor.core import notation
from chaintutor.core.derive import Derivation, PathSummary
from chaintutor.core.graph import DependencyGraph
from chaintutor.core.ruletree import Step

if TYPE_CHECKING:
    from chaintutor.core.jacobian import Jacobian

SCHEMA_VERSION = 1

# Each expression printed once: a wide node's rule trees repeat its definition on every edge.
plain = functools.lru_cache(maxsize=4096)(notation.plain)


def derivation_to_dict(d: Derivation) -> dict[str, Any]:
    return _contract_keys(d) | reading_to_dict(d.graph)


def reading_to_dict(graph: DependencyGraph) -> dict[str, Any]:
    """``read_as`` when reading the input took interpretation, ``notes`` when definitions were
    left out: added only then, so that every other document stays as CONTRACT.md shows it."""
    added: dict[str, Any] = {}
    if graph.reading is not None:
        reading = graph.reading
        added["read_as"] = {"text": reading.text, "latex": reading.tex, "flags": list(reading.flags)}
    if graph.notes:
        added["notes"] = list(graph.notes)
    return added


def _contract_keys(d: Derivation) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "input": d.source,
        "output": d.output,
        "independent": list(d.independent),
        "equations": _equations(d.graph),
        "local_derivatives": [
            {
                "of": local.of,
                "wrt": local.wrt,
                "expr": plain(local.expr),
                "rule": local.rule.key,
                "steps": steps_to_dict(local.rule),
            }
            for local in d.local_derivatives
        ],
        "paths": {v: _paths(summary) for v, summary in d.paths.items()},
        "result": {v: plain(expr) for v, expr in d.result.items()},
        "result_form": dict(d.result_form),
        "verified": {
            v: {"ok": check.ok, "method": check.method, "detail": check.detail}
            for v, check in d.verification.items()
        },
        "at": None if d.at is None else _at(d),
    } | _adjoint_equations(d)


def graph_to_dict(graph: DependencyGraph, source: str) -> dict[str, Any]:
    """``graph --format json``: the dependency graph, its equations as ``derive`` writes them and
    one edge per dependency (the local derivatives ``derive`` would take)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "input": source,
        "output": graph.output,
        "independent": list(graph.leaves),
        "equations": _equations(graph),
        "edges": [{"of": of, "wrt": wrt} for of, wrt in graph.edges()],
    }


def _equations(graph: DependencyGraph) -> list[dict[str, Any]]:
    return [
        {"name": e.name, "expr": plain(e.expr), "depends_on": list(e.depends_on)} for e in graph.definitions
    ]


def steps_to_dict(step: Step) -> dict[str, Any]:
    """The rule tree as CONTRACT.md has it: rule, expr, result and the substeps, nested."""
    return {
        "rule": step.key,
        "expr": plain(step.expr),
        "result": plain(step.result),
        "substeps": [steps_to_dict(substep) for substep in step.substeps],
    }


def _adjoint_equations(d: Derivation) -> dict[str, Any]:
    """Added only when a result is written with the adjoints (too large otherwise)."""
    if not d.adjoint_equations:
        return {}
    return {"adjoint_equations": [{"name": name, "expr": plain(expr)} for name, expr in d.adjoint_equations]}


def _at(d: Derivation) -> dict[str, Any]:
    at = d.at
    assert at is not None
    return {
        "point": {name: float(value) for name, value in at.point.items()},
        "values": {name: float(value) for name, value in at.values.items()},
        "local": [{"of": of, "wrt": wrt, "value": float(value)} for (of, wrt), value in at.local.items()],
        "paths": {v: [float(value) for value in values] for v, values in at.paths.items()},
        "gradient": {v: float(value) for v, value in at.gradient.items()},
        "adjoints": {name: float(value) for name, value in at.adjoints.items()},
    }


def _paths(summary: PathSummary) -> dict[str, Any]:
    return {
        "count": summary.count,
        "truncated": summary.truncated,
        "listed": [
            {
                "nodes": list(path.nodes),
                "factors": [plain(f) for f in path.factors],
                "product": None if path.product is None else plain(path.product),
            }
            for path in summary.listed
        ],
    }


def jacobian_to_dict(j: Jacobian) -> dict[str, Any]:
    """The schema_version 1 object of the first output, plus ``outputs``, ``jacobian`` and
    ``per_output`` (the same object for every output): keys are added, none renamed."""
    first = derivation_to_dict(j.derivations[j.outputs[0]])
    return first | {
        "outputs": list(j.outputs),
        "jacobian": {
            "rows": list(j.outputs),
            "columns": list(j.wrt),
            "entries": _matrix(j.product),
            "entries_in_leaves": None if j.in_leaves is None else _matrix(j.in_leaves),
            "layers": [
                {"rows": list(layer.rows), "columns": list(layer.columns), "entries": _matrix(layer.matrix)}
                for layer in j.layers
            ],
            "entries_are_path_sums": j.agrees,
        },
        "per_output": {name: derivation_to_dict(d) for name, d in j.derivations.items()},
    }


def _matrix(matrix: Any) -> list[list[str]]:
    return [[plain(matrix[i, k]) for k in range(matrix.cols)] for i in range(matrix.rows)]
