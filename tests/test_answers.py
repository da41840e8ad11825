"""Answers as students type them (issue 14): each reading rule, its refusals, and that problems
are still read as before. Every expected derivative is built in Python with SymPy."""

import json

import pytest
import sympy
from sympy import cos, exp, sin, sqrt
from typer.testing import CliRunner

from chaintutor import InputError, check
from chaintutor.cli import app
from chaintutor.parse import parse_expression
from tests.helpers import real, same_function

x, p, h, w2, z, w, b = real("x", "p", "h", "w2", "z", "w", "b")
runner = CliRunner()


def sigmoid(t):
    return 1 / (1 + exp(-t))


# (problem, wrt, the answer as a student types it, the same answer built in Python)
TYPED = [
    # name(…) is a product unless name is a function
    ("x**2/(1+x)", None, "(2x(1+x) - x^2)/(1+x)^2", (2 * x * (1 + x) - x**2) / (1 + x) ** 2),
    ("p**2/2 - p**3/3", None, "p(1-p)", p * (1 - p)),
    ("w2*(h - h**3/3)*x", "h", "w2(1-h^2)x", w2 * (1 - h**2) * x),
    ("(3*x**2+1)**5", None, "30x(3x^2+1)^4", 30 * x * (3 * x**2 + 1) ** 4),
    ("sqrt(1+x**2)", None, "x(1+x^2)^(-1/2)", x / sqrt(1 + x**2)),
    # letter runs split when there is one reading
    ("sin(x**2)", None, "2xcos(x^2)", 2 * x * cos(x**2)),
    ("sin(x**2)", None, "2xcos x^2", 2 * x * cos(x**2)),
    ("x*sin(x)", None, "sinx + xcosx", sin(x) + x * cos(x)),
    # a leading derivative notation naming the right variables
    ("sin(x**2)", None, "dy/dx = 2x cos(x^2)", 2 * x * cos(x**2)),
    ("sin(x**2)", None, "∂y/∂x = 2x cos(x^2)", 2 * x * cos(x**2)),
    ("sin(x**2)", None, "y' = 2x·cos(x²)", 2 * x * cos(x**2)),
    ("sin(x**2)", None, "f'(x) = 2x cos(x^2)", 2 * x * cos(x**2)),
    ("sin(x**2)", None, "d/dx y = 2x cos(x^2)", 2 * x * cos(x**2)),
    ("L = (w*x - 1)**2", "w", "dL/dw = 2(wx - 1)x", 2 * (w * x - 1) * x),
    # σ is sigmoid; an intermediate's name in juxtaposed form
    ("y = sigmoid(z); z = w*x + b", "w", "σ(z)(1 - σ(z))x", sigmoid(w * x + b) ** 2 * exp(-w * x - b) * x),
    ("y = g**2; g = 3*x", None, "2g(3)", 18 * x),
    ("y = h**2 + x; h = sin(x)", None, "2h(cos(x)) + 1", 2 * sin(x) * cos(x) + 1),
    # sec², Unicode
    ("tan(x**2)", None, "2x sec²(x²)", 2 * x / cos(x**2) ** 2),
    ("tan(x**2)", None, "2x·sec^2(x^2)", 2 * x / cos(x**2) ** 2),
]


@pytest.mark.parametrize(("problem", "wrt", "typed", "answer"), TYPED)
def test_answers_as_students_type_them_are_read_and_accepted(problem, wrt, typed, answer):
    result = check(problem, typed, wrt=wrt)
    assert result.correct, (result.detail, result.answer)
    assert same_function(result.answer, answer)


@pytest.mark.parametrize(
    ("problem", "wrt", "typed", "message"),
    [
        ("sin(x**2)", None, "dy/dt = 2x cos(x^2)", "with respect to 't'"),
        ("sin(x**2)", None, "dz/dx = 2x cos(x^2)", "derivative of 'z'"),
        ("y = sigmoid(z); z = w*x + b", "b", "y' = σ(z)(1 - σ(z))", "does not say which variable"),
        ("y = sigmoid(z); z = w*x + b", "b", "∂y/∂w = σ(z)(1 - σ(z))", "question is ∂y/∂b"),
        ("sin(x**2)", None, "2x = cos(x^2)", "only a derivative notation"),
        ("sin(x**2)", None, "dy/dx = ", "nothing follows"),
        ("sin(x**2)", None, "2xcos(x^2) + C", "constant of integration"),
        ("sin(x**2)", None, "sine(x)", "unknown function 'sine'"),
        ("sin(x**2)", None, "t(x + 1)", "'t', which is not a variable"),
    ],
)
def test_answers_that_cannot_be_read_are_input_errors_with_a_caret(problem, wrt, typed, message):
    with pytest.raises(InputError, match=message) as caught:
        check(problem, typed, wrt=wrt)
    assert caught.value.source == typed and caught.value.start is not None


