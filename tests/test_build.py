"""Syntax tree to SymPy: combine, the value limits, and the sigmoid/softplus functions."""

import time

import pytest
import sympy

from chaintutor.errors import InputError
from chaintutor.parse import parse_expression, to_sympy
from chaintutor.parse.activations import sigmoid, softplus
from chaintutor.parse.build import MAX_EXPONENT, combine
from chaintutor.parse.functions import CANONICAL_NAMES
from chaintutor.parse.magnitude import MAX_NUMBER_DIGITS
from chaintutor.parse.syntax import Call, Name, Num, Power, Product, Sum, children

x, y = sympy.symbols("x y", real=True)


def refused(text: str) -> InputError:
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        to_sympy(parse_expression(text), source=text)
    assert time.perf_counter() - started < 1
    assert caught.value.source == text
    return caught.value


def spanned(error: InputError) -> str:
    assert error.source is not None and error.start is not None
    return error.source[error.start : error.end]


# --- combine -------------------------------------------------------------------------------


def test_combine_builds_one_node_from_stand_ins_for_its_children():
    node = parse_expression("sin(x^2) * (x + 1) / y")
    assert isinstance(node, Product)
    stand_ins = [sympy.Symbol(f"u{i}") for i in range(len(children(node)))]
    assert combine(node, stand_ins) == stand_ins[0] * stand_ins[1] / stand_ins[2]


@pytest.mark.parametrize(
    ("node", "args", "expected"),
    [
        (Sum((Name("a", (0, 1)),) * 3, (1, -1, 1), (0, 9)), [x, y, sympy.Integer(2)], x - y + 2),
        (Power(Name("a", (0, 1)), Num("2", (2, 3)), (0, 3)), [x + y, sympy.Integer(3)], (x + y) ** 3),
        (Call("log", (Name("a", (4, 5)),) * 2, (0, 9), (0, 3)), [x, y], sympy.log(x) / sympy.log(y)),
        (Call("f", (Name("a", (2, 3)),), (0, 4), (0, 1)), [x + 1], sympy.Function("f")(x + 1)),
    ],
)
def test_combine_uses_the_given_values(node, args, expected):
    assert combine(node, args) == expected


@pytest.mark.parametrize("name", CANONICAL_NAMES)
def test_every_canonical_name_builds(name):
    node = parse_expression(f"{name}(x)" if name != "abs" else "|x|")
    assert isinstance(node, Call) and node.func == name
    built = combine(node, [x])
    assert built.has(x) and built != x


def test_names_resolve_constants_unless_defined():
    e_name = Name("e", (0, 1))
    assert combine(e_name, []) == sympy.E
    assert combine(e_name, [], frozenset({"e"})) == sympy.Symbol("e", real=True)
    assert combine(Name("pi", (0, 1)), []) == sympy.pi
    assert combine(Name("x", (0, 1)), []).is_real


def test_to_sympy_folds_deep_trees_without_recursion_errors():
    depth = 250
    text = "exp(" * depth + "x" + ")" * depth
    expected = x
    for _ in range(depth):
        expected = sympy.exp(expected)
    assert to_sympy(parse_expression(text)) == expected


