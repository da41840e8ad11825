"""Numbers at a point, checked against sympy.diff evaluated there (computed here, independently)."""

import json

import pytest
import sympy
from typer.testing import CliRunner

from chaintutor import InputError, derive
from chaintutor.cli import app
from tests.helpers import real

x, z, u, v, w, b, w1, b1, g, h = real("x", "z", "u", "v", "w", "b", "w1", "b1", "g", "h")

CASES = [
    # (problem, point, the problem written in the leaves, built here with SymPy)
    ("ln(sin(x**3)**2)", {"x": 0.7}, sympy.log(sympy.sin(x**3) ** 2)),
    ("y = u^2 + v; u = x*z; v = sin(x)", {"x": 0.3, "z": -1.2}, (x * z) ** 2 + sympy.sin(x)),
    ("y = x + u; u = x**2", {"x": 1.5}, x + x**2),
    ("y = u**2; u = w1*x + b1", {"x": 0.5, "w1": 2, "b1": -0.25}, (w1 * x + b1) ** 2),
    ("f = g**2*h + h; g = 3*x; h = x**2", {"x": 0.4}, (3 * x) ** 2 * x**2 + x**2),
    ("y = sigmoid(u); u = w*x + b", {"x": 0.5, "w": 1.5, "b": -0.3}, 1 / (1 + sympy.exp(-(w * x + b)))),
    ("tanh(softplus(2*x))", {"x": 0.1}, sympy.tanh(sympy.log(1 + sympy.exp(2 * x)))),
]


@pytest.mark.parametrize(("problem", "point", "whole"), CASES)
def test_gradient_at_a_point_matches_sympy(problem, point, whole):
    d = derive(problem, at=point)
    subs = {sympy.Symbol(name, real=True): sympy.nsimplify(value) for name, value in point.items()}
    for leaf in d.wrt:
        expected = float(sympy.diff(whole, sympy.Symbol(leaf, real=True)).xreplace(subs).evalf(30))
        got = float(d.at.gradient[leaf])
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert sum(float(p) for p in d.at.paths[leaf]) == pytest.approx(got, rel=1e-9, abs=1e-12)
    assert float(d.at.adjoints[d.output]) == 1.0
    assert float(d.at.values[d.output]) == pytest.approx(float(whole.xreplace(subs).evalf(30)), rel=1e-12)


def test_hand_written_backward_pass_for_the_neuron():
    d = derive("y = sigmoid(u); u = w*x + b", wrt="w,b", at="x=2,w=0.5,b=-1")
    # forward: u = 0.5·2 − 1 = 0; σ(0) = 1/2; backward: ū = σ(1 − σ) = 1/4; w̄ = ū·x = 1/2; b̄ = ū = 1/4
    assert float(d.at.values["u"]) == 0.0
    assert float(d.at.values["y"]) == 0.5
    assert float(d.at.adjoints["u"]) == 0.25
    assert float(d.at.gradient["w"]) == 0.5 and float(d.at.gradient["b"]) == 0.25


@pytest.mark.parametrize(
    ("problem", "point", "node"),
    [
        ("ln(x)", "x=-1", "ln(x)"),
        ("1/x", "x=0", "1/x"),
        ("y = sqrt(u); u = x - 2", "x=1", "√"),
        ("sin(x)", "x=1/0", "division by zero"),  # refused as the value is read
    ],
)
def test_points_outside_the_domain_name_the_node(problem, point, node):
    with pytest.raises(InputError) as error:
        derive(problem, at=point)
    assert node in error.value.message or (node == "√" and "sqrt" in error.value.message)


def test_every_leaf_needs_a_value_and_no_stranger_gets_one():
    with pytest.raises(InputError, match="missing: z"):
        derive("x*z", at="x=1")
    with pytest.raises(InputError, match="'q'"):
        derive("x", at="x=1,q=2")


def test_point_values_may_be_expressions():
    d = derive("sin(x)", at="x=pi/3")
    assert float(d.at.gradient["x"]) == pytest.approx(0.5, rel=1e-12)


def test_json_at_object_has_the_contract_keys():
    result = CliRunner().invoke(
        app, ["derive", "y = u**2; u = w1*x + b1", "--at", "x=0.5,w1=2,b1=-1", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    at = json.loads(result.stdout)["at"]
    assert set(at) == {"point", "values", "local", "paths", "gradient", "adjoints"}
    assert at["point"] == {"w1": 2.0, "x": 0.5, "b1": -1.0}
    assert at["adjoints"]["y"] == 1.0
    assert {(e["of"], e["wrt"]) for e in at["local"]} == {("u", "w1"), ("u", "x"), ("u", "b1"), ("y", "u")}


def test_cli_domain_error_exits_2():
    result = CliRunner().invoke(app, ["derive", "ln(x)", "--at", "x=-1"])
    assert result.exit_code == 2
    assert "ln(x)" in result.stderr
