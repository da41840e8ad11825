"""The vector chain rule (Parr & Howard, "The Matrix Calculus You Need For Deep Learning").

A vector problem is decomposed into one intermediate per operation, as the lecture does:
element-wise operations (``+ − * /``, powers, every function; a scalar with a vector is scalar
expansion), the dot product ``w·x``, the matrix–vector product ``W·x`` and the reduction
``sum(v)``. Each intermediate has a shape in the symbolic dimensions (n, m, …), and each edge a
Jacobian in closed form: diag(…) for an element-wise operation, a column for scalar expansion,
1⃗ᵀ for a sum, xᵀ for a dot product, W for a matrix–vector product. The chain is the product of
the Jacobians along each path, simplified as the lecture does (diagonal products to ⊙, a row
times a column to a dot product); nothing here depends on the value of n.

Vector values are SymPy expressions read element by element: ``w*x`` is w ⊙ x, ``relu(u)`` is
relu applied to each entry, scalars stand for themselves; ``dot`` and ``vsum`` are the only
operations that are not element-wise (``outer`` too, which makes a matrix: a problem reads
it, so that a matrix gradient parses back, but the tutor does not differentiate a matrix it
computes). Every such expression prints (``str``) in the input
language and parses back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import sympy

from chaintutor.core.ruletree import Step as RuleStep
from chaintutor.core.ruletree import rule_tree
from chaintutor.errors import InputError
from chaintutor.parse.build import combine
from chaintutor.parse.functions import ABSTRACT_FUNCTIONS
from chaintutor.parse.parser import Statement
from chaintutor.parse.syntax import Call, Name, Neg, Node, Num, Power, Product, Span, Sum
from chaintutor.parse.vectors import (
    Shape,
    VectorSyntax,
    parse_vector_problem,
    product_operators,
    shape_text_of,
)

MAX_VECTOR_PATHS = 64
"""The most paths from the output to one variable a vector derivation lists and sums."""


class dot(sympy.Function):
    """dot(a, b): the dot product a·b of two vectors; dot(W, x) = W·x, a matrix times a vector;
    dot(r, W) = Wᵀ·r, a vector times a matrix (the row rᵀ·W, written as a column)."""

    nargs = 2


def dimension_symbol(name: str) -> sympy.Symbol:
    """A dimension (n, m, N) as it appears in values such as 1/N or ones(n)."""
    return sympy.Symbol(name, positive=True, integer=True)


class outer(sympy.Function):
    """outer(u, v): the outer product u·vᵀ of two vectors, a len(u)×len(v) matrix (the form of a
    matrix gradient, δ·xᵀ)."""

    nargs = 2


class ones(sympy.Function):
    """ones(n): the vector of n ones, 1⃗ (it stands where a row of constants meets a matrix)."""

    nargs = 1


class vsum(sympy.Function):
    """sum(v): the sum of a vector's entries (written ``sum`` in the input language)."""

    nargs = 1

    def _sympystr(self, printer: Any) -> str:
        return f"sum({printer._print(self.args[0])})"


shape_text = shape_text_of


# --- the problem ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VectorNode:
    """One intermediate (or the output): ``name = expr``, one operation on its operands.

    ``kind`` is ``elementwise``, ``dot`` (a·b), ``matvec`` (W·x), ``vecmat`` (r·W = Wᵀ·r), ``sum``,
    ``outer`` (u·vᵀ) or ``scaled`` (a scalar times a matrix); the last two make matrices, which a
    problem reads (a matrix gradient parses back) but :func:`derive_vector` refuses.
    """

    name: str
    kind: str
    expr: sympy.Expr
    operands: tuple[str, ...]
    shape: Shape


@dataclass(frozen=True)
class VectorProblem:
    source: str
    output: str
    nodes: tuple[VectorNode, ...]  # children before their users; the output last
    leaves: tuple[str, ...]
    shapes: dict[str, Shape]
    dimensions: tuple[str, ...]

    def node(self, name: str) -> VectorNode:
        return next(node for node in self.nodes if node.name == name)

    def symbol(self, name: str) -> sympy.Symbol:
        return sympy.Symbol(name, real=True)


def read_vector_problem(text: str) -> VectorProblem:
    """Parse and decompose a vector problem; shape mismatches are input errors with a caret."""
    return _Builder(parse_vector_problem(text)).build()


