"""What ``chaintutor.derive`` hands a Python user: a derivation that can show itself.

The core's :class:`~chaintutor.core.derive.Derivation` is plain data and imports no renderer;
this subclass adds the JSON document and the notebook displays, so the layers stay one-way.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from chaintutor.core.derive import Derivation
from chaintutor.core.stack import run_with_big_stack
from chaintutor.errors import InputError
from chaintutor.render.formats import render
from chaintutor.render.jsondoc import derivation_to_dict


@dataclass(frozen=True)
class ShownDerivation(Derivation):
    """A :class:`Derivation` with ``to_dict()`` and the notebook's ``_repr_*_`` methods."""

    @classmethod
    def of(cls, derivation: Derivation) -> ShownDerivation:
        return cls(**{field.name: getattr(derivation, field.name) for field in fields(derivation)})

    def to_dict(self) -> dict[str, Any]:
        """Exactly the JSON document of ``--format json``."""
        return run_with_big_stack(derivation_to_dict, self)

    def _repr_markdown_(self) -> str:
        """How a notebook shows a derivation (Jupyter prefers Markdown to LaTeX)."""
        return run_with_big_stack(render, self, "markdown")

    def _repr_latex_(self) -> str | None:
        """The fragment a notebook exported to LaTeX/PDF includes (it needs amsmath only); none
        for a nest too deep for TeX, so the notebook falls back to the Markdown."""
        try:
            return run_with_big_stack(render, self, "latex")
        except InputError:
            return None
