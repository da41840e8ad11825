import time

import sympy

from chaintutor.core.budget import run_with_budget


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
