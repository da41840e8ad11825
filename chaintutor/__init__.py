"""chaintutor: the chain rule, step by step.

>>> from chaintutor import derive, check
>>> d = derive("ln(sin(x**3)**2)")
>>> d.result["x"], d.verified["x"]
(6*x**2*cos(x**3)/sin(x**3), True)
>>> r = check("sin(x**3)", "cos(x**3)")
>>> r.correct, [item.code for item in r.diagnosis]
(False, ['missing_inner_derivative'])

Both results print as the command line's text (``print(d)``), convert with ``to_text()``,
``to_markdown()``, ``to_latex()`` and ``to_dict()`` (the JSON of ``--format json``), and show
themselves in a notebook. Importing this package is cheap: SymPy is loaded on the first call
that needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from chaintutor.errors import InputError

if TYPE_CHECKING:
    from chaintutor.render.check import ShownCheck
    from chaintutor.render.display import ShownDerivation
    from chaintutor.render.vectordisplay import ShownVectorDerivation

__version__ = "0.1.0"
__all__ = ["InputError", "__version__", "check", "derive"]


def derive(
    problem: str,
    wrt: Sequence[str] | str | None = None,
    *,
    granularity: Literal["compositions", "fine"] = "compositions",
    max_paths: int = 32,
    at: str | Mapping[str, object] | None = None,
) -> ShownDerivation | ShownVectorDerivation:
    """Derive ``problem`` (an expression or a system, in the input language) step by step.

    ``wrt``: the independent variables to differentiate by, a list or ``"x,z"`` (default:
    every one). ``granularity``: ``compositions`` names one intermediate per nested layer,
    ``fine`` one per operation. ``max_paths``: at most this many paths are listed per variable
    (all are counted). ``at``: a point (``"x=0.5,z=2"`` or ``{"x": 0.5}``) adds the numbers of
    the forward and backward pass. Raises :class:`InputError` for a problem that cannot be read.
    """
    from chaintutor.parse.vectors import is_vector_problem

    if is_vector_problem(problem):  # declarations such as 'w, x ∈ R^n': the vector chain rule
        return _derive_vectors(problem, wrt, at)
    from chaintutor.core.derive import derive as _derive
    from chaintutor.render.display import ShownDerivation

    return ShownDerivation.of(_derive(problem, wrt, granularity=granularity, max_paths=max_paths, at=at))


def _derive_vectors(
    problem: str, wrt: Sequence[str] | str | None, at: str | Mapping[str, object] | None
) -> ShownVectorDerivation:
    from chaintutor.core.vectorderive import derive_verified
    from chaintutor.render.vectordisplay import ShownVectorDerivation

    names = [name.strip() for name in wrt.split(",")] if isinstance(wrt, str) else wrt
    point = ",".join(f"{name}={value}" for name, value in at.items()) if isinstance(at, Mapping) else at
    return ShownVectorDerivation.of(derive_verified(problem, names, point))


def check(
    problem: str,
    answer: str,
    wrt: Sequence[str] | str | None = None,
    *,
    symbolic_seconds: float | None = None,
) -> ShownCheck:
    """Grade ``answer`` as the derivative of ``problem`` with respect to ``wrt``.

    ``wrt`` may be left out when the problem has a single independent variable.
    ``symbolic_seconds``: the time allowed to the symbolic zero test (default: the command
    line's). ``correct`` says whether the answer is right; ``diagnosis`` lists the likely
    mistakes (each with a stable ``code``). Raises :class:`InputError` for input that cannot be read.
    """
    from chaintutor.grade.check import check as _check
    from chaintutor.render.check import ShownCheck

    if symbolic_seconds is None:
        return ShownCheck.of(_check(problem, answer, wrt))
    return ShownCheck.of(_check(problem, answer, wrt, symbolic_seconds=symbolic_seconds))
