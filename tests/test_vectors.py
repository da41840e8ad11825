"""The vector chain rule (issue 17), checked through ``derive --format json`` against sympy.diff.

Each problem's reference is written here by hand in components (w₁ … wₙ, W₁₁ …, relu as
max(0, u), σ as 1/(1 + e⁻ᵘ)) and differentiated entry by entry with ``sympy.diff``, at sizes the
tool's own verification does not use (n = 4, m = 2). The tool's result string is evaluated by a
small evaluator of this file over plain floats, so neither side shares code with the other.
"""

from __future__ import annotations

import ast
import json
import math
import random
import subprocess
import sys
import time

import pytest
import sympy
from typer.testing import CliRunner

from chaintutor import InputError, derive
from chaintutor.cli import app
from chaintutor.core.instantiate import verify_by_instantiation
from chaintutor.core.vector import ChainProduct, derive_vector
from chaintutor.core.vectorderive import derive_verified
from tests.test_katex import renderers  # noqa: F401  (the fixture: node, KaTeX and MathJax 3)
from tests.test_writeups import compile_latex

runner = CliRunner()

# --- an evaluator of the result strings, over floats and lists of floats ---------------------------


def _elementwise(op, a, b):
    if isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b)
        return [_elementwise(op, x, y) for x, y in zip(a, b, strict=True)]
    if isinstance(a, list):
        return [_elementwise(op, x, b) for x in a]
    if isinstance(b, list):
        return [_elementwise(op, a, y) for y in b]
    return op(a, b)


def _apply(function, a):
    return [_apply(function, x) for x in a] if isinstance(a, list) else function(a)


def _dot(a, b):
    if isinstance(a[0], list):  # W·x
        return [math.fsum(w * x for w, x in zip(row, b, strict=True)) for row in a]
    if isinstance(b[0], list):  # Wᵀ·r, written dot(r, W)
        return [math.fsum(a[i] * b[i][j] for i in range(len(a))) for j in range(len(b[0]))]
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def _matmul(a, b):
    if not isinstance(b[0], list):
        return _dot(a, b)
    return [
        [math.fsum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))
    ]


_CALLS = {
    "dot": _dot,
    "sum": lambda v: math.fsum(v),
    "Heaviside": lambda u, _zero: _apply(lambda t: 1.0 if t > 0 else 0.0, u),
    "relu": lambda u: _apply(lambda t: max(t, 0.0), u),
    "sigmoid": lambda u: _apply(lambda t: 1 / (1 + math.exp(-t)), u),
    "exp": lambda u: _apply(math.exp, u),
    "log": lambda u: _apply(math.log, u),
    "sin": lambda u: _apply(math.sin, u),
    "cos": lambda u: _apply(math.cos, u),
    "tanh": lambda u: _apply(math.tanh, u),
    "diag": lambda v: [[v[i] if i == j else 0.0 for j in range(len(v))] for i in range(len(v))],
    "I": lambda n: [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)],
    "ones": lambda n: [1.0] * n,
    "outer": lambda c, r: [[x * y for y in r] for x in c],
    "transpose": lambda matrix: [list(column) for column in zip(*matrix, strict=True)],
}
_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def evaluate(text, values):
    """The value of a result string at ``values`` (names to floats, lists, lists of lists)."""

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return _apply(lambda t: -t, walk(node.operand))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return _matmul(walk(node.left), walk(node.right))
        if isinstance(node, ast.BinOp):
            return _elementwise(_OPERATORS[type(node.op)], walk(node.left), walk(node.right))
        if isinstance(node, ast.Call):
            return _CALLS[node.func.id](*(walk(arg) for arg in node.args))
        raise AssertionError(f"unexpected {ast.dump(node)}")

    return walk(ast.parse(text, mode="eval"))


# --- the references: each problem written out in components by hand -------------------------------


def vec(name, n):
    return [sympy.Symbol(f"{name}{i}", real=True) for i in range(n)]


def mat(name, m, n):
    return [[sympy.Symbol(f"{name}{i}_{j}", real=True) for j in range(n)] for i in range(m)]


def relu(u):
    return sympy.Max(0, u)


