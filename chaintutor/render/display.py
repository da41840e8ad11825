"""What ``chaintutor.derive`` hands a Python user: a derivation that can show itself.

The core's :class:`~chaintutor.core.derive.Derivation` is plain data and imports no renderer;
this subclass adds every written format, a short ``repr``, and the notebook displays, so the
layers stay one-way.

>>> from chaintutor import derive
>>> d = derive("sin(x**2)")
>>> d
<Derivation of sin(x**2): dy/dx = 2*x*cos(x**2) (verified)>
>>> print(d.to_text().splitlines()[0])
Chain rule, step by step
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from chaintutor.core import notation
from chaintutor.core.derive import Derivation
from chaintutor.core.notation import plain
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

    def to_text(self) -> str:
        """Exactly what ``derive --format text`` prints."""
        return run_with_big_stack(render, self, "text")

    def to_markdown(self) -> str:
        """Exactly what ``derive --format markdown`` prints."""
        return run_with_big_stack(render, self, "markdown")

    def to_latex(self, standalone: bool = False) -> str:
        """``derive --format latex``: a fragment (amsmath), or a whole document when ``standalone``.

        Raises :class:`InputError` for a nest too deep for TeX."""
        return run_with_big_stack(render, self, "latex", standalone)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        """One line: the problem and each result, not the dataclass's every field."""
        results = "; ".join(
            f"{notation.ratio(self.output, v, len(self.independent) > 1)} = {_short(plain(expr))}"
            for v, expr in self.result.items()
        )
        checked = "verified" if all(self.verified.values()) else "NOT verified"
        return f"<Derivation of {_short(self.source, 60)}: {results or 'no variable'} ({checked})>"

    def _repr_markdown_(self) -> str:
        """How a notebook shows a derivation (Jupyter prefers Markdown to LaTeX)."""
        return self.to_markdown()

    def _repr_latex_(self) -> str | None:
        """The fragment a notebook exported to LaTeX/PDF includes (it needs amsmath only); none
        for a nest too deep for TeX, so the notebook falls back to the Markdown."""
        try:
            return self.to_latex()
        except InputError:
            return None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
