"""Depth and width beyond what sympy.diff alone handles: correct counts, gradients, no RecursionError.

Not timed (these machines are shared); benchmarks/run.py measures the speed.
"""

import json

import mpmath
import pytest
import sympy
from typer.testing import CliRunner

from chaintutor import derive
from chaintutor.cli import app

LAYERS = 40


def layered(layers: int) -> str:
    """y = a_L·b_L; a_k = sin(a_{k-1} + b_{k-1}); b_k = cos(a_{k-1}·b_{k-1}); a_1 = sin(x), b_1 = cos(x)."""
    lines = [f"y = a{layers}*b{layers}"]
    for k in range(layers, 1, -1):
        lines += [f"a{k} = sin(a{k - 1} + b{k - 1})", f"b{k} = cos(a{k - 1}*b{k - 1})"]
    return "; ".join([*lines, "a1 = sin(x)", "b1 = cos(x)"])


def layered_value(x: mpmath.mpf, layers: int) -> mpmath.mpf:
    """The same function, by hand, for an independent numerical derivative."""
    a, b = mpmath.sin(x), mpmath.cos(x)
    for _ in range(layers - 1):
        a, b = mpmath.sin(a + b), mpmath.cos(a * b)
    return a * b


def test_two_to_the_forty_paths_are_counted_exactly_and_the_gradient_is_right():
    d = derive(layered(LAYERS), at="x=0.3", max_paths=5)
    assert d.paths["x"].count == 2**LAYERS
    assert len(d.paths["x"].listed) == 5 and d.paths["x"].truncated
    mpmath.mp.dps = 40
    expected = mpmath.diff(lambda t: layered_value(t, LAYERS), mpmath.mpf("0.3"))
    assert float(d.at.gradient["x"]) == pytest.approx(float(expected), rel=1e-9)
    assert d.result_form["x"] == "intermediates"
    assert d.verified["x"]


def test_the_huge_result_is_written_with_adjoints_and_prints_small():
    result = CliRunner().invoke(
        app, ["derive", layered(LAYERS), "--format", "json", "--max-paths", "3", "--time-limit", "300"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["paths"]["x"]["count"] == 2**LAYERS
    assert len(result.stdout) < 200_000
    names = [equation["name"] for equation in data["adjoint_equations"]]
    assert "abar1" in names and "bbar1" in names
    assert data["result"]["x"] == "abar1*cos(x) - bbar1*sin(x)"


def test_the_adjoint_equations_evaluated_in_order_give_the_gradient():
    d = derive(layered(LAYERS), at="x=0.3", max_paths=1)
    known = {sympy.Symbol(name, real=True): value for name, value in d.at.values.items()}
    for name, expr in d.adjoint_equations:  # each uses only adjoints defined above it
        known[sympy.Symbol(name, real=True)] = expr.xreplace(known).evalf(30)
    gradient = d.result["x"].xreplace(known).evalf(30)
    mpmath.mp.dps = 40
    expected = mpmath.diff(lambda t: layered_value(t, LAYERS), mpmath.mpf("0.3"))
    assert float(gradient) == pytest.approx(float(expected), rel=1e-9)


@pytest.mark.parametrize(
    ("text", "depth"),
    [("sin(" * 200 + "x" + ")" * 200, 200), (None, 150)],
    ids=["sin-200-deep", "sin-plus-x-150-deep"],
)
def test_deep_nests_derive_render_and_verify(text, depth):
    if text is None:
        text = "x"
        for _ in range(depth):
            text = f"sin({text}) + x"
    d = derive(text)
    assert d.verified["x"]
    for output_format in ("json", "text"):
        # A 150-deep nest takes longer than the default time limit on a shared machine: raised here.
        result = CliRunner().invoke(app, ["derive", text, "--format", output_format, "--time-limit", "300"])
        assert result.exit_code == 0, result.output[-500:]
    x = mpmath.mpf("0.4")
    mpmath.mp.dps = 30

    def value(t):
        v = t
        for _ in range(depth):
            v = mpmath.sin(v) if "+ x" not in text else mpmath.sin(v) + t
        return v

    got = d.result["x"] if d.result_form["x"] == "leaves" else None
    if got is not None:
        numeric = sympy.N(got.xreplace({sympy.Symbol("x", real=True): sympy.Float("0.4", 30)}), 30)
        assert float(numeric) == pytest.approx(float(mpmath.diff(value, x)), rel=1e-9)


def test_nesting_past_the_limit_is_a_clear_error():
    result = CliRunner().invoke(app, ["derive", "sin(" * 300 + "x" + ")" * 300])
    assert result.exit_code == 2
    assert "nested too deeply" in result.stderr
