"""Is the answer the right derivative? Three tiers, cheapest first.

1. exact: the answer is, as SymPy builds it, one of the right answer's own forms (in the
   leaves, in the intermediates, or as ``sympy.diff`` writes it);
2. numeric: the answer and the right derivative are evaluated at the model's real sample
   points. A point where they differ is decisive (it is confirmed at 30 digits first, so
   rounding in floats can never fail a right answer). A point where the right derivative is
   defined and the answer is not is a domain mismatch: the answer is not the same function;
3. symbolic: when the numbers agree, SymPy tries to reduce the difference to 0 in a worker
   process under a short time budget (rewriting tan, cot, sec, csc by sin and cos, expanding
   and cancelling, then ``simplify``). If it succeeds the equivalence is ``symbolic``; if it
   runs out of time the agreement at the points stands and it is ``numeric``.

The verdict never depends on the time budget; only the label ``symbolic``/``numeric`` can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy

from chaintutor.core.budget import run_with_budget
from chaintutor.core.evaluate import PRECISION
from chaintutor.core.verify import evaluate
from chaintutor.errors import InputError
from chaintutor.grade.model import Model, Point
from chaintutor.grade.numeric import close, compile_expr, real_value

Evaluator = Callable[[Mapping[sympy.Symbol, float]], float | None]

SYMBOLIC_SECONDS = 0.06
MIN_POINTS = 4  # with fewer points where both are defined, only SymPy may call an answer equal
MAX_CONFIRMATIONS = 8  # answers undefined in floats at the wide points: at most this many confirmed
APPROXIMATE_CHECKS = 3  # points at which an answer with decimals is compared to 30 digits
CLOSE_TOLERANCE = 1e-2  # "close, but not exact": a decimal within 1% of the exact value
RECHECK_DIGITS = 90  # a difference seen at 30 digits is confirmed at this many before it counts
DIFF_FORM_NODES = 16  # past this many nodes, sympy.diff's own form is not worth building
# How each method found an answer equal, as a verdict says it: "✓ correct (equivalent exactly)".
HOW_EQUAL = {"exact": "exactly", "symbolic": "symbolically", "numeric": "numerically"}


@dataclass(frozen=True)
class Equivalence:
    equal: bool
    method: str  # "exact" | "numeric" | "symbolic"
    detail: str  # how it was decided, for people
    values: tuple[float | None, ...]  # the answer at each of the model's points
    undefined_at: Point | None = None  # a point where the answer is undefined but the derivative is not
    differs_at: Point | None = None
    close: bool = False  # a decimal that only approximates the exact answer: not correct, but close


def compare(
    model: Model,
    answer: sympy.Expr,
    answer_in_leaves: sympy.Expr | None,
    symbolic_seconds: float = SYMBOLIC_SECONDS,
    approximate: bool = False,
) -> Equivalence:
    """Is ``answer`` the right derivative? ``approximate``: it holds a typed decimal, which may
    only approximate an exact number (0.69314718 for ln 2): then equal floats are not enough."""
    compiled = compile_expr(answer)
    values = tuple(compiled(point.env) for point in model.points)
    if _exactly(model, answer, answer_in_leaves):
        return Equivalence(True, "exact", "it is the right derivative, written the same way", values)
    if not model.points:
        return _without_points(model, answer_in_leaves, symbolic_seconds)
    undefined_at = differs_at = None
    for point, got in zip(model.points, values, strict=True):
        if got is None:
            undefined_at = undefined_at or point
        elif not close(got, model.value(point)) and (
            differs_at is not None or not _agree_closely(model, answer_in_leaves, point)
        ):
            differs_at = differs_at or point  # one confirmed difference is decisive
    if differs_at is None and undefined_at is None:
        differs_at, undefined_at = _wide(model, compiled, answer_in_leaves)
    if differs_at is not None or undefined_at is not None:
        if approximate and differs_at is not None and _approximately(model, compiled):
            return _close(model, values)
        return Equivalence(
            False,
            "numeric",
            _difference(model, compiled, differs_at, undefined_at),
            values[: len(model.points)],
            undefined_at,
            differs_at,
        )
    if approximate and not all(
        _agree_closely(model, answer_in_leaves, point) for point in model.points[:APPROXIMATE_CHECKS]
    ):
        return _close(model, values)
    count = len(model.points) + len(model.wide_points)
    if count < MIN_POINTS:
        return _without_points(model, answer_in_leaves, symbolic_seconds)
    agree = f"it agrees with the right derivative at {count} points spread over its domain"
    if answer_in_leaves is not None and model.expected is not None:
        outcome = run_with_budget(_symbolic_zero, answer_in_leaves - model.expected, seconds=symbolic_seconds)
        if outcome.done and outcome.value:
            return Equivalence(True, "symbolic", f"{agree}, and SymPy reduces the difference to 0", values)
    return Equivalence(True, "numeric", agree, values)


def _wide(
    model: Model, compiled: Evaluator, answer_in_leaves: sympy.Expr | None
) -> tuple[Point | None, Point | None]:
    """The first of the wide points where the answer is shown to differ from the derivative, or
    to be undefined where the derivative is defined; each finding is confirmed at 30 digits (a
    float overflow is no proof)."""
    if answer_in_leaves is None or model.expected is None:
        return None, None  # nothing to confirm with: the model's own points decide
    overflows = 0  # 30-digit evaluations spent where the answer is not a float
    for point in model.wide_points:
        got = compiled(point.env)
        if got is not None and close(got, model.value(point)):
            continue
        if got is None:
            overflows += 1
            if overflows <= MAX_CONFIRMATIONS and _not_real(model, answer_in_leaves, point):
                return None, point
            continue  # a float overflow, not a point outside the answer's domain
        exact = _exact_value(model, answer_in_leaves, point)
        if exact is not None and not _agree_closely(model, answer_in_leaves, point):
            return point, None
    return None, None


def _approximately(model: Model, compiled: Evaluator) -> bool:
    """Within CLOSE_TOLERANCE of the derivative at every point where both are defined."""
    compared = 0
    for point in (*model.points, *model.wide_points):
        got, want = compiled(point.env), model.value(point)
        if got is None:
            continue
        if abs(got - want) > CLOSE_TOLERANCE * max(abs(got), abs(want)) + 1e-12:
            return False
        compared += 1
    return compared > 0


def _close(model: Model, values: tuple[float | None, ...]) -> Equivalence:
    detail = (
        "close, but not exact: it agrees with the right derivative only approximately; "
        "a decimal in it stands for an exact number (such as ln 2, π or √2): write that number exactly"
    )
    return Equivalence(False, "numeric", detail, values[: len(model.points)], close=True)


def _without_points(model: Model, answer_in_leaves: sympy.Expr | None, seconds: float) -> Equivalence:
    """No real point where floats can hold the problem's values: only SymPy can decide."""
    if answer_in_leaves is not None and model.expected is not None:
        difference = answer_in_leaves - model.expected
        outcome = run_with_budget(_symbolic_zero, difference, seconds=max(seconds, 1.0))
        if outcome.done and outcome.value:
            return Equivalence(True, "symbolic", "SymPy reduces the difference to 0", ())
    raise InputError(
        "check found no real point where this problem and its derivative are both defined "
        "(and small enough for floating point), and SymPy could not prove the answer equal",
        hint="check compares answers at real points; try a problem defined on the real numbers",
    )


