"""Inputs on which SymPy can take very long: answered within the time budgets, correctly.

The bounds are generous (the budgets total a few seconds; shared machines are slow): they
catch a hang, not a regression in speed. benchmarks/run.py measures speed.
"""

import time

import pytest
import sympy

from chaintutor import check, derive
from tests.helpers import real, same_function

x, y, z, w = real("x", "y", "z", "w")


def _tan_nest() -> sympy.Expr:
    expr = x
    for _ in range(8):
        expr = sympy.tan(expr)
    return expr


SLOW = [
    ("*".join(f"sin({k}*x)" for k in range(1, 11)), sympy.Mul(*(sympy.sin(k * x) for k in range(1, 11)))),
    ("tan(" * 8 + "x" + ")" * 8, _tan_nest()),
    ("(x+y+z+w+1)**40", (x + y + z + w + 1) ** 40),
]


@pytest.mark.parametrize(("text", "whole"), SLOW, ids=["sin-product", "tan-nest", "power-40"])
def test_slow_cases_finish_within_their_budget_and_are_right(text, whole):
    start = time.monotonic()
    d = derive(text)
    assert time.monotonic() - start < 30
    for name, result in d.result.items():
        assert d.verified[name]
        assert same_function(result, sympy.diff(whole, sympy.Symbol(name, real=True)))


def test_check_on_a_slow_case_decides_from_the_numbers():
    start = time.monotonic()
    answer = "+".join(
        f"{k}*cos({k}*x)*" + "*".join(f"sin({j}*x)" for j in range(1, 11) if j != k) for k in range(1, 11)
    )
    result = check(SLOW[0][0], answer)
    assert result.correct
    assert time.monotonic() - start < 30