class _Builder:
    def __init__(self, syntax: VectorSyntax) -> None:
        self.syntax = syntax
        self.source = syntax.source
        self.shapes: dict[str, Shape] = {}
        for declaration in syntax.declarations:
            for name in declaration.names:
                if name in self.shapes:
                    raise InputError(
                        f"'{name}' is declared twice",
                        source=self.source,
                        start=declaration.span[0],
                        end=declaration.span[1],
                    )
                self.shapes[name] = declaration.shape
        self.dimensions = tuple(dict.fromkeys(d for s in list(self.shapes.values()) for d in s))
        self.defined: dict[str, Statement] = {}
        for statement in syntax.statements:
            if statement.name in self.defined:
                start, end = statement.name_span or statement.span
                raise InputError(
                    f"'{statement.name}' is defined twice", source=self.source, start=start, end=end
                )
            if statement.name is not None:
                self.defined[statement.name] = statement
        self.output = syntax.statements[0].name or _free_output(syntax)
        self.nodes: list[VectorNode] = []
        self.leaves: list[str] = []
        self.building: set[str] = set()
        self.count = 0
        self.words = set(re.findall(r"[^\W\d]\w*", self.source))  # u1 is the user's name if typed

    def build(self) -> VectorProblem:
        for statement in self.syntax.statements:
            self._equation(statement)
        for name in self.shapes:
            if name not in self.leaves and name not in self.defined:
                self.leaves.append(name)  # declared but unused: still a variable
        for declared in self.shapes:
            if declared in self.defined and self._built(declared).shape != self.shapes[declared]:
                raise InputError(
                    f"'{declared}' is declared in {shape_text(self.shapes[declared])} but its"
                    f" definition is in {shape_text(self._built(declared).shape)}",
                    source=self.source,
                )
        shapes = {node.name: node.shape for node in self.nodes}
        shapes.update({leaf: self.shapes.get(leaf, ()) for leaf in self.leaves})
        return VectorProblem(
            self.source, self.output, tuple(self.nodes), tuple(self.leaves), shapes, self.dimensions
        )

    def _built(self, name: str) -> VectorNode:
        return next(node for node in self.nodes if node.name == name)

    def _equation(self, statement: Statement) -> None:
        name = statement.name or self.output
        if any(node.name == name for node in self.nodes):
            return
        if name in self.building:
            raise InputError(f"'{name}' is defined in terms of itself", source=self.source)
        self.building.add(name)
        value = self._fold(statement.rhs, name)
        if not (isinstance(value, sympy.Symbol) and value.name == name):
            self._elementwise(value, statement.rhs.span, name)  # y = x, or y = 2: one node
        self.building.discard(name)

    # --- folding the syntax tree into one node per operation -------------------------------

    def _fold(self, node: Node, name: str | None = None) -> sympy.Expr:
        if isinstance(node, Num):
            return combine(node, [], source=self.source)
        if isinstance(node, Name):
            return self._name(node)
        if isinstance(node, Call):
            return self._call(node, name)
        if isinstance(node, Product):
            return self._product(node, name)
        args = [self._fold(kid) for kid in ((node.operand,) if isinstance(node, Neg) else _kids(node))]
        if isinstance(node, Neg) and len(self._shape(args[0])) == 2:
            return self._scaled(sympy.Integer(-1), args[0], node.span, name)
        word = "plus" if isinstance(node, Sum) else "and"
        return self._elementwise(combine(node, args, source=self.source), node.span, name, args, word)

    def _name(self, node: Name) -> sympy.Expr:
        if node.name in self.defined:
            self._equation(self.defined[node.name])
            return sympy.Symbol(node.name, real=True)
        if node.name in self.dimensions:
            return dimension_symbol(node.name)
        value = combine(node, [], frozenset(self.shapes), self.source)
        if isinstance(value, sympy.Symbol) and node.name not in self.leaves:
            self.leaves.append(node.name)
        return value

    def _call(self, node: Call, name: str | None) -> sympy.Expr:
        if node.func in ABSTRACT_FUNCTIONS:
            raise self._error("abstract functions are not supported in vector problems", node.span)
        args = [self._fold(arg) for arg in node.args]
        if node.func == "sum":
            if len(self._shape(args[0])) != 1:
                raise self._error(f"sum(…) takes a vector; this is in {self._set(args[0])}", node.span)
            return self._node("sum", vsum(args[0]), args, (), name)
        if node.func == "dot":
            return self._dot(args[0], args[1], node.args[0], node.args[1], name)
        if node.func == "outer":
            return self._outer(args, node, name)
        if node.func == "ones":
            return self._ones(node, name)
        return self._elementwise(combine(node, args, source=self.source), node.span, name)

    def _outer(self, args: Sequence[sympy.Expr], node: Call, name: str | None) -> sympy.Expr:
        for arg, syntax in zip(args, node.args, strict=True):
            if len(self._shape(arg)) != 1:
                raise self._error(
                    f"outer(u, v) takes two vectors; {self._text(syntax)} is in {self._set(arg)}", syntax.span
                )
        shape = (self._shape(args[0])[0], self._shape(args[1])[0])
        return self._node("outer", outer(args[0], args[1]), args, shape, name)

    def _ones(self, node: Call, name: str | None) -> sympy.Expr:
        """ones(n), the constant vector 1⃗ (as in a gradient 1⃗ᵀ), is a node of its own, so that
        its shape is known; it has no operand, so no path goes through it."""
        (size,) = node.args
        if not (isinstance(size, Name) and size.name in self.dimensions):
            dimensions = ", ".join(self.dimensions)
            raise self._error(f"ones(…) takes a dimension of the problem ({dimensions})", node.span)
        return self._node("elementwise", ones(dimension_symbol(size.name)), [], (size.name,), name)

    def _scaled(self, scale: sympy.Expr, matrix: sympy.Expr, span: Span, name: str | None) -> sympy.Expr:
        """c·M, a scalar times a matrix: read (-1/N*outer(δ, x)), never differentiated."""
        operands = [s for s in _ordered_symbols(scale * matrix) if s.name not in self.dimensions]
        if any(self._shape(s) and s != matrix for s in operands):
            raise self._error("a matrix can only be scaled by a scalar; use W·x", span)
        return self._node("scaled", scale * matrix, operands, self._shape(matrix), name)

    def _product(self, node: Product, name: str | None) -> sympy.Expr:
        operators = product_operators(self.syntax, node)
        value = self._fold(node.factors[0])
        scale: sympy.Expr | None = None  # t in t·W·x, which is t·(W·x); b in b*W·x, b ⊙ (W·x)
        last = len(node.factors) - 1
        for index, (operator, factor) in enumerate(zip(operators, node.factors[1:], strict=True), 1):
            right = self._fold(factor)
            target = name if index == last else None
            span = (node.span[0], factor.span[1])
            left_shape, right_shape = self._shape(value), self._shape(right)
            both_vectors = len(left_shape) >= 1 and len(right_shape) >= 1
            if len(right_shape) == 2 and len(left_shape) < 2 and (operator in ("*", "") or not left_shape):
                scale, value = (value if scale is None else scale * value), right
            elif (operator == "·" and both_vectors) or (operator == "" and len(left_shape) == 2):
                product = self._dot(value, right, node.factors[0], factor, None if scale else target, span)
                if scale is not None:
                    product = self._elementwise(scale * product, span, target, [scale, product], "times")
                value, scale = product, None
            elif operator == "×" and both_vectors:
                raise self._error(
                    "× between vectors is ambiguous", span, "write * for element-wise, · for the dot product"
                )
            elif operator == "/":
                if right == 0:
                    raise self._error("division by zero", span)
                value = self._elementwise(value / right, span, target, [value, right], "over")
            else:
                value = self._elementwise(value * right, span, target, [value, right], "times")
        if scale is not None:  # t*W or c*outer(u, v): a matrix, which W·x did not follow
            return self._scaled(scale, value, node.span, name)
        return value

    def _dot(
        self,
        left: sympy.Expr,
        right: sympy.Expr,
        left_node: Node,
        right_node: Node,
        name: str | None,
        span: Span | None = None,
    ) -> sympy.Expr:
        span = span or (left_node.span[0], right_node.span[1])
        left_shape, right_shape = self._shape(left), self._shape(right)
        if any(node.name in (str(left), str(right)) and len(node.shape) == 2 for node in self.nodes):
            raise self._error(
                "this multiplies a matrix the problem computes (outer(u, v) or a multiple of a matrix);"
                " only a declared matrix can be differentiated through",
                span,
            )
        if len(left_shape) == 1 and left_shape == right_shape:
            return self._node("dot", dot(left, right), [left, right], (), name)
        if len(left_shape) == 2 and len(right_shape) == 1 and left_shape[1] == right_shape[0]:
            return self._node("matvec", dot(left, right), [left, right], (left_shape[0],), name)
        if len(left_shape) == 1 and len(right_shape) == 2 and left_shape[0] == right_shape[0]:
            return self._node("vecmat", dot(left, right), [left, right], (right_shape[1],), name)
        raise self._error(
            f"{self._text(left_node)} ∈ {shape_text(left_shape)} times {self._text(right_node)}"
            f" ∈ {shape_text(right_shape)}: the shapes do not fit a dot or matrix–vector product",
            span,
        )

    def _elementwise(
        self,
        expr: sympy.Expr,
        span: Span,
        name: str | None,
        args: Sequence[sympy.Expr] = (),
        word: str = "and",
    ) -> sympy.Expr:
        operands = [s for s in _ordered_symbols(expr) if s.name not in self.dimensions]
        if not operands and any(self._shape(arg) for arg in args):
            raise self._error(f"this is the constant vector {expr}: it has nothing to differentiate", span)
        if not operands and name is None:
            return expr  # a constant: no node of its own
        shapes = {self._shape(s) for s in operands} - {()}
        if any(len(shape) == 2 for shape in shapes):
            raise self._error("element-wise operations on a matrix are not supported; use W·x", span)
        if len(shapes) > 1:
            a, b = self._mismatch(list(args) or operands)
            first, second = f"{self._shown(a)} ∈ {self._set(a)}", f"{self._shown(b)} ∈ {self._set(b)}"
            raise self._error(f"{first} {word} {second}: the shapes differ", span)
        shape = next(iter(shapes), ())
        return self._node("elementwise", expr, operands, shape, name)

    def _mismatch(self, values: Sequence[sympy.Expr]) -> tuple[sympy.Expr, sympy.Expr]:
        """The first two values, in the order typed, whose (non-scalar) shapes differ."""
        vectors = [v for v in values if self._shape(v)]
        first = vectors[0]
        return first, next(v for v in vectors if self._shape(v) != self._shape(first))

    def _node(
        self, kind: str, expr: sympy.Expr, operands: Sequence[sympy.Expr], shape: Shape, name: str | None
    ) -> sympy.Symbol:
        names = tuple(dict.fromkeys(s.name for s in operands if isinstance(s, sympy.Symbol)))
        node_name = name or self._fresh()
        self.nodes.append(VectorNode(node_name, kind, expr, names, shape))
        return sympy.Symbol(node_name, real=True)

    def _fresh(self) -> str:
        taken = self.words | set(self.shapes) | set(self.defined) | set(self.leaves) | set(self.dimensions)
        while True:
            self.count += 1
            if f"u{self.count}" not in taken:
                return f"u{self.count}"

    def _shape(self, value: sympy.Expr) -> Shape:
        if isinstance(value, sympy.Symbol):
            built = [node.shape for node in self.nodes if node.name == value.name]
            return built[0] if built else self.shapes.get(value.name, ())
        return ()

    def _set(self, value: sympy.Expr) -> str:
        return shape_text(self._shape(value))

    def _shown(self, symbol: sympy.Expr) -> str:
        """A node by what it computes (``W·x``), a variable by its name."""
        built = [node for node in self.nodes if node.name == str(symbol)]
        if built and built[0].kind in ("dot", "matvec", "vecmat"):
            left, right = built[0].expr.args
            return f"{left}·{right}"
        return str(symbol)

    def _text(self, node: Node) -> str:
        return self.source[node.span[0] : node.span[1]]

    def _error(self, message: str, span: Span, hint: str | None = None) -> InputError:
        return InputError(message, source=self.source, start=span[0], end=span[1], hint=hint)