def _exactly(model: Model, answer: sympy.Expr, answer_in_leaves: sympy.Expr | None) -> bool:
    forms = [model.in_intermediates]
    if model.expected is not None:
        forms.append(model.expected)
    whole = model.leaf_forms.get(model.output)
    if whole is not None and len(model.graph.definitions) <= DIFF_FORM_NODES:
        forms.append(sympy.diff(whole, model.wrt_symbol))
    return answer in forms or (answer_in_leaves is not None and answer_in_leaves in forms)


def _agree_closely(model: Model, answer_in_leaves: sympy.Expr | None, point: Point) -> bool:
    """Do they agree at ``point`` to 30 digits? (Floats can lose digits to cancellation.) Where
    they seem not to, once more at RECHECK_DIGITS: an expanded answer (sinh(x)³·sinh(x²)³ + …)
    can cancel more than 30 digits at a wide point, and a correct answer must not fail by it."""
    if answer_in_leaves is None or model.expected is None:
        return False
    return any(_agree_to(model, answer_in_leaves, point, digits) for digits in (PRECISION, RECHECK_DIGITS))


def _agree_to(model: Model, answer_in_leaves: sympy.Expr, point: Point, digits: int) -> bool:
    got = _exact_value(model, answer_in_leaves, point, digits)
    want = _exact_value(model, model.expected, point, digits)
    return got is not None and want is not None and abs(got - want) <= 1e-15 * max(1.0, abs(want))


