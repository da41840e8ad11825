"""Renderers: each turns a Derivation into one output format."""
