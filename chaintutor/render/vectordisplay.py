"""What ``chaintutor.derive`` hands a Python user for a vector problem: the derivation, its
results as SymPy objects, every written format and the notebook displays.

>>> from chaintutor import derive
>>> d = derive("y = max(0, w·x + b); w, x ∈ R^n", wrt="w,b")
>>> d.result["w"], d.verified["w"]
(x*Heaviside(b + dot(w, x), 0), True)
>>> d.result["b"]
Heaviside(b + dot(w, x), 0)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import sympy

from chaintutor.core.vector import VectorDerivation, is_gradient
from chaintutor.render.formats import render
from chaintutor.render.vector import result_expression, vector_to_dict


@dataclass(frozen=True)
class ShownVectorDerivation(VectorDerivation):
    """A :class:`VectorDerivation` with ``result``, ``verified``, ``to_dict()`` and the formats."""

    @classmethod
    def of(cls, derivation: VectorDerivation) -> ShownVectorDerivation:
        return cls(**{field.name: getattr(derivation, field.name) for field in fields(derivation)})

    @property
    def result(self) -> dict[str, sympy.Expr]:
        """The gradient (a column, read element by element) for a scalar output, else the Jacobian."""
        return {wrt: result_expression(self.results[wrt], self.problem) for wrt in self.wrt}

    @property
    def verified(self) -> dict[str, bool]:
        """True where the result agrees with sympy.diff of the problem in components."""
        return {wrt: bool(getattr(self.verification.get(wrt), "ok", False)) for wrt in self.wrt}

    def to_dict(self) -> dict[str, Any]:
        """Exactly the JSON document of ``--format json``."""
        return vector_to_dict(self)

    def to_text(self) -> str:
        return render(self, "text")

    def to_markdown(self) -> str:
        return render(self, "markdown")

    def to_latex(self, standalone: bool = False) -> str:
        return render(self, "latex", standalone)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        output = self.problem.output
        results = "; ".join(
            (f"∇_{wrt} {output}" if is_gradient(self.results[wrt]) else f"∂{output}/∂{wrt}") + f" = {expr}"
            for wrt, expr in self.result.items()
        )
        checked = "verified" if all(self.verified.values()) else "NOT verified"
        return f"<Vector derivation of {self.problem.source}: {results} ({checked})>"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()
