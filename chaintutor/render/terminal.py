"""The terminal: the plain-text layout at the console's width, coloured with Rich.

The lines come from :func:`chaintutor.render.text.document_lines`, which already fit the
width: a long formula is broken at its operators, never cut off (Rich's grids would cut a
``no_wrap`` column with an ellipsis). Should a line still be too wide (a character the
terminal draws wider than Unicode says), Rich folds it onto the next line; it never crops it.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from chaintutor.render.document import Document
from chaintutor.render.text import document_lines

_STYLES = {
    "title": "bold",
    "statement": "bold cyan",
    "heading": "bold",
    "underline": "dim",
    "prose": "italic",
    "lhs": "cyan",
    "formula": "cyan",
    "header": "bold",
    "guide": "dim",
    "note": "dim",
    "ok": "bold green",
    "bad": "bold red",
}


def print_document(document: Document, console: Console, ascii: bool = False) -> None:
    """``document`` at the console's width; ``ascii``: no character outside ASCII."""
    for line in document_lines(document, console.width, ascii):
        text = Text.assemble(*((part, _STYLES.get(role, "")) for part, role in line))
        console.print(text, overflow="fold", crop=False)
