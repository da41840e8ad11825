"""``check``: right answers in any form pass, wrong ones fail with the mistake that produced them.

Every expected result here comes from SymPy directly: the right derivative is ``sympy.diff`` of
the problem built in Python, and each wrong answer is built in Python from the mistake it
stands for (and checked against ``sympy.diff`` to be wrong indeed) before chaintutor sees it.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import sympy
from sympy import cos, cot, exp, log, sin, sqrt, tan
from typer.testing import CliRunner

from chaintutor import InputError, check
from chaintutor.cli import app
from tests.helpers import real, same_function

x, z, w1, b1 = real("x", "z", "w1", "b1")
runner = CliRunner()
SEED = "ln(sin(x**3)**2)"

# Problems: the text chaintutor reads, and the same function built in Python (systems substituted).
PROBLEMS = {
    "cos(x)": cos(x),
    "x**5": x**5,
    "sin(x**3)": sin(x**3),
    "cos(x**3)": cos(x**3),
    "exp(2*x)": exp(2 * x),
    "exp(x**2)": exp(x**2),
    "sin(x**2)": sin(x**2),
    "cos(x**2)": cos(x**2),
    "sin(cos(x))": sin(cos(x)),
    "acos(x**2)": sympy.acos(x**2),
    "(x**2+1)**3": (x**2 + 1) ** 3,
    "sqrt(x**2+1)": sqrt(x**2 + 1),
    "sin(x**2)**3": sin(x**2) ** 3,
    "x*sin(x**2)": x * sin(x**2),
    SEED: log(sin(x**3) ** 2),
    "exp(cos(sqrt(x**2+1)))": exp(cos(sqrt(x**2 + 1))),
    "y = u^2 + v; u = x*z; v = sin(x)": (x * z) ** 2 + sin(x),
    "y = x + u; u = x**2": x + x**2,
    "y = g**2*h + h; g = 3*x; h = x**2": (3 * x) ** 2 * x**2 + x**2,
    "y = u**2; u = w1*x + b1": (w1 * x + b1) ** 2,
    "y = u**2; u = 3*x": (3 * x) ** 2,
    "tan(x**2)": tan(x**2),
    "y = sin(x**3)": sin(x**3),
    "y = exp(sin(u)); u = x*z": exp(sin(x * z)),
    "sin(x)**2": sin(x) ** 2,
    "x**2": x**2,
}
SYSTEM = "y = u^2 + v; u = x*z; v = sin(x)"
SEEDS_2 = "y = x + u; u = x**2"
SEEDS_5 = "y = g**2*h + h; g = 3*x; h = x**2"
LAYER = "y = u**2; u = w1*x + b1"

# (problem, wrt, the wrong answer built from its mistake, the code that must be diagnosed)
WRONG = [
    # missing_inner_derivative: depth 2, 3, 4, a system, a chain stopped early
    ("sin(x**3)", x, cos(x**3), "missing_inner_derivative"),
    ("exp(2*x)", x, exp(2 * x), "missing_inner_derivative"),
    ("(x**2+1)**3", x, 3 * (x**2 + 1) ** 2, "missing_inner_derivative"),
    ("sin(x**2)**3", x, 3 * sin(x**2) ** 2 * cos(x**2), "missing_inner_derivative"),
    (SEED, x, 2 * cos(x**3) / sin(x**3), "missing_inner_derivative"),
    (
        "exp(cos(sqrt(x**2+1)))",
        x,
        -exp(cos(sqrt(x**2 + 1))) * sin(sqrt(x**2 + 1)),
        "missing_inner_derivative",
    ),
    (LAYER, w1, 2 * (w1 * x + b1), "missing_inner_derivative"),
    (SYSTEM, x, 2 * x * z + cos(x), "outer_at_wrong_argument"),
    # outer_at_wrong_argument: at x, at the wrong layer, at the inner derivative
    ("sin(x**3)", x, 3 * x**2 * cos(x), "outer_at_wrong_argument"),
    ("(x**2+1)**3", x, 3 * x**2 * 2 * x, "outer_at_wrong_argument"),
    (SEED, x, 6 * x**2 * cos(x) / sin(x**3), "outer_at_wrong_argument"),
    (SEED, x, 1 / sin(x**3) * 2 * sin(x**3) * cos(x**3) * 3 * x**2, "outer_at_wrong_argument"),
    ("sin(x**2)", x, cos(2 * x), "outer_at_wrong_argument"),
    ("sin(x**2)**3", x, 3 * (x**2) ** 2 * cos(x**2) * 2 * x, "outer_at_wrong_argument"),
    # composition_as_product: f(g(x)) read as f(x)·g(x)
    ("sin(x**3)", x, cos(x) * x**3 + sin(x) * 3 * x**2, "composition_as_product"),
    ("exp(x**2)", x, exp(x) * x**2 + exp(x) * 2 * x, "composition_as_product"),
    ("cos(x**2)", x, -sin(x) * 2 * x, "composition_as_product"),
    ("sqrt(x**2+1)", x, (x**2 + 1) / (2 * sqrt(x)) + sqrt(x) * 2 * x, "composition_as_product"),
    # factors_added: depth 2 and 4, a system
    ("sin(x**3)", x, cos(x**3) + 3 * x**2, "factors_added"),
    ("(x**2+1)**3", x, 3 * (x**2 + 1) ** 2 + 2 * x, "factors_added"),
    (SEED, x, 1 / sin(x**3) ** 2 + 2 * sin(x**3) + cos(x**3) + 3 * x**2, "factors_added"),
    ("y = u**2; u = 3*x", x, 2 * (3 * x) + 3, "factors_added"),
    # power_rule_error: exponent kept, coefficient dropped, wrong coefficient, depth 1 to 4, a system
    ("x**5", x, 5 * x**5, "power_rule_error"),
    ("sin(x**3)", x, 3 * x**3 * cos(x**3), "power_rule_error"),
    ("(x**2+1)**3", x, (x**2 + 1) ** 2 * 2 * x, "power_rule_error"),
    ("(x**2+1)**3", x, 2 * (x**2 + 1) ** 2 * 2 * x, "power_rule_error"),
    ("sqrt(x**2+1)", x, 2 * x / sqrt(x**2 + 1), "power_rule_error"),
    (SEED, x, 2 * x**2 * cot(x**3), "power_rule_error"),
    (SYSTEM, x, 2 * (x * z) ** 2 * z + cos(x), "power_rule_error"),
    # sign_error: d/dx cos = +sin, at depth 1 to 4, the whole answer, a subtracted path
    ("cos(x)", x, sin(x), "sign_error"),
    ("cos(x**3)", x, 3 * x**2 * sin(x**3), "sign_error"),
    ("sin(cos(x))", x, cos(cos(x)) * sin(x), "sign_error"),
    ("acos(x**2)", x, 2 * x / sqrt(1 - x**4), "sign_error"),
    (SEED, x, -6 * x**2 * cot(x**3), "sign_error"),
    (SEEDS_2, x, 1 - 2 * x, "sign_error"),
    # missing_path: a system, SEEDS §2 both ways, the product rule as two paths, SEEDS §5
    (SYSTEM, x, 2 * x * z**2, "missing_path"),
    (SEEDS_2, x, 2 * x, "missing_path"),
    (SEEDS_2, x, sympy.Integer(1), "missing_path"),
    ("x*sin(x**2)", x, 2 * x**2 * cos(x**2), "missing_path"),
    (SEEDS_5, x, 2 * (3 * x) * x**2 * 3, "missing_path"),
    # a system's nested equations are layers too
    ("y = exp(sin(u)); u = x*z", x, exp(sin(x * z)) * z, "missing_inner_derivative"),
    ("y = exp(sin(u)); u = x*z", x, exp(x * z) * cos(x * z) * z, "outer_at_wrong_argument"),
    ("y = sin(x**3)", x, cos(x) * x**3 + sin(x) * 3 * x**2, "composition_as_product"),
    ("y = sin(x**3)", x, cos(x**3) + 3 * x**2, "factors_added"),
    # paths_multiplied
    (SYSTEM, x, 2 * x * z**2 * cos(x), "paths_multiplied"),
    (SEEDS_2, x, 2 * x, "paths_multiplied"),
    ("x*sin(x**2)", x, 2 * x**2 * cos(x**2) * sin(x**2), "paths_multiplied"),
    (SEEDS_5, x, 18 * x**3 * (9 * x**2 + 1) * 2 * x, "paths_multiplied"),
]

# (problem, wrt, answer as typed, the same answer built in Python)
RIGHT = [
    (SEED, None, "6*x**2*cot(x**3)", 6 * x**2 * cot(x**3)),
    (SEED, None, "6*x^2*cos(x^3)/sin(x^3)", 6 * x**2 * cos(x**3) / sin(x**3)),
    (SEED, None, "6x² cos(x³)/sin(x³)", 6 * x**2 * cos(x**3) / sin(x**3)),
    (SEED, None, "1/sin(x^3)^2 * 2 sin(x^3) * cos(x^3) * 3x^2", 6 * x**2 * cos(x**3) / sin(x**3)),
    (SEED, None, "6*x**2/tan(x**3)", 6 * x**2 / tan(x**3)),
    (SYSTEM, "x", "2*u*z + cos(x)", 2 * x * z**2 + cos(x)),
    (SYSTEM, "x", "2*x*z**2 + cos(x)", 2 * x * z**2 + cos(x)),
    (SYSTEM, "z", "2*u*x", 2 * x**2 * z),
    (SEEDS_2, None, "1 + 2*x", 1 + 2 * x),
    (SEEDS_2, None, "1 + 2*x + u - x^2", 1 + 2 * x),
    (SEEDS_5, None, "2*g*h*3 + (g^2 + 1)*2*x", 36 * x**3 + 2 * x),
    (LAYER, "w1", "2*u*x", 2 * (w1 * x + b1) * x),
    (LAYER, "b1", "2*(w1*x + b1)", 2 * (w1 * x + b1)),
    ("tan(x**2)", None, "2*x/cos(x**2)**2", 2 * x / cos(x**2) ** 2),
    ("sin(x)**2", None, "sin(2*x)", sin(2 * x)),
    ("cos(x**3)", None, "-3*x**2*sin(x**3)", -3 * x**2 * sin(x**3)),
]


def derivative(problem: str, wrt: sympy.Symbol) -> sympy.Expr:
    return sympy.diff(PROBLEMS[problem], wrt)


def codes(result) -> list[str]:
    return [d.code for d in result.diagnosis]


# --- the test data itself, checked with SymPy alone -----------------------------------------------


@pytest.mark.parametrize(("problem", "wrt", "answer", "code"), WRONG)
def test_every_wrong_answer_is_really_wrong(problem, wrt, answer, code):
    assert not same_function(answer, derivative(problem, wrt))


@pytest.mark.parametrize(("problem", "wrt", "typed", "answer"), RIGHT)
def test_every_right_answer_is_really_right(problem, wrt, typed, answer):
    assert same_function(answer, derivative(problem, real(wrt)[0] if wrt else x))


def test_every_code_has_at_least_three_wrong_answers():
    table = {
        "missing_inner_derivative",
        "outer_at_wrong_argument",
        "composition_as_product",
        "factors_added",
        "power_rule_error",
        "sign_error",
        "missing_path",
        "paths_multiplied",
    }
    for code in table:
        assert sum(case[3] == code for case in WRONG) >= 3, code


# --- the Python API --------------------------------------------------------------------------------


@pytest.mark.parametrize(("problem", "wrt", "answer", "code"), WRONG)
def test_wrong_answers_are_diagnosed(problem, wrt, answer, code):
    result = check(problem, str(answer), wrt=wrt.name)
    assert result.correct is False
    assert code in codes(result), [(d.code, d.message) for d in result.diagnosis]
    assert "unknown" not in codes(result)
    assert same_function(result.expected, derivative(problem, wrt))
    assert all(d.message for d in result.diagnosis)


@pytest.mark.parametrize(("problem", "wrt", "typed", "answer"), RIGHT)
def test_right_answers_in_any_form_are_right(problem, wrt, typed, answer):
    result = check(problem, typed, wrt=wrt)
    assert result.correct is True, result.detail
    assert result.diagnosis == []
    assert result.equivalence in ("exact", "numeric", "symbolic")
    assert same_function(result.answer, answer)


def test_the_issue_example_names_the_inner_function():
    result = check("sin(x**3)", "cos(x**3)", wrt="x")
    assert result.correct is False
    assert result.diagnosis[0].code == "missing_inner_derivative"
    assert result.diagnosis[0].message == "the derivative of the inner function u1 = x³, 3x², is missing"
    assert result.diagnosis[0]["code"] == "missing_inner_derivative"  # as the contract's {code, message}


def test_equivalence_tiers():
    assert check(SEED, "6*x**2*cos(x**3)/sin(x**3)").equivalence == "exact"
    assert check(SEED, "6*x**2*cot(x**3)", symbolic_seconds=5).equivalence == "symbolic"
    assert check(SEED, "6*x**2*cot(x**3)", symbolic_seconds=0).equivalence == "numeric"
    assert check(SEED, "cos(x**3)").equivalence == "numeric"


def test_system_answers_may_use_intermediate_names():
    result = check(SYSTEM, "2*u*z + cos(x)", wrt="x")
    assert result.correct and result.equivalence == "exact"
    assert result.answer == 2 * x * z**2 + cos(x)  # substituted before comparing
    wrong = check(SYSTEM, "2*u*z", wrt="x")
    assert codes(wrong) == ["missing_path"]
    assert "y → v → x" in wrong.diagnosis[0].message


@pytest.mark.parametrize(
    ("problem", "answer"),
    [("sin(x**3)", "tan(x)"), (SEED, "x"), ("(x**2+1)**3", "exp(x)"), (SYSTEM, "z*sin(x)")],
)
def test_unrelated_wrong_answers_get_exactly_unknown(problem, answer):
    result = check(problem, answer, wrt="x")
    assert not same_function(_built(answer), derivative(problem, x))
    assert result.correct is False
    assert codes(result) == ["unknown"]


def _built(answer: str) -> sympy.Expr:
    return {"tan(x)": tan(x), "x": x, "exp(x)": exp(x), "z*sin(x)": z * sin(x)}[answer]


def test_domain_mismatch_is_not_equivalent():
    # 2·sqrt(x³)/sqrt(x) is 2x for x > 0 but not a real number for x < 0, where 2x is defined.
    answer = 2 * sqrt(x**3) / sqrt(x)
    assert sympy.simplify(answer.subs(x, sympy.Rational(7, 10)) - sympy.Rational(14, 10)) == 0
    assert sqrt(x**3).subs(x, -sympy.Rational(7, 10)).is_real is False  # undefined in the reals
    result = check("x**2", "2*sqrt(x**3)/sqrt(x)")
    assert result.correct is False
    assert "domain mismatch" in result.detail and "undefined" in result.detail
    assert codes(result) == ["unknown"]
    assert "undefined" in result.diagnosis[0].message


def test_domain_mismatch_still_finds_the_mistake_where_the_answer_is_defined():
    # f(g(x)) = sqrt(x² + 1) read as sqrt(x)·(x² + 1): undefined for x < 0, like the answer.
    result = check("sqrt(x**2+1)", str((x**2 + 1) / (2 * sqrt(x)) + sqrt(x) * 2 * x))
    assert result.correct is False and "composition_as_product" in codes(result)


def test_bad_answers_and_bad_wrt_are_input_errors():
    with pytest.raises(InputError) as caught:
        check("sin(x**3)", "3*x^2 cos(x^3")
    assert caught.value.source == "3*x^2 cos(x^3" and caught.value.start is not None
    with pytest.raises(InputError, match="not a variable"):
        check("sin(x**3)", "cos(t)")
    with pytest.raises(InputError, match="several independent variables") as caught:
        check(SYSTEM, "2*u*z")
    assert "--wrt" in (caught.value.hint or "")
    with pytest.raises(InputError, match="intermediate"):
        check(SYSTEM, "2*u*z", wrt="u")
    # abstract functions are graded (issue 19): 2x for f(x²) drops f′(x²)
    assert [d.code for d in check("f(x**2)", "2*x").diagnosis] == ["missing_outer_derivative"]


def test_to_dict_is_exactly_the_contract():
    data = check("sin(x**3)", "cos(x**3)").to_dict()
    assert set(data) == {"correct", "equivalence", "expected", "answer", "diagnosis"}
    assert data["correct"] is False and data["equivalence"] == "numeric"
    assert data["expected"] == str(sympy.diff(sin(x**3), x))
    assert data["answer"] == "cos(x**3)"
    message = "the derivative of the inner function u1 = x³, 3x², is missing"
    assert data["diagnosis"] == [{"code": "missing_inner_derivative", "message": message}]


def test_check_is_fast_once_sympy_is_loaded():
    check(SEED, "6*x**2*cot(x**3)")  # warm SymPy's own lazy imports and caches
    timings = []
    for answer in ("6*x**2*cot(x**3)", "cos(x**3)", "6*x**2*cos(x**3)/sin(x**3)", "2*x**2*cot(x**3)"):
        start = time.perf_counter()
        check(SEED, answer)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[len(timings) // 2] < 0.1, timings  # the median; generous against CI noise


# --- the command line --------------------------------------------------------------------------------


def test_cli_json_wrong_answer_exits_1():
    result = runner.invoke(app, ["check", "sin(x**3)", "cos(x**3)", "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"correct", "equivalence", "expected", "answer", "diagnosis"}
    assert data["correct"] is False
    assert [d["code"] for d in data["diagnosis"]] == ["missing_inner_derivative"]


@pytest.mark.parametrize(("problem", "wrt", "answer", "code"), WRONG[::4])
def test_cli_json_diagnoses(problem, wrt, answer, code):
    result = runner.invoke(app, ["check", problem, str(answer), "--wrt", wrt.name, "--format", "json"])
    assert result.exit_code == 1, result.output
    assert code in [d["code"] for d in json.loads(result.stdout)["diagnosis"]]


def test_cli_right_answer_exits_0_in_text():
    result = runner.invoke(app, ["check", SEED, "6*x**2*cot(x**3)"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("✓ correct (equivalent ")
    assert "\x1b[" not in result.stdout


def test_cli_text_for_a_wrong_answer():
    result = runner.invoke(app, ["check", "sin(x**3)", "cos(x**3)", "--format", "text"])
    assert result.exit_code == 1
    out = result.stdout
    assert out.startswith("✗ not correct")
    assert "3x²·cos(x³)" in out  # the expected derivative
    assert "the derivative of the inner function u₁ = x³, 3x², is missing" in out
    assert "\x1b[" not in out


def test_cli_answer_starting_with_a_minus_is_not_an_option():
    result = runner.invoke(app, ["check", "cos(x**3)", "-3*x**2*sin(x**3)", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["correct"] is True


def test_cli_system_needs_wrt_and_takes_it():
    assert runner.invoke(app, ["check", SYSTEM, "2*u*z + cos(x)"]).exit_code == 2
    assert runner.invoke(app, ["check", SYSTEM, "2*u*z + cos(x)", "--wrt", "x"]).exit_code == 0


def test_cli_parse_error_in_the_answer_exits_2_with_a_caret():
    result = runner.invoke(app, ["check", "sin(x**3)", "3*x^2 cos(x^3"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: in the answer:")
    assert lines[1] == "  3*x^2 cos(x^3"
    assert lines[2].strip() == "^" and lines[2].index("^") == 2 + len("3*x^2 cos")
    assert "Traceback" not in result.output


def test_subprocess_through_a_pipe():
    env = dict(os.environ, FORCE_COLOR="1", TERM="xterm-256color")
    completed = subprocess.run(
        [sys.executable, "-m", "chaintutor", "check", SEED, "2*cos(x**3)/sin(x**3)", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert completed.returncode == 1, completed.stderr
    assert "\x1b[" not in completed.stdout
    data = json.loads(completed.stdout)
    assert "missing_inner_derivative" in [d["code"] for d in data["diagnosis"]]
    assert same_function(sympy.diff(log(sin(x**3) ** 2), x), 6 * x**2 * cos(x**3) / sin(x**3))
    text = subprocess.run(
        [sys.executable, "-m", "chaintutor", "check", "cos(x**3)", "3*x**2*sin(x**3)"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert text.returncode == 1 and "\x1b[" not in text.stdout
    assert "[sign_error]" in text.stdout
