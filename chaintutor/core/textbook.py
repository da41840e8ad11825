"""The final answer in the form a textbook prints, chosen the same way on every run.

Candidates come from SymPy's rewritings (factor, cancel, together) of the derivative and of the
derivative with the textbook's identities applied (1 + tan² = sec², cosh² − sinh² = 1,
sinh/cosh = tanh, sign(u)/|u| = 1/u). The fewest operations (SymPy's ``count_ops``) win; ties
go to fewer negative exponents, then to the chain rule's own form, then to the shorter and
finally the alphabetically first printed form, so the choice never depends on the order SymPy
happens to return things in.

The work is bounded by the expression, never by a clock: nothing is rewritten past
``SIZE_LIMIT`` nodes, ``GENERATOR_LIMIT`` generators or an exponent past ``EXPONENT_LIMIT``.
``simplify`` and ``trigsimp`` are not among the rewritings: on the homework results they found
no shorter form than these and took ten times as long. So the same input gives the same answer
on an idle and on a loaded machine; only the command's overall deadline, a safety net against
hostile input, can stop it, and that ends the run with a message.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from chaintutor.core.walk import expanded_terms, postorder, tree_size

# Past these the rewritings (polynomial algorithms underneath) cost more than they can give,
# and the result is left in SymPy's canonical form: tree nodes, generators (the symbols and
# function applications SymPy's polynomials are built from) and integer exponents.
SIZE_LIMIT = 300
GENERATOR_LIMIT = 12
EXPONENT_LIMIT = 40
EXPANSION_LIMIT = 2_000  # terms of the expanded result (walk.expanded_terms): cancel expands
_REWRITINGS: tuple[Callable[[sympy.Expr], sympy.Expr], ...] = (sympy.factor, sympy.cancel, sympy.together)

# Functions of one argument that the rewritings treat as opaque (see _plain_product).
_OF_A_SYMBOL_ONLY = frozenset({sympy.Abs, sympy.sign})
_TRIGONOMETRIC = {sympy.sin, sympy.cos, sympy.tan, sympy.sec, sympy.csc, sympy.cot}
_OPAQUE = frozenset({*_TRIGONOMETRIC, sympy.sinh, sympy.cosh, sympy.tanh, sympy.exp}) | _OF_A_SYMBOL_ONLY

# Functions a rewriting may bring in because textbooks print them: tan′ = sec², and so on.
_TEXTBOOK_FUNCTIONS = (sympy.sec, sympy.tanh)


def textbook_form(expr: sympy.Expr) -> sympy.Expr:
    """An equal form of ``expr`` that is as short as the textbook's, chosen deterministically."""
    if not _affordable(expr):
        return expr
    allowed = {type(f) for f in expr.atoms(sympy.Function)} | set(_TEXTBOOK_FUNCTIONS)
    identities = {expr: with_identities(expr)}  # rewritings often give back what they were given
    candidates = {expr}
    for start in dict.fromkeys((expr, identities[expr])):  # once when no identity applies
        candidates.add(start)
        for rewritten in _rewritings_of(start):
            if rewritten not in identities:
                identities[rewritten] = with_identities(rewritten)
            candidates.add(identities[rewritten])
    fitting = [c for c in candidates if {type(f) for f in c.atoms(sympy.Function)} <= allowed]
    return _shortest(fitting, expr)


def _rewritings_of(expr: sympy.Expr) -> tuple[sympy.Expr, ...]:
    """factor, cancel and together of ``expr``; a plain product is its own rewriting."""
    if _plain_product(expr):
        return (expr,)
    return tuple(rewrite(expr) for rewrite in _REWRITINGS)


def _plain_product(expr: sympy.Expr) -> bool:
    """A product of numbers and of powers (to numbers) of symbols and of elementary functions
    of such products, as in 2x·cos(x²) or cos(x)/(2√sin(x)): no sum anywhere.

    factor, cancel and together give such a product back unchanged: there is no sum to put
    over a common denominator, to factor or to expand, and SymPy's product of these factors
    is already in its canonical order. (cancel also looks inside functions, so their
    arguments must be plain too; ln is left out because expanding splits ln(2x) into
    ln 2 + ln x, and |u| and sign(u) are taken only of a symbol.) Skipping them there is half
    the work of choosing the form for a single chain, for the same answer.
    """
    for node in postorder(expr):
        if node.is_Symbol or node.is_Rational or (node.is_Mul and _distinct_factors(node)):
            continue
        if node.is_Pow and node.exp.is_Rational and (node.base.is_Symbol or type(node.base) in _OPAQUE):
            continue
        if type(node) in _OPAQUE and (node.args[0].is_Symbol or type(node) not in _OF_A_SYMBOL_ONLY):
            continue
        return False
    return True