def _kids(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Sum):
        return node.terms
    if isinstance(node, Power):
        return (node.base, node.exponent)
    return ()


def _free_output(syntax: VectorSyntax) -> str:
    names = {str(s) for s in syntax.source.replace(",", " ").split()}
    return "y" if "y" not in names else "f"


def _ordered_symbols(expr: sympy.Expr) -> list[sympy.Symbol]:
    return sorted(expr.free_symbols, key=lambda s: s.name)


def value_shape(expr: sympy.Expr, shapes: dict[str, Shape]) -> Shape:
    """The shape of a vector value (read element by element): () for a scalar."""
    if expr.is_Symbol:
        return shapes.get(expr.name, ())
    if isinstance(expr, ones):
        return (str(expr.args[0]),)
    if isinstance(expr, dot):
        left, right = (value_shape(arg, shapes) for arg in expr.args)
        if len(left) == 2:
            return (left[0],)
        return (right[1],) if len(right) == 2 else ()
    if isinstance(expr, vsum):
        return ()
    if isinstance(expr, outer):
        return (value_shape(expr.args[0], shapes)[0], value_shape(expr.args[1], shapes)[0])
    found = [value_shape(arg, shapes) for arg in expr.args]
    return next((shape for shape in found if shape), ())


# --- Jacobians and their products ------------------------------------------------------------


