"""A vector derivation as a Document (text, terminal, Markdown, LaTeX) and as JSON.

The core keeps vector values as SymPy expressions read element by element (``w*x`` is w ⊙ x,
``dot(W, x)`` is W·x). Here they become display objects that print in the lecture's notation:
⊙ for element-wise products, ``w·x`` and ``W·x``, ``Wᵀ·r``, ``diag(…)``, ``xᵀ``, 1⃗, I, with
LaTeX to match (``\\odot``, ``\\operatorname{diag}``, ``^{\\top}``, ``\\vec{1}``).
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.printing.precedence import PRECEDENCE, precedence

from chaintutor.core.instantiate import InstantiationCheck
from chaintutor.core.notation import latex, unicode
from chaintutor.core.vector import (
    ChainProduct,
    Jacobian,
    LocalJacobian,
    VectorDerivation,
    VectorProblem,
    VectorResult,
    dot,
    is_gradient,
    leaf_forms,
    ones,
    shape_text,
    vsum,
)
from chaintutor.core.vector import value_shape as core_value_shape
from chaintutor.render.document import (
    CLOSE,
    EQUALS,
    OPEN,
    PLUS,
    TIMES,
    Adjoint,
    Block,
    Check,
    Deriv,
    Document,
    Equations,
    Formula,
    Operator,
    Prose,
    RuleRow,
    Rules,
    Section,
)
from chaintutor.render.jsondoc import steps_to_dict
from chaintutor.render.steps import relu_convention

# --- display objects ---------------------------------------------------------------------------


class _Shown(sympy.Function):
    """A display-only operation; each subclass prints itself in Unicode and in LaTeX."""

    precedence = PRECEDENCE["Mul"]

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        """LaTeX, bracketed when raised to a power (the printer passes the exponent)."""
        body = self._tex(printer)
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _tex(self, printer: Any) -> str:
        """Each display object writes its own LaTeX here."""
        raise NotImplementedError(type(self).__name__)

    def _args_text(self, printer: Any, joiner: str) -> str:
        return joiner.join(printer.parenthesize(arg, PRECEDENCE["Mul"], strict=False) for arg in self.args)


class Hadamard(_Shown):
    """a ⊙ b: the element-wise product."""

    def _sympystr(self, printer: Any) -> str:
        return self._args_text(printer, " ⊙ ")

    def _tex(self, printer: Any) -> str:
        return self._args_text(printer, r" \odot ")


class VecDot(_Shown):
    """a·b for two vectors, W·x for a matrix and a vector."""

    def _sympystr(self, printer: Any) -> str:
        return self._args_text(printer, "·")

    def _tex(self, printer: Any) -> str:
        return self._args_text(printer, r" \cdot ")


class TransposeTimes(_Shown):
    """Wᵀ·r: a row rᵀ times W, written as the column it transposes to."""

    def _sympystr(self, printer: Any) -> str:
        matrix, vector = self.args
        return f"{printer._print(matrix)}ᵀ·{printer.parenthesize(vector, PRECEDENCE['Mul'], strict=False)}"

    def _tex(self, printer: Any) -> str:
        matrix, vector = self.args
        vector_tex = printer.parenthesize(vector, PRECEDENCE["Mul"], strict=False)
        return rf"{printer._print(matrix)}^{{\top}} \cdot {vector_tex}"


class Transposed(_Shown):
    """vᵀ: a row vector."""

    precedence = PRECEDENCE["Atom"]

    def _sympystr(self, printer: Any) -> str:
        (arg,) = self.args
        body = printer._print(arg)
        return f"{body}ᵀ" if arg.is_Symbol else f"({body})ᵀ"

    def _tex(self, printer: Any) -> str:
        (arg,) = self.args
        body = printer._print(arg)
        return rf"{body}^{{\top}}" if arg.is_Symbol else rf"\left({body}\right)^{{\top}}"


class Diag(_Shown):
    """diag(d): the diagonal matrix with d on its diagonal."""

    precedence = PRECEDENCE["Atom"]

    def _sympystr(self, printer: Any) -> str:
        return f"diag({printer._print(self.args[0])})"

    def _tex(self, printer: Any) -> str:
        return rf"\operatorname{{diag}}\left({printer._print(self.args[0])}\right)"


class Bracketed(_Shown):
    """(v): a negative number between two products."""

    precedence = PRECEDENCE["Atom"]

    def _sympystr(self, printer: Any) -> str:
        return f"({printer._print(self.args[0])})"

    def _tex(self, printer: Any) -> str:
        return rf"\left({printer._print(self.args[0])}\right)"


class SumOf(_Shown):
    """sum(v): the sum of a vector's entries."""

    precedence = PRECEDENCE["Atom"]

    def _sympystr(self, printer: Any) -> str:
        return f"sum({printer._print(self.args[0])})"

    def _tex(self, printer: Any) -> str:
        return rf"\operatorname{{sum}}\left({printer._print(self.args[0])}\right)"


