"""How the input was read (issue 15): the "Read as" line, the notations that used to be misread
or refused (log_2 x, tan^(-1)(x), sin^-1 x), the ambiguous forms flagged, and a definition the
output does not use left out with a note.

Every derivative is compared with ``sympy.diff`` of the intended function, built here with
SymPy's own constructors, never with chaintutor's output.
"""

import json
import re

import pytest
import sympy
from hypothesis import given, settings
from typer.testing import CliRunner

from chaintutor import check, derive
from chaintutor.cli import app
from chaintutor.errors import InputError
from chaintutor.parse import parse_expression, to_sympy
from chaintutor.parse.readback import read_back
from tests.helpers import real
from tests.strategies import valid_problems
from tests.test_writeups import compile_latex

runner = CliRunner()
(x,) = real("x")

# Textbook problems as a student types them: the intended function, and the reading shown.
TEXTBOOK = [
    ("log_2 x", sympy.log(x, 2), "log₂(x)"),
    ("log_2(x)", sympy.log(x, 2), "log₂(x)"),
    ("log_2x", sympy.log(x, 2), "log₂(x)"),
    ("log_10 (x^2 + 1)", sympy.log(x**2 + 1, 10), "log₁₀(x² + 1)"),
    ("tan^(-1)(x)", sympy.atan(x), "arctan(x)"),
    ("sin^-1(x)", sympy.asin(x), "arcsin(x)"),
    ("sin^(-1) x", sympy.asin(x), "arcsin(x)"),
    ("sin⁻¹(2x)", sympy.asin(2 * x), "arcsin(2·x)"),
    ("tanh^-1 x", sympy.atanh(x), "artanh(x)"),
    ("x sin^-1 x", x * sympy.asin(x), "x·arcsin(x)"),
    ("sin^2 x", sympy.sin(x) ** 2, "sin(x)²"),
    ("cos^3 (2x)", sympy.cos(2 * x) ** 3, "cos(2·x)³"),
    ("sec^2 x", sympy.sec(x) ** 2, "sec(x)²"),
    ("sin x^2", sympy.sin(x**2), "sin(x²)"),
    ("sin x cos x", sympy.sin(x) * sympy.cos(x), "sin(x)·cos(x)"),
    ("3x^2 sin x", 3 * x**2 * sympy.sin(x), "3·x²·sin(x)"),
    ("ln x / x", sympy.log(x) / x, "ln(x)/x"),
    ("(x+1)(x-1)", (x + 1) * (x - 1), "(x + 1)·(x − 1)"),
    ("2x e^(3x)", 2 * x * sympy.exp(3 * x), "2·x·e^(3·x)"),
    ("e^2x", sympy.E**2 * x, "e²·x"),
    ("1/2x", x / 2, "(1/2)·x"),
]


