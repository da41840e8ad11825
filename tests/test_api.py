"""The Python API as a library user meets it: typed keywords, readable results, every format."""

import inspect
import json
import subprocess
import sys
from importlib.resources import files

from typer.testing import CliRunner

import chaintutor
from chaintutor import check, derive
from chaintutor.cli import app

SEED = "ln(sin(x**3)**2)"
runner = CliRunner()


def test_derive_and_check_name_their_keywords():
    derive_parameters = inspect.signature(chaintutor.derive).parameters
    assert list(derive_parameters) == ["problem", "wrt", "granularity", "max_paths", "at"]
    assert all(p.kind is not p.VAR_KEYWORD for p in derive_parameters.values())
    assert list(inspect.signature(chaintutor.check).parameters) == [
        "problem",
        "answer",
        "wrt",
        "symbolic_seconds",
    ]
    fine = derive("sin(x)**2", granularity="fine", max_paths=1, at="x=0.5")
    assert fine.at is not None and all(len(s.listed) <= 1 for s in fine.paths.values())


def test_package_is_typed():
    assert files("chaintutor").joinpath("py.typed").is_file()


def test_derivation_prints_as_the_text_format_and_reprs_in_one_line():
    d = derive(SEED)
    text = runner.invoke(app, ["derive", SEED, "--format", "text"]).stdout
    assert str(d) == d.to_text() == text
    assert repr(d) == "<Derivation of ln(sin(x**3)**2): dy/dx = 6*x**2*cos(x**3)/sin(x**3) (verified)>"


def test_derivation_has_every_format_of_the_command_line():
    d = derive(SEED)
    for output_format, method in (("markdown", d.to_markdown), ("latex", d.to_latex)):
        assert method() == runner.invoke(app, ["derive", SEED, "--format", output_format]).stdout
    standalone = runner.invoke(app, ["derive", SEED, "--format", "latex", "--standalone"]).stdout
    assert d.to_latex(standalone=True) == standalone
    assert d.to_dict() == json.loads(runner.invoke(app, ["derive", SEED, "--format", "json"]).stdout)


def test_check_result_prints_as_the_text_format():
    r = check("sin(x**3)", "cos(x**3)")
    completed = runner.invoke(app, ["check", "sin(x**3)", "cos(x**3)"])
    assert str(r) == r.to_text() == completed.stdout
    assert r.to_dict() == json.loads(
        runner.invoke(app, ["check", "sin(x**3)", "cos(x**3)", "--format", "json"]).stdout
    )
    assert repr(r) == (
        "<CheckResult wrong: dy/dx of 'sin(x**3)', answer 'cos(x**3)', diagnosis=[missing_inner_derivative]>"
    )


def test_check_result_shows_itself_in_a_notebook():
    wrong = check("sin(x**3)", "cos(x**3)")
    assert "missing_inner_derivative" in wrong._repr_markdown_()
    assert r"\cos{\left(x^{3} \right)}" in wrong.to_markdown()
    assert r"\begin{itemize}" in wrong._repr_latex_()
    right = check("sin(x**3)", "3x^2 cos(x^3)")
    read_as, verdict, _ = right.to_markdown().split("\n\n", 2)
    assert read_as == r"**Read as (your answer):** $3 \cdot x^{2} \cdot \cos\left(x^{3}\right)$"
    assert verdict.startswith("**✓ correct")
    assert r"\frac{dy}{dx}" in right.to_latex()


def test_close_answer_says_so_everywhere():
    r = check("exp(x)", "2.718281828*exp(x - 1)")
    assert r.verdict == "close" and not r.correct
    assert r.to_dict()["verdict"] == "close"
    assert "close" in repr(r) and "close" in r.to_markdown() and "close" in str(r)


def test_importing_the_package_loads_no_sympy():
    code = "import sys, chaintutor; print('sympy' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )


def test_the_version_is_written_once():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "chaintutor.__version__"}
    assert pyproject["project"]["license"] == "MIT"
    assert not any(c.startswith("License ::") for c in pyproject["project"]["classifiers"])
