"""Every formula of the Markdown and of the notebook displays renders in KaTeX and MathJax 3.

GitHub, Obsidian and JupyterLab typeset Markdown with KaTeX or MathJax 3, which accept less
than pdflatex: no ``\\ensuremath``, no text-mode commands inside ``\\text``. Every ``$$…$$``
and ``$…$`` of the golden files, and of the Markdown and LaTeX of every exercise of the bank
(both views), of Jacobians, of numbers at a point and of check's verdicts, goes through
``tests/katex_check.js`` in one batch, which renders it with both. They are found in the
``node_modules`` folder that ``CHAINTUTOR_KATEX`` names (``npm install --prefix DIR katex
mathjax-full@3`` fills ``DIR/node_modules``); without node or them the test skips, except in
CI, where it fails (.ci/run installs them).
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from chaintutor import check, derive
from chaintutor.core.jacobian import derive_jacobian
from chaintutor.core.ruletree import AbstractFunctionRule, Step, rule_tree
from chaintutor.parse import parse_expression, to_sympy
from chaintutor.parse.functions import CANONICAL_NAMES
from chaintutor.render.formats import render
from chaintutor.render.statements import statement_tex
from chaintutor.tutor.bank import all_exercises, load_bank
from tests.test_width import network
from tests.test_writeups import display_blocks, inline_math

HERE = Path(__file__).parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true"}

_TEX_DISPLAY = re.compile(r"\\\[(.*?)\\\]|(\\begin\{(align|alignat)\*\}.*?\\end\{\3\*\})", re.S)
_TEX_INLINE = re.compile(r"(?<!\\)\$((?:[^$\\]|\\.)+?)\$|\\\((.*?)\\\)", re.S)

# Problems beyond the bank that reach the other parts of the write-up.
JACOBIANS = [
    ("y1 = u + v; y2 = u*v; u = x1 + x2; v = x1*x2", "y1,y2"),
    ("p = exp(a)*b; q = a - b; a = x*z; b = z", "p,q"),
]
# Every rule: each function the language knows, and the rules of products, powers, quotients.
RULE_EXAMPLES = [f"{name}(x)" for name in CANONICAL_NAMES] + [
    "3*x*sin(x)",
    "sin(x)/(x + 1)",
    "x**x",
    "2**x",
    "x**5 + 1",
    "log(x, 2)",
    "f(x)",
]
# check's verdicts, right and wrong (a notebook shows them too).
CHECKS = [("y = u**2; u = sin(x)", "2*sin(x)"), ("asin(x**2)", "2*x/sqrt(1-x**4)"), ("x*exp(x)", "exp(x)")]
CHECKS += [("y = u + v; u = x**2; v = exp(x)", "2*x*exp(x)"), ("e^2x + 1/2x", "1"), ("sin(2*theta)", "2")]
AT_A_POINT = [("y = u**2 + v; u = w1*x + b1; v = sin(x)", "x=0.5,w1=2,b1=1")]
# The parts no bank exercise reaches: a Read-as line with its flags, relu's kink, a note on an
# unused definition, and a network with more paths than edges (the backward-pass write-up).
OTHER_PROBLEMS = ["e^2x + 1/2x", "relu(x^2 - 1)", "f = x**4; x = t; y = t", network(4, 4)]
# Vector write-ups, whose notes set their formulas (∂(W·x)/∂x = W, x ∈ ℝⁿ) as math in prose.
OTHER_PROBLEMS += [
    "y = sum(w + x); w, x in R^n",
    "L = (dot(v, h) - t)^2; h = relu(W·x + b); W in R^(m×n); x in R^n; b, v in R^m",
]


def markdown_math(markdown: str) -> list[tuple[str, bool]]:
    """(TeX, display?) for every ``$$`` block and every ``$…$``, found as pandoc finds them
    (``test_writeups`` holds the two finders against pandoc)."""
    displays = [(body, True) for body in display_blocks(markdown)]
    return displays + [(body, False) for body in inline_math(markdown)]


def latex_math(latex: str) -> list[tuple[str, bool]]:
    """(TeX, display?) for the displays (``\\[ \\]``, ``align*``, ``alignat*``) and ``$…$``."""
    found = [(match.group(1) or match.group(2), True) for match in _TEX_DISPLAY.finditer(latex)]
    outside = _TEX_DISPLAY.sub("", latex)
    return found + [(match.group(1) or match.group(2), False) for match in _TEX_INLINE.finditer(outside)]


@pytest.fixture
def renderers() -> tuple[str, str]:
    """node and the node_modules folder holding KaTeX and MathJax 3: skip, or fail in CI, without."""
    node = shutil.which("node")
    modules = os.environ.get("CHAINTUTOR_KATEX", "")
    if node is None or not all((Path(modules) / package).is_dir() for package in ("katex", "mathjax-full")):
        reason = "needs node, KaTeX and MathJax 3: npm install --prefix DIR katex mathjax-full@3, then "
        reason += "CHAINTUTOR_KATEX=DIR/node_modules"
        if IN_CI:
            pytest.fail(f"{reason} (CI must run this test; .ci/run installs them)")
        pytest.skip(reason)
    return node, modules


def render_errors(renderers: tuple[str, str], formulas: list[tuple[str, str, bool]]) -> list[str]:
    """``where: error`` for every formula KaTeX or MathJax 3 refuses; ``formulas`` are
    (where, TeX, display?), rendered in one batch."""
    node, modules = renderers
    batch = [{"tex": tex, "display": display} for _, tex, display in formulas]
    run = subprocess.run(
        [node, str(HERE / "katex_check.js"), modules],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return [f"{formulas[e['index']][0]}: {e['error']}" for e in json.loads(run.stdout)]


def _write_ups() -> dict[str, str]:
    """Name → Markdown or LaTeX: the goldens, and every bank exercise in both views and formats."""
    write_ups = {
        f"golden {path.name}": path.read_text(encoding="utf-8")
        for path in sorted((HERE / "golden").glob("*.md"))
    }
    write_ups |= {
        f"golden {path.name}": path.read_text(encoding="utf-8")
        for path in sorted((HERE / "golden").glob("*.tex"))
        if not path.name.endswith(".standalone.tex")
    }
    for exercise in all_exercises(load_bank()):
        derivation = derive(exercise.problem, exercise.wrt)
        write_ups[f"{exercise.id} notebook markdown"] = derivation._repr_markdown_()
        write_ups[f"{exercise.id} notebook latex"] = derivation._repr_latex_() or ""
        write_ups[f"{exercise.id} paths markdown"] = render(derivation, "markdown", view="paths")
    for system, outputs in JACOBIANS:
        jacobian = derive_jacobian(system, outputs)
        write_ups[f"Jacobian of {outputs} markdown"] = render(jacobian, "markdown")
        write_ups[f"Jacobian of {outputs} latex"] = render(jacobian, "latex")
    for problem, answer in CHECKS:
        verdict = check(problem, answer)
        write_ups[f"check {answer} markdown"] = verdict._repr_markdown_()
        write_ups[f"check {answer} latex"] = verdict._repr_latex_()
    for problem in OTHER_PROBLEMS:
        derivation = derive(problem)
        write_ups[f"{problem[:40]} markdown"] = render(derivation, "markdown")
        write_ups[f"{problem[:40]} latex"] = render(derivation, "latex")
    for problem, point in AT_A_POINT:
        derivation = derive(problem, at=point)
        write_ups[f"{problem} at {point} markdown"] = derivation._repr_markdown_()
    return write_ups


def test_every_formula_of_the_goldens_and_the_bank_renders_in_katex_and_mathjax(renderers):
    formulas = []
    for name, write_up in _write_ups().items():
        extract = latex_math if name.endswith("latex") or name.endswith(".tex") else markdown_math
        formulas += [(name, tex, display) for tex, display in extract(write_up)]
    assert len(formulas) > 3000
    errors = render_errors(renderers, formulas)
    assert not errors, f"{len(errors)} of {len(formulas)} formulas fail:\n" + "\n".join(errors[:20])


def _rule_steps() -> list[Step]:
    steps = []
    for example in RULE_EXAMPLES:
        expr = to_sympy(parse_expression(example), frozenset())
        (x,) = expr.free_symbols
        steps += rule_tree(expr, x).walk()
    return steps


def test_every_rule_statement_has_a_latex_form_that_katex_and_mathjax_render(renderers):
    steps = [step for step in _rule_steps() if step.statement and not isinstance(step, AbstractFunctionRule)]
    assert len({step.key for step in steps}) > 35
    missing = sorted({step.key for step in steps if not statement_tex(step)})
    assert not missing, f"rules stated in text but not in LaTeX: {missing}"
    formulas = [(f"{step.key} rule", statement_tex(step), False) for step in steps]
    assert render_errors(renderers, formulas) == []


def test_the_checker_catches_what_the_renderers_refuse(renderers):
    """The check can fail: neither renderer knows ``\\ensuremath``, braces must match, and
    ``\\mathrlap`` is KaTeX's alone (MathJax 3 refuses it)."""
    formulas = [("good", r"\frac{\partial y}{\partial x} = \nabla y \cdot v'", True)]
    formulas += [("ensuremath", r"\text{\ensuremath{\nabla}y}", True), ("brace", r"\frac{a}{b", False)]
    formulas += [("mathrlap", r"\mathrlap{x}", False)]
    errors = [error.split(": ", 2)[:2] for error in render_errors(renderers, formulas)]
    assert errors == [["ensuremath", "KaTeX"], ["brace", "KaTeX"], ["mathrlap", "MathJax 3"]]
