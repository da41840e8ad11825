"""The JSON Schemas shipped in chaintutor.schema describe what derive and check really print."""

import json
from pathlib import Path

import pytest
from strategies import SEEDS
from test_mistakes import WRONG

from chaintutor import check, derive, schema
from chaintutor.grade.mistakes import DIAGNOSIS_CODES
from chaintutor.render.formats import render

jsonschema = pytest.importorskip("jsonschema", reason="pip install -e '.[test]' brings jsonschema")

GOLDEN = Path(__file__).parent / "golden"
DERIVE = jsonschema.Draft202012Validator(schema.load("derive"))
CHECK = jsonschema.Draft202012Validator(schema.load("check"))


def valid(validator, document):
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_the_schemas_are_valid_2020_12_schemas():
    for name in schema.NAMES:
        jsonschema.Draft202012Validator.check_schema(schema.load(name))


def test_unknown_schema_is_a_clear_error():
    with pytest.raises(ValueError, match="derive, check"):
        schema.load("gradebook")  # type: ignore[arg-type]


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda path: path.stem)
def test_every_golden_json_is_valid(golden):
    valid(DERIVE, json.loads(golden.read_text()))


@pytest.mark.parametrize("problem", [seed for seed in SEEDS if "\n" not in seed])
def test_derive_json_of_every_seed_is_valid(problem):
    for granularity in ("compositions", "fine"):
        valid(DERIVE, derive(problem, granularity=granularity).to_dict())


@pytest.mark.parametrize(
    ("problem", "options"),
    [
        ("y = u^2 + v; u = x*z; v = sin(x)", {"at": "x=1,z=2"}),
        ("sigmoid(w*x + b)", {"at": "w=2,x=1,b=-1"}),
        ("y = u*v; u = x + x**2; v = x**3", {"max_paths": 1}),
        ("sin(x)**2", {"max_paths": 0}),
    ],
)
def test_derive_json_with_options_is_valid(problem, options):
    valid(DERIVE, derive(problem, **options).to_dict())


def test_derive_json_with_adjoint_equations_is_valid():
    lines = ["y = a12*b12"]
    for k in range(12, 1, -1):
        lines += [f"a{k} = sin(a{k - 1} + b{k - 1})", f"b{k} = cos(a{k - 1}*b{k - 1})"]
    document = derive("; ".join([*lines, "a1 = sin(x)", "b1 = cos(x)"]), max_paths=2).to_dict()
    valid(DERIVE, document)


def test_jacobian_json_is_valid():
    from chaintutor.core.jacobian import derive_jacobian

    jacobian = derive_jacobian("y1 = u + v; y2 = u*v; u = x1 + x2; v = x1*x2", "y1,y2", None)
    document = json.loads(render(jacobian, "json"))
    assert {"outputs", "jacobian", "per_output"} <= set(document)
    valid(DERIVE, document)


def test_the_schema_rejects_a_renamed_key():
    document = derive("sin(x**2)").to_dict()
    document["results"] = document.pop("result")
    assert not DERIVE.is_valid(document)
    steps = document["local_derivatives"][0]["steps"]
    steps["substeps"] = [{"rule": "chain", "expr": "x"}]
    assert not DERIVE.is_valid(document)


@pytest.mark.parametrize(("problem", "wrt", "typed", "built", "code"), WRONG)
def test_check_json_of_every_catalogued_mistake_is_valid(problem, wrt, typed, built, code):
    valid(CHECK, check(problem, typed, str(wrt)).to_dict())


@pytest.mark.parametrize(
    ("problem", "answer"),
    [("sin(x**3)", "3x^2 cos(x^3)"), ("sin(x**3)", "cos(x**3)"), ("exp(x)", "2.718281828*exp(x - 1)")],
)
def test_check_json_is_valid(problem, answer):
    document = check(problem, answer).to_dict()
    valid(CHECK, document)


def test_close_is_the_only_verdict():
    document = check("exp(x)", "2.718281828*exp(x - 1)").to_dict()
    assert document["verdict"] == "close"
    valid(CHECK, document)
    assert not CHECK.is_valid(document | {"verdict": "wrong"})


def test_the_check_schema_lists_every_diagnosis_code():
    listed = schema.load("check")["properties"]["diagnosis"]["items"]["properties"]["code"]["enum"]
    assert set(listed) == set(DIAGNOSIS_CODES)
