"""Independent checks used across the tests: SymPy and plain numbers, never our own output."""

import random

import sympy


def real(*names: str) -> tuple[sympy.Symbol, ...]:
    return tuple(sympy.Symbol(name, real=True) for name in names)


def same_function(a: sympy.Expr, b: sympy.Expr, points: int = 5, seed: int = 7) -> bool:
    """True when a and b agree numerically at random points (complex values allowed)."""
    rng = random.Random(seed)
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    checked = 0
    for _ in range(50):
        point = {s: sympy.Float(rng.uniform(0.15, 0.9), 30) for s in symbols}
        va = complex(a.xreplace(point).evalf(30))
        vb = complex(b.xreplace(point).evalf(30))
        if any(v != v or abs(v) > 1e100 for v in (va, vb)):
            continue
        if abs(va - vb) > 1e-9 * max(1.0, abs(vb)):
            return False
        checked += 1
        if checked == points:
            return True
    return checked > 0