@dataclass(frozen=True)
class Jacobian:
    """A Jacobian in closed form, ``rows × cols`` (dimension names, "1" for a scalar).

    ``kind``: ``scalar`` (the number ``body``), ``identity`` (I), ``diag`` (diag(body)),
    ``column`` (the column vector body; 1⃗ when body is 1), ``row`` (bodyᵀ; 1⃗ᵀ when body is 1),
    ``matrix`` (the matrix named by ``body``), ``matrix_T`` (its transpose). ``outer`` stands for
    ∂(W·x)/∂W, a third-order tensor that is only ever used through its product with a row:
    rᵀ·∂(W·x)/∂W = r·xᵀ; ``outer_T`` for ∂(Wᵀ·r)/∂W, with aᵀ·∂(Wᵀ·r)/∂W = r·aᵀ.
    """

    kind: str
    body: sympy.Expr
    rows: str
    cols: str

    def replaced(self, mapping: dict[sympy.Basic, sympy.Basic]) -> Jacobian:
        return Jacobian(self.kind, self.body.xreplace(mapping), self.rows, self.cols)


@dataclass(frozen=True)
class ChainProduct:
    """``coefficient · factors[0] · factors[1] · …``: one path's product, or one term of a sum."""

    coefficient: sympy.Expr
    factors: tuple[Jacobian, ...]

    def replaced(self, mapping: dict[sympy.Basic, sympy.Basic]) -> ChainProduct:
        return ChainProduct(
            self.coefficient.xreplace(mapping), tuple(f.replaced(mapping) for f in self.factors)
        )


