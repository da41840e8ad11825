"""The mistakes a teacher names (issue 14), each from wrong answers written by hand as a student
would type them, never from the diagnoser's own variants. Each typed answer is also built in
Python, and checked with SymPy to be wrong, before chaintutor sees it."""

import pytest
import sympy
from sympy import cos, exp, log, sin, sqrt, tan
from typer.testing import CliRunner

from chaintutor import check
from chaintutor.cli import app
from tests.helpers import real

x, w, b = real("x", "w", "b")
runner = CliRunner()


def sigmoid(t):
    return 1 / (1 + exp(-t))


PROBLEMS = {
    "sin(x**2)": sin(x**2),
    "exp(x**2)": exp(x**2),
    "cos(x**3)": cos(x**3),
    "sqrt(x**2+1)": sqrt(x**2 + 1),
    "x**2*sin(3*x)": x**2 * sin(3 * x),
    "x*exp(2*x)": x * exp(2 * x),
    "sin(x)*cos(x**2)": sin(x) * cos(x**2),
    "sin(x**2)/x": sin(x**2) / x,
    "x**2/(x+1)": x**2 / (x + 1),
    "exp(x)/(x**2+1)": exp(x) / (x**2 + 1),
    "1/(x**2+1)": 1 / (x**2 + 1),
    "ln(x**2+1)": log(x**2 + 1),
    "tan(3*x)": tan(3 * x),
    "exp(3*x)": exp(3 * x),
    "exp(sin(x))": exp(sin(x)),
    "2**(x**2)": 2 ** (x**2),
    "exp(sin(x**2))": exp(sin(x**2)),
    "exp(x**3)": exp(x**3),
    "ln(cos(x))": log(cos(x)),
    "y = sigmoid(z); z = w*x + b": sigmoid(w * x + b),
    "sigmoid(w*x + b)": sigmoid(w * x + b),
    "y = u**2; u = w*x + b": (w * x + b) ** 2,
}
NEURON = "y = sigmoid(z); z = w*x + b"
BACKPROP = x * sigmoid(w * x + b) ** 2 * exp(-w * x - b)  # x·σ′(z): ∂y/∂w, not ∂y/∂b

# (problem, wrt, the wrong answer as typed, the same built in Python, the teacher's code)
WRONG = [
    # the outer derivative dropped: only the inner one left
    ("sin(x**2)", x, "2x", 2 * x, "missing_outer_derivative"),
    ("exp(x**2)", x, "2x", 2 * x, "missing_outer_derivative"),
    ("cos(x**3)", x, "3x^2", 3 * x**2, "missing_outer_derivative"),
    ("ln(x**2+1)", x, "2x", 2 * x, "missing_outer_derivative"),
    # d(f·g) as f′·g′
    ("x**2*sin(3*x)", x, "6x cos(3x)", 6 * x * cos(3 * x), "product_of_derivatives"),
    ("x*exp(2*x)", x, "2e^(2x)", 2 * exp(2 * x), "product_of_derivatives"),
    ("sin(x)*cos(x**2)", x, "-2x cos(x) sin(x^2)", -2 * x * cos(x) * sin(x**2), "product_of_derivatives"),
    # d(f/g) as f′/g′
    ("sin(x**2)/x", x, "2x cos(x^2)", 2 * x * cos(x**2), "quotient_of_derivatives"),
    ("x**2/(x+1)", x, "2x", 2 * x, "quotient_of_derivatives"),
    ("exp(x)/(x**2+1)", x, "e^x/(2x)", exp(x) / (2 * x), "quotient_of_derivatives"),
    # the reciprocal: of the whole derivative, of one local derivative, d(1/g) as 1/g′
    ("1/(x**2+1)", x, "1/(2x)", 1 / (2 * x), "reciprocal_derivative"),
    ("ln(x**2+1)", x, "(x^2+1)·2x", (x**2 + 1) * 2 * x, "reciprocal_derivative"),
    ("tan(3*x)", x, "cos(3x)^2/3", cos(3 * x) ** 2 / 3, "reciprocal_derivative"),
    # the power rule on eᵘ and aᵘ
    ("exp(x**2)", x, "x^2 e^(x^2-1)·2x", x**2 * exp(x**2 - 1) * 2 * x, "power_rule_on_exponential"),
    (
        "exp(sin(x))",
        x,
        "sin(x)e^(sin(x)-1)cos(x)",
        sin(x) * exp(sin(x) - 1) * cos(x),
        "power_rule_on_exponential",
    ),
    ("2**(x**2)", x, "x^2·2^(x^2-1)·2x", x**2 * 2 ** (x**2 - 1) * 2 * x, "power_rule_on_exponential"),
    # the derivative put inside the function
    ("exp(sin(x**2))", x, "exp(2x cos(x^2))", exp(2 * x * cos(x**2)), "derivative_in_exponent"),
    ("exp(x**3)", x, "e^(3x^2)", exp(3 * x**2), "derivative_in_exponent"),
    ("ln(cos(x))", x, "ln(-sin(x))", log(-sin(x)), "derivative_in_exponent"),
    # the local derivative of the wrong variable (backprop)
    (NEURON, b, "x σ(z)(1 - σ(z))", BACKPROP, "wrong_variable"),
    (
        "sigmoid(w*x + b)",
        b,
        "x·sigmoid(wx+b)(1-sigmoid(wx+b))",
        x * sigmoid(w * x + b) ** 2 * exp(-w * x - b),
        "wrong_variable",
    ),
    ("y = u**2; u = w*x + b", w, "2u", 2 * (w * x + b), "missing_inner_derivative"),
    ("y = u**2; u = w*x + b", b, "2u·x", 2 * (w * x + b) * x, "wrong_variable"),
]


