"""A problem of one variable is taught in d/dx only, with the product and quotient rules
named; the path view (∂, Σ, ∇) stays for several variables and on request."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from chaintutor.cli import app

runner = CliRunner()
ONE_VARIABLE = ["x^2*sin(3x)", "sin(x)/(x^2 + 1)", "x*e^(2x)", "sqrt(x)*ln(x)", "e^x*sin(x^2)"]


def derive_text(*args: str) -> str:
    result = runner.invoke(app, ["derive", *args, "--format", "text"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("problem", ONE_VARIABLE)
def test_one_variable_is_taught_without_partials_sums_over_paths_or_gradients(problem):
    text = derive_text(problem)
    assert not any(mark in text for mark in ("∂", "Σ", "∇")), text


@pytest.mark.parametrize("problem", ["x^2*sin(3x)", "x*e^(2x)", "e^x*sin(x^2)", "sin(2x)/(x^2 + 1)"])
def test_a_variable_reached_along_several_paths_is_taught_layer_by_layer(problem):
    assert "Differentiate each layer" in derive_text(problem)


def test_the_product_and_quotient_rules_are_named_for_their_layers():
    assert "product rule: (f·g)′ = f′·g + f·g′" in derive_text("x^2*sin(3x)")
    assert "quotient rule: (f/g)′ = (f′·g − f·g′)/g²" in derive_text("sin(2x)/(x^2 + 1)")


def test_each_layer_uses_the_derivative_of_the_layer_before():
    lines = derive_text("x^2*sin(3x)").splitlines()
    assert any(line.strip().startswith("du₂/dx = cos(u₁) · du₁/dx = 3cos(u₁)") for line in lines)
    assert any(line.strip().startswith("dy/dx = x² · du₂/dx + 2u₂·x") for line in lines)


def test_the_path_view_is_there_on_request():
    text = derive_text("x^2*sin(3x)", "--view", "paths")
    assert "Σⱼ ∂y/∂uⱼ · ∂uⱼ/∂x" in text and "path 1:" in text


def test_several_variables_keep_the_path_view():
    text = derive_text("y = u^2 + v; u = x*z; v = sin(x)")
    assert "Σⱼ" in text and "Differentiate each layer" not in text


def test_edges_to_variables_held_constant_are_not_taught():
    text = derive_text("y = u^2 + v; u = x*z; v = sin(x)", "--wrt", "x")
    assert "∂u/∂x = z" in text and "∂u/∂z" not in text


def test_the_general_intermediate_is_not_named_like_the_output():
    text = derive_text("u = a^2 + b; a = x*z; b = sin(x)", "--wrt", "x")
    assert "Σⱼ ∂u/∂vⱼ · ∂vⱼ/∂x" in text and "∂uⱼ" not in text