@dataclass(frozen=True)
class LocalJacobian:
    """∂of/∂wrt as a Jacobian, with the rule that gives it (``key`` stable, ``rule`` in words)
    and, for element-wise and scalar operations, the scalar rule tree of its entries."""

    of: str
    wrt: str
    jacobian: Jacobian
    key: str
    rule: str
    entries: RuleStep | None = None


_RULES = {
    "sum_reduction": "sum reduction: ∂ sum(v)/∂v = 1⃗ᵀ, a row of ones",
    "dot_product": "dot product: ∂(w·x)/∂w = xᵀ and ∂(w·x)/∂x = wᵀ",
    "matrix_vector": "matrix–vector product: ∂(W·x)/∂x = W",
    "matrix_by_matrix": "matrix–vector product: row i of W·x is Wᵢ·x, so a row rᵀ times ∂(W·x)/∂W"
    " is the matrix r·xᵀ",
    "vector_matrix": "vector–matrix product: rᵀ·W is (Wᵀ·r)ᵀ, so ∂(Wᵀ·r)/∂r = Wᵀ",
    "vector_matrix_by_matrix": "vector–matrix product: entry j of Wᵀ·r is Σᵢ Wᵢⱼ·rᵢ, so a row aᵀ times"
    " ∂(Wᵀ·r)/∂W is the matrix r·aᵀ",
    "scalar": "scalar: {titles}",
    "scalar_expansion": "scalar expansion: every entry depends on {operand} alike, so the Jacobian is a"
    " column ({titles})",
    "elementwise": "element-wise: entry i depends only on entry i, so the Jacobian is diagonal ({titles})",
}