def sigmoid(u):
    return 1 / (1 + sympy.exp(-u))


def dot(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True))


def matvec(W, x):
    return [dot(row, x) for row in W]


def neuron(n, m):
    w, x, b = vec("w", n), vec("x", n), sympy.Symbol("b", real=True)
    return {"w": w, "x": x, "b": b}, relu(dot(w, x) + b)


def loss(n, m):
    w, x, b, t = vec("w", n), vec("x", n), sympy.Symbol("b", real=True), sympy.Symbol("t", real=True)
    return {"w": w, "x": x, "b": b, "t": t}, (t - relu(dot(w, x) + b)) ** 2


def batch_loss(n, m):  # N = m samples, the rows of X
    X, w, t, b = mat("X", m, n), vec("w", n), vec("t", m), sympy.Symbol("b", real=True)
    rows = [(t[i] - relu(dot(X[i], w) + b)) ** 2 for i in range(m)]
    return {"X": X, "w": w, "t": t, "b": b, "N": m}, sum(rows) / m


def layer(n, m):
    W, x, b = mat("W", m, n), vec("x", n), vec("b", m)
    return {"W": W, "x": x, "b": b}, [relu(z + c) for z, c in zip(matvec(W, x), b, strict=True)]


def sigmoid_layer_sum(n, m):
    W, x, b = mat("W", m, n), vec("x", n), vec("b", m)
    return {"W": W, "x": x, "b": b}, sum(sigmoid(z + c) for z, c in zip(matvec(W, x), b, strict=True))


def two_layer_loss(n, m):
    W, x, b, v, t = mat("W", m, n), vec("x", n), vec("b", m), vec("v", m), sympy.Symbol("t", real=True)
    hidden = [relu(z + c) for z, c in zip(matvec(W, x), b, strict=True)]
    return {"W": W, "x": x, "b": b, "v": v, "t": t}, (dot(v, hidden) - t) ** 2


def sum_of_sum(n, m):
    w, x = vec("w", n), vec("x", n)
    return {"w": w, "x": x}, sum(a + c for a, c in zip(w, x, strict=True))


def hadamard(n, m):
    w, x = vec("w", n), vec("x", n)
    return {"w": w, "x": x}, [a * c for a, c in zip(w, x, strict=True)]


def elementwise_chain(n, m):
    w, x = vec("w", n), vec("x", n)
    return {"w": w, "x": x}, [
        sympy.log(1 + sympy.exp(sympy.sin(a * c) + c**2)) for a, c in zip(w, x, strict=True)
    ]


def expansion(n, m):
    x, z = vec("x", n), sympy.Symbol("z", real=True)
    return {"x": x, "z": z}, sum(sympy.tanh(c * z + 3) for c in x)


def two_paths(n, m):
    w, x = vec("w", n), vec("x", n)
    return {"w": w, "x": x}, sympy.exp(dot(w, x)) + sum(a**2 / 2 for a in w) + dot(w, w)


def sigmoid_neuron(n, m):
    w, x, b = vec("w", n), vec("x", n), sympy.Symbol("b", real=True)
    return {"w": w, "x": x, "b": b}, sigmoid(dot(w, x) + b)


def scalar_outputs_vector(n, m):
    x, s = vec("x", n), sympy.Symbol("s", real=True)
    return {"x": x, "s": s}, [c * sympy.sin(s) for c in x]


def scaled_layer(n, m):
    W, x, b, t = mat("W", m, n), vec("x", n), vec("b", m), sympy.Symbol("t", real=True)
    return {"W": W, "x": x, "b": b, "t": t}, sum(
        sympy.tanh(t * z) * c for z, c in zip(matvec(W, x), b, strict=True)
    )


def expansion_inside_a_dot(n, m):
    w, x = vec("w", n), vec("x", n)
    shift = sympy.tanh(sum(x))
    return {"w": w, "x": x}, dot([a - shift for a in w], w)


def row_times_matrix(n, m):
    W, r = mat("W", m, n), vec("r", m)
    columns = [sum(r[i] * W[i][j] for i in range(m)) for j in range(n)]
    return {"W": W, "r": r}, sum(relu(c) ** 2 for c in columns)