def derive_json(*args: str) -> dict:
    result = runner.invoke(app, ["derive", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("typed", "intended", "shown"), TEXTBOOK, ids=[t for t, _, _ in TEXTBOOK])
def test_textbook_notation_is_read_back_and_derived_right(typed, intended, shown):
    data = derive_json(typed, "--wrt", "x")
    assert data["read_as"]["text"] == shown
    assert data["verified"]["x"]["ok"] is True
    result = derive(typed, wrt="x").result[x.name]
    assert sympy.simplify(result - sympy.diff(intended, x)) == 0


(t,) = real("t")
TEXTBOOK_SYSTEMS = [
    ("z = x^2 y; x = cos t; y = sin t", sympy.cos(t) ** 2 * sympy.sin(t),
     "z = x²·y;  x = cos(t);  y = sin(t)"),
    ("w = 3x^2 - 2x y; x = e^t; y = ln t", 3 * sympy.exp(2 * t) - 2 * sympy.exp(t) * sympy.log(t),
     "w = 3·x² − 2·x·y;  x = e^t;  y = ln(t)"),
    ("f = log_2 u; u = t^2 + 1", sympy.log(t**2 + 1, 2), "f = log₂(u);  u = t² + 1"),
    ("y = tan^(-1)(u v); u = 2t; v = t^3", sympy.atan(2 * t**4), "y = arctan(u·v);  u = 2·t;  v = t³"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "intended", "shown"), TEXTBOOK_SYSTEMS, ids=[s for s, _, _ in TEXTBOOK_SYSTEMS]
)
def test_textbook_systems_are_read_back_and_derived_right(typed, intended, shown):
    data = derive_json(typed, "--wrt", "t")
    assert data["read_as"]["text"] == shown
    assert data["verified"]["t"]["ok"] is True
    assert sympy.simplify(derive(typed, wrt="t").result["t"] - sympy.diff(intended, t)) == 0


@pytest.mark.parametrize(
    ("typed", "flag"),
    [
        ("e^2x", "e^2x is read as e²·x; write e^(2x) for e to the power 2x"),
        ("e^-2x", "e^-2x is read as e⁻²·x; write e^(-2x) for e to the power -2x"),
        ("1/2x", "1/2x is read as (1/2)·x, as most calculators read it; write 1/(2x) for 1 over 2x"),
        ("x + 3/4x", "3/4x is read as (3/4)·x, as most calculators read it; write 3/(4x) for 3 over 4x"),
        ("√2x", "√2x is read as √(2·x); write √2·x for √2 times x"),
    ],
)
def test_ambiguous_forms_are_flagged(typed, flag):
    assert derive_json(typed)["read_as"]["flags"] == [flag]


def test_a_run_of_letters_that_are_names_themselves_is_flagged():
    data = derive_json("z = sin(xy); x = t; y = t^2")
    assert data["read_as"]["flags"] == ["xy is read as one variable named xy; write x*y for the product"]
    flags = derive_json("xe^x")["read_as"]["flags"]
    assert flags == ["xe is read as one variable named xe; write x*e for the product"]
    for meant in ("sin(xy)", "theta*t*h*e*a", "pi*p*i", "speed + 1"):
        assert "read_as" not in derive_json(meant), meant


@pytest.mark.parametrize(
    "typed", ["e^(2x)", "e^2 x", "1/(2x)", "(1/2)x", "e²x", "2x", "√(2x)", "√2·x", "sin 2x"]
)
def test_forms_written_out_are_not_flagged(typed):
    assert derive_json(typed).get("read_as", {"flags": []})["flags"] == []


@pytest.mark.parametrize(
    "typed", ["ln(sin(x**3)**2)", "2*x + sin(x)", "sqrt(x) * exp(-x^2)", "√x", "y = u^2; u = 3*x"]
)
def test_standard_notation_has_no_read_as_line(typed):
    data = derive_json(typed)
    assert "read_as" not in data
    text = runner.invoke(app, ["derive", typed, "--format", "text"]).stdout
    assert "Read as" not in text


def test_the_read_as_line_comes_before_the_steps_in_every_format():
    for fmt in ("text", "markdown", "latex"):
        out = runner.invoke(app, ["derive", "e^2x + log_2 x", "--format", fmt]).stdout
        assert "Read as:" in out
        assert out.index("Read as:") < out.index("Step 1")
    text = runner.invoke(app, ["derive", "e^2x + log_2 x", "--format", "text"]).stdout
    assert "Read as: e²·x + log₂(x)\n  Ambiguous: e^2x is read as e²·x" in text
    markdown = runner.invoke(app, ["derive", "e^2x + log_2 x", "--format", "markdown"]).stdout
    assert r"**Read as:** $e^{2} \cdot x + \log_{2}\left(x\right)$" in markdown


def test_a_system_is_read_back_equation_by_equation():
    data = derive_json("y = u^2 + v; u = x z; v = sin x")
    assert data["read_as"]["text"] == "y = u² + v;  u = x·z;  v = sin(x)"


def test_the_latex_reading_compiles_in_a_standalone_document(tmp_path):
    out = runner.invoke(
        app, ["derive", "e^2x + 1/2x + sin^-1 x + log_2 x", "--format", "latex", "--standalone"]
    )
    compile_latex(out.stdout, tmp_path)


def test_read_back_writes_each_reading_in_standard_notation():
    cases = {
        "sin 2x": "sin(2·x)",
        "x/2y + 3": "(x/2)·y + 3",
        "2^3^2 x": "2^(3²)·x",
        "|x| sigmoid x": "|x|·sigmoid(x)",
        "x*-y z": "x·(−y)·z",
        "√2x": "√(2·x)",
    }
    for typed, shown in cases.items():
        reading = read_back(typed, [(None, parse_expression(typed))])
        assert reading is not None and reading.text == shown, typed


def test_reciprocal_powers_stay_refused():
    for typed in ("sin^-2 x", "ln^-1 x", "sin^(-2) x"):
        with pytest.raises(InputError, match="ambiguous"):
            derive(typed)


# --- check ---------------------------------------------------------------------------------


def test_check_reads_back_the_answer_and_the_problem():
    result = runner.invoke(app, ["check", "sin^2 x", "2sinx cos x", "--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Read as (problem): sin(x)²\nRead as (your answer): 2·sin(x)·cos(x)\n")
    data = json.loads(runner.invoke(app, ["check", "log_2 x", "1/(x ln 2)", "--format", "json"]).stdout)
    assert data["correct"] is True
    assert data["read_as"]["problem"]["text"] == "log₂(x)"
    assert data["read_as"]["answer"]["text"] == "1/(x·ln(2))"


def test_check_of_an_explicit_answer_has_no_read_as():
    assert "read_as" not in check("sin(x**2)", "2*x*cos(x**2)").to_dict()


@pytest.mark.parametrize(
    ("problem", "answer"),
    [("tan^(-1)(x)", "1/(1 + x^2)"), ("sin^-1(x)", "1/sqrt(1 - x^2)"), ("log_2 x", "1/(x*log(2))")],
)
def test_check_accepts_the_right_derivative_of_the_inverse_and_log_notations(problem, answer):
    assert check(problem, answer).correct


# --- a definition the output does not use ---------------------------------------------------

OPENSTAX_226 = "f = x**4; x = t; y = t"  # OpenStax Calculus 3, §4.5 exercise 226: df/dt


def test_an_unused_definition_is_a_note_not_an_error():
    result = runner.invoke(app, ["derive", OPENSTAX_226, "--wrt", "t", "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "Note: y is defined but f does not depend on it; it is left out." in result.stdout
    data = derive_json(OPENSTAX_226, "--wrt", "t")
    assert data["notes"] == ["y is defined but f does not depend on it; it is left out"]
    assert data["independent"] == ["t"]
    assert [e["name"] for e in data["equations"]] == ["x", "f"]
    assert data["paths"]["t"]["count"] == 1
    assert data["paths"]["t"]["listed"][0]["nodes"] == ["f", "x", "t"]
    assert sympy.simplify(derive(OPENSTAX_226, wrt="t").result["t"] - sympy.diff(t**4, t)) == 0


def test_an_unused_definition_with_its_own_variable_leaves_it_out():
    d = derive("f = x*z; x = t^2; y = s + 1")
    assert d.independent == ("z", "t")
    assert d.graph.notes == ("y is defined but f does not depend on it; it is left out",)
    with pytest.raises(InputError, match="not a variable of the problem"):
        derive("f = x*z; x = t^2; y = s + 1", wrt="s")


def test_check_grades_a_problem_with_an_unused_definition():
    assert check(OPENSTAX_226, "4t^3", wrt="t").correct


def test_read_as_and_notes_are_valid_under_the_shipped_schemas():
    jsonschema = pytest.importorskip("jsonschema")
    from chaintutor import schema

    for problem in ("e^2x + 1/2x", OPENSTAX_226, "y = u^2 + v; u = x z; v = sin x"):
        jsonschema.validate(derive_json(problem), schema.load("derive"))
    jsonschema.validate(check("sin^2 x", "2sinx cos x").to_dict(), schema.load("check"))


# --- the reading says what was read ------------------------------------------------------------

_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _typed_again(reading: str) -> str:
    """The Unicode reading as input again: log₂( is typed log_2(; everything else it prints
    (·, −, superscripts, √, π, |x|, arcsin, artanh, ln) is the input language already."""
    return re.sub(r"log([₀-₉]+)\(", lambda m: f"log_{m.group(1).translate(_SUBSCRIPT_DIGITS)}(", reading)


@settings(max_examples=150, deadline=None)
@given(problem=valid_problems())
def test_a_reading_parses_back_to_the_same_expression(problem):
    try:
        tree = parse_expression(problem)
        meant = to_sympy(tree)
    except InputError:
        return  # refused problems have no reading
    reading = read_back(problem, [(None, tree)])
    if reading is not None:
        read = to_sympy(parse_expression(_typed_again(reading.text)))
        # SymPy distributes a number over a sum, so x·((x + 1)·c) and (x·(x + 1))·c differ as
        # trees; the reading only has to mean the same.
        assert read == meant or sympy.expand(read - meant) == 0, reading.text


@pytest.mark.parametrize(
    "typed",
    [t for t, _, _ in TEXTBOOK] + ["√2x", "x*-y z", "2^3^2 x", "|x| sigmoid x", "x/2y + 3", "sinh^-1 2x"],
)
def test_each_textbook_reading_parses_back_to_the_same_expression(typed):
    tree = parse_expression(typed)
    reading = read_back(typed, [(None, tree)])
    assert to_sympy(parse_expression(_typed_again(reading.text))) == to_sympy(tree), reading.text