def local_jacobian(problem: VectorProblem, node: VectorNode, operand: str) -> LocalJacobian:
    """The Jacobian of one operation with respect to one operand, by the lecture's rules."""
    rows, cols = _dim(node.shape), _dim(problem.shapes[operand])
    symbol = problem.symbol(operand)

    def made(kind: str, body: sympy.Expr, key: str, columns: str = cols) -> LocalJacobian:
        return LocalJacobian(node.name, operand, Jacobian(kind, body, rows, columns), key, _RULES[key])

    if node.kind == "sum":
        return made("row", sympy.Integer(1), "sum_reduction")
    left, right = node.expr.args if node.kind in ("dot", "matvec", "vecmat") else (None, None)
    if node.kind == "dot":
        pairs = ((left, right), (right, left))
        return made("row", sympy.Add(*(other for mine, other in pairs if mine == symbol)), "dot_product")
    if node.kind == "matvec" and symbol == right:
        return made("matrix", left, "matrix_vector")
    if node.kind == "matvec":
        shape = problem.shapes[operand]
        return made("outer", right, "matrix_by_matrix", f"{shape[0]}×{shape[1]}")
    if node.kind == "vecmat" and symbol == left:
        return made("matrix_T", right, "vector_matrix")
    if node.kind == "vecmat":
        shape = problem.shapes[operand]
        return made("outer_T", left, "vector_matrix_by_matrix", f"{shape[0]}×{shape[1]}")
    return _elementwise_jacobian(problem, node, operand, symbol, rows, cols)


def _elementwise_jacobian(
    problem: VectorProblem, node: VectorNode, operand: str, symbol: sympy.Symbol, rows: str, cols: str
) -> LocalJacobian:
    """diag(f′) for a vector of a vector, a column for scalar expansion, a number for scalars;
    the entries come from the scalar rule tree, read element by element."""
    entries = rule_tree(node.expr, symbol)
    derivative = entries.result
    titles = ", ".join(dict.fromkeys(step.title for step in entries.walk() if step.key != "constant"))
    if not node.shape:
        kind, key = "scalar", "scalar"
    elif not problem.shapes[operand]:
        kind, key = "column", "scalar_expansion"
    else:
        kind, key = ("identity" if derivative == 1 else "diag"), "elementwise"
    rule = _RULES[key].format(titles=titles, operand=operand)
    return LocalJacobian(node.name, operand, Jacobian(kind, derivative, rows, cols), key, rule, entries)


def _dim(shape: Shape) -> str:
    return shape[0] if shape else "1"


def chain_product(jacobians: Sequence[Jacobian], shapes: dict[str, Shape]) -> ChainProduct:
    """The product of a path's Jacobians, simplified as the lecture does: scalars pulled out,
    I dropped, diag(a)·diag(b) = diag(a ⊙ b), rᵀ·diag(d) = (r ⊙ d)ᵀ, rᵀ·c = r·c, rᵀ·W = (Wᵀr)ᵀ."""
    coefficient: sympy.Expr = sympy.Integer(1)
    factors: list[Jacobian] = []
    jacobians = [_as_scaled_identity(j, shapes) for j in jacobians]
    identities = [j for j in jacobians if j.kind == "identity"]
    if identities and all(j.kind in ("identity", "scalar") for j in jacobians):
        factors.append(
            Jacobian("identity", sympy.Integer(1), identities[0].rows, identities[0].cols)
        )  # y = x
    for jacobian in jacobians:
        if jacobian.kind in ("scalar", "identity"):
            coefficient *= jacobian.body  # c·I: the number c
        elif jacobian.kind in ("outer", "outer_T") and not (factors and factors[-1].kind == "row"):
            raise InputError(
                "a derivative by a matrix needs a scalar output: of a vector it is a third-order tensor",
                hint="differentiate a scalar such as sum(…) or a loss, or choose vectors with --wrt",
            )
        elif not factors:
            factors.append(jacobian)
        else:
            merged = _merge(factors[-1], jacobian, shapes)
            if merged is None:
                factors.append(jacobian)
            elif isinstance(merged, Jacobian):
                factors[-1] = merged
            else:
                factors[-1:] = list(merged[1])
                coefficient *= merged[0]
    return ChainProduct(coefficient, tuple(factors))


def _as_scaled_identity(jacobian: Jacobian, shapes: dict[str, Shape]) -> Jacobian:
    """diag(c) with the same c in every entry is c·I: a number the chain pulls out."""
    if jacobian.kind == "diag" and not value_shape(jacobian.body, shapes):
        return Jacobian("identity", jacobian.body, jacobian.rows, jacobian.cols)
    return jacobian