@pytest.mark.parametrize(("problem", "wrt", "typed", "built", "code"), WRONG)
def test_every_hand_written_answer_is_really_wrong(problem, wrt, typed, built, code):
    right = sympy.diff(PROBLEMS[problem], wrt)
    point = {x: sympy.Rational(7, 10), w: sympy.Rational(-13, 10), b: sympy.Rational(3, 10)}
    assert abs(sympy.N(built.subs(point) - right.subs(point), 20)) > 1e-6


@pytest.mark.parametrize(("problem", "wrt", "typed", "built", "code"), WRONG)
def test_the_teachers_code_is_named_first(problem, wrt, typed, built, code):
    result = check(problem, typed, wrt=wrt.name)
    assert result.correct is False
    assert result.diagnosis[0].code == code, [(d.code, d.message) for d in result.diagnosis]


def test_every_new_code_has_at_least_three_hand_written_answers():
    new = {
        "missing_outer_derivative",
        "product_of_derivatives",
        "quotient_of_derivatives",
        "reciprocal_derivative",
        "power_rule_on_exponential",
        "derivative_in_exponent",
        "wrong_variable",
    }
    for code in new:
        assert sum(case[4] == code for case in WRONG) >= 3, code


def test_messages_name_the_layer_and_show_the_right_factor():
    outer = check("sin(x**2)", "2x").diagnosis[0].message
    assert "y = sin(u1)" in outer and "cos(x²)" in outer
    product = check("x**2*sin(3*x)", "6x cos(3x)").diagnosis[0].message
    assert "x²·sin(3x)" in product and "product rule gives" in product
    inside = check("exp(sin(x**2))", "exp(2x cos(x^2))").diagnosis[0].message
    assert "y = e^(u2)" in inside and "2x·cos(x²)" in inside
    variable = check(NEURON, "x σ(z)(1 - σ(z))", wrt="b").diagnosis[0].message
    assert "∂z/∂b = 1" in variable and "∂z/∂w = x" in variable


def test_two_mistakes_together_are_one_explanation():
    # sin(x²) → cos(2x): neither mistake alone gives it
    result = check("sin(x**2)", "cos(2x)")
    assert {d.code for d in result.diagnosis} == {"missing_inner_derivative", "outer_at_wrong_argument"}
    assert all(d.together for d in result.diagnosis)
    text = runner.invoke(app, ["check", "sin(x**2)", "cos(2x)"]).stdout
    assert "both together give your answer" in text and "each one" not in text
    # two dropped factors of the same kind: both are named
    assert sympy.simplify(cos(x**3) / sin(x**3) ** 2 - sympy.diff(log(sin(x**3) ** 2), x)) != 0
    result = check("ln(sin(x**3)**2)", "cos(x^3)/sin(x^3)^2")
    assert [d.code for d in result.diagnosis] == ["missing_inner_derivative", "missing_inner_derivative"]
    assert result.diagnosis[0].message != result.diagnosis[1].message


def test_alternatives_each_reproduce_the_answer():
    # a single mistake that explains the answer is never reported as "together"
    result = check("sin(x**3)", "cos(x**3)")
    assert [d.code for d in result.diagnosis] == ["missing_inner_derivative"]
    assert not result.diagnosis[0].together