def row_times_matrix_layer(n, m):
    W, r, c = mat("W", m, n), vec("r", m), vec("c", n)
    return {"W": W, "r": r, "c": c}, [
        sympy.tanh(sum(r[i] * W[i][j] for i in range(m)) + c[j]) for j in range(n)
    ]


PROBLEMS = [
    ("y = sum(w + x); w, x in R^n", "w,x", sum_of_sum),
    ("y = w ⊙ x; w, x ∈ R^n", "w,x", hadamard),
    ("y = max(0, w·x + b); w, x ∈ R^n", "w,x,b", neuron),
    ("L = (t - relu(dot(w, x) + b))^2; w, x in R^n", "w,b,x,t", loss),
    ("C = sum((t - relu(X·w + b))^2)/N; X in R^(N×n); w in R^n; t in R^N", "w,b,X", batch_loss),
    ("h = relu(W·x + b); W in R^(m×n); x in R^n; b in R^m", "x,b", layer),
    ("L = sum(sigmoid(W @ x + b)); W in R^(m x n); x in ℝ^n; b in R^m", "W,x,b", sigmoid_layer_sum),
    (
        "L = (dot(v, h) - t)^2; h = relu(W·x + b); W in R^(m×n); x in R^n; b, v in R^m",
        "W,b,v,x",
        two_layer_loss,
    ),
    ("y = ln(1 + exp(sin(w*x) + x^2)); w, x in R^n", "w,x", elementwise_chain),
    ("y = sum(tanh(x*z + 3)); x in R^n", "x,z", expansion),
    ("y = exp(w·x) + sum(w^2/2) + w·w; w, x in R^n", "w,x", two_paths),
    ("a = sigmoid(w·x + b); w, x in R^n", "w,x,b", sigmoid_neuron),
    ("y = x*sin(s); x in R^n", "x,s", scalar_outputs_vector),
    ("y = sum(tanh(t * W·x) * b); W in R^(m×n); x in R^n; b in R^m", "W,x,b,t", scaled_layer),
    ("y = (w - tanh(sum(x)))·w; w, x in R^n", "w,x", expansion_inside_a_dot),
    ("y = sum(relu(r·W)^2); r in R^m; W in R^(m×n)", "r,W", row_times_matrix),
    ("z = tanh(r·W + c); r in R^m; W in R^(m×n); c in R^n", "r,c", row_times_matrix_layer),
]

SIZES = {"n": 4, "m": 2, "N": 2}


def _numbers(symbols_of, point):
    def value(entry):
        if isinstance(entry, list):
            return [value(e) for e in entry]
        return entry if isinstance(entry, int) else point[entry]

    return {name: value(entry) for name, entry in symbols_of.items()}


def _reference(output, variable, point):
    """sympy.diff of the scalarised output, entry by entry, at ``point``: floats in nested lists."""

    def at(expr):
        return float(expr.subs(point).evalf())

    outputs = output if isinstance(output, list) else [output]
    if isinstance(variable, list) and isinstance(variable[0], list):  # a matrix: the gradient's shape
        (single,) = outputs
        return [[at(sympy.diff(single, entry)) for entry in row] for row in variable]
    entries = variable if isinstance(variable, list) else [variable]
    return [[at(sympy.diff(out, entry)) for entry in entries] for out in outputs]


def _as_matrix(value, reference):
    """The tool's value in the reference's layout: a gradient or a column is one row or column."""
    if not isinstance(value, list):
        return [[float(value)]]
    if isinstance(value[0], list):
        return value
    if len(reference) == 1 and len(reference[0]) == len(value):  # a gradient: a row of ∂y/∂wⱼ
        return [list(value)]
    return [[entry] for entry in value]  # a vector output by a scalar: a column


def _close(a, b):
    return all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        for row_a, row_b in zip(a, b, strict=True)
        for x, y in zip(row_a, row_b, strict=True)
    ) and [len(r) for r in a] == [len(r) for r in b]


