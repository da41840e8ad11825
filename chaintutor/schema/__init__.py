"""The JSON Schemas of ``derive``, ``check`` and ``grade --format json`` (package data).

>>> from chaintutor import schema
>>> schema.load("check")["required"]
['correct', 'equivalence', 'expected', 'answer', 'diagnosis']

They are the reference for every key of those documents (CONTRACT.md names the keys; the
schemas give each its type). Validate with any JSON Schema (2020-12) library, for example
``jsonschema.validate(derive(...).to_dict(), schema.load("derive"))``.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any, Literal

NAMES = ("derive", "check", "grade")
Name = Literal["derive", "check", "grade"]


def text(name: Name) -> str:
    """The schema as shipped: ``derive.schema.json``, ``check.schema.json`` or ``grade.schema.json``."""
    if name not in NAMES:
        raise ValueError(f"no schema called {name!r}: there are {', '.join(NAMES)}")
    return files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


def load(name: Name) -> dict[str, Any]:
    """The schema as a dictionary."""
    loaded: dict[str, Any] = json.loads(text(name))
    return loaded
