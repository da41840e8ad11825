"""The ML activations as SymPy functions, so their derivatives are taught in closed form.

``sigmoid(x)`` is σ(x) = 1/(1 + exp(−x)) with σ' = σ(1 − σ); ``softplus(x)`` is
log(1 + exp(x)) with softplus' = σ. Kept unevaluated (like ``sin``) so that a derivation
shows σ(u)·(1 − σ(u)) rather than a tangle of exponentials. ``rewrite(sympy.exp)`` gives the
elementary form; numeric evaluation goes through it. The class names are lowercase because
``str`` prints them, and ``sigmoid(x)`` must parse back.
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.core.function import ArgumentIndexError


class _Activation(sympy.Function):
    """A function of one real argument with a positive real value, evaluated through its
    elementary form."""

    nargs = 1

    def _eval_evalf(self, prec: int) -> sympy.Expr | None:
        return _evalf_through_exp(self, prec)

    def _eval_is_real(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_real else None


class sigmoid(_Activation):
    """The logistic function σ(x) = 1/(1 + exp(−x))."""

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if arg.is_zero:
            return sympy.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, arg: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-arg))


class softplus(_Activation):
    """The smooth ramp softplus(x) = log(1 + exp(x)), whose derivative is σ(x)."""

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if arg.is_zero:
            return sympy.log(2)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, arg: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return sympy.log(1 + sympy.exp(arg))

    _eval_rewrite_as_log = _eval_rewrite_as_exp


def _evalf_through_exp(function: sympy.Function, prec: int) -> sympy.Expr | None:
    """A number for a numeric argument, by evaluating the elementary form; else nothing."""
    if not function.args[0].is_number:
        return None
    return function.rewrite(sympy.exp)._eval_evalf(prec)


class relu(sympy.Function):
    """The rectified linear unit relu(x) = max(0, x), with relu′(x) = 1[x > 0].

    At the kink x = 0 the derivative does not exist; the convention (as in every deep-learning
    library) is 0 there, which is what ``Heaviside(x, 0)`` is. ``rewrite(sympy.Max)`` gives
    max(0, x), the form an independent check differentiates.
    """

    nargs = 1

    @classmethod
    def eval(cls, arg: sympy.Expr) -> sympy.Expr | None:
        if arg.is_number and arg.is_extended_real is True and arg.is_comparable:
            return sympy.Max(sympy.Integer(0), arg)
        if arg.is_extended_nonnegative:
            return arg
        if arg.is_extended_nonpositive:
            return sympy.Integer(0)
        return None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return step(self.args[0])

    def _eval_is_real(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _eval_is_nonnegative(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _eval_rewrite_as_Max(self, arg: sympy.Expr, **kwargs: Any) -> sympy.Expr:
        return sympy.Max(sympy.Integer(0), arg)


def step(arg: sympy.Expr) -> sympy.Expr:
    """The indicator 1[arg > 0]: the Heaviside step with the value 0 at 0 (relu's convention)."""
    return sympy.Heaviside(arg, sympy.Integer(0))


RELU_CONVENTION = "At u = 0, where relu has a kink, 1[u > 0] takes the value 0 (the usual convention)."
"""The convention at the kink, stated once in every output that uses it."""
