"""Random correct rewrites of a derivative (expanded, factored, trig identities, tan as sin/cos)
are always accepted: the equivalence test never calls a right answer wrong (issue 14)."""

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaintutor import check
from tests.helpers import real
from tests.test_property import compositions

(x,) = real("x")


def _half_angles(expr: sympy.Expr) -> sympy.Expr:
    """sin(a) = 2 sin(a/2) cos(a/2), cos(a) = 1 - 2 sin(a/2)²."""
    found = {}
    for f in expr.atoms(sympy.sin, sympy.cos):
        half = f.args[0] / 2
        if isinstance(f, sympy.sin):
            found[f] = sympy.Mul(2, sympy.sin(half), sympy.cos(half), evaluate=False)
        else:
            found[f] = 1 - 2 * sympy.sin(half) ** 2
    return expr.xreplace(found)


def _pythagoras(expr: sympy.Expr) -> sympy.Expr:
    """Multiply by sin² + cos² of the argument of one of its functions (that is, by 1)."""
    arguments = sorted((f.args[0] for f in expr.atoms(sympy.Function) if f.args), key=sympy.default_sort_key)
    a = arguments[0] if arguments else x
    return sympy.Mul(expr, sympy.sin(a) ** 2 + sympy.cos(a) ** 2, evaluate=False)


REWRITES = {
    "expand": sympy.expand,
    "factor": sympy.factor,
    "together": sympy.together,
    "expand_trig": sympy.expand_trig,
    "tan as sin/cos": lambda e: e.rewrite(sympy.tan, sympy.sin),
    "half angles": _half_angles,
    "times sin² + cos²": _pythagoras,
    "cancel": sympy.cancel,
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(compositions, st.sampled_from(sorted(REWRITES)))
def test_correct_rewrites_are_never_diagnosed(case, rewrite):
    text, expr = case
    derivative = sympy.diff(expr, x)
    rewritten = REWRITES[rewrite](derivative)
    result = check(text, str(rewritten), wrt="x")
    assert result.correct, (text, rewrite, str(rewritten), result.detail, result.diagnosis)