def _distinct_factors(product: sympy.Expr) -> bool:
    """No factor is itself a product and no two share a base: SymPy's canonical product
    (x·√x is x^(3/2)), which the rewritings could not shorten by combining factors."""
    bases = {factor.as_base_exp()[0] for factor in product.args}
    return len(bases) == len(product.args) and not any(factor.is_Mul for factor in product.args)


def _affordable(expr: sympy.Expr) -> bool:
    if tree_size(expr) > SIZE_LIMIT:
        return False
    generators = expr.atoms(sympy.Function) | expr.free_symbols
    exponents = (abs(p.exp) for p in expr.atoms(sympy.Pow) if p.exp.is_Integer)
    return (
        len(generators) <= GENERATOR_LIMIT
        and max(exponents, default=0) <= EXPONENT_LIMIT
        and expanded_terms(expr) <= EXPANSION_LIMIT
    )


def _shortest(candidates: list[sympy.Expr], original: sympy.Expr) -> sympy.Expr:
    """Fewer operations, then fewer negative exponents, then the chain rule's own form (as
    σ(u)·(1 − σ(u)) is taught), then the shorter and finally the alphabetically first text.
    Only the candidates still tied are printed, and a lone candidate is not measured."""
    if len(candidates) == 1:
        return candidates[0]
    measured = [(_measure(c, unchanged=c == original), c) for c in candidates]
    best = min(measure for measure, _ in measured)
    return min((c for measure, c in measured if measure == best), key=_printed)


def _measure(expr: sympy.Expr, unchanged: bool) -> tuple[int, int, bool]:
    negative_powers = sum(1 for p in expr.atoms(sympy.Pow) if p.exp.is_number and p.exp.is_negative)
    return (int(sympy.count_ops(expr)), negative_powers, not unchanged)


def _printed(expr: sympy.Expr) -> tuple[int, str]:
    text = sympy.sstr(expr, order="lex")
    return len(text), text


def with_identities(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the textbook's identities applied wherever their pattern appears whole."""
    return expr.replace(lambda e: e.is_Add, _add_identities).replace(lambda e: e.is_Mul, _mul_identities)


def _add_identities(expr: sympy.Expr) -> sympy.Expr:
    """c + c·tan²(u) → c·sec²(u) and c·cosh²(u) − c·sinh²(u) → c, within a sum."""
    terms = list(sympy.Add.make_args(expr))
    for term in list(terms):
        coefficient, rest = term.as_coeff_Mul()
        is_tan_squared = isinstance(rest, sympy.Pow) and rest.exp == 2 and isinstance(rest.base, sympy.tan)
        if is_tan_squared and coefficient in terms:
            terms.remove(term)
            terms.remove(coefficient)
            terms.append(coefficient * sympy.sec(rest.base.args[0]) ** 2)
    for term in list(terms):
        coefficient, rest = term.as_independent(sympy.cosh, as_Add=False)
        if isinstance(rest, sympy.Pow) and rest.exp == 2 and isinstance(rest.base, sympy.cosh):
            partner = -coefficient * sympy.sinh(rest.base.args[0]) ** 2
            if term in terms and partner in terms:
                terms.remove(term)
                terms.remove(partner)
                terms.append(coefficient)
    return sympy.Add(*terms)


def _mul_identities(expr: sympy.Expr) -> sympy.Expr:
    """sinhⁿ(u)/coshⁿ(u) → tanhⁿ(u) and sign(u)/|u| → 1/u, within a product."""
    powers = dict(expr.as_powers_dict())
    for base in list(powers):
        if isinstance(base, sympy.sinh):
            partner = sympy.cosh(base.args[0])
            shared = _shared_power(powers.get(base, 0), powers.get(partner, 0))
            if shared:
                powers[base] -= shared
                powers[partner] += shared
                powers[sympy.tanh(base.args[0])] = powers.get(sympy.tanh(base.args[0]), 0) + shared
        if isinstance(base, sympy.sign):
            partner = sympy.Abs(base.args[0])
            if powers.get(base) == 1 and powers.get(partner) == -1:
                powers[base] = powers[partner] = 0
                powers[base.args[0]] = powers.get(base.args[0], 0) - 1
    return sympy.Mul(*(base**exponent for base, exponent in powers.items()))


def _shared_power(up: object, down: object) -> int:
    """How many sinh/cosh pairs make tanh: n when sinh is raised to a positive integer and cosh
    to a negative one, n the smaller of the two sizes; else 0."""
    integers = (int, sympy.Integer)
    if isinstance(up, integers) and isinstance(down, integers) and up > 0 and down < 0:
        return int(min(up, -down))
    return 0