class MatProduct(_Shown):
    """A product of Jacobians in closed form, factors in order: diag(d)·W."""

    def _sympystr(self, printer: Any) -> str:
        return self._args_text(printer, "·")

    def _tex(self, printer: Any) -> str:
        return self._args_text(printer, r" \cdot ")


_GLYPH_TEX: dict[str, str] = {"1⃗": r"\vec{1}", "1⃗ᵀ": r"\vec{1}^{\top}", "I": "I"}


class Glyph(sympy.Symbol):
    """A fixed sign (1⃗, 1⃗ᵀ, I) or a shape (1×n, ∈ Rⁿ) with its LaTeX."""

    def _sympystr(self, printer: Any) -> str:
        return str(self.name)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        tex = _GLYPH_TEX[self.name]
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def glyph(text: str, tex: str) -> Glyph:
    _GLYPH_TEX[text] = tex
    return Glyph(text)


def _shape_glyph(rows: str, cols: str) -> Glyph:
    dimensions = r" \times ".join(_tex_name(d) for d in (rows, *cols.split("×")))
    return glyph(f"   ({rows}×{cols})", rf"\quad ({dimensions})")


def _set_glyph(shape: tuple[str, ...]) -> Glyph:
    return glyph(f"   ∈ {shape_text(shape)}", r"\quad \in " + _set_tex(shape))


def _set_tex(shape: tuple[str, ...]) -> str:
    tex = {0: r"\mathbf{R}", 1: r"\mathbf{R}^{%s}", 2: r"\mathbf{R}^{%s \times %s}"}[len(shape)]
    return tex % tuple(_tex_name(d) for d in shape)


def _tex_name(name: str) -> str:
    return latex(sympy.Symbol(name))


def value_shape(expr: sympy.Expr, problem: VectorProblem) -> tuple[str, ...]:
    """The shape of a vector value: () for a scalar."""
    return core_value_shape(expr, problem.shapes)


def shown(expr: sympy.Expr, problem: VectorProblem) -> sympy.Expr:
    """``expr`` rebuilt with display objects: ⊙, ·, Wᵀ·r, sum(…)."""
    if not expr.args:
        return expr
    args = [shown(arg, problem) for arg in expr.args]
    if isinstance(expr, dot):
        if len(value_shape(expr.args[1], problem)) == 2:
            return TransposeTimes(args[1], args[0])
        return VecDot(*args)
    if isinstance(expr, vsum):
        return SumOf(args[0])
    if isinstance(expr, ones):
        return Glyph("1⃗")
    if expr.is_Mul:
        return _shown_product(expr, problem)
    return expr.func(*args)


def _shown_product(expr: sympy.Expr, problem: VectorProblem) -> sympy.Expr:
    """Scalars first, then the vectors joined by ⊙, those with a negative power under one bar:
    2·x ⊙ exp(u)/v rather than 2·x ⊙ 1/v ⊙ exp(u)."""
    scalars, above, below = [], [], []
    for factor in expr.args:
        if not value_shape(factor, problem):
            scalars.append(shown(factor, problem))
        elif factor.is_Pow and factor.exp.is_number and factor.exp.is_negative:
            below.append(shown(factor.base**-factor.exp, problem))
        else:
            above.append(shown(factor, problem))
    if len(above) + len(below) < 2:
        return sympy.Mul(*scalars, *above, *(sympy.Pow(b, -1) for b in below))
    top = Hadamard(*above) if len(above) > 1 else (above[0] if above else sympy.Integer(1))
    if not below:
        return sympy.Mul(*scalars, top)
    bottom = Hadamard(*below) if len(below) > 1 else below[0]
    return sympy.Mul(*scalars, top, sympy.Pow(bottom, -1, evaluate=False))


