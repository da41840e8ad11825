"""Random compositions, written as text and built independently in SymPy, derived and compared."""

import sympy
from hypothesis import given
from hypothesis import strategies as st

from chaintutor import derive
from tests.helpers import real, same_function

(x,) = real("x")

UNARY = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "exp": sympy.exp,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "atan": sympy.atan,
    "sinh": sympy.sinh,
    "tanh": sympy.tanh,
    "asinh": sympy.asinh,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),  # the definition, not chaintutor's class
}

leaves = st.sampled_from([("x", x), ("(x + 1)", x + 1), ("3x", 3 * x), ("x^2", x**2)])


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    unary = st.tuples(st.sampled_from(sorted(UNARY)), children).map(
        lambda p: (f"{p[0]}({p[1][0]})", UNARY[p[0]](p[1][1]))
    )
    power = st.tuples(children, st.integers(2, 4)).map(lambda p: (f"({p[0][0]})^{p[1]}", p[0][1] ** p[1]))
    product = st.tuples(children, children).map(lambda p: (f"({p[0][0]})*({p[1][0]})", p[0][1] * p[1][1]))
    total = st.tuples(children, children).map(lambda p: (f"({p[0][0]}) + ({p[1][0]})", p[0][1] + p[1][1]))
    return unary | unary | power | product | total


compositions = st.recursive(leaves, _extend, max_leaves=5)


@given(compositions)
def test_random_compositions_agree_with_sympy_diff(case):
    text, expr = case
    d = derive(text)
    reference = sympy.diff(expr, x)
    assert d.verified["x"], (text, d.verification["x"])
    assert same_function(d.result["x"], reference), text
    assert d.paths["x"].count >= 1
