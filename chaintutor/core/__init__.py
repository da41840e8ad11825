"""The pipeline, in order: problem → graph → paths → rules → derive → evaluate → verify; jacobian.

Pure functions over plain dataclasses holding SymPy objects. Nothing here imports render,
Rich or Typer: a derivation is data, and every format is drawn from it by :mod:`chaintutor.render`.
:mod:`backward` is reverse accumulation, written once for the three kinds of number that derive,
evaluate and the grader use it with. Helpers for huge and deep expressions live beside the
stages: :mod:`walk` (expressions as DAGs, without recursion), :mod:`stack` (a big stack for deep
nests), :mod:`budget` (time limits in a killable worker), :mod:`notation` (how expressions are
written for people). :mod:`outline` reads a derivation in teaching order (pieces, local
derivatives, paths) for those who explain it.
"""
