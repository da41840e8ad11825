"""The vector chain rule end to end: derive, verify by instantiation, and evaluate at a point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chaintutor.core.instantiate import verify_by_instantiation
from chaintutor.core.vector import VectorDerivation, derive_vector
from chaintutor.core.vectorpoint import evaluate_at


def derive_verified(text: str, wrt: Sequence[str] | None = None, at: str | None = None) -> VectorDerivation:
    """The vector chain rule for ``text``, each result checked by instantiation; with ``at``
    (``w=[1,2,-1],b=0.1``) the forward and backward pass at that point too."""
    derivation = derive_vector(text, wrt)
    derivation.verification.update(verify_by_instantiation(derivation))
    return derivation if at is None else replace(derivation, at=evaluate_at(derivation, at))
