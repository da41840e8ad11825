"""Write-ups students submit: every format against golden files, through the real command line.

The golden files are in tests/golden (its README says how to regenerate them). pdflatex and
pandoc check that the LaTeX compiles and that the Markdown's mathematics comes out as
mathematics; where the tools are missing those tests skip, except in CI (CI=true): there
they fail.
"""

import html
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chaintutor import check, derive
from chaintutor.cli import app
from chaintutor.parse import parse_expression, to_sympy
from chaintutor.render.latex import KEPT_TOGETHER, escape_text, formulas_in, has_nested_fraction

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true"}

# The examples of SEEDS.md, the parameters example at a point (numbers and adjoints), and
# names that LaTeX must rewrite (x_1, theta, w1) next to an absolute value (a '|' in a table).
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "single-chain": ("ln(sin(x**3)**2)", ()),
    "several-paths": ("y = u^2 + v; u = x*z; v = sin(x)", ()),
    "parameters": ("y = u**2; u = w1*x + b1", ()),
    "parameters-at": ("y = u**2; u = w1*x + b1", ("--at", "x=0.5,w1=2,b1=1")),
    "abstract-f": ("y = f(u, v); u = x*z; v = x + z", ()),
    "special-names": ("y = x_1*abs(x_1) + theta*w1", ()),
    "product-and-chain": ("x^2*sin(3x)", ()),
}
PLAIN_CASES = [case for case, (_, options) in CASES.items() if not options]
DERIVE_FORMATS = {
    "txt": ("--format", "text"),
    "md": ("--format", "markdown"),
    "tex": ("--format", "latex"),
    "standalone.tex": ("--format", "latex", "--standalone"),
    "json": ("--format", "json"),
}
GRAPH_FORMATS = {"graph.txt": "text", "dot": "dot", "mmd": "mermaid"}


def _commands() -> dict[str, list[str]]:
    """Golden file name → the chaintutor arguments that print it."""
    commands = {}
    for case, (problem, options) in CASES.items():
        for suffix, flags in DERIVE_FORMATS.items():
            commands[f"{case}.{suffix}"] = ["derive", problem, *options, *flags]
        if not options:
            for suffix, name in GRAPH_FORMATS.items():
                commands[f"{case}.{suffix}"] = ["graph", problem, "--format", name]
    return commands


COMMANDS = _commands()
runner = CliRunner()


def golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode("utf-8")


def named(suffix: str) -> list[str]:
    """Golden files ending in ``suffix``; ``.tex`` means the fragments, not the standalone documents."""
    standalone = ".standalone" + suffix
    return sorted(name for name in COMMANDS if name.endswith(suffix) and not name.endswith(standalone))


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} is missing, and CI must run this test (.ci/run installs it)")
        pytest.skip(f"{tool} is not installed (apt: texlive-latex-base texlive-latex-recommended pandoc)")
    return path


# --- the golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_matches_its_golden_file(name):
    result = runner.invoke(app, COMMANDS[name])
    assert result.exit_code == 0, result.output
    assert b"\x1b" not in result.stdout_bytes
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(result.stdout_bytes)
        pytest.skip(f"UPDATE_GOLDEN=1: wrote {path}")
    assert path.exists(), f"{path} is missing: see tests/golden/README.md"
    assert result.stdout_bytes == path.read_bytes()


def test_every_golden_file_belongs_to_a_case():
    on_disk = {path.name for path in GOLDEN.iterdir()} - {"README.md"}
    assert on_disk == set(COMMANDS)


ENVIRONMENTS = (
    {"FORCE_COLOR": "1", "TERM": "xterm-256color", "PYTHONHASHSEED": "1"},
    {"NO_COLOR": "1", "PYTHONHASHSEED": "2"},
    {"TERM": "dumb", "PYTHONHASHSEED": "3"},
    {"COLUMNS": "40", "PYTHONHASHSEED": "4"},
)


