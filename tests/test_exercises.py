"""The exercise bank and the generator.

The bank loads, covers the lectures and the function list, and every reference answer is
derived, verified, and equal to ``sympy.diff`` of the problem written in the leaves, which
this file computes on its own: each equation parsed and converted, then substituted by hand.
"""

import functools
import importlib.resources
import json
import re
import tomllib
from pathlib import Path

import pytest
import sympy
from sympy.core.function import AppliedUndef

from chaintutor import check
from chaintutor.core.derive import Derivation, derive
from chaintutor.errors import InputError
from chaintutor.grade.value import expected_value
from chaintutor.parse import parse_statements, to_sympy
from chaintutor.parse.activations import sigmoid, softplus
from chaintutor.parse.point import parse_point
from chaintutor.tutor.bank import Exercise, all_exercises, find_exercise, find_set, load_bank
from chaintutor.tutor.generate import generate
from tests.helpers import same_function

ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank()
EXERCISES = list(all_exercises(BANK))

# Every worked example of SEEDS.md, with the variables the lecture differentiates by.
SEEDS_EXAMPLES = {
    "ln(sin(x**3)**2)": {"x"},  # §1
    "y = x + u; u = x**2": {"x"},  # §2
    "y = x*u; u = x**2": {"x"},
    "y = f(u); u = g(x, z)": {"x", "z"},  # §3
    "y = f(u, v); u = g(x, z); v = h(x, z)": {"x", "z"},
    "y = u**2; u = 3*x": {"x"},  # §4
    "y = u**2; u = w1*x + b1": {"x", "w1", "b1"},
    "f = x**2*y + y": {"x", "y"},  # §5
    "f = g**2*h + h; g = 3*x; h = x**2": {"x"},
}
# The textbook systems the issue names besides.
ISSUE_EXAMPLES = {
    "w = x*y*cos(z); x = t; y = t**2; z = asin(t)": {"t"},
    "z = x**2 + y**2; x = r*cos(theta); y = r*sin(theta)": {"r", "theta"},
    "y = sigmoid(u); u = w*x + b": {"w", "b"},
}
FUNCTIONS = [
    *("sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "asec", "acsc", "acot"),
    *("sinh", "cosh", "tanh", "sech", "csch", "coth", "asinh", "acosh", "atanh", "asech", "acsch", "acoth"),
    *("exp", "ln", "log", "log10", "log2", "sqrt", "cbrt", "abs", "sigmoid", "softplus"),
]
SOURCES = re.compile(
    r"SEEDS\.md §[1-5] \(lecture worked example\)|OpenStax Calculus Vol\. [1-3] §\d+\.\d+ style"
    r"|APEX Calculus §\d+\.\d+ style|Deep Learning \(Goodfellow et al\.\) §\d+\.\d+ style"
    r"|written for chaintutor"
)


# The independent reference --------------------------------------------------------------


def in_leaves(problem: str) -> tuple[sympy.Expr, dict[sympy.Symbol, sympy.Expr]]:
    """The output written in the leaves, and each defined name's own right-hand side."""
    statements = parse_statements(problem)
    defined = frozenset(s.name for s in statements if s.name is not None)
    sides = {s.name: to_sympy(s.rhs, defined, problem) for s in statements}
    definitions = {sympy.Symbol(name, real=True): rhs for name, rhs in sides.items() if name is not None}
    whole = sides[statements[0].name]
    for _ in range(len(definitions)):
        whole = whole.subs(definitions)
    assert not whole.free_symbols & set(definitions), "the substitution loop did not finish"
    return whole, definitions


def elementary(expr: sympy.Expr) -> sympy.Expr:
    """σ and softplus written out, so that the reference never uses chaintutor's derivatives."""
    expr = expr.replace(sigmoid, lambda arg: 1 / (1 + sympy.exp(-arg)))
    return expr.replace(softplus, lambda arg: sympy.log(1 + sympy.exp(arg)))


def agree(shown: sympy.Expr, reference: sympy.Expr) -> bool:
    if shown.atoms(AppliedUndef) or reference.atoms(AppliedUndef):  # f, g, h: no numbers to try
        return sympy.simplify((shown - reference).doit()) == 0
    return same_function(elementary(shown), reference)


def _at_named_intermediates(shown: sympy.Expr, derivation: Derivation) -> sympy.Expr:
    """An abstract result is kept at the intermediates the decomposition named (f′(u1), u1 = g(x)):
    their definitions put in, as sympy.diff writes the same derivative."""
    named = {
        derivation.graph.symbols[d.name]: d.expr
        for d in derivation.graph.definitions
        if d.name.startswith("u")
    }
    for _ in range(len(named)):
        shown = shown.subs(named)
    return shown


def assert_reference_answers(problem: str, wrt: tuple[str, ...]) -> Derivation:
    """Derive ``problem``; every answer must be verified and equal the reference."""
    derivation = derive(problem, list(wrt))
    whole, definitions = in_leaves(problem)
    for name in wrt:
        assert derivation.verified[name], (problem, name, derivation.verification[name])
        shown = derivation.result[name]
        for _ in range(len(definitions)):  # a result kept in the intermediates
            shown = shown.subs(definitions)
        if shown.atoms(AppliedUndef):  # f′ at an intermediate the decomposition named (u1 = g(x))
            shown = _at_named_intermediates(shown, derivation)
        reference = sympy.diff(elementary(whole), sympy.Symbol(name, real=True))
        assert agree(shown, reference), (problem, name, shown, reference)
    return derivation


# The shipped bank ------------------------------------------------------------------------


def test_each_file_is_one_set_named_after_it():
    files = sorted(path.stem for path in (ROOT / "exercises").glob("*.toml"))
    assert [group.name for group in BANK] == files
    assert all(group.title and group.exercises for group in BANK)
    assert all(e.set_name == group.name for group in BANK for e in group.exercises)


def test_at_least_sixty_exercises_spread_over_every_level():
    assert len(EXERCISES) >= 60
    per_level = {level: sum(e.level == level for e in EXERCISES) for level in range(1, 6)}
    assert all(count >= 8 for count in per_level.values()), per_level


@pytest.mark.parametrize("examples", [SEEDS_EXAMPLES, ISSUE_EXAMPLES], ids=["seeds", "issue"])
def test_the_worked_examples_are_exercises(examples):
    for problem, variables in examples.items():
        covered = {name for e in EXERCISES if e.problem == problem for name in e.wrt}
        assert covered >= variables, problem


def test_ids_are_unique_kebab_case():
    ids = [e.id for e in EXERCISES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_hints_and_sources():
    for e in EXERCISES:
        assert 2 <= len(e.hints) <= 3, e.id
        assert SOURCES.fullmatch(e.source), (e.id, e.source)


def test_every_function_of_the_input_language_is_used():
    used = {name for e in EXERCISES for name in re.findall(r"([a-z][a-z0-9]*)\(", e.problem)}
    assert set(FUNCTIONS) - used == set()
    assert any("|" in e.problem for e in EXERCISES)
    assert any(re.search(r"\blog\(.*,", e.problem) for e in EXERCISES)


def test_some_exercises_hold_constants_fixed():
    leaves = {e.id: {str(s) for s in in_leaves(e.problem)[0].free_symbols} for e in EXERCISES}
    held = {e.id for e in EXERCISES if leaves[e.id] - set(e.wrt)}
    assert len(held) >= 10


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_reference_answer_is_verified_and_equals_sympy_diff(exercise: Exercise):
    assert_reference_answers(exercise.problem, exercise.wrt)


AT_POINT = [e for e in EXERCISES if e.at is not None]


def table_functions(rows: tuple[tuple[str, bool, str, str], ...]) -> dict[sympy.Function, sympy.Lambda]:
    """For each function of a table, a polynomial of low degree with exactly the table's
    values and derivatives (Hermite interpolation by a linear solve): a concrete function that
    the table describes, so the reference is sympy.diff of a concrete problem."""
    x = sympy.Symbol("x_")
    functions = {}
    for name in sorted({row[0] for row in rows}):
        conditions = [
            (prime, sympy.Rational(at), sympy.Rational(value)) for f, prime, at, value in rows if f == name
        ]
        coefficients = sympy.symbols(f"c0:{len(conditions) + 1}")  # one spare: rows of f′ alone
        polynomial = sum(c * x**k for k, c in enumerate(coefficients))
        equations = [
            (sympy.diff(polynomial, x) if prime else polynomial).subs(x, at) - value
            for prime, at, value in conditions
        ]
        solution = sympy.solve(equations, coefficients, dict=True)[0]
        free = {c: 0 for c in coefficients if c not in solution}
        functions[sympy.Function(name)] = sympy.Lambda(x, polynomial.subs(solution).subs(free))
    return functions


def reference_value(exercise: Exercise, wrt: str) -> sympy.Expr:
    """sympy.diff of the problem in the leaves (tables made concrete), at the exercise's point."""
    whole, _ = in_leaves(exercise.problem)
    for function, polynomial in table_functions(exercise.table_rows).items():
        whole = whole.replace(function, polynomial)
    point = {sympy.Symbol(name, real=True): value for name, value in parse_point(exercise.at or "").items()}
    return sympy.diff(elementary(whole), sympy.Symbol(wrt, real=True)).subs(point)


@pytest.mark.parametrize("exercise", AT_POINT, ids=lambda e: e.id)
def test_a_value_at_a_point_equals_sympy_diff_there(exercise: Exercise):
    for name in exercise.wrt:
        expected = expected_value(exercise.problem, name, exercise.at or "", exercise.table_rows)
        reference = reference_value(exercise, name)
        assert abs(sympy.N(elementary(expected) - reference, 30)) < 1e-25, (
            exercise.id,
            name,
            expected,
            reference,
        )


def test_the_bank_covers_the_kinds_of_issue_19():
    ids = {e.id for e in EXERCISES}
    assert len(EXERCISES) >= 144
    kinds = (
        "quotient-",
        "inverse-of-",
        "parametric-",
        "point-",
        "table-",
        "softmax-",
        "l2-penalty-",
        "backward-",
    )
    counts = {kind: sum(i.startswith(kind) for i in ids) for kind in kinds}
    assert all(count >= 3 for count in counts.values()), counts
    assert sum("cross-entropy" in i for i in ids) >= 3
    assert all(e.at for e in EXERCISES if e.id.startswith(("point-", "table-", "backward-")))
    assert all(e.table for e in EXERCISES if e.id.startswith("table-"))
    assert all(e.statement for e in EXERCISES if e.id.startswith(("inverse-of-", "parametric-")))


def test_a_table_gives_every_value_the_answer_needs_and_the_distractors_are_not_used():
    table = find_exercise(BANK, "table-f-of-g")
    assert (
        expected_value(table.problem, "x", table.at or "", table.table_rows) == 12
    )  # f'(1)·g'(2), not f'(2)·g'(2)
    with pytest.raises(InputError, match="does not give f'\\(1\\)"):
        expected_value(
            table.problem, "x", table.at or "", [row for row in table.table_rows if row[:2] != ("f", True)]
        )


# The bank's abstract exercises, answered by hand in the notations students write.
ABSTRACT_ANSWERS = {
    ("abstract-one-inner", "x"): "f'(u)·∂g/∂x",
    ("abstract-one-inner", "z"): "f′ g_z",
    ("abstract-two-inners", "x"): "f_u g_x + f_v h_x",
    ("abstract-two-inners", "z"): "D[1]f D[2]g + D[2]f D[2]h",
    ("abstract-curve", "t"): "∂f/∂x·g'(t) + ∂f/∂y·h'(t)",
}


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if e.at is None], ids=lambda e: e.id)
def test_check_grades_the_exercise(exercise: Exercise):
    """Every exercise but those asking for a number at a point (practice grades those): an answer
    written from sympy.diff, or by hand for abstract functions, is graded right."""
    whole, _ = in_leaves(exercise.problem)
    for name in exercise.wrt:
        if whole.atoms(AppliedUndef):
            answer = ABSTRACT_ANSWERS[(exercise.id, name)]
        else:
            answer = str(sympy.diff(elementary(whole), sympy.Symbol(name, real=True)))
        result = check(exercise.problem, answer, name)
        assert result.correct, (exercise.id, name, answer, result.diagnosis)


