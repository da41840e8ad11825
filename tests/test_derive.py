"""The derivation through the public API, checked against SymPy built independently here."""

import pytest
import sympy

from chaintutor import InputError, derive
from chaintutor.parse.functions import CANONICAL_NAMES
from tests.helpers import real, same_function

x, z, u, v, a, b, c, w1, b1 = real("x", "z", "u", "v", "a", "b", "c", "w1", "b1")


def test_seed_is_four_layers_innermost_first():
    d = derive("ln(sin(x**3)**2)")
    assert [e.name for e in d.graph.definitions] == ["u1", "u2", "u3", "y"]
    u1, u2, u3 = real("u1", "u2", "u3")
    assert [e.expr for e in d.graph.definitions] == [x**3, sympy.sin(u1), u2**2, sympy.log(u3)]
    assert [(ld.of, ld.wrt, ld.expr) for ld in d.local_derivatives] == [
        ("u1", "x", 3 * x**2),
        ("u2", "u1", sympy.cos(u1)),
        ("u3", "u2", 2 * u2),
        ("y", "u3", 1 / u3),
    ]
    assert d.paths["x"].count == 1
    assert d.paths["x"].listed[0].nodes == ("y", "u3", "u2", "u1", "x")
    expected = 6 * x**2 * sympy.cos(x**3) / sympy.sin(x**3)
    assert sympy.simplify(d.result["x"] - expected) == 0
    assert d.verified == {"x": True}
    assert d.verification["x"].method == "symbolic"


def test_rules_are_named_for_each_local_derivative():
    d = derive("ln(sin(x**3)**2)")
    assert [ld.rule.key for ld in d.local_derivatives] == ["power", "sin", "power", "logarithm"]
    assert [ld.rule.title for ld in d.local_derivatives][1] == "sine rule"


def test_intermediate_names_never_take_a_users_name():
    d = derive("u1 * sin(u2 * x**2)")
    introduced = [e.name for e in d.graph.definitions if e.introduced]
    assert introduced and not set(introduced) & {"u1", "u2"}
    assert set(d.independent) == {"u1", "u2", "x"}


def test_output_is_renamed_when_y_is_a_symbol():
    d = derive("sin(x*y)")
    assert d.output == "f"
    assert set(d.result) == {"x", "y"}


def test_identical_subexpressions_share_one_node_and_make_two_paths():
    d = derive("sin(x)*cos(sin(x))")
    assert d.paths["x"].count == 2
    assert same_function(d.result["x"], sympy.diff(sympy.sin(x) * sympy.cos(sympy.sin(x)), x))


def test_wrt_holds_the_other_symbols_constant():
    d = derive("a*exp(-b*exp(-c*x))", wrt="x")
    assert list(d.result) == ["x"]
    reference = sympy.diff(a * sympy.exp(-b * sympy.exp(-c * x)), x)
    assert sympy.simplify(d.result["x"] - reference) == 0
    assert d.verified["x"]


def test_wrt_must_name_a_leaf():
    with pytest.raises(InputError, match="'q'"):
        derive("sin(x)", wrt="q")
    with pytest.raises(InputError, match="intermediate"):
        derive("y = u**2; u = x", wrt="u")


@pytest.mark.parametrize(
    ("problem", "granularity", "paths"),
    [
        ("x + x**2", "fine", 2),  # SEEDS §2: directly, and through u1 = x²
        ("x * x**2", "fine", 2),  # products do not make paths multiply
        ("x + x**2", "compositions", 1),
    ],
)
def test_total_derivative_paths(problem, granularity, paths):
    d = derive(problem, granularity=granularity)
    assert d.paths["x"].count == paths
    reference = sympy.diff(x + x**2 if "+" in problem else x**3, x)
    assert sympy.expand(d.result["x"] - reference) == 0


def test_system_sums_every_path():
    d = derive("y = u^2 + v; u = x*z; v = sin(x)")
    assert d.paths["x"].count == 2 and d.paths["z"].count == 1
    assert {p.nodes for p in d.paths["x"].listed} == {("y", "u", "x"), ("y", "v", "x")}
    whole = (x * z) ** 2 + sympy.sin(x)
    for leaf in (x, z):
        assert sympy.simplify(d.result[leaf.name] - sympy.diff(whole, leaf)) == 0
        assert d.verified[leaf.name]


def test_neuron_sensitivities():
    d = derive("y = u**2; u = w1*x + b1", wrt=["x", "w1", "b1"])
    inner = w1 * x + b1
    assert sympy.expand(d.result["x"] - 2 * inner * w1) == 0
    assert sympy.expand(d.result["w1"] - 2 * inner * x) == 0
    assert sympy.expand(d.result["b1"] - 2 * inner) == 0


def test_two_inputs_sharing_one_variable():
    d = derive("f = g**2*h + h; g = 3*x; h = x**2")
    assert d.paths["x"].count == 2
    assert sympy.expand(d.result["x"] - (36 * x**3 + 2 * x)) == 0


def test_path_count_on_a_diamond_of_diamonds():
    # y → a, b; a → c, d; b → c, d; c → x; d → x: 2·2 = 4 paths to x, counted by hand.
    d = derive("y = a + b; a = c + d; b = c*d; c = x + 1; d = x**2")
    assert d.paths["x"].count == 4
    assert len({p.nodes for p in d.paths["x"].listed}) == 4


def test_listing_is_capped_but_counting_is_exact():
    d = derive("y = a + b; a = c + d; b = c*d; c = x + 1; d = x**2", max_paths=3)
    assert d.paths["x"].count == 4
    assert len(d.paths["x"].listed) == 3 and d.paths["x"].truncated


def test_every_listed_path_product_sums_to_the_result():
    d = derive("y = a*b + a; a = sin(x); b = exp(a) + x")
    total = sympy.Add(*(p.product for p in d.paths["x"].listed))
    assert d.paths["x"].count == len(d.paths["x"].listed) == 3
    assert same_function(total, d.result["x"])


def test_to_dict_matches_the_contract_for_the_seed():
    data = derive("ln(sin(x**3)**2)").to_dict()
    assert data["schema_version"] == 1
    assert data["output"] == "y" and data["independent"] == ["x"]
    assert [e["name"] for e in data["equations"]] == ["u1", "u2", "u3", "y"]
    assert [e["expr"] for e in data["equations"]] == ["x**3", "sin(u1)", "u2**2", "log(u3)"]
    assert len(data["local_derivatives"]) == 4
    assert data["paths"]["x"]["count"] == 1 and data["paths"]["x"]["truncated"] is False
    assert data["paths"]["x"]["listed"][0]["factors"] == ["1/u3", "2*u2", "cos(u1)", "3*x**2"]
    assert data["result_form"] == {"x": "leaves"}
    assert data["verified"]["x"]["ok"] is True
    assert data["at"] is None


POWERS = ["(x^2 + 1)^10", "sqrt(x^2 + 1)", "1/(x^2 + 1)^2", "(3x + 1)^(-3/2)", "(x^2 + 1)^2.5"]


@pytest.mark.parametrize("problem", [f"{name}(x^2 + 1)" for name in CANONICAL_NAMES] + POWERS)
def test_each_local_derivative_is_sympys_diff(problem):
    """f(u) and uⁿ by u are asked of the expression itself, not through sympy.diff: the very
    expression sympy.diff gives, checked here against sympy.diff itself."""
    d = derive(problem)
    for ld in d.local_derivatives:
        definition = next(item for item in d.graph.definitions if item.name == ld.of)
        assert ld.expr == sympy.diff(definition.expr, d.graph.symbols[ld.wrt])
