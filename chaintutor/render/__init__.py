"""Renderers: each turns a Derivation into one output format; :mod:`check` and :mod:`classroom`
write the verdict of ``check`` and the report of ``grade``."""
