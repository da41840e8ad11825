"""The command layer: the Typer app (:mod:`app`) and the Rich interactive views (:mod:`session`).

Importing it loads Typer only; every command imports what it needs when it runs, so
``chaintutor --help`` never loads SymPy.
"""

from chaintutor.cli.app import app, main

__all__ = ["app", "main"]
