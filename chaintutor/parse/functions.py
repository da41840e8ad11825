"""The functions the language knows: spellings, canonical names, arity, suggestions.

Canonical names are SymPy's names (``asin`` for ``arcsin``, ``log`` for ``ln``), except
``abs``, which :mod:`chaintutor.parse.build` turns into ``sympy.Abs``. This module must not
import SymPy: the parser uses it, and parsing has to stay cheap to import.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionInfo:
    """A built-in function as spelled by the user: its canonical name and its arity."""

    name: str
    min_args: int = 1
    max_args: int = 1

    def arity_text(self) -> str:
        """``1 argument`` or ``1 or 2 arguments``, for messages."""
        if self.min_args == self.max_args:
            return f"{self.min_args} argument" + ("" if self.min_args == 1 else "s")
        return f"{self.min_args} or {self.max_args} arguments"


_TRIGONOMETRIC = ("sin", "cos", "tan", "sec", "csc", "cot")
_HYPERBOLIC = tuple(name + "h" for name in _TRIGONOMETRIC)

CANONICAL_NAMES: tuple[str, ...] = (
    *_TRIGONOMETRIC,
    *("a" + name for name in _TRIGONOMETRIC),
    *_HYPERBOLIC,
    *("a" + name for name in _HYPERBOLIC),
    "exp", "log", "log10", "log2", "sqrt", "cbrt", "abs", "sign", "sigmoid", "softplus", "relu",
)  # fmt: skip

VECTOR_FUNCTIONS = {"sum": 1, "dot": 2, "outer": 2, "ones": 1}
"""Functions of vectors, by their number of arguments: sum(v), the dot product dot(u, v), the
outer product outer(u, v) = u·vᵀ and ones(n), the vector of n ones."""

ABSTRACT_FUNCTIONS = frozenset({"f", "g", "h", "F", "G", "H", "φ", "ψ"})
"""Names that make an abstract function when followed by ``(``, and a variable otherwise."""

GREEK_FUNCTION_NAMES = {"φ": "phi", "ψ": "psi"}
"""Greek letters allowed only as abstract-function names, with their spelled-out names."""

_ALIASES = {
    "ln": FunctionInfo("log"),
    "Abs": FunctionInfo("abs"),
    **{"arc" + name: FunctionInfo("a" + name) for name in _TRIGONOMETRIC},
    **{"ar" + name: FunctionInfo("a" + name) for name in _HYPERBOLIC},
    **{"arc" + name: FunctionInfo("a" + name) for name in _HYPERBOLIC},
}

FUNCTIONS: dict[str, FunctionInfo] = {
    **{name: FunctionInfo(name) for name in CANONICAL_NAMES},
    "log": FunctionInfo("log", 1, 2),
    # The partial of an abstract function, as SymPy's str writes it: Derivative(f(u, v), u).
    "Derivative": FunctionInfo("Derivative", 2, 2),
    # relu as max(0, u), the lecture's spelling; other maxima are refused when built.
    "max": FunctionInfo("max", 2, 2),
    # relu's derivative 1[u > 0] as SymPy's str writes it: Heaviside(u, 0).
    "Heaviside": FunctionInfo("Heaviside", 1, 2),
    # The vector reductions (chaintutor.parse.vectors); with scalars alone they are refused.
    **{name: FunctionInfo(name, arity, arity) for name, arity in VECTOR_FUNCTIONS.items()},
    **_ALIASES,
}
"""Every accepted spelling of a built-in function."""

# Words difflib would match badly ("cosine" is closer to "cosh" than to "cos").
_SPELLED_OUT = {
    "sine": "sin", "cosine": "cos", "tangent": "tan", "secant": "sec", "cosecant": "csc",
    "cotangent": "cot", "root": "sqrt", "sigma": "sigmoid", "logistic": "sigmoid",
}  # fmt: skip


def lookup(name: str) -> FunctionInfo | None:
    """The built-in function spelled ``name``, if there is one."""
    return FUNCTIONS.get(name)


def spelled_out(name: str) -> bool:
    """Whether ``name`` is a function's name spelled out in words (sine, cosine, root)."""
    return name.lower() in _SPELLED_OUT


def suggest(name: str) -> str | None:
    """The built-in spelling closest to an unknown function name, if one is close enough.

    Names of one or two letters get no suggestion: ``ab(x)`` more likely means a product.
    """
    if len(name) < 3:
        return None
    lowered = name.lower()
    if lowered in _SPELLED_OUT:
        return _SPELLED_OUT[lowered]
    matches = difflib.get_close_matches(lowered, FUNCTIONS, n=1)
    return matches[0] if matches else None


def inverse_name(canonical: str) -> str | None:
    """The canonical name of the inverse function (``asin`` for ``sin``), if the table has one."""
    inverse = "a" + canonical
    return inverse if inverse in FUNCTIONS else None