def _split(expr: sympy.Expr, problem: VectorProblem) -> tuple[sympy.Expr, sympy.Expr]:
    """A vector value as (scalar factor, vector factor): 2·t·x → (2·t, x)."""
    scalars = [f for f in sympy.Mul.make_args(expr) if not value_shape(f, problem)]
    vectors = [f for f in sympy.Mul.make_args(expr) if value_shape(f, problem)]
    return sympy.Mul(*scalars), sympy.Mul(*vectors)


def jacobian_pieces(jacobian: Jacobian, problem: VectorProblem, in_product: bool = False) -> Formula:
    """A Jacobian in closed form: diag(w), xᵀ, 1⃗, 1⃗ᵀ, I, W, or a number."""
    body = jacobian.body
    if jacobian.kind == "scalar":
        value = shown(body, problem)
        return (_scalar_piece(value) if in_product else value,)
    if jacobian.kind == "identity":
        return (Glyph("I"),)
    if jacobian.kind == "matrix":
        return (body,)
    if jacobian.kind == "matrix_T":
        return (Transposed(body),)
    if jacobian.kind == "diag":
        scalar, vector = _split(body, problem)
        matrix = Glyph("I") if vector == 1 else Diag(shown(vector, problem))
        return (_scaled(scalar, matrix, problem),)
    scalar, vector = _split(body, problem)
    if jacobian.kind == "column":
        column = Glyph("1⃗") if vector == 1 else shown(vector, problem)
        return (_scaled(scalar, column, problem),)
    if jacobian.kind in ("outer", "outer_T"):
        return (_through_a_row(jacobian, shown(body, problem)),)
    row = Glyph("1⃗ᵀ") if vector == 1 else Transposed(shown(vector, problem))
    return (_scaled(scalar, row, problem),)


def _through_a_row(jacobian: Jacobian, vector: sympy.Expr) -> Glyph:
    """∂(W·x)/∂W as what it does to a row: (rᵀ ↦ r·xᵀ); for ∂(Wᵀ·r)/∂W, (aᵀ ↦ r·aᵀ)."""
    text, tex = unicode(vector), latex(vector)
    if jacobian.kind == "outer":
        return glyph(
            f"(rᵀ ↦ r·{text}ᵀ)", rf"\left(r^{{\top}} \mapsto r \cdot \left({tex}\right)^{{\top}}\right)"
        )
    return glyph(f"(aᵀ ↦ {text}·aᵀ)", rf"\left(a^{{\top}} \mapsto \left({tex}\right) \cdot a^{{\top}}\right)")


def _scalar_piece(value: sympy.Expr) -> sympy.Expr:
    """A negative number in a product is bracketed: · (−1) ·."""
    return Bracketed(value) if value.is_number and value.is_negative else value


def _scaled(scalar: sympy.Expr, value: sympy.Expr, problem: VectorProblem) -> sympy.Expr:
    """scalar·value as one expression, so that −1·I prints as −I and 2·diag(u) as 2·diag(u)."""
    return value if scalar == 1 else sympy.Mul(shown(scalar, problem), value)


def product_pieces(terms: tuple[ChainProduct, ...], problem: VectorProblem) -> Formula:
    """A sum of chain products: coefficient · factor · factor + …"""
    pieces: list[Any] = []
    for term in terms:
        if pieces:
            pieces.append(PLUS)
        factors: list[Any] = []
        for factor in term.factors:
            shown_factor = list(jacobian_pieces(factor, problem, True))
            if len(term.factors) > 1 and len(shown_factor) == 1 and _compound(shown_factor[0]):
                shown_factor = [OPEN, *shown_factor, CLOSE]  # (a ⊙ b)·xᵀ
            factors.extend(([TIMES] if factors else []) + shown_factor)
        if term.coefficient != 1 or not factors:
            pieces.append(shown(term.coefficient, problem))
            if factors:
                pieces.append(TIMES)
        pieces.extend(factors)
    return tuple(pieces)


def _compound(piece: sympy.Basic) -> bool:
    """Whether a factor needs brackets next to another: a ⊙ b or 2·x, not xᵀ or diag(d)."""
    return bool(precedence(piece) < PRECEDENCE["Atom"] and not piece.is_Symbol)


def gradient_expr(terms: tuple[ChainProduct, ...]) -> sympy.Expr | None:
    """The gradient (a column) when every term is c·rᵀ: the sum of the c·r."""
    if not all(len(t.factors) == 1 and t.factors[0].kind == "row" for t in terms):
        return None
    return sympy.Add(*(t.coefficient * t.factors[0].body for t in terms))


