import time

import sympy

from chaintutor.core.budget import TimePool, run_with_budget
from chaintutor.core.verify import tidy


def _sleep_and_return(seconds: float) -> str:
    time.sleep(seconds)
    return "finished"


def _fail() -> None:
    raise ValueError("broken")


def test_a_result_comes_back():
    outcome = run_with_budget(sympy.expand, (sympy.Symbol("x") + 1) ** 2, seconds=10)
    assert outcome.done and outcome.value == sympy.Symbol("x") ** 2 + 2 * sympy.Symbol("x") + 1


def test_a_slow_call_is_stopped_at_its_budget():
    start = time.monotonic()
    outcome = run_with_budget(_sleep_and_return, 30, seconds=0.5)
    assert outcome.status == "timeout"
    assert time.monotonic() - start < 5


def test_an_exception_comes_back_as_text():
    outcome = run_with_budget(_fail, seconds=10)
    assert outcome.status == "error" and "broken" in outcome.detail


def test_tidy_never_brings_in_new_functions():
    x = sympy.Symbol("x", real=True)
    expr = 6 * x**2 * sympy.cos(x**3) / sympy.sin(x**3) + 2 * x * sympy.cos(x**2) / sympy.sin(x**2)
    assert sympy.simplify(expr).has(sympy.tan)
    assert tidy(expr, TimePool(10)) == expr


def test_tidy_takes_a_shorter_form_when_simplify_finds_one():
    x = sympy.Symbol("x", real=True)
    expr = sympy.expand((x + 1) ** 6) / (x + 1) ** 4
    assert tidy(expr, TimePool(10)) == sympy.expand((x + 1) ** 2)


def test_a_spent_pool_runs_nothing():
    pool = TimePool(0.6)
    assert pool.run(_sleep_and_return, 30, cap=5).status == "timeout"
    assert pool.left <= 0.05
    outcome = pool.run(_sleep_and_return, 0, cap=5)
    assert outcome.status == "timeout" and "spent" in outcome.detail