def test_a_wrong_notation_exits_2_with_a_caret_under_it():
    result = runner.invoke(app, ["check", "sin(x**2)", "dy/dt = 2x cos(x^2)"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[1] == "  dy/dt = 2x cos(x^2)"
    assert lines[2] == "  ^^^^^"


def test_a_run_with_two_readings_is_not_split():
    # variables a, b, ab and ba: "aba" is a·ba or ab·a, so it is refused, not guessed
    with pytest.raises(InputError, match="'aba', which is not a variable"):
        check("a*b + ab + ba", "aba", wrt="a")
    # the problem's own names are never split
    assert check("ab*a + b", "ab", wrt="a").correct


def test_problems_are_read_as_before():
    with pytest.raises(InputError, match="unknown function 'x'"):
        parse_expression("x(1+x)")
    with pytest.raises(InputError, match="σ"):
        parse_expression("σ(x)")


def test_the_answer_is_echoed_as_typed():
    result = check("2**(x**2)", "2x·2^(x²)·0.69")
    assert "2x·2^(x²)·0.69" in runner.invoke(app, ["check", "2**(x**2)", "2x·2^(x²)·0.69"]).stdout
    assert result.typed == "2x·2^(x²)·0.69"


def test_json_of_an_answer_with_notation():
    result = runner.invoke(app, ["check", "sin(x**2)", "dy/dx = 2xcos(x^2)", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["correct"] is True


# --- sound equivalence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "answer", "built", "where"),
    [
        ("asin(sin(x))", "1", sympy.Integer(1), 2),  # true only for |x| < π/2
        ("asin(2*x*sqrt(1 - x**2))", "2/sqrt(1 - x^2)", 2 / sqrt(1 - x**2), 0.9),  # only for |x| < 1/√2
        ("sqrt(x**2)", "1", sympy.Integer(1), -1),  # true only for x > 0
        ("atan(1/x)", "1/(1 + x^2)", 1 / (1 + x**2), 1),  # the sign is wrong everywhere
    ],
)
def test_an_answer_right_on_part_of_the_domain_is_wrong(problem, answer, built, where):
    right = sympy.diff(parse_problem_in_python(problem), x)
    point = {x: sympy.Float(where, 30)}
    assert abs(sympy.N(built.subs(point) - right.subs(point))) > 0.1
    result = check(problem, answer)
    assert result.correct is False and result.verdict == "wrong"
    assert result.detail.startswith("at x = ")
    shown = result.detail.split(" the answer is ")[1].split(" but the derivative is ")
    assert shown[0] != shown[1]  # enough digits to differ


def parse_problem_in_python(problem: str) -> sympy.Expr:
    from sympy import asin, atan

    return {
        "asin(sin(x))": asin(sin(x)),
        "asin(2*x*sqrt(1 - x**2))": asin(2 * x * sqrt(1 - x**2)),
        "sqrt(x**2)": sqrt(x**2),
        "atan(1/x)": atan(1 / x),
    }[problem]


def test_a_decimal_that_approximates_an_exact_constant_is_close_but_not_exact():
    for answer in ("2x·2^(x²)·0.69314718", "2x·2^(x²)·0.693"):
        result = check("2**(x**2)", answer)
        assert result.correct is False and result.verdict == "close" and result.diagnosis == []
        assert result.to_dict()["verdict"] == "close"
        cli = runner.invoke(app, ["check", "2**(x**2)", answer])
        read_as, verdict = cli.stdout.splitlines()[:2]  # 2x is implicit multiplication: read back first
        assert cli.exit_code == 1 and read_as.startswith("Read as (your answer): 2·x·")
        assert verdict == "≈ close, but not exact"
    assert check("x/2", "0.5").correct  # an exact decimal is exact
    assert check("sin(2.5*x)", "2.5cos(2.5x)").correct
    assert "verdict" not in check("x/2", "0.5").to_dict()
    assert check("2**(x**2)", "2x·2^(x²)·0.5").verdict == "wrong"  # far from ln 2: plain wrong


def test_right_answers_that_overflow_in_floats_are_right():
    assert check("sigmoid(x**2)", "2x e^(x^2)/(1+e^(x^2))^2").correct
    assert check("acosh(x/10)", "1/sqrt(x^2-100)").correct  # defined only for x > 10


def test_the_verdict_is_the_same_bytes_every_time():
    first = [check("asin(2*x*sqrt(1 - x**2))", "2/sqrt(1 - x^2)").detail for _ in range(3)]
    assert len(set(first)) == 1


# --- abstract functions: the partials as textbooks write them (issue 19) ----------------------

TWO_INNERS = "y = f(u, v); u = g(x, z); v = h(x, z)"
F, G, H = sympy.Function("f"), sympy.Function("g"), sympy.Function("h")
uu, vv = real("u", "v")
# ∂y/∂x by the general chain rule, built here: ∂f/∂u·∂g/∂x + ∂f/∂v·∂h/∂x
TWO_INNERS_X = sympy.Derivative(F(uu, vv), uu) * sympy.Derivative(G(x, z), x) + sympy.Derivative(
    F(uu, vv), vv
) * sympy.Derivative(H(x, z), x)
ABSTRACT_NOTATIONS = [
    "f_u*g_x + f_v*h_x",
    "f_u g_x + f_v h_x",
    "f_{u}·g_{x} + f_{v}·h_{x}",
    "∂f/∂u·∂g/∂x + ∂f/∂v·∂h/∂x",
    "df/du dg/dx + df/dv dh/dx",
    "D[1]f·D[1]g + D[2]f·D[1]h",
    "D_1 f D_1 g + D_2 f D_1 h",
    "f_1 g_1 + f_2 h_1",
    "f_u(u, v)·g_x(x, z) + ∂f/∂v(u, v)·∂h/∂x(x, z)",
    "Derivative(f(u, v), u)*Derivative(g(x, z), x) + Derivative(f(u, v), v)*Derivative(h(x, z), x)",
    "dy/dx = f_u g_x + f_v h_x",
]


@pytest.mark.parametrize("answer", ABSTRACT_NOTATIONS)
def test_partials_of_abstract_functions_in_every_notation(answer):
    result = check(TWO_INNERS, answer, "x")
    assert result.correct, (answer, result.diagnosis)
    assert sympy.simplify(result.answer - TWO_INNERS_X) == 0


@pytest.mark.parametrize(
    ("problem", "wrt", "answer"),
    [
        ("f(g(x))", None, "f'(g(x))·g'(x)"),
        ("f(g(x))", None, "f′·g′"),
        ("sqrt(g(x))", None, "g'(x)/(2 sqrt(g(x)))"),
        ("z = f(x, y); x = g(t); y = h(t)", None, "f_x g' + f_y h'(t)"),
        ("z = f(x, y); x = g(t); y = h(t)", None, "∂f/∂x·dg/dt + ∂f/∂y·dh/dt"),
        ("y = f(u); u = g(x, z)", "x", "f'(u)·g_x"),
    ],
)
def test_functions_of_one_variable_take_a_prime(problem, wrt, answer):
    assert check(problem, answer, wrt).correct


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("f_u g_x", "missing_path"),
        ("f_u g_x · f_v h_x", "paths_multiplied"),
        ("g_x + f_v h_x", "missing_outer_derivative"),
        ("f_u + f_v h_x", "missing_inner_derivative"),
        ("(f_u + g_x) + f_v h_x", "factors_added"),
        ("f_u g_z + f_v h_z", "wrong_variable"),
        ("f_u h_x + f_v g_x", "unknown"),
    ],
)
def test_a_wrong_abstract_answer_gets_the_mistake_of_the_general_chain_rule(answer, code):
    result = check(TWO_INNERS, answer, "x")
    assert not result.correct and [d.code for d in result.diagnosis] == [code]


def test_f_prime_at_x_instead_of_at_the_inside_is_named():
    result = check("f(g(x))", "f'(x)·g'(x)")
    assert [d.code for d in result.diagnosis] == ["outer_at_wrong_argument"]


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ("f'·g_x + f_v h_x", "f′ does not say which partial"),
        ("f_w g_x", "f is applied to (u, v)"),
        ("f_3 g_x", "f is applied to (u, v)"),
        ("f_u g_x + q", "'q', which is not a variable"),
        ("f(u) g_x", "does not apply 'f' to 1 argument"),
        ("dy/dz = f_u g_x + f_v h_x", "the question is ∂y/∂x"),
    ],
)
def test_an_abstract_answer_that_cannot_be_read(answer, fragment):
    with pytest.raises(InputError) as caught:
        check(TWO_INNERS, answer, "x")
    assert fragment in str(caught.value) and caught.value.start is not None


def test_the_check_command_grades_an_abstract_answer():
    right = runner.invoke(app, ["check", TWO_INNERS, "∂f/∂u·∂g/∂x + ∂f/∂v·∂h/∂x", "--wrt", "x"])
    assert right.exit_code == 0 and "correct" in right.stdout
    wrong = runner.invoke(app, ["check", TWO_INNERS, "f_u g_x", "--wrt", "x", "--format", "json"])
    assert wrong.exit_code == 1 and json.loads(wrong.stdout)["diagnosis"][0]["code"] == "missing_path"