# --- the document -------------------------------------------------------------------------


def build_vector_document(d: VectorDerivation) -> Document:
    problem = d.problem
    sections = [_shapes_section(problem), _locals_section(d)]
    for number, wrt in enumerate(d.wrt, 3):
        sections.append(_result_section(d, d.results[wrt], number))
    if d.at is not None:
        sections.append(_point_section(d, len(sections) + 1))
    return Document("The vector chain rule, step by step", _statement(problem), tuple(sections))


def _statement(problem: VectorProblem) -> Formula:
    """The output written in the variables, then the sets they live in: y = relu(b + w·x); w, x ∈ Rⁿ."""
    output = problem.symbol(problem.output)
    formula = (sympy.Symbol(problem.output), EQUALS, shown(leaf_forms(problem).get(output, output), problem))
    by_set: dict[tuple[str, ...], list[str]] = {}
    for leaf in problem.leaves:
        by_set.setdefault(problem.shapes[leaf], []).append(leaf)
    sets = [
        glyph(f"; {', '.join(names)} ∈ {shape_text(shape)}",
              rf";\ {', '.join(_tex_name(n) for n in names)} \in {_set_tex(shape)}")
        for shape, names in by_set.items()
        if shape
    ]  # fmt: skip
    return (*formula, *sets)


def _shapes_section(problem: VectorProblem) -> Section:
    rows = tuple(
        ((sympy.Symbol(node.name),), ((shown(node.expr, problem), _set_glyph(node.shape)),))
        for node in problem.nodes
    )
    leaves = ", ".join(f"{leaf} ∈ {shape_text(problem.shapes[leaf])}" for leaf in problem.leaves)
    dims = ", ".join(problem.dimensions)
    note = (
        f"One intermediate per operation, with its shape. Variables: {leaves}."
        f" The dimensions ({dims}) stay symbols: nothing below depends on their values."
        " Between vectors, ⊙ is the element-wise product and · the dot product."
    )
    return Section("Step 1 · Intermediates and their shapes", (Equations(rows), Prose(note)))


def _locals_section(d: VectorDerivation) -> Section:
    rows: list[RuleRow] = []
    for local in d.local:
        rows.extend(_local_rows(local, d.problem))
    blocks: list[Block] = [
        Prose(
            "Each local derivative is a Jacobian: rows for the entries of the result, columns for the entries"
            " of the variable. In the products below, diagonal matrices multiply entry by entry"
            " (diag(a)·diag(b) = diag(a ⊙ b)), a row times a column is a dot product, and a row rᵀ"
            " times a matrix W is (Wᵀ·r)ᵀ."
        ),
        Rules(tuple(rows)),
    ]
    if any(local.jacobian.body.has(sympy.Heaviside) for local in d.local):
        blocks.append(relu_convention())
    return Section("Step 2 · Local derivatives as Jacobians", tuple(blocks))


def _local_rows(local: LocalJacobian, problem: VectorProblem) -> list[RuleRow]:
    jacobian = local.jacobian
    head: Formula = (
        Deriv(local.of, local.wrt, True),
        EQUALS,
        *jacobian_pieces(jacobian, problem),
        _shape_glyph(jacobian.rows, jacobian.cols),
    )
    rows = [RuleRow(0, head, local.rule)]
    entries = local.entries
    if entries is not None and (local.key != "scalar" or entries.substeps):
        operand: Formula = (shown(entries.expr, problem),)
        if entries.expr.is_Add or entries.expr.is_Mul:
            operand = (OPEN, *operand, CLOSE)
        entry: Formula = (Operator(local.wrt, True), *operand, EQUALS, shown(entries.result, problem))
        statement = f": {entries.statement}" if entries.statement else ""
        how = "" if local.key == "scalar" else "entry by entry, "
        rows.append(RuleRow(1, entry, f"{how}{entries.title}{statement}"))
    return rows


