"""Grading answers: is a derivative right, and which chain-rule mistake produced a wrong one.

:func:`chaintutor.grade.check.check` is the entry point (``chaintutor.check`` loads it lazily).
"""
