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

from dataclasses import dataclass

import sympy

from chaintutor.core.budget import run_with_budget
from chaintutor.errors import InputError
from chaintutor.grade.model import Model, Point
from chaintutor.grade.numeric import close, compile_expr, real_value

SYMBOLIC_SECONDS = 0.06
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


def compare(
    model: Model,
    answer: sympy.Expr,
    answer_in_leaves: sympy.Expr | None,
    symbolic_seconds: float = SYMBOLIC_SECONDS,
) -> Equivalence:
    values = tuple(compile_expr(answer)(point.env) for point in model.points)
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
    if differs_at is not None or undefined_at is not None:
        return Equivalence(
            False,
            "numeric",
            _difference(model, values, differs_at, undefined_at),
            values,
            undefined_at,
            differs_at,
        )
    count = f"it agrees with the right derivative at {len(model.points)} random points"
    if answer_in_leaves is not None and model.expected is not None:
        outcome = run_with_budget(_symbolic_zero, answer_in_leaves - model.expected, seconds=symbolic_seconds)
        if outcome.done and outcome.value:
            return Equivalence(True, "symbolic", f"{count}, and SymPy reduces the difference to 0", values)
    return Equivalence(True, "numeric", count, values)


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
    """Do they agree at ``point`` to 30 digits? (Floats can lose digits to cancellation.)"""
    if answer_in_leaves is None or model.expected is None:
        return False
    symbols = [model.symbols[name] for name in model.graph.leaves]
    leaves = {symbol: sympy.Float(point.env[symbol], 30) for symbol in symbols}
    got = real_value(answer_in_leaves, leaves)
    want = real_value(model.expected, leaves)
    return got is not None and want is not None and abs(got - want) <= 1e-15 * max(1.0, abs(want))


def _difference(
    model: Model, values: tuple[float | None, ...], differs_at: Point | None, undefined_at: Point | None
) -> str:
    if differs_at is not None:
        got = values[model.points.index(differs_at)]
        where = differs_at.leaves(model.graph.leaves, model.symbols)
        return f"at {where} the answer is {got:.6g} but the derivative is {model.value(differs_at):.6g}"
    assert undefined_at is not None
    where = undefined_at.leaves(model.graph.leaves, model.symbols)
    return (
        f"domain mismatch: at {where} the answer is undefined (not a real number), "
        f"but the derivative is defined ({model.value(undefined_at):.6g})"
    )


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