_Merged = Jacobian | tuple[sympy.Expr, tuple[Jacobian, ...]] | None


def _merge(last: Jacobian, new: Jacobian, shapes: dict[str, Shape]) -> _Merged:
    pair = (last.kind, new.kind)
    if pair == ("diag", "diag"):
        return Jacobian("diag", last.body * new.body, last.rows, new.cols)
    if pair == ("diag", "column"):
        return Jacobian("column", last.body * new.body, last.rows, new.cols)
    if pair == ("row", "diag"):
        return Jacobian("row", last.body * new.body, last.rows, new.cols)
    if pair == ("row", "column"):
        return (_inner(last, new, shapes), ())
    if pair == ("row", "matrix"):
        row = last.body if value_shape(last.body, shapes) else last.body * ones(dimension_symbol(last.cols))
        return Jacobian("row", dot(row, new.body), last.rows, new.cols)
    if pair == ("row", "matrix_T"):
        row = last.body if value_shape(last.body, shapes) else last.body * ones(dimension_symbol(last.cols))
        return Jacobian("row", dot(new.body, row), last.rows, new.cols)
    if pair == ("row", "outer_T"):
        return (
            sympy.Integer(1),
            (
                Jacobian("column", new.body, new.cols.split("×")[0], "1"),
                Jacobian("row", last.body, "1", last.cols),
            ),
        )
    if pair == ("row", "outer"):
        return (
            sympy.Integer(1),
            (
                Jacobian("column", last.body, last.cols, "1"),
                Jacobian("row", new.body, "1", new.cols.split("×")[1]),
            ),
        )
    return None


def _inner(row: Jacobian, column: Jacobian, shapes: dict[str, Shape]) -> sympy.Expr:
    """rᵀ·c, a dot product. A body without a vector in it is a constant vector (c·1⃗): then the
    product is a sum of entries, or n times the constants when both are."""
    r, c = row.body, column.body
    r_vector, c_vector = bool(value_shape(r, shapes)), bool(value_shape(c, shapes))
    if r_vector and c_vector:
        return dot(r, c)
    if r_vector or c_vector:
        constant, vector = (c, r) if r_vector else (r, c)
        return constant * vsum(vector)
    return dimension_symbol(row.cols) * r * c


def add_products(terms: Sequence[ChainProduct]) -> tuple[ChainProduct, ...]:
    """A sum over paths, with terms of the same single-factor form added into one."""
    by_form: dict[tuple[str, ...], list[ChainProduct]] = {}
    for term in terms:
        form = tuple("diag" if f.kind == "identity" else f.kind for f in term.factors)  # I = diag(1)
        by_form.setdefault(form, []).append(term)
    total: list[ChainProduct] = []
    for form, group in by_form.items():
        if len(group) > 1 and len(form) <= 1 and form not in (("matrix",), ("matrix_T",)):
            if not form:
                total.append(ChainProduct(sympy.Add(*(t.coefficient for t in group)), ()))
                continue
            first = group[0].factors[0]
            body = sympy.Add(*(t.coefficient * t.factors[0].body for t in group))
            kind = "diag" if first.kind == "identity" else first.kind
            total.append(ChainProduct(sympy.Integer(1), (Jacobian(kind, body, first.rows, first.cols),)))
        else:
            total.extend(group)
    return tuple(total)


# --- the derivation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VectorPath:
    nodes: tuple[str, ...]  # output first
    jacobians: tuple[Jacobian, ...]
    product: ChainProduct


@dataclass(frozen=True)
class VectorResult:
    """∂output/∂wrt: its paths, their sum in the intermediates and written in the leaves."""

    wrt: str
    rows: str
    cols: str
    paths: tuple[VectorPath, ...]
    in_intermediates: tuple[ChainProduct, ...]
    in_leaves: tuple[ChainProduct, ...]


@dataclass(frozen=True)
class VectorDerivation:
    problem: VectorProblem
    wrt: tuple[str, ...]
    local: tuple[LocalJacobian, ...]
    results: dict[str, VectorResult]
    verification: dict[str, Any] = field(default_factory=dict)
    at: Any = None  # the forward and backward pass at a point (chaintutor.core.vectorpoint)


