"""Names that SymPy writes as TeX commands outside amsmath are spelled upright (issue 16)."""

from __future__ import annotations

import pytest
import sympy

from chaintutor import derive
from chaintutor.core.notation import latex
from chaintutor.render.formats import render
from tests.test_writeups import compile_latex

OUTSIDE_AMSMATH = ["beth", "gimel2", "daleth", "eth", "hslash", "mho", "xfrak", "xscr", "Xfrak1"]


@pytest.mark.parametrize("name", OUTSIDE_AMSMATH)
def test_a_name_outside_amsmath_is_spelled(name):
    text = latex(sympy.Symbol(name))
    assert text.startswith(r"\mathrm{")
    for command in ("beth", "gimel", "daleth", "eth", "hslash", "mho", "mathfrak", "mathscr"):
        assert f"\\{command}" not in text


def test_greek_and_plain_latex_names_are_kept():
    assert latex(sympy.Symbol("theta")) == r"\theta"
    assert latex(sympy.Symbol("aleph")) == r"\aleph"
    assert latex(sympy.Symbol("w1")) == "w_{1}"


def test_the_document_compiles_with_amsmath_alone(tmp_path):
    d = derive("y = beth*xfrak + xscr^2 + sin(gimel2*mho) + hslash*eth")
    source = render(d, "latex", True).replace("\\usepackage{amssymb}\n", "")
    compile_latex(source, tmp_path)
