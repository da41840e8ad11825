"""Homework problems with the answers textbooks print (Stewart, OpenStax Calculus, and the
lecture notes behind SEEDS.md), written in chaintutor's input language.

Each entry is (problem, variable, the textbook's answer). The answers were typed from the
books, not from chaintutor's output; the tests check that chaintutor's result equals each one
and is no longer than it.
"""

HOMEWORK: list[tuple[str, str, str]] = [
    # single chains
    ("sqrt(x^2 + 1)", "x", "x/sqrt(x^2 + 1)"),
    ("sin(x^2)", "x", "2x cos(x^2)"),
    ("cos(3x)", "x", "-3 sin(3x)"),
    ("e^(5x)", "x", "5 e^(5x)"),
    ("ln(x^2 + 1)", "x", "2x/(x^2 + 1)"),
    ("tan(4x^2 + 1)", "x", "8x sec(4x^2 + 1)^2"),
    ("(1 + x^2)^10", "x", "20x (1 + x^2)^9"),
    ("1/(x^2 + 1)^2", "x", "-4x/(x^2 + 1)^3"),
    ("e^(-x^2)", "x", "-2x e^(-x^2)"),
    ("sin(x)^3", "x", "3 sin(x)^2 cos(x)"),
    ("(3x^2 + 1)^5", "x", "30x (3x^2 + 1)^4"),
    ("e^(sin(x))", "x", "cos(x) e^(sin(x))"),
    ("sqrt(1 - x^2)", "x", "-x/sqrt(1 - x^2)"),
    ("sin(cos(tan(x)))", "x", "-cos(cos(tan(x))) sin(tan(x)) sec(x)^2"),
    ("sinh(x^2)", "x", "2x cosh(x^2)"),
    ("sec(2x)", "x", "2 sec(2x) tan(2x)"),
    ("cos(x)^2", "x", "-2 sin(x) cos(x)"),
    ("sqrt(sin(x))", "x", "cos(x)/(2 sqrt(sin(x)))"),
    ("ln(sin(x^3)^2)", "x", "6x^2 cot(x^3)"),
    ("ln(sin(x))", "x", "cot(x)"),
    # identities the answer needs
    ("ln(sec(x) + tan(x))", "x", "sec(x)"),
    ("ln(cosh(x))", "x", "tanh(x)"),
    ("ln(|x|)", "x", "1/x"),
    # chain with product or quotient
    ("(x^2 + 1)^3 (2x - 1)^4", "x", "2 (x^2 + 1)^2 (2x - 1)^3 (10x^2 - 3x + 4)"),
    ("x^2 sin(3x)", "x", "2x sin(3x) + 3x^2 cos(3x)"),
    ("x/(x^2 + 1)", "x", "(1 - x^2)/(x^2 + 1)^2"),
    ("(x - 1)/(x + 1)", "x", "2/(x + 1)^2"),
    ("(x^2 + 1)/(x - 1)", "x", "(x^2 - 2x - 1)/(x - 1)^2"),
    ("e^x sin(x)", "x", "e^x (sin(x) + cos(x))"),
    ("x e^(-x)", "x", "e^(-x) (1 - x)"),
    ("x^2 e^(3x)", "x", "x e^(3x) (3x + 2)"),
    # nested radicals
    ("sqrt(x + sqrt(x))", "x", "(1 + 1/(2 sqrt(x)))/(2 sqrt(x + sqrt(x)))"),
    # a^x, log_b, x^x, inverse functions
    ("2^(x^2)", "x", "2x 2^(x^2) ln(2)"),
    ("log10(x^2 + 1)", "x", "2x/((x^2 + 1) ln(10))"),
    ("x^x", "x", "x^x (ln(x) + 1)"),
    ("atan(x/2)", "x", "2/(x^2 + 4)"),
    ("asin(2x)", "x", "2/sqrt(1 - 4x^2)"),
    # several variables
    ("z = x^2 - y^2; x = r cosh(s); y = r sinh(s)", "r", "2r"),
    ("z = x^2 y; x = cos(t); y = sin(t)", "t", "cos(t)^3 - 2 sin(t)^2 cos(t)"),
    ("z = e^x sin(y); x = s t^2; y = s^2 t", "s", "e^(s t^2) (t^2 sin(s^2 t) + 2 s t cos(s^2 t))"),
    (
        "w = x y + y z + z x; x = r cos(theta); y = r sin(theta); z = r theta",
        "r",
        "2r cos(theta) sin(theta) + 2r theta sin(theta) + 2r theta cos(theta)",
    ),
    # neural networks
    (
        "L = (y - t)^2; y = sigmoid(w x + b)",
        "w",
        "2x (sigmoid(w x + b) - t) sigmoid(w x + b) (1 - sigmoid(w x + b))",
    ),
    ("L = (w x + b - t)^2", "w", "2x (w x + b - t)"),
    ("y = tanh(w x + b)", "w", "x (1 - tanh(w x + b)^2)"),
    ("L = softplus(w x + b)", "b", "sigmoid(w x + b)"),
]
