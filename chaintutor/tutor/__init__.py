"""The learning app: the exercise bank, the generator, practice sessions, progress, class grading.

Built on :mod:`chaintutor.grade`; draws nothing itself (the command layer and
:mod:`chaintutor.render` show what these modules decide).
"""