@pytest.mark.parametrize(("problem", "wrt", "scalarised"), PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_the_json_result_agrees_with_sympy_diff_in_components(problem, wrt, scalarised):
    outcome = runner.invoke(app, ["derive", problem, "--wrt", wrt, "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.output)
    symbols_of, output = scalarised(SIZES["n"], SIZES["m"])
    flat = [s for entry in symbols_of.values() for s in _flatten(entry)]
    rng = random.Random(17)
    for _ in range(2):
        point = {s: rng.uniform(-1.5, 1.5) for s in flat}
        values = {**_numbers(symbols_of, point), **SIZES}
        for name in wrt.split(","):
            verified = data["verified"][name]
            assert verified["ok"] and verified["method"] == "instantiated"
            assert verified["detail"].startswith("checked entry by entry at ")
            reference = _reference(output, symbols_of[name], point)
            ours = _as_matrix(evaluate(data["result"][name], values), reference)
            assert _close(ours, reference), (name, data["result"][name], ours, reference)


def _flatten(entry):
    if isinstance(entry, list):
        return [s for e in entry for s in _flatten(e)]
    return [entry] if isinstance(entry, sympy.Symbol) else []


# --- the lecture's results in the lecture's form -----------------------------------------------------


_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _text(problem, *options):
    """The text output, with u₁ read as u1 (the notation writes indices either way)."""
    outcome = runner.invoke(app, ["derive", problem, *options, "--format", "text"])
    assert outcome.exit_code == 0, outcome.output
    return outcome.output.translate(_SUBSCRIPTS)


def test_the_derivative_of_a_sum_of_vectors_is_the_row_of_ones():
    out = _text("y = sum(w + x); w, x in R^n", "--wrt", "w")
    assert "∂y/∂u1 = 1⃗ᵀ   (1×n)" in out
    assert "= 1⃗ᵀ · I\n        = 1⃗ᵀ\n" in out
    assert "∇_w y = 1⃗" in out


def test_the_hadamard_product_has_a_diagonal_jacobian():
    out = _text("y = w*x; w, x in R^n", "--wrt", "x")
    assert "∂y/∂x = diag(w)   (n×n)" in out


def test_the_neuron_gives_the_step_times_x_transposed_and_the_step_itself():
    out = _text("y = max(0, w·x + b); w, x ∈ R^n", "--wrt", "w,b")
    assert "= 1[b + w·x > 0] · xᵀ" in out
    assert "∂y/∂b = ∂y/∂u2 · ∂u2/∂b" in out
    assert "        = 1[b + w·x > 0]\n" in out
    assert out.count("takes the value 0") == 1  # the convention at the kink, once


def test_the_matrix_gradient_is_delta_times_x_transposed():
    out = _text("L = sum(sigmoid(W·x + b)); W in R^(m×n); x in R^n; b in R^m", "--wrt", "W")
    assert "= ((1 - σ(b + W·x)) ⊙ σ(b + W·x)) · xᵀ" in out
    assert "the m×n matrix δ·xᵀ, the shape of W" in out


def test_a_layer_jacobian_is_the_step_diagonal_times_w():
    out = _text("h = relu(W·x + b); W in R^(m×n); x in R^n; b in R^m", "--wrt", "x")
    assert "= diag(1[b + W·x > 0]) · W" in out
    assert "Shapes: (m×m) · (m×m) · (m×n)" in out


def test_every_written_format_carries_the_jacobians():
    problem = "h = relu(W·x + b); W in R^(m×n); x in R^n; b in R^m"
    latex = runner.invoke(app, ["derive", problem, "--format", "latex"]).output
    assert r"\operatorname{diag}\left(\mathbf{1}\left[b + W \cdot x > 0\right]\right) \cdot W" in latex
    markdown = runner.invoke(app, ["derive", problem, "--format", "markdown"]).output
    assert r"\quad (m \times n)" in markdown
    data = json.loads(runner.invoke(app, ["derive", problem, "--format", "json"]).output)
    assert data["shapes"]["W"] == ["m", "n"] and data["shapes"]["x"] == ["n", 1]
    assert {(d["of"], d["wrt"], d["jacobian"]) for d in data["local_derivatives"]} >= {("u1", "x", "W")}


def test_the_json_validates_against_the_shipped_schema():
    import jsonschema

    from chaintutor import schema

    data = json.loads(
        runner.invoke(app, ["derive", "y = max(0, w·x + b); w, x ∈ R^n", "--format", "json"]).output
    )
    jsonschema.validate(data, schema.load("derive"))


def test_latex_compiles(tmp_path):
    problem = "C = sum((t - relu(X·w + b))^2)/N; X in R^(N×n); w in R^n; t in R^N"
    document = runner.invoke(app, ["derive", problem, "--format", "latex", "--standalone"]).output
    compile_latex(document, tmp_path)


# --- errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "message", "caret"),
    [
        ("y = w + W·x; W in R^(m×n); x, w in R^n", "w ∈ R^n plus W·x ∈ R^m: the shapes differ", "^^^^^^^"),
        ("y = w·x; w in R^n; x in R^m", "the shapes do not fit", "^^^"),
        ("y = sum(b); b in R^n; y = 2", "defined", None),
        ("y = W*x; W in R^(m×n); x in R^n", "element-wise operations on a matrix", None),
        ("y = w × x; w, x in R^n", "× between vectors is ambiguous", None),
        ("h = W·x; W in R^(m×n); x in R^n", "is not a variable", None),
    ],
)
def test_bad_vector_problems_are_input_errors(problem, message, caret):
    wrt = ["--wrt", "W"] if problem.startswith("h = W·x") else []
    outcome = runner.invoke(app, ["derive", problem, *wrt, "--format", "text"])
    if "is not a variable" in message:  # a matrix by a vector output: the derivative is a tensor
        assert outcome.exit_code == 2 and "third-order tensor" in outcome.output
        return
    assert outcome.exit_code == 2, outcome.output
    assert message in outcome.output
    if caret:
        assert caret in outcome.output


def test_a_wrong_result_is_caught_by_instantiation():
    d = derive_vector("y = max(0, w·x + b); w, x ∈ R^n", ["w"])
    result = d.results["w"]
    wrong = tuple(ChainProduct(t.coefficient * 2, t.factors) for t in result.in_leaves)
    d.results["w"] = type(result)(result.wrt, result.rows, result.cols, result.paths, wrong, wrong)
    checks = verify_by_instantiation(d)
    assert not checks["w"].ok and "differs" in checks["w"].detail


def test_the_cost_does_not_grow_with_n_and_verification_is_fast():
    started = time.perf_counter()
    d = derive_verified("L = (dot(v, h) - t)^2; h = relu(W·x + b); W in R^(m×n); x in R^n; b, v in R^m")
    assert time.perf_counter() - started < 2 * 5  # generous on a loaded machine; the benchmark measures it
    assert all(check.ok for check in d.verification.values())
    assert all("n" not in str(term) or "dot" in str(term) for r in d.results.values() for term in r.in_leaves)


# --- relu in the scalar pipeline --------------------------------------------------------------------


@pytest.mark.parametrize("problem", ["relu(x^2 - 1)", "max(0, x^2 - 1)", "max(x^2 - 1, 0)"])
def test_relu_and_max_have_the_step_as_derivative(problem):
    x = sympy.Symbol("x", real=True)
    d = derive(problem)
    reference = sympy.diff(sympy.Max(0, x**2 - 1), x)  # 2x·Heaviside(x² − 1), independent of relu
    for value in (-2.5, -0.3, 0.4, 1.7):
        assert float(d.result["x"].subs(x, value)) == pytest.approx(float(reference.subs(x, value)))
    assert d.verified["x"]


def test_the_kink_convention_is_stated_once():
    out = _text("y = relu(w*x + b)")
    assert out.count("At u = 0, where relu has a kink") == 1
    assert "ReLU rule: d/du relu(u) = d/du max(0, u) = 1[u > 0]" in out


def test_other_maxima_and_scalar_sums_are_refused():
    with pytest.raises(InputError, match=r"only max\(0, u\)"):
        derive("max(x, 1)")
    with pytest.raises(InputError, match="takes vectors"):
        derive("sum(x)")


def test_help_still_does_not_import_sympy():
    code = (
        "import sys; from chaintutor.cli import main; sys.argv = ['chaintutor', '--help']\n"
        "try: main()\nexcept SystemExit: pass\nprint('sympy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")


def test_the_terminal_keeps_the_brackets_of_the_step():
    outcome = runner.invoke(
        app, ["derive", "y = max(0, w·x + b); w, x ∈ R^n", "--wrt", "w", "--format", "rich"]
    )
    assert "= 1[b + w·x > 0] · xᵀ" in outcome.output  # not read as a Rich markup tag


# --- --at with vectors ------------------------------------------------------------------------------

NETWORK = "L = (dot(v, h) - t)^2; h = relu(W·x + b); W in R^(m×n); x in R^n; b, v in R^m"
NETWORK_POINT = "W=[[1,2],[3,-4],[0.5,1]],x=[1,0.5],b=[0.1,0.2,-0.3],v=[1,-1,2],t=0.5"


def test_at_a_point_the_backward_pass_is_backpropagation_by_hand():
    outcome = runner.invoke(app, ["derive", NETWORK, "--at", NETWORK_POINT, "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    at = json.loads(outcome.output)["at"]
    # by hand: W·x = (2, 1, 1), + b = (2.1, 1.2, 0.7) > 0, v·h = 2.3, L = (2.3 − 0.5)² = 3.24, δ = 2·1.8 = 3.6
    assert at["values"]["L"] == pytest.approx(3.24)
    assert at["gradient"]["v"] == pytest.approx([3.6 * 2.1, 3.6 * 1.2, 3.6 * 0.7])
    assert at["gradient"]["b"] == pytest.approx([3.6, -3.6, 7.2])
    assert at["gradient"]["W"] == [
        pytest.approx([3.6, 1.8]),
        pytest.approx([-3.6, -1.8]),
        pytest.approx([7.2, 3.6]),
    ]
    assert at["gradient"]["x"] == pytest.approx([3.6 * (1 - 3 + 1), 3.6 * (2 + 4 + 2)])  # Wᵀ·δ
    assert at["adjoints"]["h"] == pytest.approx([3.6, -3.6, 7.2])


def test_at_a_point_the_json_validates_and_the_latex_compiles(tmp_path):
    import jsonschema

    from chaintutor import schema

    problem, point = "y = max(0, w·x + b); w, x ∈ R^n", "w=[1,2,-1],x=[0.5,1,2],b=0.1"
    data = json.loads(runner.invoke(app, ["derive", problem, "--at", point, "--format", "json"]).output)
    jsonschema.validate(data, schema.load("derive"))
    assert data["at"]["gradient"]["w"] == pytest.approx([0.5, 1, 2])  # 1[0.6 > 0]·x
    document = runner.invoke(
        app, ["derive", NETWORK, "--at", NETWORK_POINT, "--format", "latex", "--standalone"]
    )
    compile_latex(document.output, tmp_path)


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ("w=[1,2],x=[1,2,3],b=0", "another value"),
        ("w=[1,2],x=[1,2]", "no value for b"),
        ("w=1,x=[1,2],b=0", "must be a vector"),
        ("w=[1,2],x=[1,q],b=0", "every entry of x must be a number"),
    ],
)
def test_bad_points_are_input_errors(point, message):
    outcome = runner.invoke(app, ["derive", "y = max(0, w·x + b); w, x ∈ R^n", "--at", point])
    assert outcome.exit_code == 2 and message in outcome.output


def test_a_copy_of_a_vector_has_the_identity_as_jacobian():
    data = json.loads(runner.invoke(app, ["derive", "y = x; x ∈ ℝ^n", "--format", "json"]).output)
    assert data["result"]["x"] == "I(n)" and data["verified"]["x"]["ok"]


def test_a_variable_the_output_does_not_use_is_left_out_or_refused():
    data = json.loads(runner.invoke(app, ["derive", "y = sum(x); x, t in R^n", "--format", "json"]).output)
    assert list(data["result"]) == ["x"]
    outcome = runner.invoke(app, ["derive", "y = sum(x); x, t in R^n", "--wrt", "t"])
    assert outcome.exit_code == 2 and "does not depend on t" in outcome.output


# --- random problems from a grammar: every one is verified, or refused as an InputError -------------

_ACTIVATIONS = ["relu", "sigmoid", "tanh", "exp", "sin", "softplus"]


def _random_value(rng, shape, depth):
    """An expression of ``shape`` (n, m or s for a scalar) over w, x ∈ Rⁿ, b ∈ Rᵐ, W ∈ R^(m×n), z, t."""
    if depth == 0 or rng.random() < 0.25:
        return rng.choice({"n": ["w", "x"], "m": ["b"], "s": ["z", "t", "2", "0.5"]}[shape])
    choice = rng.random()
    if shape == "s" and choice < 0.45:
        inner = rng.choice(["n", "m"])
        if choice < 0.2:
            return f"sum({_random_value(rng, inner, depth - 1)})"
        return f"{_random_value(rng, inner, depth - 1)}·{_random_value(rng, inner, depth - 1)}"
    if shape == "m" and choice < 0.3:
        return f"W·({_random_value(rng, 'n', depth - 1)})"
    if shape == "n" and choice < 0.15:
        return f"({_random_value(rng, 'm', depth - 1)})·W"
    if rng.random() < 0.3:
        return f"{rng.choice(_ACTIVATIONS)}({_random_value(rng, shape, depth - 1)})"
    other = shape if rng.random() < 0.6 else "s"
    pair = [_random_value(rng, shape, depth - 1), _random_value(rng, other, depth - 1)]
    rng.shuffle(pair)
    return f"({pair[0]} {rng.choice('+-*')} {pair[1]})"


def test_random_vector_problems_are_verified_or_refused():
    rng = random.Random(2026)
    derived = 0
    for _ in range(40):
        body = _random_value(rng, rng.choice("ssnm"), rng.randint(1, 3))
        problem = f"y = {body}; w, x in R^n; W in R^(m×n); b in R^m"
        try:
            d = derive_verified(problem)
        except InputError:
            continue
        derived += 1
        assert all(check.ok for check in d.verification.values()), (problem, d.verification)
    assert derived >= 30


def _declarations(problem):
    return "; ".join(part.strip() for part in problem.split(";")[1:] if " in " in part or "∈" in part)


def _derived_result(terms):
    """What a result string must read back as, built from the chain products: a scalar c alone,
    c·r for a row c·rᵀ (ones(n) for 1⃗ᵀ), c·outer(a, r) for a column a times a row rᵀ (a matrix
    gradient); summed over the terms."""
    from chaintutor.core.vector import ones, outer

    def value(term):
        kinds = [f.kind for f in term.factors]
        if not kinds:
            return term.coefficient
        if kinds == ["row"]:
            body = term.factors[0].body
            return term.coefficient * (
                ones(sympy.Symbol(term.factors[0].cols, positive=True, integer=True)) if body == 1 else body
            )
        assert kinds == ["column", "row"], term
        return term.coefficient * outer(term.factors[0].body, term.factors[1].body)

    return sympy.Add(*(value(term) for term in terms))


@pytest.mark.parametrize("problem", [p[0] for p in PROBLEMS])
def test_equations_and_gradients_parse_back(problem):
    """Every equation and, for a scalar output, every gradient (matrix gradients as outer(δ, x))
    of the JSON reads back with the vector parser as the expression derived."""
    from chaintutor.core.vector import leaf_forms, read_vector_problem

    d = derive_verified(problem)
    data = json.loads(runner.invoke(app, ["derive", problem, "--format", "json"]).output)
    declarations = _declarations(problem)
    shapes = "; ".join(
        f"{e['name']} in R^{s[0]}" for e in data["equations"] if (s := data["shapes"][e["name"]])
    )
    for equation in data["equations"]:
        text = f"{equation['name']}_back = {equation['expr']}; {declarations}" + (
            f"; {shapes}" if shapes else ""
        )
        back = read_vector_problem(text)  # -t reads as a node of its own: compare in the leaves
        read = leaf_forms(back)[back.symbol(f"{equation['name']}_back")]
        assert read == d.problem.node(equation["name"]).expr, (text, read)
    if data["shapes"][data["output"]]:
        return  # a vector output: its results are Jacobians (diag(…), I(n)), not expressions
    assert set(data["result"]) == set(d.results)
    for wrt, result in d.results.items():
        back = read_vector_problem(f"g = {data['result'][wrt]}; {declarations}")
        assert back.shapes["g"] == d.problem.shapes[wrt], wrt
        expected = _derived_result(result.in_leaves)
        assert sympy.expand(leaf_forms(back)[back.symbol("g")] - expected) == 0, wrt


def test_outer_reads_as_a_matrix_and_is_not_differentiated():
    from chaintutor.core.vector import outer, read_vector_problem

    problem = read_vector_problem("G = -1/N*outer(u, x); u in R^m; x in R^n")
    assert problem.shapes["G"] == ("m", "n")
    u, x = sympy.Symbol("u", real=True), sympy.Symbol("x", real=True)
    (inner,) = (node for node in problem.nodes if node.kind == "outer")
    assert inner.expr == outer(u, x) and inner.shape == ("m", "n")
    for text, message, column in [
        ("G = outer(W, x); W in R^(m×n); x in R^n", "outer(u, v) takes two vectors; W is in R^(m×n)", 10),
        ("G = outer(x, t); x in R^n", "outer(u, v) takes two vectors; t is in R", 13),
        ("y = sum(outer(x, b)·b); b in R^m; x in R^n", "a matrix the problem computes", 8),
        ("y = sum((t*W)·x); W in R^(m×n); x in R^n", "a matrix the problem computes", 8),
    ]:
        with pytest.raises(InputError) as error:
            derive_verified(text)
        assert message in error.value.message and error.value.start == column, (text, error.value)
    for text in ("G = t*outer(u, x); u in R^m; x in R^n", "y = sum(x); G = outer(x, x); x in R^n"):
        with pytest.raises(InputError, match="G is a matrix the problem computes"):
            derive_verified(text)
    outcome = runner.invoke(app, ["derive", "G = outer(x, t); x in R^n"])
    assert outcome.exit_code == 2 and "^" in outcome.output and "Traceback" not in outcome.output
    with pytest.raises(InputError, match="takes a dimension of the problem"):
        derive_verified("y = sum(ones(k)*x); x in R^n")
    d = derive_verified("y = dot(ones(n), w*w); w in R^n")  # ones(n) a constant vector, no variable
    assert d.problem.leaves == ("w",) and d.verification["w"].ok


def test_every_vector_formula_renders_in_katex_and_mathjax(renderers):  # noqa: F811 (the fixture)
    """Markdown and LaTeX of the lecture's problems, a point included, through real KaTeX and
    MathJax 3 (skipped without them, as in test_katex)."""
    from chaintutor.render.formats import render
    from tests.test_katex import latex_math, markdown_math, render_errors

    formulas = []
    for problem, point in [
        ("y = max(0, w·x + b); w, x ∈ R^n", None),
        ("C = sum((t - relu(X·w + b))^2)/N; X in R^(N×n); w in R^n; t in R^N", None),
        ("z = tanh(r·W + c); r in R^m; W in R^(m×n); c in R^n", None),
        ("y = ln(1 + exp(sin(w*x) + x^2)); w, x in R^n", None),
        (NETWORK, NETWORK_POINT),
    ]:
        d = derive_verified(problem, None, point)
        for output_format, extract in (("markdown", markdown_math), ("latex", latex_math)):
            formulas += [(problem, tex, display) for tex, display in extract(render(d, output_format))]
    assert render_errors(renderers, formulas) == []


@pytest.mark.parametrize(("name", "answer"), [("graph", []), ("check", ["x"])])
def test_graph_and_check_say_vector_problems_are_for_derive(name, answer):
    outcome = runner.invoke(app, [name, "y = max(0, w·x + b); w, x ∈ R^n", *answer])
    assert outcome.exit_code == 2 and f"{name} does not take vector problems yet" in outcome.output
