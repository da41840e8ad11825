"""The vector chain rule, checked against sympy.Matrix.jacobian of the substituted system."""

import json

import pytest
import sympy
from typer.testing import CliRunner

from chaintutor import InputError
from chaintutor.cli import app
from chaintutor.core.jacobian import derive_jacobian
from tests.helpers import real

x, z, x1, x2 = real("x", "z", "x1", "x2")

CASES = [
    # (system, outputs, the outputs written in the leaves by hand, the variables)
    (
        "y1 = u + v; y2 = u*v; u = x1 + x2; v = x1*x2",
        "y1,y2",
        [x1 + x2 + x1 * x2, (x1 + x2) * x1 * x2],
        [x1, x2],
    ),
    ("y1 = u**2 + x; y2 = sin(u); u = x*z", "y1,y2", [(x * z) ** 2 + x, sympy.sin(x * z)], [x, z]),
    (
        "p = exp(a)*b; q = a - b; r = b**2; a = x1*x2; b = x1 + x2",
        "p,q,r",
        [sympy.exp(x1 * x2) * (x1 + x2), x1 * x2 - x1 - x2, (x1 + x2) ** 2],
        [x1, x2],
    ),
]


@pytest.mark.parametrize(("system", "outputs", "whole", "variables"), CASES)
def test_the_product_of_the_layers_is_the_jacobian(system, outputs, whole, variables):
    j = derive_jacobian(system, outputs)
    assert [sympy.Symbol(v, real=True) for v in j.wrt] == variables
    expected = sympy.Matrix(whole).jacobian(variables)
    assert (j.in_leaves - expected).applyfunc(sympy.simplify) == sympy.zeros(*expected.shape)
    assert j.agrees


def test_each_layer_is_made_of_local_partials():
    j = derive_jacobian("y1 = u + v; y2 = u*v; u = x1 + x2; v = x1*x2", "y1,y2")
    u, v = real("u", "v")
    assert [(layer.rows, layer.columns) for layer in j.layers] == [
        (("y1", "y2"), ("u", "v")),
        (("u", "v"), ("x1", "x2")),
    ]
    assert j.layers[0].matrix == sympy.Matrix([[1, 1], [v, u]])
    assert j.layers[1].matrix == sympy.Matrix([[1, 1], [x2, x1]])


def test_a_leaf_reached_early_is_carried_by_an_identity_row():
    j = derive_jacobian("y1 = u**2 + x; y2 = sin(u); u = x*z", "y1,y2")
    assert j.layers[1].rows == ("u", "x")
    assert j.layers[1].matrix.row(1) == sympy.Matrix([[1, 0]])


def test_entries_are_path_sums_with_their_counts():
    j = derive_jacobian("y1 = u + v; y2 = u*v; u = x1 + x2; v = x1*x2", "y1,y2")
    assert all(j.derivations[y].paths[v].count == 2 for y in j.outputs for v in j.wrt)


def test_an_unknown_output_is_an_error_and_an_unused_definition_a_note():
    with pytest.raises(InputError, match="'y3' is not defined"):
        derive_jacobian("y1 = u; y2 = u**2; u = x; w = t", "y1,y3")
    j = derive_jacobian("y1 = u; y2 = u**2; u = x; w = t", "y1,y2")
    assert j.wrt == ("x",)
    assert all(
        d.graph.notes == ("w is defined but no output depends on it; it is left out",)
        for d in j.derivations.values()
    )


def test_cli_json_keeps_the_schema_keys_and_adds_the_jacobian():
    result = CliRunner().invoke(app, ["derive", CASES[0][0], "--outputs", "y1,y2", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1 and data["output"] == "y1"
    assert data["outputs"] == ["y1", "y2"] and set(data["per_output"]) == {"y1", "y2"}
    assert data["jacobian"]["rows"] == ["y1", "y2"] and data["jacobian"]["columns"] == ["x1", "x2"]
    assert len(data["jacobian"]["layers"]) == 2
    assert data["jacobian"]["entries_are_path_sums"] is True


def test_cli_text_shows_layers_and_product():
    result = CliRunner().invoke(app, ["derive", CASES[0][0], "--outputs", "y1,y2", "--format", "text"])
    assert result.exit_code == 0
    assert "J₁ = [1, 1; v, u]" in result.stdout
    assert "J = J₁ · J₂" in result.stdout
