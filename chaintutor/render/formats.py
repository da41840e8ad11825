"""One entry point for every written format, for a derivation or a Jacobian alike."""

from __future__ import annotations

import json

from chaintutor.core.derive import Derivation
from chaintutor.core.jacobian import Jacobian
from chaintutor.render.document import Document
from chaintutor.render.steps import build_document, build_jacobian_document

Subject = Derivation | Jacobian


def document_of(subject: Subject, view: str = "auto") -> Document:
    """``view``: ``auto`` or ``paths`` (see :func:`chaintutor.render.steps.build_document`)."""
    if isinstance(subject, Jacobian):
        return build_jacobian_document(subject)
    return build_document(subject, view)


def render(subject: Subject, output_format: str, standalone: bool = False, view: str = "auto") -> str:
    """``output_format`` is one of text, markdown, latex, json."""
    if output_format == "json":
        from chaintutor.render.jsondoc import derivation_to_dict, jacobian_to_dict

        data = jacobian_to_dict(subject) if isinstance(subject, Jacobian) else derivation_to_dict(subject)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    document = document_of(subject, view)
    if output_format == "markdown":
        from chaintutor.render import markdown

        return markdown.render_document(document)
    if output_format == "latex":
        from chaintutor.render import latex

        return latex.render_document(document, standalone)
    from chaintutor.render import text

    return text.render_document(document)