def derive_vector(text: str, wrt: Sequence[str] | None = None) -> VectorDerivation:
    """The vector chain rule for ``text``, unverified (``vectorderive.derive_verified`` checks it)."""
    problem = read_vector_problem(text)
    matrices = [node.name for node in problem.nodes if len(node.shape) == 2]
    if matrices:
        raise InputError(
            f"{matrices[-1]} is a matrix the problem computes (outer(u, v) or a multiple of a matrix):"
            " it is read, but only scalars and vectors are differentiated",
            hint="differentiate a scalar such as sum(…) or a loss, or a vector",
        )
    targets = tuple(wrt) if wrt else _default_targets(problem)
    for target in targets:
        if target not in problem.leaves:
            known = ", ".join(problem.leaves)
            raise InputError(f"'{target}' is not a variable of the problem (its variables: {known})")
        if not _walk(problem, target):
            raise InputError(f"{problem.output} does not depend on {target}: its derivative is 0")
    local = local_jacobians(problem)
    reached = {name for target in targets for path in _walk(problem, target) for name in path}
    shown = tuple(
        jacobian for (of, wrt_name), jacobian in local.items() if of in reached and wrt_name in reached
    )
    results = {target: result_for(problem, target, local) for target in targets}
    return VectorDerivation(problem, targets, shown, results)


def local_jacobians(problem: VectorProblem) -> dict[tuple[str, str], LocalJacobian]:
    """The Jacobian of every edge (node, operand)."""
    edges = [(node, operand) for node in problem.nodes for operand in node.operands]
    return {(node.name, operand): local_jacobian(problem, node, operand) for node, operand in edges}


def _default_targets(problem: VectorProblem) -> tuple[str, ...]:
    """Every variable; a matrix only when the output is a scalar (else its derivative is a tensor)."""
    scalar_output = not problem.shapes[problem.output]
    targets = tuple(
        leaf
        for leaf in problem.leaves
        if (scalar_output or len(problem.shapes[leaf]) < 2) and _walk(problem, leaf)
    )
    if not targets:
        raise InputError(f"{problem.output} depends on no variable: there is nothing to differentiate")
    return targets


def result_for(
    problem: VectorProblem, target: str, local: dict[tuple[str, str], LocalJacobian]
) -> VectorResult:
    """∂output/∂target (any node or variable): the chain product of every path, summed."""
    paths = []
    for nodes in _walk(problem, target):
        jacobians = tuple(local[edge].jacobian for edge in pairwise(nodes))
        paths.append(VectorPath(nodes, jacobians, chain_product(jacobians, problem.shapes)))
    total = add_products([path.product for path in paths])
    forms = leaf_forms(problem)
    in_leaves = tuple(term.replaced(forms) for term in total)
    shape = problem.shapes[target]
    cols = f"{shape[0]}×{shape[1]}" if len(shape) == 2 else _dim(shape)
    return VectorResult(target, _dim(problem.shapes[problem.output]), cols, tuple(paths), total, in_leaves)


def _walk(problem: VectorProblem, target: str) -> list[tuple[str, ...]]:
    """Every path from the output down to ``target``, output first."""
    operands = {node.name: node.operands for node in problem.nodes}
    found: list[tuple[str, ...]] = []
    pending: list[tuple[str, ...]] = [(problem.output,)]
    while pending:
        path = pending.pop()
        if path[-1] == target:
            found.append(path)
            if len(found) > MAX_VECTOR_PATHS:
                raise InputError(f"more than {MAX_VECTOR_PATHS} paths lead to {target}; name fewer layers")
            continue
        pending.extend((*path, child) for child in reversed(operands.get(path[-1], ())))
    return found


def leaf_forms(problem: VectorProblem) -> dict[sympy.Basic, sympy.Basic]:
    """Each intermediate written in the leaves (its definitions substituted, inner first),
    except one whose vector SymPy would fold into a plain number."""
    forms: dict[sympy.Basic, sympy.Basic] = {}
    for node in problem.nodes:
        form = node.expr.xreplace(forms)
        if not node.shape or value_shape(form, problem.shapes):
            forms[problem.symbol(node.name)] = form
        # else SymPy folded a vector to a number (w*x - x*w is 0): the node keeps its name
    return forms


def is_gradient(result: VectorResult) -> bool:
    """A scalar output differentiated by a vector or a matrix: the result is a gradient."""
    return result.rows == "1" and result.cols != "1"
