"""One entry point for every written format, for a derivation, a Jacobian or a vector derivation.

A Jacobian (``derive --outputs``) and a vector derivation are the rarer subjects: their modules
are loaded only for one, so ``derive PROBLEM`` starts no slower for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chaintutor.core.derive import Derivation
from chaintutor.render.document import Document
from chaintutor.render.steps import build_document, build_jacobian_document

if TYPE_CHECKING:
    from chaintutor.core.jacobian import Jacobian
    from chaintutor.core.vector import VectorDerivation

    Subject = Derivation | Jacobian | VectorDerivation


def document_of(subject: Subject, view: str = "auto") -> Document:
    """``view``: ``auto`` or ``paths`` (see :func:`chaintutor.render.steps.build_document`)."""
    if isinstance(subject, Derivation):
        return build_document(subject, view)
    from chaintutor.core.vector import VectorDerivation

    if isinstance(subject, VectorDerivation):
        from chaintutor.render.vector import build_vector_document

        return build_vector_document(subject)
    return build_jacobian_document(subject)


def render(subject: Subject, output_format: str, standalone: bool = False, view: str = "auto") -> str:
    """``output_format`` is one of text, markdown, latex, json."""
    if output_format == "json":
        import json  # the text formats never need it: one module less on every start

        return json.dumps(_data(subject), indent=2, ensure_ascii=False) + "\n"
    document = document_of(subject, view)
    if output_format == "markdown":
        from chaintutor.render import markdown

        return markdown.render_document(document)
    if output_format == "latex":
        from chaintutor.render import latex

        return latex.render_document(document, standalone)
    from chaintutor.render import text

    return text.render_document(document)


def _data(subject: Subject) -> dict[str, object]:
    """The JSON document of any subject."""
    from chaintutor.render.jsondoc import derivation_to_dict, jacobian_to_dict

    if isinstance(subject, Derivation):
        return derivation_to_dict(subject)
    from chaintutor.core.vector import VectorDerivation

    if isinstance(subject, VectorDerivation):
        from chaintutor.render.vector import vector_to_dict

        return vector_to_dict(subject)
    return jacobian_to_dict(subject)
