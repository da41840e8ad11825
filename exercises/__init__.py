"""The exercise bank, installed as the data package ``chaintutor.bank``: one set per TOML file.

Read it with :func:`chaintutor.exercises.load_bank`; this file only makes the folder a package.
"""
