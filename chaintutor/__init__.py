"""chaintutor: the chain rule, step by step.

>>> from chaintutor import derive
>>> d = derive("ln(sin(x**3)**2)")
>>> d.result["x"], d.verified["x"]

Importing this package is cheap: SymPy is loaded on the first call that needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chaintutor.errors import InputError

if TYPE_CHECKING:
    from chaintutor.derivation import Derivation
    from chaintutor.grade.check import CheckResult

__version__ = "0.1.0"
__all__ = ["InputError", "__version__", "check", "derive"]


def derive(problem: str, wrt: Sequence[str] | str | None = None, **options: Any) -> Derivation:
    """Derive ``problem`` step by step; see :func:`chaintutor.derivation.derive`."""
    from chaintutor.derivation import derive as _derive

    return _derive(problem, wrt, **options)


def check(problem: str, answer: str, wrt: Sequence[str] | str | None = None, **options: Any) -> CheckResult:
    """Grade ``answer`` as the derivative of ``problem``; see :func:`chaintutor.grade.check.check`."""
    from chaintutor.grade.check import check as _check

    return _check(problem, answer, wrt, **options)