# --- limits that need values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        ("x^5000", f"exponent 5000 is too large; the limit is {MAX_EXPONENT}", "x^5000"),
        ("1 + (x+1)^-5000", "exponent -5000 is too large; the limit is 1000", "(x+1)^-5000"),
        ("pi^(10^30)", "exponent 100000… (31 digits) is too large; the limit is 1000", "pi^(10^30)"),
        ("2^5000", "this number would have about 1,506 digits; the limit is 1,000", "2^5000"),
        ("10^1000", "this number would have about 1,001 digits; the limit is 1,000", "10^1000"),
        ("x + 10^10^10^10", "this number would have about 10,000,000,001 digits; the limit is 1,000",
         "10^10^10"),
        ("9**9**9**9", "this number would have about 369,693,100 digits; the limit is 1,000",
         "9**9**9"),
        ("2^(10^30)", "this number would have more than 10^18 digits; the limit is 1,000",
         "2^(10^30)"),
        ("(1/3)^3000", "this number would have about 1,432 digits; the limit is 1,000", "(1/3)^3000"),
        ("(9^999 x)^999", "this number would have about 952,335 digits; the limit is 1,000",
         "(9^999 x)^999"),
        ("9^999*9^999", "this number would have about 1,907 digits; the limit is 1,000", "9^999*9^999"),
        ("1.0e1000000", "the number 1.0e1000000 has 1,000,001 digits; the limit is 1,000",
         "1.0e1000000"),
        ("1.0e-1000000", "the number 1.0e-1000000 is too small; the limit is 10^-1000",
         "1.0e-1000000"),
    ],
)  # fmt: skip
def test_value_limits(text, message, span):
    error = refused(text)
    assert error.message == message
    assert spanned(error) == span


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2^3^2", sympy.Integer(512)),
        ("x^1000", x**1000),
        ("x^-1000", x**-1000),
        ("10^999", sympy.Integer(10) ** 999),
        ("1^(10^50)", sympy.Integer(1)),
        ("(-1)^(10^50)", sympy.Integer(1)),
        ("0^(10^50)", sympy.Integer(0)),
        ("x^(10^50/3)", x ** sympy.Rational(10**50, 3)),
        ("1.5e999", sympy.Integer(15) * sympy.Integer(10) ** 998),
        ("9^999/9^998", sympy.Integer(9)),
    ],
)
def test_values_within_the_limits(text, expected):
    assert to_sympy(parse_expression(text)) == expected
    assert MAX_NUMBER_DIGITS == 1000


# --- sigmoid and softplus -------------------------------------------------------------------


def test_sigmoid_derivative_is_taught_in_closed_form():
    assert sympy.diff(sigmoid(x), x) == sigmoid(x) * (1 - sigmoid(x))
    assert sympy.diff(sigmoid(x**2), x) == 2 * x * sigmoid(x**2) * (1 - sigmoid(x**2))


def test_sigmoid_agrees_with_its_definition():
    definition = 1 / (1 + sympy.exp(-x))
    assert sigmoid(x).rewrite(sympy.exp) == definition
    assert sympy.simplify(sympy.diff(definition, x) - sympy.diff(sigmoid(x), x).rewrite(sympy.exp)) == 0
    assert sigmoid(0) == sympy.Rational(1, 2)
    assert sigmoid(1) != sympy.Rational(1, 2) and isinstance(sigmoid(1), sigmoid)
    number = sigmoid(sympy.Rational(1, 2)).evalf(30)
    assert abs(number - definition.subs(x, sympy.Rational(1, 2)).evalf(30)) < 1e-28
    assert sigmoid(x).subs(x, 0.5).is_Float


def test_softplus_agrees_with_its_definition():
    definition = sympy.log(1 + sympy.exp(x))
    assert softplus(x).rewrite(sympy.exp) == definition
    assert sympy.diff(softplus(x), x) == sigmoid(x)
    assert softplus(0) == sympy.log(2)
    assert abs(softplus(3).evalf() - definition.subs(x, 3).evalf()) < 1e-12


def test_activations_are_real_and_positive_on_real_arguments():
    for function in (sigmoid, softplus):
        assert function(x).is_real and function(x).is_positive
        assert function(sympy.Symbol("z")).is_real is None
        assert function(x).evalf() == function(x)


def test_activations_print_as_they_parse():
    expression = sigmoid(x) * (1 - sigmoid(x)) + softplus(y)
    assert str(expression) == "(1 - sigmoid(x))*sigmoid(x) + softplus(y)"
    assert to_sympy(parse_expression(str(expression))) == expression


@pytest.mark.parametrize(
    ("text", "message"),
    [("x/0", "division by zero"), ("1/(x - x)", "division by zero"), ("sech(x*log(2, 1))", "undefined")],
)
def test_division_by_zero_is_an_input_error(text, message):
    with pytest.raises(InputError, match=message):
        to_sympy(parse_expression(text))
