"""Sound verdicts for derive (issue 16): a derivation that does not verify exits 1 and says why,
and "verified" never rests on zero points."""

from __future__ import annotations

import sympy
from typer.testing import CliRunner

from chaintutor import derive
from chaintutor.cli import app
from chaintutor.core import derive as derive_module
from chaintutor.core.verify import Verification, verify

x = sympy.Symbol("x", real=True)


def test_abs_of_ln_is_verified_on_its_real_domain():
    d = derive("abs(ln(x))")
    assert d.verified["x"]
    result = CliRunner().invoke(app, ["derive", "abs(ln(x))", "--format", "text"])
    assert result.exit_code == 0, result.output


def test_no_point_is_no_evidence():
    nowhere_real = sympy.sqrt(-(x**2) - 1)
    check = verify(nowhere_real + 1, nowhere_real, [x])
    assert not check.ok and check.method == "failed" and "no random point" in check.detail


def test_a_failed_verification_exits_1_with_the_reason(monkeypatch):
    def failing(*args, **kwargs):
        return Verification(False, "failed", "differs from sympy.diff at x = 0.5")

    monkeypatch.setattr(derive_module, "verify", failing)
    result = CliRunner().invoke(app, ["derive", "sin(x**2)*x", "--format", "text"])
    assert result.exit_code == 1
    assert "could not be verified: differs from sympy.diff at x = 0.5" in result.stderr
    assert "Does NOT agree" in result.stdout


def test_a_correct_answer_that_cancels_past_30_digits_at_a_wide_point_is_right():
    # Found by Hypothesis: sinh(3x(x + 1))′ expanded with expand_trig has terms near 10^227
    # at x = -12.74 that cancel to -3·10^196; 30 digits called the right answer wrong there.
    from chaintutor import check

    x = sympy.Symbol("x")
    expanded = sympy.expand_trig(sympy.diff(sympy.sinh(3 * x * (x + 1)), x))
    assert check("sinh(3*x*(x + 1))", str(expanded), wrt="x").correct
    wrong = check("sinh(3*x*(x + 1))", str(expanded + x), wrt="x")
    assert not wrong.correct and wrong.equivalence == "numeric"
