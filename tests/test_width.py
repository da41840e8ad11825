"""Wide sums and layered networks (issue 20): local derivatives, adjoints, verification and the
write-up stay linear in the edges. Not timed (shared machines); benchmarks/run.py times them."""

import mpmath
import pytest
import sympy

from chaintutor import derive
from chaintutor.core.backward import backward
from chaintutor.core.verify import verify_gradient_through_graph, verify_through_graph
from chaintutor.render.formats import render
from chaintutor.render.text import names_in
from tests.helpers import real

LETTERS = "abcdgjkmnprz"  # no e (Euler's number), no f g h (abstract functions), no x y


def weight(layer: int, i: int, j: int) -> float:
    size = ((3 * i + 5 * j + 7 * layer) % 5 + 1) / 10
    return -size if (i + j * layer) % 3 == 1 else size


def network(layers: int, width: int) -> str:
    """y = the sum of the last layer; unit j of layer l = tanh(Σᵢ wᵢⱼ·(unit i below) + j/9);
    inputs x1 … x{width}."""
    lines = ["y = " + " + ".join(f"{LETTERS[layers - 1]}{j}" for j in range(1, width + 1))]
    for layer in range(layers, 0, -1):
        below = [f"x{i}" if layer == 1 else f"{LETTERS[layer - 2]}{i}" for i in range(1, width + 1)]
        for j in range(1, width + 1):
            terms = " + ".join(f"({weight(layer, i, j)})*{name}" for i, name in enumerate(below, 1))
            lines.append(f"{LETTERS[layer - 1]}{j} = tanh({terms} + {j}/9)")
    return "; ".join(lines)


def network_value(inputs: list, layers: int, width: int) -> mpmath.mpf:
    """The same network by hand in mpmath: an independent reference."""
    units = inputs
    for layer in range(1, layers + 1):
        below = units
        units = [_unit(layer, j, below) for j in range(1, width + 1)]
    return sum(units)


def _unit(layer: int, j: int, below: list) -> mpmath.mpf:
    weighted = sum(_exact(weight(layer, i, j)) * u for i, u in enumerate(below, 1))
    return mpmath.tanh(weighted + mpmath.mpf(j) / 9)


def _exact(decimal: float) -> mpmath.mpf:
    return mpmath.mpf(round(decimal * 10)) / 10


def sum_of_products(terms: int) -> str:
    return " + ".join(f"sin({k}*x + 1)*cos(x^2 + {k})" for k in range(1, terms + 1))


def test_a_wide_sum_is_differentiated_term_by_term_exactly_as_sympy_does():
    d = derive(sum_of_products(30))
    y = d.graph.definition(d.output)
    for child in y.depends_on:
        assert d.local(d.output, child).expr == sympy.diff(y.expr, d.graph.symbols[child])
    (x,) = real("x")
    whole = sum(sympy.sin(k * x + 1) * sympy.cos(x**2 + k) for k in range(1, 31))
    assert d.result_form["x"] == "leaves"
    assert sympy.expand(d.result["x"] - sympy.diff(whole, x)) == 0
    assert d.verification["x"].method == "symbolic"


def test_adjoints_summed_once_equal_adjoints_added_one_at_a_time():
    edges = [("u", "x"), ("v", "x"), ("y", "u"), ("y", "v"), ("y", "x")]
    local = {edge: value for edge, value in zip(edges, [0.5, -2.0, 3.0, 0.25, 1.5], strict=True)}
    by_list = backward(edges, local, "y", 1.0, 0.0, total=sum)
    one_at_a_time = backward(edges, local, "y", 1.0, 0.0)
    assert by_list == one_at_a_time == {"y": 1.0, "u": 3.0, "v": 0.25, "x": 1.5 + 3.0 * 0.5 + 0.25 * -2.0}
    assert list(by_list) == list(one_at_a_time)


@pytest.fixture(scope="module")
def four_by_four():
    return derive(network(4, 4), at="x1=0.3,x2=-0.2,x3=0.5,x4=0.1")


def test_a_network_gradient_is_right_and_verified_numerically_for_every_input_at_once(four_by_four):
    d = four_by_four
    mpmath.mp.dps = 40
    point = [mpmath.mpf("0.3"), mpmath.mpf("-0.2"), mpmath.mpf("0.5"), mpmath.mpf("0.1")]
    for index, name in enumerate(d.wrt):
        expected = mpmath.diff(
            lambda t, index=index: network_value([*point[:index], t, *point[index + 1 :]], 4, 4), point[index]
        )
        assert float(d.at.gradient[name]) == pytest.approx(float(expected), rel=1e-12)
        check = d.verification[name]
        assert check.ok and check.method == "numeric" and "every input at once" in check.detail
        assert check.against == "a central difference of the forward pass"


def test_one_wrong_component_fails_the_joint_check_and_is_named_on_its_own(four_by_four):
    d = four_by_four
    results = {name: d.in_intermediates[name] for name in d.wrt}
    assert verify_gradient_through_graph(d.graph, results) is not None
    wrong = {**results, "x3": results["x3"] * sympy.Rational(1001, 1000)}
    assert verify_gradient_through_graph(d.graph, wrong) is None
    alone = verify_through_graph(d.graph, wrong["x3"], "x3", None)
    assert not alone.ok and alone.method == "failed"


def test_a_network_write_up_prints_each_adjoint_equation_once():
    d = derive(network(4, 4))
    text = render(d, "text")
    markdown = render(d, "markdown")
    assert len(markdown.encode()) < 150_000
    assert text.count("Step 3 · Backward pass") == 1
    for unit in ("a1", "b2", "c3", "d4"):  # each adjoint equation is written once, then referred to
        assert text.count(names_in(f"{unit[0]}\u0304{unit[1:]}") + " = ") == 1
    assert "256 paths" in text and names_in("path 1: y → d1 → c1 → b1 → a1 → x1") in text
    assert names_in("∂a1/∂x1 = ") in text and names_in("a1²") in text  # tanh′ with the node's name


def test_a_wide_deep_network_derives_without_the_flattened_diff():
    d = derive(network(3, 8))  # 8³ = 512 paths to each input over 200 edges
    assert all(d.verified.values())
    assert {check.method for check in d.verification.values()} == {"numeric"}
    text = render(d, "text")
    assert text.count("Step 3 · Backward pass") == 1 and "512 paths" in text