def test_lookups():
    assert find_exercise(BANK, "ln-sin-cube").problem == "ln(sin(x**3)**2)"
    assert find_set(BANK, "neural").title
    with pytest.raises(InputError, match="ln-sin-cube"):
        find_exercise(BANK, "ln-sin-cubes")
    with pytest.raises(InputError, match="no exercise set"):
        find_set(BANK, "nope")


def test_loading_does_not_import_sympy(tmp_path):
    import subprocess
    import sys

    code = "import sys; import chaintutor.tutor.bank as e; e.load_bank(); print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# Packaging -------------------------------------------------------------------------------


def test_installed_package_contains_the_bank():
    try:
        packaged = importlib.resources.files("chaintutor.bank")
    except ModuleNotFoundError:
        pytest.skip("chaintutor is not installed here (pip install -e .)")
    names = sorted(entry.name for entry in packaged.iterdir() if entry.name.endswith(".toml"))
    assert names == sorted(path.name for path in (ROOT / "exercises").glob("*.toml"))


def test_pyproject_lists_every_subpackage_and_maps_the_bank():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts) for path in (ROOT / "chaintutor").rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == on_disk | {"chaintutor.bank"}
    assert setuptools["package-dir"] == {"chaintutor.bank": "exercises"}
    assert setuptools["package-data"] == {
        "chaintutor": ["py.typed"],
        "chaintutor.bank": ["*.toml"],
        "chaintutor.schema": ["*.json"],
    }


