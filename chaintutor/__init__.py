"""chaintutor: the chain rule, step by step.

>>> from chaintutor import derive
>>> d = derive("ln(sin(x**3)**2)")
>>> d.result["x"], d.verified["x"]
(6*x**2*cos(x**3)/sin(x**3), True)

Importing this package is cheap: SymPy is loaded on the first call that needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chaintutor.errors import InputError

if TYPE_CHECKING:
    from chaintutor.grade.check import CheckResult
    from chaintutor.render.display import ShownDerivation

__version__ = "0.1.0"
__all__ = ["InputError", "__version__", "check", "derive"]


def derive(problem: str, wrt: Sequence[str] | str | None = None, **options: Any) -> ShownDerivation:
    """Derive ``problem`` step by step; see :func:`chaintutor.core.derive.derive`.

    The result is the core's plain :class:`~chaintutor.core.derive.Derivation` with
    ``to_dict()`` (the JSON of ``--format json``) and the notebook displays added.
    """
    from chaintutor.core.derive import derive as _derive
    from chaintutor.render.display import ShownDerivation

    return ShownDerivation.of(_derive(problem, wrt, **options))


def check(problem: str, answer: str, wrt: Sequence[str] | str | None = None, **options: Any) -> CheckResult:
    """Grade ``answer`` as the derivative of ``problem``; see :func:`chaintutor.grade.check.check`."""
    from chaintutor.grade.check import check as _check

    return _check(problem, answer, wrt, **options)