def _result_section(d: VectorDerivation, result: VectorResult, number: int) -> Section:
    problem = d.problem
    total = Deriv(problem.output, result.wrt, True)
    blocks: list[Block] = []
    routes = "; ".join(" → ".join(path.nodes) for path in result.paths)
    count = len(result.paths)
    blocks.append(
        Prose(
            f"{result.wrt} reaches {problem.output} along {count} path{'s' * (count != 1)}:"
            f" {routes}. Multiply the Jacobians along each path"
            f"{' and add the paths' if count > 1 else ''}."
        )
    )
    symbols: list[Any] = []
    jacobians: list[Any] = []
    shapes: list[str] = []
    for path in result.paths:
        if symbols:
            symbols.append(PLUS)
            jacobians.append(PLUS)
        pairs = list(zip(path.nodes, path.nodes[1:], strict=False))
        for index, (of, wrt) in enumerate(pairs):
            symbols.extend(([TIMES] if index else []) + [Deriv(of, wrt, True)])
        for index, jacobian in enumerate(path.jacobians):
            jacobians.extend(([TIMES] if index else []) + list(jacobian_pieces(jacobian, problem, True)))
        shapes.append(" · ".join(f"({j.rows}×{j.cols})" for j in path.jacobians))
    rights: list[Formula] = [tuple(symbols), tuple(jacobians)]
    simplified = product_pieces(result.in_intermediates, problem)
    if simplified != rights[-1]:
        rights.append(simplified)
    in_leaves = product_pieces(result.in_leaves, problem)
    if in_leaves != rights[-1]:
        rights.append(in_leaves)
    blocks.append(Equations((((total,), tuple(rights)),)))
    size = f"is {result.rows}×{result.cols}"
    if "×" in result.cols:
        size = f"gives the {result.cols} matrix δ·xᵀ, the shape of {result.wrt}"
    agree = "Each column count matches the next row count, so the product is defined"
    blocks.append(Prose(f"Shapes: {'; '.join(shapes)}. {agree} and {size}."))
    gradient = gradient_expr(result.in_leaves)
    if is_gradient(result) and gradient is not None:
        nabla = _result_symbol(d, result.wrt)
        blocks.append(Prose(f"The gradient is the transpose of this row, a column like {result.wrt}:"))
        blocks.append(Equations((((nabla,), (_column_pieces(gradient, problem),)),)))
    blocks.append(_check(d.verification.get(result.wrt)))
    return Section(f"Step {number} · ∂{problem.output}/∂{result.wrt} by the vector chain rule", tuple(blocks))


def _column_pieces(column: sympy.Expr, problem: VectorProblem) -> Formula:
    """A column vector, 1⃗ for the column of ones."""
    scalar, vector = _split(column, problem)
    vector_piece = Glyph("1⃗") if vector == 1 else shown(vector, problem)
    return (vector_piece,) if scalar == 1 else (shown(scalar, problem), TIMES, vector_piece)


def _check(check: InstantiationCheck | None) -> Check:
    if check is None:
        return Check(False, "Not verified.")
    if check.ok:
        return Check(
            True,
            f"Verified by instantiation ({check.settings}): every entry agrees with sympy.diff"
            " of the problem written out in components.",
        )
    return Check(False, f"Disagrees with sympy.diff of the problem in components: {check.detail}")


# --- at a point --------------------------------------------------------------------------------


def numbers_piece(value: Any) -> sympy.Basic:
    """A number, a vector (a column) or a matrix (rows), each entry to ten significant digits."""
    if isinstance(value, list):
        rows = value if isinstance(value[0], list) else [[entry] for entry in value]
        return sympy.ImmutableMatrix([[_number(entry) for entry in row] for row in rows])
    return _number(value)


def _number(value: float) -> sympy.Expr:
    if value == int(value) and abs(value) < 1e15:
        return sympy.Integer(int(value))
    return sympy.Float(f"{value:.10g}", "")


def _result_symbol(d: VectorDerivation, wrt: str) -> sympy.Basic | Deriv:
    """∇_w y for a gradient, ∂y/∂w otherwise."""
    output = d.problem.output
    if is_gradient(d.results[wrt]) and gradient_expr(d.results[wrt].in_leaves) is not None:
        return glyph(f"∇_{wrt} {output}", rf"\nabla_{{{_tex_name(wrt)}}} {_tex_name(output)}")
    return Deriv(output, wrt, True)


