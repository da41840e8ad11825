"""Rule trees: every node's result agrees with sympy.diff of that node, and the rules are the
ones a textbook names for the expression."""

from __future__ import annotations

import pytest
import sympy
from helpers import real, same_function

from chaintutor.core.derive import derive
from chaintutor.core.ruletree import (
    ChainRule,
    ConstantMultipleRule,
    LogarithmRule,
    ProductRule,
    QuotientRule,
    Step,
    rule_tree,
)
from chaintutor.parse import parse_expression, to_sympy
from chaintutor.parse.activations import sigmoid, softplus
from chaintutor.tutor.bank import all_exercises, load_bank

x, y, z, a = real("x", "y", "z", "a")

HOMEWORK = [
    "5*x**3",
    "sqrt(x**2 + y**2 + 1)",
    "x**2*sin(3*x)",
    "(x**2 + 1)/(x - 1)",
    "log(x, 2)",
    "log10(sin(x))",
    "x**x",
    "tan(4*x**2 + 1)",
    "2**(x**2)",
    "a + 3*x",
    "sigmoid(2*x)",
    "softplus(x)",
    "exp(-x)*x**2",
    "1/(x*(x + 1))",
    "acosh(10*x + 2)",
    "cot(x)**3",
    "ln(sec(x) + tan(x))",
    "(x**2 + 1)**3*(2*x - 1)**4",
    "sqrt(x + sqrt(x + sqrt(x)))",
    "asin(x/2) + atan(x**2)",
    "sinh(x)*cosh(x)/x",
    "|x|",
    "x*y*z",
    "e^(sin(x)^2)",
]


def _nodes_agree(step: Step) -> None:
    for node in step.walk():
        expected = sympy.diff(node.expr, node.variable)
        assert same_function(node.result, expected), (node.title, node.expr, node.result, expected)


@pytest.mark.parametrize("text", HOMEWORK)
def test_every_node_of_a_homework_tree_agrees_with_sympy_diff(text):
    _nodes_agree(rule_tree(to_sympy(parse_expression(text)), x))


def test_every_local_derivative_of_the_bank_has_a_tree_that_agrees_with_sympy_diff():
    bank = load_bank()
    checked = 0
    for exercise in all_exercises(bank):
        if any(name in exercise.problem for name in ("f(", "g(", "h(")):
            continue  # abstract functions: their partials stay unevaluated
        d = derive(exercise.problem)
        for definition in d.graph.definitions:
            for child in definition.depends_on:
                _nodes_agree(rule_tree(definition.expr, d.graph.symbols[child]))
                checked += 1
    assert checked > 200


def test_every_local_derivative_of_the_homework_set_has_a_tree_that_agrees_with_sympy_diff():
    from homework import HOMEWORK

    for problem, variable, _ in HOMEWORK:
        for local in derive(problem, [variable]).local_derivatives:
            _nodes_agree(local.rule)


def test_a_constant_multiple_shows_the_power_rule_under_it():
    step = rule_tree(5 * x**3, x)
    assert isinstance(step, ConstantMultipleRule)
    assert [node.key for node in step.walk()] == ["constant_multiple", "power"]


def test_a_square_root_of_a_sum_is_the_chain_rule_with_the_inner_sum_shown():
    step = rule_tree(sympy.sqrt(x**2 + y**2 + 1), x)
    assert isinstance(step, ChainRule)
    assert [node.key for node in step.walk()] == ["chain", "power", "sum", "power", "constant"]
    assert step.outer.expr == sympy.sqrt(step.placeholder)
    assert step.inner.expr == x**2 + y**2 + 1


def test_products_and_quotients_are_named():
    assert isinstance(rule_tree(x**2 * sympy.sin(3 * x), x), ProductRule)
    assert isinstance(rule_tree((x**2 + 1) / (x - 1), x), QuotientRule)
    # e^(−x) is not a denominator: x²·e^(−x) is a product, as the textbook treats it
    assert isinstance(rule_tree(x**2 * sympy.exp(-x), x), ProductRule)


def test_a_logarithm_to_a_base_is_its_own_rule():
    step = rule_tree(sympy.log(x, 2), x)
    assert isinstance(step, LogarithmRule) and step.base == 2
    assert step.result == 1 / (x * sympy.log(2))


def test_the_tangent_goes_to_the_secant_squared_as_in_the_textbook():
    step = rule_tree(sympy.tan(x), x)
    assert step.result == sympy.sec(x) ** 2
    assert step.key == "tan" and step.title == "tangent rule"


def test_the_placeholder_of_the_chain_rule_is_a_letter_the_expression_does_not_use():
    step = rule_tree(sympy.sin(real("w")[0] * x), x)
    assert isinstance(step, ChainRule) and step.placeholder.name != "w"


def test_activations_are_taught_in_closed_form():
    assert rule_tree(sigmoid(x), x).result == sigmoid(x) * (1 - sigmoid(x))
    assert rule_tree(softplus(x), x).result == sigmoid(x)


def test_terms_without_the_variable_are_one_constant():
    step = rule_tree(a + y**2 + 3 * x, x)
    assert [node.key for node in step.substeps] == ["constant_multiple", "constant"]
    assert step.substeps[1].expr == a + y**2


def _json_nodes(steps: dict) -> list[dict]:
    found, pending = [], [steps]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(node["substeps"])
    return found


def test_the_json_rule_tree_parses_back_and_every_node_agrees_with_sympy_diff():
    from chaintutor import derive as public_derive

    data = public_derive("z = sqrt(x^2 + y^2 + 1)").to_dict()
    local = next(ld for ld in data["local_derivatives"] if ld["wrt"] == "x")
    assert local["rule"] == local["steps"]["rule"] == "chain"
    for node in _json_nodes(local["steps"]):
        expr, result = (to_sympy(parse_expression(node[key])) for key in ("expr", "result"))
        variable = x if "w" not in node["expr"] else sympy.Symbol("w", real=True)
        assert same_function(result, sympy.diff(expr, variable)), node
    assert {node["rule"] for node in _json_nodes(local["steps"])} == {"chain", "power", "sum", "constant"}
