"""The differentiation rules in LaTeX, for the write-ups that typeset mathematics.

:mod:`chaintutor.core.ruletree` states each rule in Unicode for the terminal ("d/du uⁿ =
n·uⁿ⁻¹"); Markdown and LaTeX set the same statement as a formula, keyed by the rule's stable
``key``, with the inverse functions named as the LaTeX printer names them (arcsin, arsinh).
"""

from __future__ import annotations

import sympy

from chaintutor.core.ruletree import ExponentialRule, LogarithmRule, PowerRule, Step

_D = r"\frac{d}{du}\,"

_BY_KEY = {
    "constant": _D + "c = 0",
    "identity": _D + "u = 1",
    "power": _D + "u^{n} = n\\,u^{n-1}",
    "sum": "(f + g)' = f' + g'",
    "constant_multiple": "(c\\,f)' = c\\,f'",
    "product": "(f\\,g)' = f'\\,g + f\\,g'",
    "quotient": r"\left(\frac{f}{g}\right)' = \frac{f'\,g - f\,g'}{g^{2}}",
    "chain": r"\frac{d}{dx}\,f(w) = f'(w)\,\frac{dw}{dx}",
    "general_power": r"\left(f^{g}\right)' = f^{g}\left(g' \ln f + \frac{g\,f'}{f}\right)",
    "sin": _D + r"\sin u = \cos u",
    "cos": _D + r"\cos u = -\sin u",
    "tan": _D + r"\tan u = \sec^{2} u",
    "sec": _D + r"\sec u = \sec u \tan u",
    "csc": _D + r"\csc u = -\csc u \cot u",
    "cot": _D + r"\cot u = -\csc^{2} u",
    "asin": _D + r"\arcsin u = \frac{1}{\sqrt{1 - u^{2}}}",
    "acos": _D + r"\arccos u = -\frac{1}{\sqrt{1 - u^{2}}}",
    "atan": _D + r"\arctan u = \frac{1}{1 + u^{2}}",
    "asec": _D + r"\operatorname{arcsec} u = \frac{1}{u^{2} \sqrt{1 - \frac{1}{u^{2}}}}",
    "acsc": _D + r"\operatorname{arccsc} u = -\frac{1}{u^{2} \sqrt{1 - \frac{1}{u^{2}}}}",
    "acot": _D + r"\operatorname{arccot} u = -\frac{1}{1 + u^{2}}",
    "sinh": _D + r"\sinh u = \cosh u",
    "cosh": _D + r"\cosh u = \sinh u",
    "tanh": _D + r"\tanh u = 1 - \tanh^{2} u",
    "sech": _D + r"\operatorname{sech} u = -\operatorname{sech} u \tanh u",
    "csch": _D + r"\operatorname{csch} u = -\operatorname{csch} u \coth u",
    "coth": _D + r"\coth u = 1 - \coth^{2} u",
    "asinh": _D + r"\operatorname{arsinh} u = \frac{1}{\sqrt{u^{2} + 1}}",
    "acosh": _D + r"\operatorname{arcosh} u = \frac{1}{\sqrt{u^{2} - 1}}",
    "atanh": _D + r"\operatorname{artanh} u = \frac{1}{1 - u^{2}}",
    "asech": _D + r"\operatorname{arsech} u = -\frac{1}{u \sqrt{1 - u^{2}}}",
    "acsch": _D + r"\operatorname{arcsch} u = -\frac{1}{u^{2} \sqrt{1 + \frac{1}{u^{2}}}}",
    "acoth": _D + r"\operatorname{arcoth} u = \frac{1}{1 - u^{2}}",
    "abs": _D + r"\lvert u \rvert = \operatorname{sign}(u),\ \text{for } u \neq 0",
    "sigmoid": _D + r"\sigma(u) = \sigma(u)\,\bigl(1 - \sigma(u)\bigr)",
    "softplus": _D + r"\operatorname{softplus}(u) = \sigma(u)",
    "relu": _D + r"\operatorname{relu}(u) = \frac{d}{du}\,\max(0, u) = \mathbf{1}\left[u > 0\right]",
}


def statement_tex(step: Step) -> str:
    """The step's rule in general form, as LaTeX math; "" for a rule with no formula to state
    (SymPy's own derivative, an abstract function)."""
    if isinstance(step, PowerRule) and step.exponent == sympy.Rational(1, 2):
        return _D + r"\sqrt{u} = \frac{1}{2\sqrt{u}}"
    if isinstance(step, ExponentialRule):
        return _D + ("e^{u} = e^{u}" if step.base == sympy.E else r"a^{u} = a^{u} \ln a")
    if isinstance(step, LogarithmRule):
        return _D + (r"\ln u = \frac{1}{u}" if step.base == sympy.E else r"\log_b u = \frac{1}{u \ln b}")
    return _BY_KEY.get(step.key, "") if step.statement else ""