@pytest.mark.parametrize("name", sorted(name for name in COMMANDS if name.startswith("several-paths.")))
def test_same_bytes_through_a_pipe_whatever_the_environment(name):
    """``python -m chaintutor`` with colour forced, refused, a dumb or a narrow terminal."""
    cleaned = ("FORCE_COLOR", "NO_COLOR", "TERM", "COLUMNS", "PYTHONHASHSEED")
    base = {key: value for key, value in os.environ.items() if key not in cleaned}
    command = [sys.executable, "-m", "chaintutor", *COMMANDS[name]]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "cwd": GOLDEN.parent.parent}
    processes = [subprocess.Popen(command, env={**base, **extra}, **pipes) for extra in ENVIRONMENTS]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        assert out == (GOLDEN / name).read_bytes()


def test_output_file_gets_the_same_bytes_and_nothing_else(tmp_path):
    target = tmp_path / "homework.md"
    result = runner.invoke(app, [*COMMANDS["single-chain.md"], "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_bytes() == (GOLDEN / "single-chain.md").read_bytes()
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("case", PLAIN_CASES)
def test_notebook_shows_the_markdown_and_latex_write_ups(case):
    d = derive(CASES[case][0])
    assert d._repr_markdown_() == golden(f"{case}.md")
    assert d._repr_latex_() == golden(f"{case}.tex")


def test_standalone_is_only_for_latex():
    result = runner.invoke(app, ["derive", "x**2", "--format", "markdown", "--standalone"])
    assert result.exit_code == 2
    assert "--standalone" in result.stderr


# --- JSON ---------------------------------------------------------------------------------------


def _expression_pairs(d, data):
    """Every expression string of the JSON, with the SymPy expression it was written from."""
    yield from zip([e["expr"] for e in data["equations"]], [e.expr for e in d.graph.definitions], strict=True)
    locals_ = data["local_derivatives"]
    yield from zip([ld["expr"] for ld in locals_], [ld.expr for ld in d.local_derivatives], strict=True)
    for target, summary in d.paths.items():
        for written, path in zip(data["paths"][target]["listed"], summary.listed, strict=True):
            yield from zip(written["factors"], path.factors, strict=True)
            if path.product is not None:
                yield written["product"], path.product
    yield from ((data["result"][target], d.result[target]) for target in d.result)


@pytest.mark.parametrize(
    "case",
    PLAIN_CASES,
)
def test_json_expressions_parse_back_to_equal_expressions(case):
    d = derive(CASES[case][0])
    data = json.loads(golden(f"{case}.json"))
    defined = frozenset(equation["name"] for equation in data["equations"])
    for text, expr in _expression_pairs(d, data):
        assert to_sympy(parse_expression(text), defined) == expr, text


# --- Markdown -----------------------------------------------------------------------------------


def display_blocks(markdown: str) -> list[str]:
    """The bodies of the ``$$`` blocks, checked to be written the way all three renderers read."""
    lines = markdown.split("\n")
    blocks = []
    opening = None
    for number, line in enumerate(lines):
        assert line == "$$" or "$$" not in line, f"line {number + 1}: $$ must stand alone"
        if line != "$$":
            continue
        if opening is None:
            assert lines[number - 1] == "", f"line {number + 1}: no blank line before $$"
            opening = number
            continue
        body = lines[opening + 1 : number]
        assert body and all(row.strip() for row in body), f"line {opening + 1}: empty or blank line in math"
        assert lines[number + 1] == "", f"line {number + 1}: no blank line after $$"
        blocks.append("\n".join(body))
        opening = None
    assert opening is None, "a $$ block is not closed"
    return blocks


def inline_math(markdown: str) -> list[str]:
    """The ``$…$`` in headings, prose, list items and table rows: every line outside the ``$$``
    blocks and the diagram's code block (an escaped ``\\$`` is a dollar sign, not math)."""
    outside = re.sub(r"^\$\$\n.*?\n\$\$$|^```.*?^```$", "", markdown, flags=re.M | re.S)
    return re.findall(r"(?<![\\$])\$((?:[^$\\\n]|\\.)+?)\$", outside)


@pytest.mark.parametrize("name", named(".md"))
def test_markdown_math_and_tables_are_written_to_render_everywhere(name):
    text = golden(name)
    assert display_blocks(text)
    cells = inline_math(text)
    assert cells and all("|" not in cell and cell == cell.strip() for cell in cells)
    assert "\n```mermaid\nflowchart TD\n" in text


@pytest.mark.parametrize("reader", ["markdown", "gfm+tex_math_dollars"])
@pytest.mark.parametrize("name", named(".md"))
def test_pandoc_renders_every_formula_as_mathematics(name, reader):
    source = golden(name)
    page = subprocess.run(
        [require("pandoc"), "--mathjax", "--wrap=none", "-f", reader, "-t", "html"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    shown = re.findall(r'<span class="math display">\\\[(.*?)\\\]</span>', page, re.S)
    assert [html.unescape(body).strip() for body in shown] == display_blocks(source)
    inline = re.findall(r'<span class="math inline">\\\((.*?)\\\)</span>', page, re.S)
    assert [html.unescape(body) for body in inline] == inline_math(source)
    outside_math = re.sub(r'<span class="math (?:display|inline)">.*?</span>', "", page, flags=re.S)
    assert "$" not in outside_math
    table_rows = [line for line in source.split("\n") if line.startswith("| ")]
    assert page.count("<td") == sum(line.count(" | ") + 1 for line in table_rows[1:])
    assert 'class="mermaid"' in page


# --- LaTeX --------------------------------------------------------------------------------------

MINIMAL_AMSMATH = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n%s\\end{document}\n"


def compile_latex(source: str, folder: Path) -> None:
    pdflatex = require("pdflatex")
    (folder / "doc.tex").write_text(source, encoding="utf-8")
    run = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
        cwd=folder,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout.decode(errors="replace")[-3000:]
    assert (folder / "doc.pdf").stat().st_size > 0


@pytest.mark.parametrize("name", named(".standalone.tex"))
def test_standalone_latex_compiles_with_pdflatex(name, tmp_path):
    compile_latex(golden(name), tmp_path)


@pytest.mark.parametrize("name", named(".tex"))
def test_latex_fragment_compiles_with_amsmath_alone(name, tmp_path):
    compile_latex(MINIMAL_AMSMATH % golden(name), tmp_path)


@pytest.mark.parametrize("case", list(CASES))
def test_standalone_document_is_the_fragment_with_a_preamble(case):
    document = golden(f"{case}.standalone.tex")
    assert golden(f"{case}.tex") in document
    assert "\\usepackage{amsmath}" in document and "\\usepackage{amssymb}" in document


def test_latex_writes_derivatives_logarithms_and_names_as_a_textbook_does():
    single = golden("single-chain.tex")
    assert r"\frac{dy}{du_{3}}" in single and r"\ln{" in single and r"\log" not in single
    several = golden("several-paths.tex")
    assert r"\frac{\partial y}{\partial u}" in several
    assert r"\sum_j \frac{\partial y}{\partial u_j}\,\frac{\partial u_j}{\partial x}" in several
    special = golden("special-names.tex")
    assert r"\frac{\partial y}{\partial x_{1}}" in special and r"\theta w_{1}" in special
    assert r"\bar{w}_{1}" in golden("parameters-at.tex")
    assert r"\frac{\partial f}{\partial u}" in golden("abstract-f.tex")


@pytest.mark.parametrize("name", named(".tex"))
def test_every_step_is_written_in_aligned_equations_or_indented_rule_lines(name):
    steps = [part for part in golden(name).split("\\subsection*{") if part.startswith("Step")]
    assert steps and all(re.search(r"\\begin\{(align|alignat)\*\}|\\leftskip=", step) for step in steps)


# Long formulas: display math never breaks by itself, so the renderer does.
LONG = {
    "nest of 12": "sin(" * 12 + "x" + ")" * 12,
    "two layers": "y = a2*b2; a2 = sin(a1 + b1); b2 = cos(a1*b1); a1 = sin(x); b1 = cos(x)",
    "polar": "y = r*cos(t)*exp(-r^2); r = sqrt(x^2 + z^2); t = atan(z/x)",
    "long sum": " + ".join(f"sin({k}*x)*cos(x^{k})" for k in range(1, 5)),
}


@pytest.mark.parametrize("problem", list(LONG.values()), ids=list(LONG))
def test_long_formulas_are_broken_to_fit_the_page(problem, tmp_path):
    """pdflatex measures every line: none may run past the margin ("Overfull \\hbox")."""
    result = runner.invoke(app, ["derive", problem, "--format", "latex", "--standalone"])
    assert result.exit_code == 0, result.output
    assert r"&\qquad" in result.stdout
    compile_latex(result.stdout, tmp_path)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log


def test_a_nest_past_the_old_grouping_limit_compiles(tmp_path):
    """Each ``\\left( … \\right)`` is a TeX group; 150 of them in a row used to stop pdflatex."""
    nest = "sin(" * 150 + "x" + ")" * 150
    result = runner.invoke(app, ["derive", nest, "--format", "latex", "--standalone", "--time-limit", "300"])
    assert result.exit_code == 0, result.output
    compile_latex(result.stdout, tmp_path)


def test_latex_deeper_than_tex_can_nest_is_refused_with_a_reason():
    nest = "sin(" * 250 + "x" + ")" * 250
    result = runner.invoke(app, ["derive", nest, "--format", "latex", "--time-limit", "300"])
    assert result.exit_code == 2
    assert "nests too deeply for LaTeX" in result.output and "--format text" in result.output
    derivation = derive(nest)
    assert derivation._repr_latex_() is None and derivation._repr_markdown_()


def test_text_with_latex_specials_and_unicode_compiles(tmp_path):
    escaped = escape_text(r"50% of $x_1 & {y} #2 ^ ~ \ | < > · − → ∂ √ ≠ σ π x² uⁿ⁻¹ eᵘ Σⱼ f′ … é")
    assert escaped.isascii()
    compile_latex(MINIMAL_AMSMATH % escaped, tmp_path)


# --- diagrams -----------------------------------------------------------------------------------

# Every line a diagram may have: node ids are n1, n2, …, names only inside quoted labels.
MERMAID_LINE = re.compile(r'flowchart TD|    n\d+(\["[^"]+"\]|\(\["[^"]+"\]\))|    n\d+ -->\|"[^"]+"\| n\d+')
DOT_LINE = re.compile(
    r'digraph dependencies \{|    node \[shape=box\];|    n\d+ \[label="[^"]+"(, shape=ellipse)?\];'
    r'|    n\d+ -> n\d+ \[label="[^"]+"\];|\}'
)


@pytest.mark.parametrize(
    "problem",
    ["y = 1/(a + b); a = sin(x); b = a*x", "y = end + o*x + graph"],
    ids=["a-reached-twice", "mermaid-and-dot-keywords"],
)
def test_mermaid_and_dot_draw_each_variable_and_each_dependency_once(problem):
    graph = derive(problem).graph
    variables, dependencies = len(graph.definitions) + len(graph.leaves), len(list(graph.edges()))
    mermaid = runner.invoke(app, ["graph", problem, "--format", "mermaid"]).stdout
    dot = runner.invoke(app, ["graph", problem, "--format", "dot"]).stdout
    assert all(MERMAID_LINE.fullmatch(line) for line in mermaid.splitlines())
    assert all(DOT_LINE.fullmatch(line) for line in dot.splitlines())
    assert len(re.findall(r"^    n\d+[\[(]", mermaid, re.M)) == variables
    assert mermaid.count(" -->") == dependencies
    assert len(re.findall(r"^    n\d+ \[", dot, re.M)) == variables
    assert dot.count(" -> ") == dependencies


@pytest.mark.parametrize("name", named(".mmd") + named(".dot"))
def test_diagram_goldens_use_only_safe_node_ids(name):
    pattern = MERMAID_LINE if name.endswith(".mmd") else DOT_LINE
    assert all(pattern.fullmatch(line) for line in golden(name).splitlines())


def test_prose_titles_and_rules_set_their_mathematics_as_math():
    """Variables in prose are math ("$x$ reaches $y$"), rule statements are formulas, and the
    gradient form is mathematics, not \\ensuremath inside \\text (which MathJax 3 refuses)."""
    markdown, tex = golden("several-paths.md"), golden("several-paths.tex")
    for write_up in (markdown, tex):
        assert "$x$ reaches $y$ along 2 paths" in write_up and "Independent: $x$, $z$." in write_up
        assert r"power rule: $\frac{d}{du}\,u^{n} = n\,u^{n-1}$" in write_up
        assert r"&= \nabla y \cdot w',\ w = (u, v)\colon" in write_up
        assert "textsuperscript" not in write_up and r"\text{\ensuremath" not in write_up
    assert "## Step 3 · Every path from $y$ to $x$, multiplied" in markdown


ALIGN = re.compile(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", re.S)


def _align_blocks(tex: str) -> list[list[str]]:
    return [block.split("\n") for block in ALIGN.findall(tex)]


def _equations(block: list[str]) -> list[list[str]]:
    """An ``align*`` block's lines grouped by equation: a line not starting '&' starts one."""
    equations: list[list[str]] = []
    for line in block:
        if line.startswith("&") and equations:
            equations[-1].append(line)
        else:
            equations.append([line])
    return equations


@pytest.mark.parametrize("problem", [CASES["several-paths"][0], *LONG.values()])
def test_a_page_breaks_a_display_only_between_its_equations(problem):
    """Inside one equation the lines end ``\\\\*`` (no page break), so "= ∇y · v′" can never
    open a page alone; one longer than KEPT_TOGETHER lines may break, but not after its first
    line or before its last."""
    result = runner.invoke(app, ["derive", problem, "--format", "latex"])
    blocks = _align_blocks(result.stdout)
    assert blocks and any(line.endswith(r"\\*") for block in blocks for line in block)
    for block in blocks:
        for equation in _equations(block):
            inside = equation[:-1]
            kept = inside if len(equation) <= KEPT_TOGETHER else [inside[0], inside[-1]]
            assert all(line.endswith(r" \\*") for line in kept), equation


def test_a_fraction_inside_a_fraction_is_stacked_full_size_in_running_text():
    """Inline, TeX sets the inner fraction of (1 + 1/(2√x))/(2√u₁) at script size; the rule
    lines switch to display style for such a formula only."""
    tex = runner.invoke(app, ["derive", "sqrt(x + sqrt(x + sqrt(x)))", "--format", "latex"]).stdout
    lines = [line for line in tex.splitlines() if line.startswith(r"{\leftskip")]
    nested = [line for line in lines if r"\frac{1 + \frac{1}{2 \sqrt{x}}}" in line]
    assert nested and all(r"\noindent $\displaystyle \frac{" in line for line in nested)
    assert r"\noindent $\frac{du_{1}}{dx}" in tex
    assert has_nested_fraction(r"a + \frac{1}{u^{2} \sqrt{1 - \frac{1}{u^{2}}}}")
    assert not has_nested_fraction(r"\frac{\{a\}}{b} + \frac{1}{2}")


@pytest.mark.parametrize("problem", ["sech(2x)**2", "acsch(k*x)"])
def test_rule_lines_with_stated_formulas_fit_the_margin(problem, tmp_path):
    """A rule stated as a formula breaks only at its operators: the rule lines may stretch, but
    none runs past the margin of a plain article (pdflatex reports an "Overfull \\hbox")."""
    result = runner.invoke(app, ["derive", problem, "--format", "latex"])
    assert result.exit_code == 0, result.output
    assert "rule: $" in result.stdout
    compile_latex(MINIMAL_AMSMATH % result.stdout, tmp_path)
    assert "Overfull \\hbox" not in (tmp_path / "doc.log").read_text(errors="replace")


def _without_outer_brackets(side: str) -> str:
    """``(4x³ + 1)`` → ``4x³ + 1``; ``(a)·(b)`` is left as it is."""
    if not (side.startswith("(") and side.endswith(")")):
        return side
    depth = 0
    for char in side[:-1]:
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return side
    return side[1:-1]


@pytest.mark.parametrize(
    "problem", ["sin(x**4 + x)*cos(x**4 + x)", "sqrt(x)*sin(sqrt(x) + x)", "y = u*v; u = cos(t); v = ln(t)"]
)
def test_a_chain_of_equal_forms_never_repeats_a_form_in_brackets(problem):
    """``du₁/dx = (4x³ + 1) = 4x³ + 1`` says one thing twice: a side that only adds brackets
    around its neighbour is left out (the layer view of the product rule writes such rows)."""
    text = runner.invoke(app, ["derive", problem, "--format", "text"]).stdout
    layers = [line.strip() for line in text.splitlines() if re.match(r"\s+d\w+/d\w = ", line)]
    assert layers
    for line in layers:
        sides = re.split(r"   +", line)[0].split(" = ")
        for left, right in itertools.pairwise(sides):
            assert _without_outer_brackets(left) != _without_outer_brackets(right), line


# --- prose outside the formulas: check's verdicts, Greek letters, vectors --------------------------

# check's verdicts: (problem, answer, a formula of the mistake's sentence, as LaTeX writes it)
VERDICTS = [
    ("y = u**2; u = sin(x)", "2*sin(x)", r"$u = \sin(x)$"),
    ("x*exp(x)", "exp(x)", r"$x\cdot e^{x} + e^{x}$"),
    ("sin(2*theta)", "cos(2*theta)", r"$u_{1} = 2\theta$"),
    ("y = u + v; u = x**2; v = exp(x)", "2*x*exp(x)", r"($2x, e^{x}$)"),
    ("asin(x**2)", "2*x/sqrt(1-x**4)", r"\[ \frac{dy}{dx} = \frac{2 x}{\sqrt{1 - x^{4}}} \]"),
]
# The mathematics a sentence of the text output writes in Unicode.
UNICODE_MATH = re.compile(r"[·²³√∂∇→θσ⊙∈ˣ₀-₉]|\b[a-z]\w* = |\bsin\(|\bcos\(")
INLINE = re.compile(r"(?<!\\)\$(?:[^$\\]|\\.)+?\$|\\\(.*?\\\)|\\\[.*?\\\]")


def _prose(write_up: str) -> str:
    """A write-up without its formulas and the codes in backticks: the words around them."""
    return re.sub(r"`[a-z_]+`", "", INLINE.sub("", write_up))


@pytest.mark.parametrize(("problem", "answer", "formula"), VERDICTS)
def test_a_verdict_sets_its_formulas_as_math_and_its_mark_in_words(problem, answer, formula):
    """The ✓/✗ of a verdict came out of LaTeX as '?' ("? not correct"), and the formulas of
    the mistakes stayed Unicode text (u = sin(x)) in LaTeX and Markdown."""
    verdict = check(problem, answer)
    tex, markdown = verdict._repr_latex_(), verdict._repr_markdown_()
    assert formula in tex and tex.isascii() and "?" not in tex
    assert tex.startswith(r"\textbf{Correct}" if verdict.correct else r"\textbf{Not correct}")
    assert formula.strip("()") in markdown or verdict.correct
    for write_up in (tex, markdown):
        assert not UNICODE_MATH.search(_prose(write_up)), _prose(write_up)


# A standalone write-up whose prose has Greek letters, vectors and their signs (∈, ⊙, ∂).
GREEK_AND_VECTORS = ["sin(2theta)", "y = sum(w + x); w, x in R^n", "y = u**2; u = w1*x + b1; w1 = theta*t"]
VECTOR_LAYER = "L = (dot(v, h) - t)^2; h = relu(W·x + b); W in R^(m×n); x in R^n; b, v in R^m"


def _compiles_without_missing_characters(source: str, folder: Path) -> str:
    compile_latex(source, folder)
    log = (folder / "doc.log").read_text(errors="replace")
    assert "Missing character" not in log
    return log


@pytest.mark.parametrize("problem", [*GREEK_AND_VECTORS, VECTOR_LAYER])
def test_greek_letters_and_signs_in_prose_reach_the_pdf(problem, tmp_path):
    """escape_text spelled θ as '?' (pdflatex took it without a word): every character now
    comes out as mathematics, and pdflatex reports no missing character."""
    document = runner.invoke(app, ["derive", problem, "--format", "latex", "--standalone"]).stdout
    assert document.isascii() and "?" not in document
    _compiles_without_missing_characters(document, tmp_path)


def test_check_verdicts_compile_in_one_document(tmp_path):
    body = "\n".join(check(problem, answer)._repr_latex_() for problem, answer, _ in VERDICTS)
    assert "?" not in body
    _compiles_without_missing_characters(MINIMAL_AMSMATH % body, tmp_path)


def test_every_non_ascii_character_of_prose_is_written_and_compiles(tmp_path):
    """Greek letters, arrows, ∂, ∇, ⊙, ∈, subscript digits, accents: ASCII LaTeX, no '?'. A
    character with no LaTeX form is named rather than dropped."""
    sample = "θ α Ω Α ϑ → ⇒ ∂ ∇ ⊙ ∈ ℝ ≤ ≈ ∞ u₁ x₁₂ e²ˣ uⁿ⁻¹ ū é ñ ü ✓ ✗ · − ′ … —"
    escaped = escape_text(sample)
    assert escaped.isascii() and "?" not in escaped
    for tex in (r"\theta", r"\alpha", r"\Omega", r"\vartheta", r"\to", r"\Rightarrow", r"\partial"):
        assert rf"\ensuremath{{{tex}}}" in escaped
    assert r"\textsubscript{12}" in escaped and r"\textsuperscript{2x}" in escaped and r"\={u}" in escaped
    assert escape_text("☃") == "[SNOWMAN]"
    _compiles_without_missing_characters(MINIMAL_AMSMATH % escaped, tmp_path)


@pytest.mark.parametrize("problem", [GREEK_AND_VECTORS[1], VECTOR_LAYER])
def test_the_notes_of_a_vector_write_up_set_their_formulas_as_math(problem):
    """A vector write-up's notes are sentences with formulas in them ("∂ sum(v)/∂v = 1⃗ᵀ",
    "w ∈ R^n", "y → u1 → w"): in Markdown they are math, not Unicode text."""
    markdown = runner.invoke(app, ["derive", problem, "--format", "markdown"]).stdout
    prose = _prose(re.sub(r"```.*?```|\$\$.*?\$\$|^## Step \d+ · ", "", markdown, flags=re.S | re.M))
    assert not UNICODE_MATH.search(prose) and not re.search(r"[∂ᵀ⊙∈→×]|\bR\^", prose), prose
    assert r"$w \in \mathbf{R}^{n}$" in markdown or r"$x \in \mathbf{R}^{n}$" in markdown


SENTENCES = [
    "the factor ∂u/∂w = x (from u = b + w·x) is missing",
    "the contributions of the 2 paths (2x, eˣ) were multiplied instead of added",
    "Step 3 · ∂y/∂w by the vector chain rule",
    "ReLU rule: d/du relu(u) = d/du max(0, u) = 1[u > 0]",
    "see ( here ) and (n), then a sign is wrong in du1/dx.",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_finding_the_formulas_of_a_sentence_keeps_every_character(sentence):
    """The words and formulas of ``formulas_in`` put together give the sentence back, and
    each formula's TeX renders its text (a bracket left outside is the sentence's)."""
    phrase = formulas_in(sentence, frozenset({"u", "w", "x", "b"}))
    assert "".join(part if isinstance(part, str) else part[0].text for part in phrase) == sentence
    for part in phrase:
        if not isinstance(part, str):
            assert part[0].tex and part[0].text.count("(") == part[0].text.count(")")
