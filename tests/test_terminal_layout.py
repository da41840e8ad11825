"""The terminal and ``--format text --width``: long formulas are broken at their operators and
never cut, at any width; the notation is a textbook's (u₁, x², √x, eˣ, arcsin, θ).

What must appear on screen is each formula of the document written out on one line (the
unwrapped text format); the screen may only add line breaks, indentation and tree guides.
"""

from __future__ import annotations

import io
import re

import pytest
import sympy
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from chaintutor.cli.app import app
from chaintutor.core.derive import derive
from chaintutor.core.jacobian import derive_jacobian
from chaintutor.core.notation import ascii_text, unicode
from chaintutor.parse import parse_expression, to_sympy
from chaintutor.render.document import (
    TIMES,
    Check,
    Document,
    Equations,
    Prose,
    Rules,
    Table,
    Tree,
    TreeNode,
)
from chaintutor.render.steps import build_document, build_jacobian_document
from chaintutor.render.terminal import print_document
from chaintutor.render.text import break_formula, formula, names_in, render_document
from tests.helpers import same_function

WIDTHS = (40, 60, 80, 100, 160)
SEED = "ln(sin(x**3)**2)"
SYSTEM = "y = u^2 + v; u = x*z; v = sin(x)"
LONG = "ln(sin(x**3)**2) * exp(tanh(x**2+1)) / (1 + sqrt(x**4+x))"
_GUIDES = re.compile(r"[\s│├└─]")


def _documents() -> dict[str, Document]:
    return {
        "seed": build_document(derive(SEED)),
        "three paths": build_document(derive(SYSTEM), "paths"),
        "jacobian": build_jacobian_document(derive_jacobian("y = u*v; w = u - v; u = x + z; v = x*z", "y,w")),
        "long result": build_document(derive(LONG)),
    }


DOCUMENTS = _documents()


def _shown(pieces: tuple[object, ...]) -> str:
    return names_in(formula(pieces))  # type: ignore[arg-type]


def _formulas(document: Document) -> list[str]:
    """Every formula and rule of the document, each as one line of text."""
    found = [_shown(document.statement)]
    for section in document.sections:
        for block in section.blocks:
            found += _block_formulas(block)
    return found


def _block_formulas(block: object) -> list[str]:
    match block:
        case Equations(rows=rows):
            return [_shown(left) for left, _ in rows] + [_shown(r) for _, rights in rows for r in rights]
        case Rules(rows=rows):
            return [_shown(row.formula) for row in rows] + [names_in(row.rule) for row in rows]
        case Table(rows=rows):
            return [cell if isinstance(cell, str) else _shown(cell) for row in rows for cell in row]
        case Tree(root=root):
            return _labels(root)
        case Prose() | Check():
            return []
    raise AssertionError(block)


def _labels(root: TreeNode) -> list[str]:
    labels, stack = [], [root]
    while stack:
        node = stack.pop()
        labels.append(_shown(node.label))
        stack.extend(node.children)
    return labels


def _screen(document: Document, columns: int) -> str:
    console = Console(width=columns, record=True, file=io.StringIO(), color_system=None, highlight=False)
    print_document(document, console)
    return console.export_text(styles=False)


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_every_character_of_every_formula_is_on_screen(name: str, columns: int) -> None:
    document = DOCUMENTS[name]
    screen = _screen(document, columns)
    assert all(cell_len(line) <= columns for line in screen.splitlines())
    joined = _GUIDES.sub("", screen)
    missing = [f for f in _formulas(document) if _GUIDES.sub("", f) not in joined]
    assert not missing, f"{name} at {columns} columns lost: {missing}"


def test_the_long_result_has_more_than_120_characters_and_wraps_at_its_operators() -> None:
    d = derive(LONG)
    (result,) = d.result.values()
    typed = to_sympy(parse_expression(LONG))
    (x,) = typed.free_symbols
    assert same_function(result, sympy.diff(typed, x))
    shown = unicode(result)
    assert len(shown) > 120
    screen = _screen(DOCUMENTS["long result"], 60)
    last_step = screen[screen.rindex("Step 3") :].splitlines()
    continued = [line.strip() for line in last_step if line.startswith("          ")]
    assert continued and all(line[0] in "+-·/=" for line in continued)


def test_continuation_lines_start_with_their_operator_and_hang_under_the_right_side() -> None:
    text = render_document(DOCUMENTS["long result"], 60)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  dy/dx = ") and "u₆" in line)
    assert lines[start + 1].startswith(" " * len("  dy/dx = ") + "+ ")


@pytest.mark.parametrize("columns", WIDTHS)
def test_text_width_matches_the_terminal(columns: int) -> None:
    """--format text --width N is the terminal's layout without colours."""
    document = DOCUMENTS["three paths"]
    assert render_document(document, columns) == _screen(document, columns)