def _not_real(model: Model, expr: sympy.Expr, point: Point) -> bool:
    """Whether ``expr`` is, at 30 digits, a number that is not real (the log of a negative)."""
    symbols = [model.symbols[name] for name in model.graph.leaves]
    value = evaluate(expr, {symbol: sympy.Float(point.env[symbol], 30) for symbol in symbols})
    return value is not None and abs(value.imag) > 1e-20 * max(1.0, abs(value.real))


def _exact_value(
    model: Model, expr: sympy.Expr | None, point: Point, digits: int = PRECISION
) -> float | None:
    """``expr`` (written in the leaves) at ``point``, computed with ``digits`` digits."""
    if expr is None:
        return None
    symbols = [model.symbols[name] for name in model.graph.leaves]
    return real_value(expr, {symbol: sympy.Float(point.env[symbol], digits) for symbol in symbols}, digits)


def _difference(
    model: Model, compiled: Evaluator, differs_at: Point | None, undefined_at: Point | None
) -> str:
    if differs_at is not None:
        got = compiled(differs_at.env)
        want = model.value(differs_at)
        where = differs_at.leaves(model.graph.leaves, model.symbols)
        if got is None:  # a float overflow: the answer is defined there, but too large for floats
            return f"at {where} the answer differs from the derivative ({want:.6g})"
        shown, expected = _distinct(got, want)
        return f"at {where} the answer is {shown} but the derivative is {expected}"
    assert undefined_at is not None
    where = undefined_at.leaves(model.graph.leaves, model.symbols)
    return (
        f"domain mismatch: at {where} the answer is undefined (not a real number), "
        f"but the derivative is defined ({model.value(undefined_at):.6g})"
    )


def _distinct(got: float, want: float) -> tuple[str, str]:
    """Two different numbers, with enough digits that they read differently (at least 6).

    >>> _distinct(1.0000001, 1.0)
    ('1.0000001', '1')
    """
    for digits in range(6, 18):
        shown, expected = f"{got:.{digits}g}", f"{want:.{digits}g}"
        if shown != expected:
            return shown, expected
    return repr(got), repr(want)


_RECIPROCALS = {
    sympy.tan: lambda a: sympy.sin(a) / sympy.cos(a),
    sympy.cot: lambda a: sympy.cos(a) / sympy.sin(a),
    sympy.sec: lambda a: 1 / sympy.cos(a),
    sympy.csc: lambda a: 1 / sympy.sin(a),
    sympy.tanh: lambda a: sympy.sinh(a) / sympy.cosh(a),
    sympy.coth: lambda a: sympy.cosh(a) / sympy.sinh(a),
    sympy.sech: lambda a: 1 / sympy.cosh(a),
    sympy.csch: lambda a: 1 / sympy.sinh(a),
}


def _symbolic_zero(difference: sympy.Expr) -> bool:
    """Runs in the worker process: is ``difference`` identically 0?

    Cheap steps first: tan, cot, sec, csc (and their hyperbolic twins) written with sin and
    cos, multiple angles expanded, everything over one denominator; then the numerator reduced
    with sin² + cos² = 1 and cosh² − sinh² = 1, one argument at a time. Every step keeps the
    value, so reaching the literal 0 proves the two forms equal. ``simplify`` comes last.
    """
    for _ in range(20):  # nested tan(tan(x)): one layer per round
        found = {f: _RECIPROCALS[type(f)](f.args[0]) for f in difference.atoms(*_RECIPROCALS)}
        if not found:
            break
        difference = difference.xreplace(found)
    numerator, _ = sympy.fraction(sympy.cancel(sympy.together(sympy.expand(sympy.expand_trig(difference)))))
    if numerator == 0 or _pythagoras(sympy.expand(numerator)) == 0:
        return True
    return bool(sympy.simplify(difference) == 0)


def _pythagoras(polynomial: sympy.Expr) -> sympy.Expr:
    """``polynomial`` reduced modulo sin(a)² + cos(a)² − 1 and cosh(a)² − sinh(a)² − 1."""
    for sine, cosine, sign in ((sympy.sin, sympy.cos, 1), (sympy.sinh, sympy.cosh, -1)):
        for term in polynomial.atoms(sine):
            argument = term.args[0]
            s, c = sympy.Dummy("s"), sympy.Dummy("c")
            reduced = polynomial.xreplace({term: s, cosine(argument): c})
            # sin² = 1 − cos², sinh² = cosh² − 1: a remainder of degree < 2 in s
            reduced = sympy.rem(reduced, s**2 + sign * c**2 - sign, s)
            polynomial = sympy.expand(reduced.xreplace({s: term, c: cosine(argument)}))
    return polynomial