def _point_section(d: VectorDerivation, number: int) -> Section:
    at = d.at
    problem = d.problem
    sizes = ", ".join(f"{name} = {size}" for name, size in at.sizes.items())
    forward = tuple(((sympy.Symbol(name),), ((numbers_piece(value),),)) for name, value in at.values.items())
    local = tuple(((Deriv(of, wrt, True),), ((numbers_piece(value),),)) for of, wrt, value in at.local)
    blocks: list[Block] = [
        Prose(f"The dimensions follow from the values: {sizes}. Vectors are written as columns [a; b; …]."),
        Prose("Forward pass: the value of every node, children first."),
        Equations(forward, inline=True),
        Prose("Each local Jacobian at those values:"),
        Equations(local, inline=True),
    ]
    if at.adjoints:
        backward = tuple(
            ((Adjoint(name),), ((numbers_piece(value),),)) for name, value in at.adjoints.items()
        )
        blocks += [
            Prose(
                f"Backward pass (backpropagation): each adjoint is ∂{problem.output}/∂node, the product of"
                f" the Jacobians from {problem.output} down to the node, written in the node's shape."
            ),
            Equations(backward, inline=True),
        ]
    results = tuple(
        ((_result_symbol(d, wrt),), ((numbers_piece(value),),)) for wrt, value in at.gradient.items()
    )
    blocks += [Prose("The results at the point:"), Equations(results, inline=True)]
    return Section(f"Step {number} · At the point", tuple(blocks))


# --- JSON -------------------------------------------------------------------------------------


def _shape_json(shape: tuple[str, ...]) -> list[str | int]:
    if not shape:
        return []
    return [shape[0], 1] if len(shape) == 1 else [shape[0], shape[1]]


def jacobian_text(jacobian: Jacobian, problem: VectorProblem) -> str:
    """A local Jacobian's closed form in ASCII, as the contract has it: diag(w), x^T, ones(n)^T, I(n), W."""
    body = str(jacobian.body)
    if jacobian.kind == "row":
        if jacobian.body == 1:
            return f"ones({jacobian.cols})^T"
        return f"{body}^T" if jacobian.body.is_Symbol else f"({body})^T"
    if jacobian.kind == "outer":
        return f"outer(r, {body}) for a row r^T"
    if jacobian.kind == "outer_T":
        return f"outer({body}, a) for a row a^T"
    if jacobian.kind == "matrix_T":
        return f"{body}^T"
    return _factor_text(jacobian, problem)


def _factor_text(jacobian: Jacobian, problem: VectorProblem) -> str:
    """A factor of a result, in a form that reads as an expression: diag(…), I(n), ones(n), W."""
    body = str(jacobian.body)
    if jacobian.kind in ("scalar", "matrix"):
        return body
    if jacobian.kind == "matrix_T":
        return f"transpose({body})"
    scalar_body = not value_shape(jacobian.body, problem)
    if jacobian.kind == "identity" or (jacobian.kind == "diag" and scalar_body):
        signs = {1: "", -1: "-"}
        prefix = signs[int(jacobian.body)] if jacobian.body in (1, -1) else f"({body})*"
        return f"{prefix}I({jacobian.rows})"
    if jacobian.kind == "diag":
        return f"diag({body})"
    if jacobian.kind == "column" and scalar_body:
        return f"ones({jacobian.rows})" if jacobian.body == 1 else f"({body})*ones({jacobian.rows})"
    return body if jacobian.kind == "column" else f"transpose({body})"


def products_text(terms: tuple[ChainProduct, ...], problem: VectorProblem) -> str:
    """A sum of chain products as an expression: c*diag(d) @ W, outer(c, x), …"""
    parts = []
    for term in terms:
        factors = [_factor_text(f, problem) for f in term.factors]
        kinds = [f.kind for f in term.factors]
        for index in range(len(kinds) - 1, 0, -1):
            if kinds[index - 1 : index + 1] == ["column", "row"]:
                column, row = term.factors[index - 1].body, term.factors[index].body
                factors[index - 1 : index + 1] = [f"outer({column}, {row})"]
        text = " @ ".join(factors)
        if term.coefficient != 1 or not factors:
            coefficient = f"({term.coefficient})" if term.coefficient.is_Add else str(term.coefficient)
            text = (
                f"{coefficient}*({text})"
                if len(factors) > 1
                else f"{coefficient}*{text}"
                if factors
                else coefficient
            )
        parts.append(text)
    return " + ".join(parts)


