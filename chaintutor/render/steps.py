"""The steps of a derivation as a :class:`~chaintutor.render.document.Document`, built once.

The lecture's order: the decomposition and the dependency tree, the local derivatives, every
path multiplied, the paths added, the result substituted back and checked; then the numbers at
a point when one was given. A Jacobian gets its layers and their product. The dependency tree
draws a node reached again along another path once in full and then marks it "shown above", so
the drawing grows with the edges of the graph, not with the number of paths.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from itertools import pairwise
from typing import TYPE_CHECKING

import sympy

from chaintutor.core import notation as printing
from chaintutor.core.derive import Derivation, LocalDerivative, Path, PathSummary
from chaintutor.core.graph import Definition, DependencyGraph
from chaintutor.core.outline import outline
from chaintutor.core.paths import reaching
from chaintutor.core.ruletree import (
    ChainRule,
    ConstantMultipleRule,
    ConstantRule,
    IdentityRule,
    SumRule,
    below_the_line,
)
from chaintutor.core.ruletree import Step as RuleStep
from chaintutor.core.walk import contains, substitute, tree_size
from chaintutor.parse.activations import RELU_CONVENTION
from chaintutor.render.document import (
    ARROW,
    CLOSE,
    COLON,
    EQUALS,
    OPEN,
    PLUS,
    TIMES,
    Adjoint,
    Block,
    ChainSum,
    Check,
    Deriv,
    Document,
    Equations,
    Formula,
    Operator,
    Phrase,
    Piece,
    Prose,
    ReadAs,
    RuleRow,
    Rules,
    Section,
    Table,
    Tree,
    TreeNode,
    Value,
    Word,
)
from chaintutor.render.statements import statement_tex
from chaintutor.render.text import formula as plain_formula

if TYPE_CHECKING:  # a Jacobian is only needed with --outputs: derive alone does not load it
    from chaintutor.core.jacobian import Jacobian

VECTOR_FORM_BUDGET = 500  # tree nodes of an entry of v′ written out in the leaves


LAYER_VIEW_PATH_LIMIT = 16  # more paths than this: the layers' derivatives grow too long to print


def build_document(d: Derivation, view: str = "auto") -> Document:
    """``view``: ``paths`` teaches the derivative as the sum over the paths of the dependency
    graph (∂, Σ: the lecture on several variables); ``auto`` does too, except for a problem of
    one variable reached along several paths, which it teaches as the textbook does: each
    layer's derivative by the product, quotient or chain rule, in d/dx only. (A single chain of
    one variable is taught in d/dx either way.)"""
    taught = outline(d)
    if view == "auto" and _one_variable(d):
        return _layers_document(d)
    if _grows_with_paths(d):
        return _backward_document(d)
    sections = [
        _equations_section(d, taught.pieces),
        Section("Dependency tree", (Tree(dependency_tree(d.graph, d.wrt)),)),
        _locals_section(_on_the_way(d, taught.local_derivatives)),
        *(section for v, summary in taught.paths.items() for section in _target_sections(d, v, summary)),
        *((_point_section(d),) if d.at is not None else ()),
    ]
    return Document("Chain rule, step by step", _statement(d), tuple(sections), preface(d.graph))


def preface(graph: DependencyGraph) -> tuple[Block, ...]:
    """What comes before the statement: how the input was read, when that took interpretation
    (``2x``, ``sin^2 x``, ``log_2 x``), and the definitions left out because the output does
    not depend on them."""
    reading = graph.reading
    read_as = () if reading is None else (ReadAs(reading.text, reading.tex, reading.flags),)
    return (*read_as, *(Prose(f"Note: {note}.") for note in graph.notes))


def _statement(d: Derivation, budget: int | None = None) -> Formula:
    """y = the whole problem in the leaves, unless that is unknown or, past ``budget`` nodes, too
    long to read (the system's equations then say what y is)."""
    output = sympy.Symbol(d.output)
    whole = d.leaf_forms[d.output]
    if whole is None or (budget is not None and tree_size(whole) > budget):
        return (output,)
    return (output, EQUALS, whole)


def _one_variable(d: Derivation) -> bool:
    """One independent variable, reached along a few paths, every layer written out in it."""
    if len(d.independent) != 1 or d.wrt != d.independent:
        return False
    (target,) = d.wrt
    return (
        1 < d.paths[target].count <= LAYER_VIEW_PATH_LIMIT
        and d.result_form[target] == "leaves"
        and not any(contains(ld.expr, sympy.Derivative) for ld in d.local_derivatives)
    )


def _layers_document(d: Derivation) -> Document:
    """One variable, the textbook's way: each layer differentiated with respect to x in turn,
    innermost first, by the rule its form calls for, then the result substituted back."""
    (target,) = d.wrt
    taught = outline(d)
    total = _total(d, target)
    layers = Section(
        "Step 2 · Differentiate each layer, innermost first",
        (
            said(
                "Every layer is a function of ",
                _name(target),
                ". Differentiate each one with the rule its form calls for; where it uses an earlier "
                "layer, the chain rule multiplies by that layer's derivative, found just before.",
            ),
            Rules(tuple(_layer_rows(d, target))),
            *_kink_note(ld.rule for ld in d.local_derivatives),
        ),
    )
    substitute_back = Section(
        "Step 3 · Substitute back and simplify",
        (Equations((((total,), _result_chain(d, target)),)), _check(d, target)),
    )
    sections = (
        _equations_section(d, taught.pieces),
        Section("Dependency tree", (Tree(dependency_tree(d.graph, d.wrt)),)),
        layers,
        substitute_back,
        *((_point_section(d),) if d.at is not None else ()),
    )
    return Document("Chain rule, step by step", _statement(d), sections, preface(d.graph))


def _layer_rows(d: Derivation, target: str) -> list[RuleRow]:
    """d(layer)/dx for every layer, innermost first: its local derivatives times the
    derivatives of the layers it uses (forward accumulation, in the textbook's notation)."""
    rate: dict[str, sympy.Expr] = {target: sympy.Integer(1)}
    rows: list[RuleRow] = []
    for definition in d.graph.definitions:
        varying = [c for c in definition.depends_on if c in rate]
        if not varying:
            continue
        terms = [(d.local(definition.name, c), c) for c in varying]
        rate[definition.name] = sympy.Add(*(ld.expr * rate[c] for ld, c in terms))
        pieces: list[Piece] = []
        for ld, c in terms:
            if pieces:
                pieces.append(PLUS)
            pieces.extend(_factors([ld.expr]))
            if c != target:
                pieces.extend((TIMES, Deriv(c, target, False)))
        right = _unbracketed(tuple(pieces))
        shown: Formula = (Deriv(definition.name, target, False), EQUALS, *right)
        if right != (rate[definition.name],):
            shown = (*shown, EQUALS, rate[definition.name])
        rows.append(_rule_row(0, shown, _layer_rule(definition.expr, [ld for ld, _ in terms], target)))
    return rows


def _unbracketed(pieces: Formula) -> Formula:
    """A formula without the brackets around the whole of it: (4x³ + 1) alone is 4x³ + 1, and
    "du/dx = (4x³ + 1) = 4x³ + 1" would say the same thing twice."""
    if pieces[:1] != (OPEN,) or pieces[-1:] != (CLOSE,):
        return pieces
    depth = 0
    for piece in pieces[:-1]:
        depth += (piece == OPEN) - (piece == CLOSE)
        if depth == 0:
            return pieces  # (a)·(b): the first bracket closes before the end
    return pieces[1:-1]


def _layer_rule(expr: sympy.Expr, terms: list[LocalDerivative], target: str) -> Phrase:
    """The rule that differentiates a layer, named as the textbook names it."""
    if len(terms) > 1:
        if expr.is_Add:
            return ("sum rule: ", _math("(f + g)′ = f′ + g′", "(f + g)' = f' + g'"))
        if _is_quotient(expr):
            tex = r"\left(\frac{f}{g}\right)' = \frac{f'\,g - f\,g'}{g^{2}}"
            return ("quotient rule: ", _math("(f/g)′ = (f′·g − f·g′)/g²", tex))
        if expr.is_Mul:
            return ("product rule: ", _math("(f·g)′ = f′·g + f·g′", r"(f\,g)' = f'\,g + f\,g'"))
        return ("chain rule for several inner functions: one term for each",)
    (local,) = terms
    if local.wrt == target:
        return _rule_text(local.rule)
    tex = r"\frac{d}{dx}\,f(u) = f'(u)\,\frac{du}{dx}"
    outer = f"chain rule, with the {local.rule.title} for the outer layer: "
    return (outer, _math("d/dx f(u) = f′(u)·du/dx", tex))


def _is_quotient(expr: sympy.Expr) -> bool:
    """A product with a factor below the line: x/(x + 1), not the constant of x/3."""
    return any(not f.is_number for f in below_the_line(expr))


def _on_the_way(d: Derivation, local_derivatives: tuple[LocalDerivative, ...]) -> tuple[LocalDerivative, ...]:
    """The local derivatives on edges that lead to a variable differentiated by: the others
    belong to variables held constant, and teach nothing here."""
    leading = set().union(*(reaching(d.graph, target) for target in d.wrt))
    return tuple(ld for ld in local_derivatives if ld.wrt in leading)


def _free_letter(output: str, target: str) -> str:
    """The letter of the general intermediate uⱼ, unless the output or the variable is a u:
    ∂u/∂uⱼ would read as nonsense."""
    return next(letter for letter in "uvw" if letter not in {output[0], target[0]})


def _symbol(d: Derivation, name: str) -> sympy.Symbol:
    return d.graph.symbols.get(name) or sympy.Symbol(name)


def _equations_section(d: Derivation, pieces: tuple[Definition, ...]) -> Section:
    """The pieces, innermost first; a system with no layers to name keeps its equations as typed."""
    introduced = any(piece.introduced for piece in pieces)
    order = [piece.name for piece in pieces] if introduced else d.graph.typed
    rows = tuple(((_symbol(d, name),), ((d.graph.definition(name).expr,),)) for name in order)
    leaves = _listed([_name(leaf) for leaf in d.independent]) or ("none",)
    if introduced:
        title = "Step 1 · Name the layers, innermost first"
        note = "Each intermediate variable stands for one nested layer of the expression."
    elif d.graph.is_system:
        title = "Step 1 · The system"
        note = "Every name that is used but never defined is an independent variable (a leaf)."
    else:
        title = "Step 1 · The expression"
        note = "It has no nested layers to name: its local derivative is the whole derivative."
    return Section(title, (Equations(rows), said(f"{note} Independent: ", *leaves, ".")))


def _locals_section(local_derivatives: tuple[LocalDerivative, ...]) -> Section:
    rows = tuple(row for ld in local_derivatives for row in _rule_rows(ld))
    note = "Differentiate each definition on its own, holding every other variable fixed."
    kink = _kink_note(ld.rule for ld in local_derivatives)
    return Section("Step 2 · Local derivatives, one per edge", (Prose(note), Rules(rows), *kink))


def _kink_note(rules: Iterable[RuleStep]) -> tuple[Prose, ...]:
    """The convention at relu's kink, once, when a ReLU rule is at work."""
    if any(step.key == "relu" for rule in rules for step in rule.walk()):
        return (relu_convention(),)
    return ()


def relu_convention() -> Prose:
    """The value taken at relu's kink, with its formulas as math for the typesetting writers."""
    u = sympy.Symbol("u")
    kink: Formula = (u, EQUALS, sympy.Integer(0))
    note = said("At ", kink, ", where relu has a kink, ", (sympy.Heaviside(u),), " takes the value 0")
    return Prose(RELU_CONVENTION, (*note.phrase, " (the usual convention)."))


def _rule_rows(ld: LocalDerivative) -> list[RuleRow]:
    """The derivative with its rule; when several rules are at work, one line for each under it."""
    head: Formula = (Deriv(ld.of, ld.wrt, ld.partial), EQUALS, ld.expr)
    shown = _shown_steps(ld.rule)
    if len(shown) == 1:
        return [_rule_row(0, head, _rule_text(ld.rule))]
    titles = list(dict.fromkeys(step.title for _, step in shown if _is_named(step)))
    rows = [RuleRow(0, head, "by " + _and([f"the {title}" for title in titles]))]
    for depth, step in shown:
        partial = ld.partial and step.variable == ld.rule.variable
        operation: Formula = (Operator(str(step.variable), partial), *_operand(step.expr))
        rows.append(_rule_row(depth + 1, (*operation, EQUALS, step.result), _rule_text(step)))
    return rows


def _shown_steps(root: RuleStep) -> list[tuple[int, RuleStep]]:
    """The rule tree, parents first, without the line that teaches nothing: d/dx x = 1 under
    a constant multiple (3x → 3)."""
    shown: list[tuple[int, RuleStep]] = []
    pending: list[tuple[int, RuleStep]] = [(0, root)]
    while pending:
        depth, step = pending.pop()
        shown.append((depth, step))
        substeps = step.substeps
        if isinstance(step, ConstantMultipleRule):
            substeps = tuple(s for s in substeps if not isinstance(s, IdentityRule))
        pending.extend((depth + 1, substep) for substep in reversed(substeps))
    return shown


def _is_named(step: RuleStep) -> bool:
    return not isinstance(step, IdentityRule | ConstantRule)


def _rule_row(depth: int, shown: Formula, rule: Phrase) -> RuleRow:
    return RuleRow(depth, shown, _plain(rule), rule)


def _rule_text(step: RuleStep) -> Phrase:
    if isinstance(step, ChainRule):
        inner: Formula = (step.placeholder, EQUALS, step.inner.expr)
        return ("chain rule with ", inner, ": ", *_statement_of(step))
    if isinstance(step, SumRule):
        return ("sum rule: differentiate term by term",)
    if isinstance(step, ConstantRule):
        return ("constant rule: no ", (step.variable,), " in it")
    if not step.statement:
        return (step.title,)
    return (f"{step.title}: ", *_statement_of(step))


def _statement_of(step: RuleStep) -> Phrase:
    """The rule's statement: a formula where it has one, else words, the function's name
    among them as mathematics ("$f$ is unknown, …")."""
    tex = statement_tex(step)
    if tex:
        return (_math(step.statement, tex),)
    name = type(step.expr).__name__
    if step.statement.startswith(name + " "):
        return (_name(name), step.statement[len(name) :])
    return (step.statement,)


def _math(text: str, tex: str) -> Formula:
    """Mathematics no expression spells: ``text`` in plain output, ``tex`` where it is typeset."""
    return (Word(text, tex),)


def _name(name: str) -> Formula:
    return (sympy.Symbol(name),)


def _listed(parts: list[Formula]) -> Phrase:
    """Formulas separated by commas: "x, z"."""
    phrase: list[str | Formula] = []
    for part in parts:
        phrase.extend((", ", part) if phrase else (part,))
    return tuple(phrase)


def _plain(phrase: Phrase) -> str:
    return "".join(part if isinstance(part, str) else plain_formula(part) for part in phrase)


def said(*phrase: str | Formula) -> Prose:
    """Prose whose formulas the typesetting renderers set as mathematics ("$x$ reaches $y$")."""
    return Prose(_plain(phrase), phrase)


def _operand(expr: sympy.Expr) -> Formula:
    """``expr`` after d/dx, bracketed when it is a sum, negative, or has a denominator."""
    if expr.is_Add or below_the_line(expr) or expr.could_extract_minus_sign():
        return (OPEN, expr, CLOSE)
    return (expr,)


def _and(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _total(d: Derivation, target: str) -> Deriv:
    return Deriv(d.output, target, partial=len(d.independent) > 1)


def _path_symbols(d: Derivation, path: Path) -> Formula:
    pieces: list[Piece] = []
    for parent, child in pairwise(path.nodes):
        if pieces:
            pieces.append(TIMES)
        pieces.append(Deriv(parent, child, d.local(parent, child).partial))
    return tuple(pieces)


def _factors(factors: tuple[sympy.Expr, ...] | list[sympy.Expr]) -> Formula:
    pieces: list[Piece] = []
    for factor in factors:
        if pieces:
            pieces.append(TIMES)
        needs_brackets = (
            factor.is_Add
            or (factor.is_Mul and factor.could_extract_minus_sign())
            or (factor.is_Pow and factor.exp.is_negative)
        )
        pieces.extend((OPEN, factor, CLOSE) if needs_brackets else (factor,))
    return tuple(pieces)


def _leaf_mapping(d: Derivation) -> dict[sympy.Basic, sympy.Basic]:
    return {
        d.graph.symbols[name]: form
        for name, form in d.leaf_forms.items()
        if form is not None and name != d.output
    }


def _target_sections(d: Derivation, target: str, summary: PathSummary) -> tuple[Section, ...]:
    total = _total(d, target)
    if summary.count == 1 and summary.listed:
        return _chain_sections(d, target, summary.listed[0])
    blocks: list[Block] = [_paths_sentence(d, target, summary.count)]
    general = (ChainSum(d.output, target, _free_letter(d.output, target)),)
    blocks.append(
        Equations((((total,), (general, _general_formula(d, target), *_gradient_form(d, target))),))
    )
    rows = []
    for index, path in enumerate(summary.listed, start=1):
        label: Formula = (Word(f"path {index}:"), *_arrows(path), COLON)
        rights = [_path_symbols(d, path), _factors(path.factors)]
        if path.product is not None and path.product != sympy.Mul(*path.factors):
            rights.append((path.product,))
        rows.append((label + rights[0], tuple(rights[1:])))
    if rows:
        blocks.append(Equations(tuple(rows)))
    if summary.truncated:
        blocks.append(Prose(f"Only the first {len(summary.listed)} of {summary.count} paths are listed."))
    title = ("Step 3 · Every path from ", _name(d.output), " to ", _name(target), ", multiplied")
    paths = _section(title, blocks)
    total_rows = Equations((((total,), _result_chain(d, target)),))
    notes = _form_notes(d, target)
    summed = Section(
        "Step 4 · Add the paths, substitute back and simplify", (total_rows, *notes, _check(d, target))
    )
    return paths, summed


def _form_notes(d: Derivation, target: str) -> tuple[Block, ...]:
    """Why a result stays in the intermediates, when it does."""
    if d.result_form[target] == "leaves":
        return ()
    if d.in_intermediates[target] is None:
        rows = tuple(((sympy.Symbol(name),), ((expr,),)) for name, expr in d.adjoint_equations)
        return (
            said(
                "Written out in the intermediates this sum would be far too large to print, so it is "
                "written as backpropagation computes it: with the adjoint ",
                (Adjoint("u"), EQUALS, Deriv(d.output, "u", True)),
                " of each node, every adjoint made from the adjoints above it:",
            ),
            Equations(rows),
        )
    if contains(d.result[target], sympy.Derivative):
        places = _listed(
            [
                (sympy.Symbol(name), EQUALS, form)
                for name, form in d.leaf_forms.items()
                if name != d.output and form is not None and not d.graph.is_leaf(name)
            ]
        )
        at = (", taken at ", *places) if places else ()
        return (said("The function is abstract, so its partial derivatives stay unevaluated", *at, "."),)
    return (
        Prose("Written in the leaves this would be too large to print, so it stays in the intermediates."),
    )


def _paths_sentence(d: Derivation, target: str, count: int) -> Prose:
    if count == 0:
        return said(_name(d.output), " does not depend on ", _name(target), ".")
    return said(
        _name(target),
        " reaches ",
        _name(d.output),
        f" along {count} path{'s' if count != 1 else ''}. "
        "Multiply the local derivatives along each path, then add the paths.",
    )


def _general_formula(d: Derivation, target: str) -> Formula:
    """∂y/∂x = Σⱼ ∂y/∂uⱼ · ∂uⱼ/∂x with the actual first-level terms."""
    pieces: list[Piece] = []
    definition = d.graph.definition(d.output)
    leading = reaching(d.graph, target)
    for child in definition.depends_on:
        if d.paths[target].count == 0 or child not in leading:
            continue
        if pieces:
            pieces.append(PLUS)
        pieces.append(Deriv(d.output, child, d.local(d.output, child).partial))
        if child != target:
            pieces.extend((TIMES, Deriv(child, target, partial=len(d.independent) > 1)))
    return tuple(pieces) or (sympy.Integer(0),)


def _gradient_form(d: Derivation, target: str) -> tuple[Formula, ...]:
    """The same sum as a dot product, ∇y · v′, with v the variables y depends on directly."""
    leading = reaching(d.graph, target)
    children = [c for c in d.graph.definition(d.output).depends_on if c in leading]
    if len(children) < 2:
        return ()
    gradient = sympy.Tuple(*(d.local(d.output, c).expr for c in children))
    symbol = d.graph.symbols[target]
    velocities = []
    for child in children:
        form = d.leaf_forms.get(child) if child != target else symbol
        if form is None or tree_size(form) > VECTOR_FORM_BUDGET:
            return ()
        velocities.append(sympy.diff(form, symbol))
    vector = next(name for name in ("v", "w", "q", "r", "s", "vec") if name not in d.graph.symbols)
    output, named = printing.latex(sympy.Symbol(d.output)), printing.latex(sympy.Symbol(vector))
    listed = ", ".join(printing.latex(sympy.Symbol(child)) for child in children)
    label = Word(
        f"∇{d.output} · {vector}′, {vector} = ({', '.join(children)}):",
        rf"\nabla {output} \cdot {named}',\ {named} = ({listed})\colon",
    )
    return ((label, gradient, TIMES, sympy.Tuple(*velocities)),)


def _arrows(path: Path) -> Formula:
    pieces: list[Piece] = []
    for name in path.nodes:
        if pieces:
            pieces.append(ARROW)
        pieces.append(sympy.Symbol(name))
    return tuple(pieces)


def _chain_sections(d: Derivation, target: str, path: Path) -> tuple[Section, ...]:
    total = _total(d, target)
    if len(path.nodes) == 2:  # one edge: its local derivative is the whole derivative
        return (
            Section(
                "Step 3 · Simplify",
                (Equations((((total,), _result_chain(d, target)),)), _check(d, target)),
            ),
        )
    product_rows = ((total,), (_path_symbols(d, path), _factors(path.factors)))
    multiply = Section(
        "Step 3 · Multiply along the chain",
        (
            said(
                _name(target),
                " reaches ",
                _name(d.output),
                " along a single path, so the local derivatives multiply.",
            ),
            Equations((product_rows,)),
        ),
    )
    if d.result_form[target] == "leaves":
        leaf_factors = [substitute(f, _leaf_mapping(d)) for f in path.factors]
        rights = (_factors(leaf_factors), *_result_chain(d, target, skip_first=True))
    else:
        rights = _result_chain(d, target)
    substitute_back = Section(
        "Step 4 · Substitute back and simplify",
        (Equations((((total,), rights),)), *_form_notes(d, target), _check(d, target)),
    )
    return multiply, substitute_back


def _result_chain(d: Derivation, target: str, skip_first: bool = False) -> tuple[Formula, ...]:
    forms: list[sympy.Expr] = []
    for expr in (d.in_intermediates[target], d.substituted[target], d.result[target]):
        if expr is not None and expr not in forms:
            forms.append(expr)
    if skip_first and len(forms) > 1:
        forms = forms[1:]
    return tuple((expr,) for expr in forms)


def _check(d: Derivation, target: str) -> Check:
    check = d.verification[target]
    if check.ok:
        return Check(True, f"Agrees with {check.against} ({check.method}): {check.detail}.")
    return Check(False, f"Does NOT agree with sympy.diff: {check.detail}.")


def _point_section(d: Derivation) -> Section:
    """The forward pass, the local derivatives, the path values and the backward pass."""
    at = d.at
    assert at is not None
    where = _listed([_assignment(name, float(value)) for name, value in at.point.items()])
    forward = Equations(
        tuple(
            ((_symbol(d, e.name),), ((e.expr,), (Value(float(at.values[e.name])),)))
            for e in d.graph.definitions
        ),
        inline=True,
    )
    local = Equations(
        tuple(
            ((Deriv(ld.of, ld.wrt, ld.partial),), ((ld.expr,), (Value(float(at.local[(ld.of, ld.wrt)])),)))
            for ld in d.local_derivatives
        ),
        inline=True,
    )
    blocks: list[Block] = [
        Prose("Forward pass: the value of every node, children first."),
        forward,
        Prose("Each local derivative at those values:"),
        local,
    ]
    for target in d.wrt:
        blocks.extend(_path_values(d, target))
    tex = r"\overline{\text{parent}} \cdot \frac{\partial\,\text{parent}}{\partial\,\text{child}}"
    blocks.append(
        said(
            "Backward pass: start from the output's adjoint 1 and, parents first, add ",
            _math("adjoint(parent) · ∂parent/∂child", tex),
            " into every child.",
        )
    )
    blocks.append(_backward_rows(d))
    blocks.extend(_gradient_checks(d))
    return _section(("Step 5 · The numbers at ", *where, ": forward and backward pass"), blocks)


def _assignment(name: str, value: float) -> Formula:
    """``x = 0.5``, the number as the text shows it (ten significant digits, unbracketed)."""
    digits = f"{value:.10g}"
    mantissa, _, exponent = digits.partition("e")
    tex = rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else digits
    return (sympy.Symbol(name), EQUALS, Word(digits, tex))


def _section(title: Phrase, blocks: list[Block] | tuple[Block, ...]) -> Section:
    """A section whose title has mathematics in it."""
    return Section(_plain(title), tuple(blocks), title)


def _path_values(d: Derivation, target: str) -> list[Block]:
    at = d.at
    assert at is not None
    rows = []
    for index, (path, value) in enumerate(zip(d.paths[target].listed, at.paths[target], strict=True), 1):
        factors = [Value(float(at.local[(p, c)])) for p, c in pairwise(path.nodes)]
        pieces: list[Piece] = []
        for factor in factors:
            pieces.extend((TIMES, factor) if pieces else (factor,))
        rows.append(((_path_to(index, target), *_arrows(path)), (tuple(pieces), (Value(float(value)),))))
    return [Equations(tuple(rows), inline=True)] if rows else []


def _path_to(index: int, target: str) -> Word:
    """ "path 1 to x:", the variable set as mathematics where it is typeset."""
    tex = rf"\text{{path {index} to }}{printing.latex(sympy.Symbol(target))}\colon"
    return Word(f"path {index} to {target}:", tex)


def _backward_rows(d: Derivation) -> Equations:
    at = d.at
    assert at is not None
    parents: dict[str, list[str]] = {}
    for parent, child in d.graph.edges():
        parents.setdefault(child, []).append(parent)
    rows: list[tuple[Formula, tuple[Formula, ...]]] = [((Adjoint(d.output),), ((Value(1.0),),))]
    order = [e.name for e in reversed(d.graph.definitions)][1:] + list(d.independent)
    for name in order:
        symbolic: list[Piece] = []
        numeric: list[Piece] = []
        for parent in parents.get(name, []):
            if symbolic:
                symbolic.append(PLUS)
                numeric.append(PLUS)
            local = d.local(parent, name)
            symbolic.extend((Adjoint(parent), TIMES, Deriv(parent, name, local.partial)))
            numeric.extend((Value(float(at.adjoints[parent])), TIMES, Value(float(at.local[(parent, name)]))))
        rows.append(((Adjoint(name),), (tuple(symbolic), tuple(numeric), (Value(float(at.adjoints[name])),))))
    return Equations(tuple(rows), inline=True)


def _gradient_checks(d: Derivation) -> list[Block]:
    at = d.at
    assert at is not None
    checks: list[Block] = []
    for target in d.wrt:
        adjoint = float(at.gradient[target])
        if d.paths[target].truncated:
            unlisted = ": only some paths are listed, so their sum is not the whole gradient."
            checks.append(said(_name(target), unlisted))
            continue
        total = float(sum(at.paths[target], sympy.Float(0)))
        agree = abs(adjoint - total) <= 1e-12 * max(1.0, abs(total))
        count = len(at.paths[target])
        phrase: Phrase = (
            "the adjoint of ",
            _name(target),
            f", {adjoint:.10g}, {'equals' if agree else 'differs from'} the sum of its {count} path value"
            f"{'s' if count != 1 else ''}, {total:.10g}",
        )
        checks.append(Check(agree, _plain(phrase), phrase))
    return checks


def build_jacobian_document(j: Jacobian) -> Document:
    """The vector chain rule: each layer's Jacobian, their product, and its entries as path sums."""
    typed = dict.fromkeys([*j.outputs, *(name for d in j.derivations.values() for name in d.graph.typed)])
    definitions = {e.name: e for d in j.derivations.values() for e in d.graph.definitions}
    system = Equations(tuple(((sympy.Symbol(n),), ((definitions[n].expr,),)) for n in typed))
    trees = tuple(Tree(dependency_tree(d.graph, j.wrt)) for d in j.derivations.values())
    names = [sympy.Symbol(f"J{k}") for k in range(1, len(j.layers) + 1)]
    layer_blocks: list[Block] = []
    for name, layer in zip(names, j.layers, strict=True):
        rows, columns = ", ".join(layer.rows), ", ".join(layer.columns)
        tex = rf"\frac{{\partial({_tex_names(layer.rows)})}}{{\partial({_tex_names(layer.columns)})}}"
        layer_blocks.append(
            said(
                (name, EQUALS, Word(f"∂({rows})/∂({columns})", tex)),
                ": row ",
                _name("i"),
                " holds the partial derivatives of the ",
                _name("i"),
                "-th variable; a variable already at the bottom keeps a 1.",
            )
        )
        layer_blocks.append(Equations((((name,), ((layer.matrix,),)),)))
    product_pieces: list[Piece] = []
    for name in names:
        product_pieces.extend((TIMES, name) if product_pieces else (name,))
    rights: list[Formula] = [tuple(product_pieces), (j.product,)]
    if j.in_leaves is not None and j.in_leaves != j.product:
        rights.append((j.in_leaves,))
    product = Equations((((sympy.Symbol("J"),), tuple(rights)),))
    entries = Table(
        ("entry", "paths", "sum over the paths"),
        tuple(
            (
                (Deriv(y, x, True),),
                str(j.derivations[y].paths[x].count if x in j.derivations[y].paths else 0),
                (j.derivations[y].result.get(x, sympy.Integer(0)),),
            )
            for y in j.outputs
            for x in j.wrt
        ),
    )
    verdict = "equals" if j.agrees else "does NOT equal"
    agreement: Phrase = ("every entry of ", _name("J"), f" {verdict} its sum over paths, derived separately")
    entry_note: Phrase = (
        "Entry ",
        _math("(i, j)", "(i, j)"),
        " of the product adds, over every path from ",
        _math("yᵢ", "y_i"),
        " down to ",
        _math("xⱼ", "x_j"),
        ", the product of the partial derivatives along it, as the chain rule for one output does.",
    )
    outputs = Word("outputs " + ", ".join(j.outputs), r"\text{outputs }" + _tex_names(j.outputs))
    product_title: Phrase = (
        "Step 3 · Multiply the layers: ",
        _math("J(f∘g) = J_f · J_g", r"J(f \circ g) = J_f \cdot J_g"),
    )
    return Document(
        "The vector chain rule, step by step",
        (outputs,),
        (
            Section("Step 1 · The system", (system,)),
            Section("Dependency trees", trees),
            Section("Step 2 · The Jacobian of each layer", tuple(layer_blocks)),
            _section(product_title, (product,)),
            Section(
                "Step 4 · Each entry is a sum over paths",
                (said(*entry_note), entries, Check(j.agrees, _plain(agreement), agreement)),
            ),
        ),
        preface(j.derivations[j.outputs[0]].graph),
    )


def _tex_names(names: Collection[str]) -> str:
    """Variables as LaTeX, comma-separated: ``y_{1}, y_{2}``."""
    return ", ".join(printing.latex(sympy.Symbol(name)) for name in names)


def dependency_tree(
    graph: DependencyGraph, varying: Collection[str] | None = None, *, repeats_by_name: bool = False
) -> TreeNode:
    """``varying``: the leaves differentiated by; the others are marked as held constant.
    ``repeats_by_name``: a node shown above is drawn by its name alone (big graphs)."""
    expanded: set[str] = set()

    def node(name: str) -> TreeNode:
        symbol = graph.symbols[name]
        if graph.is_leaf(name):
            held = varying is not None and name not in varying
            return TreeNode((symbol,), (), "held constant" if held else "")
        definition = graph.definition(name)
        label: Formula = (symbol, EQUALS, definition.expr)
        if name in expanded:
            return TreeNode((symbol,) if repeats_by_name else label, (), "shown above")
        expanded.add(name)
        return TreeNode(label, tuple(node(child) for child in definition.depends_on))

    return node(graph.output)


# Big graphs: the write-up grows with the edges, never with the paths.
STATEMENT_BUDGET = 300  # nodes of the whole problem in the leaves printed as the title formula


def _grows_with_paths(d: Derivation) -> bool:
    """More paths than edges to some variable: listing the paths, or writing the sum over them,
    would repeat the same products over and over (a 4-layer, 4-wide network has 256 paths to
    each input over 68 edges). Such a graph is taught as backpropagation computes it."""
    edges = len(d.local_derivatives)
    return any(summary.count > edges for summary in d.paths.values())


def _backward_document(d: Derivation) -> Document:
    """Every local derivative once, every adjoint equation once, then per variable only what is
    its own: its paths counted, its adjoint, its result and check. Each block refers to the
    shared ones above instead of repeating them."""
    taught = outline(d)
    sections = (
        _equations_section(d, taught.pieces),
        Section("Dependency tree", (Tree(dependency_tree(d.graph, d.wrt, repeats_by_name=True)),)),
        _compact_locals_section(d, _on_the_way(d, taught.local_derivatives)),
        _adjoints_section(d),
        *(_adjoint_result_section(d, target, index) for index, target in enumerate(d.wrt, start=1)),
        *((_point_section(d),) if d.at is not None else ()),
    )
    return Document("Chain rule, step by step", _statement(d, STATEMENT_BUDGET), sections)


def _compact_locals_section(d: Derivation, local_derivatives: tuple[LocalDerivative, ...]) -> Section:
    """Each local derivative on one line with the rules it takes (the JSON has every rule tree),
    written with the node's own name where its definition reappears in it: for u = tanh(s),
    du/ds = 1 − tanh²(s) = 1 − u², as backpropagation stores it. Each line then stays as short
    as the node's definition allows, however wide the layer."""
    rows = tuple(_head_row(ld, _with_node_name(d, ld.of, ld.expr)) for ld in local_derivatives)
    note = (
        "Differentiate each definition on its own, holding every other variable fixed. Where a "
        "node's own definition reappears in its derivative, it is written with the node's name "
        "(for u = tanh(s): du/ds = 1 − tanh²(s) = 1 − u²). "
        f"With {len(local_derivatives)} edges, each line names the rules it takes; "
        "--format json gives every rule tree step by step."
    )
    return Section("Step 2 · Local derivatives, one per edge", (Prose(note), Rules(rows)))


def _with_node_name(d: Derivation, name: str, expr: sympy.Expr) -> sympy.Expr:
    definition = d.graph.definition(name).expr
    return expr.xreplace({definition: _symbol(d, name)}) if definition.args else expr


def _head_row(ld: LocalDerivative, shown_as: sympy.Expr) -> RuleRow:
    """The first line of :func:`_rule_rows`, without printing the lines under it."""
    head: Formula = (Deriv(ld.of, ld.wrt, ld.partial), EQUALS, shown_as)
    shown = _shown_steps(ld.rule)
    if len(shown) == 1:
        return _rule_row(0, head, _rule_text(ld.rule))
    titles = list(dict.fromkeys(step.title for _, step in shown if _is_named(step)))
    return RuleRow(0, head, "by " + _and([f"the {title}" for title in titles]))


def _adjoints_section(d: Derivation) -> Section:
    """ū = Σ p̄·∂p/∂u for every intermediate, parents first: backpropagation, once for all."""
    parents = _parents(d)
    leading = set().union(*(reaching(d.graph, target) for target in d.wrt))
    rows = tuple(
        ((Adjoint(definition.name),), (_adjoint_sum(d, definition.name, parents),))
        for definition in reversed(d.graph.definitions)
        if definition.name != d.output and definition.name in leading
    )
    count = sum(d.paths[target].count for target in d.wrt)
    prose = (
        f"There are {count:,} paths from {d.output} to {', '.join(d.wrt)}, over only "
        f"{len(d.local_derivatives)} edges: adding the products path by path would multiply the same "
        f"factors again and again. Backpropagation adds them once per edge. The adjoint "
        f"ū = ∂{d.output}/∂u of each node is the sum, over the nodes p that use u, of p̄ · ∂p/∂u "
        f"(a local derivative from Step 2), starting from {d.output}̄ = 1 and going down the graph, "
        "so every adjoint is known before it is used:"
    )
    return Section("Step 3 · Backward pass: the adjoint of every node", (Prose(prose), Equations(rows)))


def _parents(d: Derivation) -> dict[str, list[str]]:
    parents: dict[str, list[str]] = {}
    for parent, child in d.graph.edges():
        parents.setdefault(child, []).append(parent)
    return parents


def _adjoint_sum(d: Derivation, name: str, parents: dict[str, list[str]]) -> Formula:
    """p̄₁·∂p₁/∂u + p̄₂·∂p₂/∂u + …, with ȳ = 1 left out."""
    pieces: list[Piece] = []
    for parent in parents.get(name, []):
        if pieces:
            pieces.append(PLUS)
        if parent != d.output:
            pieces.extend((Adjoint(parent), TIMES))
        pieces.append(Deriv(parent, name, d.local(parent, name).partial))
    return tuple(pieces)


def _adjoint_result_section(d: Derivation, target: str, index: int) -> Section:
    summary = d.paths[target]
    total = _total(d, target)
    blocks: list[Block] = []
    blocks.append(
        Prose(
            f"{target} reaches {d.output} along {summary.count:,} paths"
            f"{', such as the one below' if summary.listed else ''}. "
            f"Their sum is the adjoint of {target}, made from the adjoints of Step 3:"
        )
    )
    if summary.listed:
        first = summary.listed[0]
        label: Formula = (Word("path 1:"), *_arrows(first), COLON, *_path_symbols(d, first))
        factors = [
            _with_node_name(d, parent, factor)
            for (parent, _), factor in zip(pairwise(first.nodes), first.factors, strict=True)
        ]
        blocks.append(Equations(((label, (_factors(factors),)),), inline=True))
    rows: list[Formula] = [_adjoint_sum(d, target, _parents(d))]
    if d.result_form[target] == "leaves":
        rows.extend(_result_chain(d, target))
        notes: tuple[Block, ...] = ()
    else:
        notes = (
            Prose(
                "Written out in the intermediates or the leaves this would be too large to print: "
                "it is computed, and checked, from the adjoints above (--format json gives it in full)."
            ),
        )
    blocks.append(Equations((((total,), tuple(rows)),)))
    return Section(
        f"Step 4.{index} · The derivative with respect to {target}", (*blocks, *notes, _check(d, target))
    )