def test_break_formula_prefers_equals_then_plus_then_times() -> None:
    assert break_formula("a = bbbb + cccc · dddd", 12, 12, labelled=True) == ["a = bbbb", "+ cccc", "· dddd"]
    assert break_formula("aaaa + (bb + cc)·dddd", 12, 12) == ["aaaa", "+ (bb + cc)", "·dddd"]
    assert break_formula("x" * 25, 10, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_piped_text_keeps_one_formula_per_line() -> None:
    result = CliRunner().invoke(app, ["derive", LONG, "--format", "text"])
    assert result.exit_code == 0, result.output
    (d,) = derive(LONG).result.values()
    assert any(line.strip().endswith(unicode(d)) for line in result.output.splitlines())


@pytest.mark.parametrize("columns", (40, 80))
def test_cli_width_wraps_text_and_check(columns: int) -> None:
    derived = CliRunner().invoke(app, ["derive", LONG, "--format", "text", "--width", str(columns)])
    assert derived.exit_code == 0, derived.output
    assert max(len(line) for line in derived.output.splitlines()) <= columns
    checked = CliRunner().invoke(app, ["check", LONG, "0", "--width", str(columns)])
    assert checked.exit_code == 1
    assert max(len(line) for line in checked.output.splitlines()) <= columns


def test_width_and_ascii_go_with_text_formats_only() -> None:
    result = CliRunner().invoke(app, ["derive", SEED, "--format", "json", "--width", "80"])
    assert result.exit_code == 2
    assert "--width goes with --format text or rich" in result.output


# --- notation ------------------------------------------------------------------------------


def _text(problem: str, *options: str) -> str:
    result = CliRunner().invoke(app, ["derive", problem, "--format", "text", *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_intermediates_have_subscripts_so_an_index_is_not_a_factor() -> None:
    text = _text("(x^2 + 1)^3")
    assert "dy/du₁ = 3u₁²" in text
    assert "u1" not in text


def test_greek_names_are_letters_and_exp_is_e_to_the() -> None:
    text = _text("sin(2theta)")
    assert "y = sin(2θ)" in text and "theta" not in text
    text = _text("exp(sin(x))")
    assert "e^(u₁)" in text and "exp(" not in text


def test_roots_and_inverse_trigonometry_as_a_textbook_writes_them() -> None:
    text = _text("asin(sqrt(x))")
    assert "arcsin(√x)" in text
    assert "d/du arcsin(u) = 1/√(1 − u²)" in text
    assert "asin" not in text and "sqrt" not in text
    assert "2√x" in unicode(2 * sympy.sqrt(sympy.Symbol("x")))


def test_a_negative_factor_is_bracketed() -> None:
    x, u1 = sympy.symbols("x u1")
    assert formula((x**3, TIMES, sympy.exp(u1), TIMES, sympy.Integer(-2))) == "x³ · e^(u₁) · (-2)"


def test_json_keeps_sympy_names() -> None:
    result = CliRunner().invoke(app, ["derive", SEED, "--format", "json"])
    assert '"u1"' in result.output and "u₁" not in result.output


@pytest.mark.parametrize(
    "problem",
    ["ln(sin(x**3)**2)", "sqrt(x + sqrt(x))", "exp(-2x) * asin(theta*x)", "x^n + e^x", "sigmoid(2x) * x1"],
)
def test_ascii_is_ascii_and_reads_back_as_the_same_expression(problem: str) -> None:
    """The ASCII fallback of a result is what the parser reads: the same function."""
    d = derive(problem)
    for result in d.result.values():
        shown = ascii_text(names_in(unicode(result)))
        assert shown.isascii()
        assert same_function(to_sympy(parse_expression(shown)), result)


def test_ascii_option_and_environment_variable() -> None:
    flag = CliRunner().invoke(app, ["derive", SYSTEM, "--format", "text", "--ascii"])
    env = CliRunner().invoke(app, ["derive", SYSTEM, "--format", "text"], env={"CHAINTUTOR_ASCII": "1"})
    assert flag.exit_code == env.exit_code == 0
    assert flag.output == env.output
    assert flag.output.isascii()
    assert "dy/du * du/dx + dy/dv * dv/dx" in flag.output


def test_a_real_terminal_60_columns_wide_shows_the_whole_result() -> None:
    """The default format on a pseudo-terminal: Rich, at the terminal's own width."""
    pty = pytest.importorskip("pty")
    import fcntl
    import os
    import struct
    import subprocess
    import sys
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 60, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    run = subprocess.run(
        [sys.executable, "-m", "chaintutor", "derive", LONG],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env | {"TERM": "xterm-256color"},
        timeout=60,
        check=False,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower is closed and everything has been read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert run.returncode == 0, run.stderr
    screen = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode()).replace("\r", "")
    assert "\x1b" not in screen
    assert max(cell_len(line) for line in screen.splitlines()) <= 60
    (result,) = derive(LONG).result.values()
    assert _GUIDES.sub("", names_in(unicode(result))) in _GUIDES.sub("", screen)