def vector_to_dict(d: VectorDerivation) -> dict[str, Any]:
    """The JSON of ``derive --format json`` for a vector problem (schema_version 1)."""
    problem = d.problem
    results = {wrt: d.results[wrt] for wrt in d.wrt}
    return {
        "schema_version": 1,
        "input": problem.source,
        "output": problem.output,
        "independent": list(problem.leaves),
        "equations": [
            {"name": node.name, "expr": str(node.expr), "depends_on": list(node.operands)}
            for node in problem.nodes
        ],
        "shapes": {name: _shape_json(shape) for name, shape in problem.shapes.items()},
        "local_derivatives": [_local_json(local, problem) for local in d.local],
        "paths": {wrt: _paths_json(result, problem) for wrt, result in results.items()},
        "result": {wrt: _result_text(result, problem) for wrt, result in results.items()},
        "result_form": {wrt: _form(result, problem) for wrt, result in results.items()},
        "verified": {wrt: _verified_json(d.verification.get(wrt)) for wrt in results},
        "at": _at_json(d.at),
    }


def _form(result: VectorResult, problem: VectorProblem) -> str:
    """``intermediates`` when a node kept its name (see :func:`chaintutor.core.vector.leaf_forms`)."""
    names = {symbol.name for term in result.in_leaves for symbol in term.coefficient.free_symbols}
    names |= {s.name for term in result.in_leaves for f in term.factors for s in f.body.free_symbols}
    return "intermediates" if names & {node.name for node in problem.nodes} else "leaves"


def _at_json(at: Any) -> dict[str, Any] | None:
    if at is None:
        return None
    return {
        "point": at.point,
        "values": at.values,
        "local": [{"of": of, "wrt": wrt, "value": value} for of, wrt, value in at.local],
        "paths": at.paths,
        "gradient": at.gradient,
        "adjoints": at.adjoints,
    }


def _local_json(local: LocalJacobian, problem: VectorProblem) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "of": local.of,
        "wrt": local.wrt,
        "expr": str(local.jacobian.body),
        "rule": local.key,
        "jacobian": jacobian_text(local.jacobian, problem),
        "jacobian_shape": [local.jacobian.rows, local.jacobian.cols],
    }
    if local.entries is not None:
        entry["steps"] = steps_to_dict(local.entries)
    else:  # a dot product, a matrix–vector product or a sum: one rule, no sub-steps
        node = problem.node(local.of)
        entry["steps"] = {
            "rule": local.key,
            "expr": str(node.expr),
            "result": entry["jacobian"],
            "substeps": [],
        }
    return entry


def _paths_json(result: VectorResult, problem: VectorProblem) -> dict[str, Any]:
    listed = [
        {
            "nodes": list(path.nodes),
            "factors": [jacobian_text(j, problem) for j in path.jacobians],
            "product": products_text((path.product,), problem),
        }
        for path in result.paths
    ]
    return {"count": len(result.paths), "truncated": False, "listed": listed}


def _result_text(result: VectorResult, problem: VectorProblem) -> str:
    """The gradient (a column, in the input language) for a scalar output; else the Jacobian."""
    gradient = gradient_expr(result.in_leaves)
    if is_gradient(result) and gradient is not None:
        if not value_shape(gradient, problem):  # c·1⃗
            return f"{gradient}*ones({result.cols})" if gradient != 1 else f"ones({result.cols})"
        return str(gradient)
    return products_text(result.in_leaves, problem)


def _verified_json(check: InstantiationCheck | None) -> dict[str, Any]:
    if check is None:
        return {"ok": False, "method": "failed"}
    detail = f"checked entry by entry at {check.settings}" if check.ok else check.detail
    return {"ok": check.ok, "method": "instantiated" if check.ok else "failed", "detail": detail}


def result_expression(result: VectorResult, problem: VectorProblem) -> sympy.Expr:
    """The result as one SymPy object: the gradient (a column, read element by element) for a
    scalar output, the value for scalars, else the Jacobian in closed form (diag(d)·W, …)."""
    gradient = gradient_expr(result.in_leaves)
    if is_gradient(result) and gradient is not None:
        return gradient
    if len(result.in_leaves) == 1 and not result.in_leaves[0].factors:
        return result.in_leaves[0].coefficient
    return sympy.Add(*(_term_expression(term, problem) for term in result.in_leaves))


def _term_expression(term: ChainProduct, problem: VectorProblem) -> sympy.Expr:
    parts = [] if term.coefficient == 1 else [shown(term.coefficient, problem)]
    for factor in term.factors:
        parts.extend(piece for piece in jacobian_pieces(factor, problem) if isinstance(piece, sympy.Basic))
    return parts[0] if len(parts) == 1 else MatProduct(*parts)