# Bad files -------------------------------------------------------------------------------

GOOD_SET = '[set]\nname = "s"\ntitle = "A set"\n'
GOOD_EXERCISE = """
[[exercise]]
id = "{id}"
problem = "sin(x**2)"
wrt = ["x"]
level = 1
hints = ["u1 = x²"]
source = "written for chaintutor"
"""


def good(exercise_id: str = "one") -> str:
    return GOOD_EXERCISE.format(id=exercise_id)


# Line numbers: GOOD_SET is lines 1–3, the blank line 4, a first exercise's header line 5.
BAD_FILES = {
    "syntax error": (GOOD_SET + good().replace("level = 1", "level = = 1"), 9, "invalid TOML"),
    "unterminated string": (GOOD_SET + good() + 'extra = "oops\n', 12, "invalid TOML"),
    "open at end of file": (GOOD_SET + good() + 'extra = """oops\n', 12, "at end of document"),
    "missing key": (GOOD_SET + good().replace('source = "written for chaintutor"\n', ""), 5, "'source'"),
    "unknown key": (GOOD_SET + good().replace("hints =", "hint ="), 10, "did you mean 'hints'"),
    "level 7": (GOOD_SET + good().replace("level = 1", "level = 7"), 9, "from 1 to 5"),
    "level as text": (GOOD_SET + good().replace("level = 1", 'level = "1"'), 9, "from 1 to 5"),
    "duplicate id": (GOOD_SET + good() + good(), 14, "already used at"),
    "bad problem": (GOOD_SET + good().replace("sin(x**2)", "sin(x**2"), 7, "problem is not valid"),
    "unknown function": (GOOD_SET + good().replace("sin(x**2)", "sine(x)"), 7, "problem is not valid"),
    "cycle": (GOOD_SET + good().replace('"sin(x**2)"', '"y = u; u = y"'), 7, "problem is not valid"),
    "wrt not a leaf": (
        GOOD_SET + good().replace('"sin(x**2)"', '"y = u**2; u = 3*x"').replace('["x"]', '["u"]'),
        8,
        "not an independent variable",
    ),
    "wrt twice": (GOOD_SET + good().replace('["x"]', '["x", "x"]'), 8, "listed twice"),
    "empty hints": (GOOD_SET + good().replace('["u1 = x²"]', "[]"), 10, "'hints' must be a non-empty"),
    "blank hint": (GOOD_SET + good().replace('["u1 = x²"]', '["  "]'), 10, "'hints' must be a non-empty"),
    "id not kebab case": (GOOD_SET + good("Bad_Id"), 6, "kebab-case"),
    "missing set": (good(), 1, "missing key 'set'"),
    "no exercises": (GOOD_SET, 1, "missing key 'exercise'"),
    "set title missing": ('[set]\nname = "s"\n' + good(), 1, "missing key 'title'"),
    "at misses a variable": (GOOD_SET + good() + 'at = "y = 2"\n', 12, "'at' must give each independent"),
    "at not a number": (GOOD_SET + good() + 'at = "x = pi"\n', 12, "'at' must give each independent"),
    "table without at": (GOOD_SET + good() + 'table = ["g(1) = 2"]\n', 12, "'table' goes with 'at'"),
    "table row unreadable": (
        GOOD_SET + good() + 'at = "x = 1"\ntable = ["g of 1 is 2"]\n',
        13,
        "'table' goes with 'at'",
    ),
    "table row twice": (
        GOOD_SET + good() + 'at = "x = 1"\ntable = ["g(1) = 2", "g(1) = 3"]\n',
        13,
        "distinct rows",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_names_the_file_and_line(tmp_path, case):
    text, line, fragment = BAD_FILES[case]
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_bank(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'bad.toml'}:{line}: "), message
    assert fragment in message


def test_a_problem_error_keeps_its_caret(tmp_path):
    (tmp_path / "bad.toml").write_text(GOOD_SET + good().replace("sin(x**2)", "sine(x)"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_bank(tmp_path)
    assert caught.value.source == "sine(x)"
    assert caught.value.column == 1
    assert "did you mean" in (caught.value.hint or "")


def test_an_id_taken_in_another_file(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD_SET + good("same"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD_SET.replace('"s"', '"t"') + good("same"), encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.toml:6: .*'same' is already used at .*a\.toml:6"):
        load_bank(tmp_path)


def test_a_set_name_taken_in_another_file(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD_SET + good("one"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD_SET + good("two"), encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.toml:2: the set name 's' is already used"):
        load_bank(tmp_path)


def test_not_utf8_empty_or_missing_folder(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        load_bank(tmp_path / "missing")
    with pytest.raises(InputError, match="no exercise files"):
        load_bank(tmp_path)
    (tmp_path / "bad.toml").write_bytes(b'[set]\nname = "\xff"\n')
    with pytest.raises(InputError, match=r"bad\.toml: not UTF-8"):
        load_bank(tmp_path)


# The generator ---------------------------------------------------------------------------

LEVELS_AND_SEEDS = [(level, seed) for level in range(1, 6) for seed in range(3)]


@functools.cache
def generated(level: int, seed: int) -> Exercise:
    return generate(level, seed)


def kind_of(exercise: Exercise) -> str:
    return exercise.source.rsplit(": ", 1)[1].rstrip(")")


def test_generator_is_deterministic_per_seed():
    for level in range(1, 6):
        exercise = generated(level, 0)
        assert generate(level, 0) == exercise
        assert (exercise.id, exercise.level) == (f"gen-L{level}-S0", level)
    asked = {(e.problem, e.wrt, e.at) for e in (generated(level, seed) for level, seed in LEVELS_AND_SEEDS)}
    assert len(asked) == len(LEVELS_AND_SEEDS)


@pytest.mark.parametrize(("level", "seed"), LEVELS_AND_SEEDS, ids=lambda value: str(value))
def test_generated_exercise_has_its_level_and_verifies(level, seed):
    exercise = generated(level, seed)
    derivation = assert_reference_answers(exercise.problem, exercise.wrt)
    decomposition, local, route = exercise.hints
    assert all(f"/{'∂' if d.partial else 'd'}{d.wrt} = " in local for d in derivation.local_derivatives)
    assert all(" → ".join(path.nodes) in route for path in derivation.paths[exercise.wrt[0]].listed)
    if kind_of(exercise) != "chain":
        return
    paths = derivation.paths["x"].count
    layers = len(derivation.graph.definitions)
    shape = {
        1: paths == 1 and layers == 2,
        2: paths == 1 and layers == 3,
        3: (paths == 1 and layers == 4) or paths == 2,
        4: paths == 2,
        5: (paths == 1 and layers == 5) or paths == 3,
    }
    assert shape[level], (exercise.problem, paths, layers)
    assert exercise.wrt == ("x",)
    assert all(f"{d.name} = " in decomposition for d in derivation.graph.definitions)


KIND_SEEDS = range(40)


@functools.cache
def first_of_each_kind() -> dict[str, Exercise]:
    """The first generated exercise of each kind (over every level and the seeds of KIND_SEEDS)."""
    found: dict[str, Exercise] = {}
    for seed in KIND_SEEDS:
        for level in range(1, 6):
            found.setdefault(kind_of(generated(level, seed)), generated(level, seed))
    return found


NEW_KINDS = (
    "inverse function",
    "quotient with a chain",
    "chain at a point",
    "table of values",
    "parametric curve",
    "softmax",
    "softmax cross-entropy",
    "L2 penalty",
    "numeric backward pass",
)


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_the_generator_makes_each_kind_of_the_bank_and_it_verifies(kind):
    exercise = first_of_each_kind()[kind]
    if exercise.at is None:
        assert_reference_answers(exercise.problem, exercise.wrt)
    else:
        [name] = exercise.wrt
        expected = expected_value(exercise.problem, name, exercise.at, exercise.table_rows)
        assert abs(sympy.N(elementary(expected) - reference_value(exercise, name), 30)) < 1e-25
    assert (exercise.table != ()) == (kind == "table of values")
    assert (exercise.statement is not None) == (kind in ("inverse function", "parametric curve"))


def test_generated_exercises_pass_the_bank_validation(tmp_path):
    lines = [GOOD_SET]
    for level, seed in LEVELS_AND_SEEDS:
        exercise = generated(level, seed)
        fields = {
            "id": exercise.id.lower(),  # the bank wants kebab case
            "problem": exercise.problem,
            "wrt": list(exercise.wrt),
            "level": exercise.level,
            "hints": list(exercise.hints),
            "source": exercise.source,
        }
        optional = {"at": exercise.at, "table": list(exercise.table), "statement": exercise.statement}
        fields.update({key: value for key, value in optional.items() if value})
        lines.append("\n[[exercise]]\n")
        lines.extend(f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in fields.items())
    (tmp_path / "generated.toml").write_text("".join(lines), encoding="utf-8")
    [loaded] = load_bank(tmp_path)
    assert [e.problem for e in loaded.exercises] == [generated(*key).problem for key in LEVELS_AND_SEEDS]


@pytest.mark.parametrize("level", [0, 6, -1])
def test_generator_refuses_unknown_levels(level):
    with pytest.raises(InputError, match="levels run from 1 to 5"):
        generate(level, 1)
