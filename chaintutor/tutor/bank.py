"""The exercise bank: one set of exercises per TOML file, validated when it is loaded.

The bank is the top-level ``exercises/`` folder of the repository. ``pyproject.toml`` maps that
folder to the data package ``chaintutor.bank``, so the wheel ships the same files without a
copy in the source tree. A file looks like this (CONTRACT.md, "Exercises")::

    [set]
    name = "single-chains"
    title = "Nested functions of one variable"

    [[exercise]]
    id = "ln-sin-cube"
    problem = "ln(sin(x**3)**2)"
    wrt = ["x"]
    level = 3
    hints = ["Name the layers from the inside out: …", "…"]
    source = "SEEDS.md §1 (lecture worked example)"

Three optional keys ask for something other than the derivative as a function:

- ``at = "x = 2"`` (the syntax of ``derive --at``, every independent variable given a number):
  the derivative's value at that point, a number (a numeric backward pass, or f′(g(a)));
- ``table = ["g(2) = 1", "g'(2) = 3", "f'(1) = 4"]`` (with ``at``, for a problem with abstract
  functions of one variable): values of the functions and their derivatives, as a textbook's
  table of values gives them; the answer is computed from them alone;
- ``statement``: the exercise as the learner reads it, when the problem is a form the tool can
  derive rather than the way a textbook puts it (a parametric curve ``x = t² + 1, y = t³ − t``
  is practised as ``y = t**3 - t; t = sqrt(x - 1)``).

Levels: 1 one layer (a function of a simple inner), 2 two layers, 3 three layers or a product
with a composition, 4 a small system where a variable reaches the output along two paths,
5 deep chains or many paths.

Every mistake in a file is an :class:`InputError` whose message starts ``FILE:LINE:``. TOML
does not report where a value was written, so schema errors point at the line found in the
text: the key's own line, or the exercise's ``[[exercise]]`` header when the key is missing.
Problems are checked with the parser and the system checks only; SymPy is never imported here.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from chaintutor.core.problem import CONSTANT_NAMES, read_problem
from chaintutor.errors import InputError, control_character

BANK_PACKAGE = "chaintutor.bank"
LEVELS = range(1, 6)

_KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TABLE_HEADER = re.compile(r"\s*\[")
_EXERCISE_HEADER = re.compile(r"\s*\[\[\s*exercise\s*\]\]")
_SET_HEADER = re.compile(r"\s*\[\s*set\s*\]")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_SET_KEYS = ("name", "title")
_EXERCISE_KEYS = ("id", "problem", "wrt", "level", "hints", "source")
_OPTIONAL_KEYS = ("at", "table", "statement")
# A number as the bank writes one: an integer, a decimal or a fraction (2, -0.5, 3/4).
_NUMBER = r"-?\d+(?:\.\d+)?(?:/\d+)?"
_AT_PAIR = re.compile(rf"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*({_NUMBER})\s*")
# A row of a table of values: g(2) = 1, g'(2) = 3 (functions of one variable).
_TABLE_ROW = re.compile(rf"\s*([fghFGH])('?)\(\s*({_NUMBER})\s*\)\s*=\s*({_NUMBER})\s*")

# Ids and set names are unique across the bank: (kind, name) -> "file:line" of the first use.
_Taken = dict[tuple[str, str], str]


@dataclass(frozen=True)
class Exercise:
    """One exercise: differentiate ``problem`` with respect to each name in ``wrt``."""

    id: str
    problem: str  # in the input language of CONTRACT.md
    wrt: tuple[str, ...]  # leaves to differentiate with respect to; other leaves are constants
    level: int  # 1 … 5
    hints: tuple[str, ...]  # progressively revealing
    source: str
    set_name: str
    at: str | None = None  # "x = 2, w = 1/2": ask for the derivative's value there
    table: tuple[str, ...] = ()  # "g(2) = 1", "g'(2) = 3": the abstract functions' values
    statement: str | None = None  # how the exercise reads, when not "Differentiate PROBLEM"

    @property
    def table_rows(self) -> tuple[tuple[str, bool, str, str], ...]:
        """The table, row by row: ``g'(2) = 3`` is ``("g", True, "2", "3")``."""
        rows = (_TABLE_ROW.fullmatch(row) for row in self.table)
        return tuple((m[1], bool(m[2]), m[3], m[4]) for m in rows if m)


@dataclass(frozen=True)
class ExerciseSet:
    """The exercises of one file, in the order written."""

    name: str
    title: str
    exercises: tuple[Exercise, ...]


def load_bank(directory: str | Path | None = None) -> list[ExerciseSet]:
    """Every set in ``directory`` (default: the packaged bank), in file-name order, validated."""
    folder = _packaged_bank() if directory is None else Path(directory)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of exercise files")
    files = sorted((e for e in folder.iterdir() if e.name.endswith(".toml")), key=lambda e: e.name)
    if not files:
        raise InputError(f"{folder}: no exercise files (*.toml) found")
    taken: _Taken = {}
    return [_read_set(_TomlFile(str(entry), _read_text(entry)), taken) for entry in files]


def all_exercises(bank: Iterable[ExerciseSet]) -> Iterator[Exercise]:
    """Every exercise of the bank, set by set."""
    for group in bank:
        yield from group.exercises


def find_exercise(bank: Iterable[ExerciseSet], exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``; an InputError suggesting a near id otherwise."""
    exercises = {exercise.id: exercise for exercise in all_exercises(bank)}
    if exercise_id not in exercises:
        raise InputError(f"no exercise has the id '{exercise_id}'", hint=_suggest(exercise_id, exercises))
    return exercises[exercise_id]


def find_set(bank: Iterable[ExerciseSet], name: str) -> ExerciseSet:
    """The set called ``name``; an InputError suggesting a near name otherwise."""
    sets = {group.name: group for group in bank}
    if name not in sets:
        raise InputError(f"no exercise set is called '{name}'", hint=_suggest(name, sets))
    return sets[name]


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else "`chaintutor exercises` lists them all"


def _packaged_bank() -> Traversable:
    """The installed data package, or, in a source checkout that was never installed (where
    ``chaintutor.bank`` does not exist), the top-level folder it is built from."""
    try:
        return resources.files(BANK_PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "exercises"  # from chaintutor/tutor/bank.py


def _read_text(entry: Traversable) -> str:
    try:
        return entry.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{entry}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _claim(file: _TomlFile, taken: _Taken, kind: str, name: str, line: int) -> None:
    where = f"{file.label}:{line}"
    first = taken.setdefault((kind, name), where)
    if first != where:
        raise file.error(line, f"the {kind} '{name}' is already used at {first}")


class _TomlFile:
    """One file's text and parsed content, and the line numbers that errors point at."""

    def __init__(self, label: str, text: str) -> None:
        self.label = label
        self.lines = text.splitlines()
        for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
            found = control_character(raw)
            if found is not None:
                raise self.error(number, f"the control character {found} is not allowed in an exercise file")
        self.data = self._parse(text)
        self.exercise_lines = [n for n, line in enumerate(self.lines, 1) if _EXERCISE_HEADER.match(line)]
        self.set_line = next((n for n, line in enumerate(self.lines, 1) if _SET_HEADER.match(line)), 1)

    def _parse(self, text: str) -> dict[str, Any]:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            message = str(error)
            position = _TOML_POSITION.search(message)
            if position is None:  # "at end of document"
                raise self.error(max(len(self.lines), 1), f"invalid TOML: {message}") from None
            line, column = position.groups()
            reason = message[: position.start()]
            raise self.error(int(line), f"invalid TOML: {reason} (column {column})") from None

    def error(self, line: int, message: str, **details: Any) -> InputError:
        return InputError(f"{self.label}:{line}: {message}", **details)

    def key_line(self, key: str, table_line: int) -> int:
        """The line of ``key = …`` in the table whose header is on ``table_line`` (0: the top
        level); the header's own line when the key is not written there."""
        pattern = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
        for number in range(table_line + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if _TABLE_HEADER.match(line):
                break
            if pattern.match(line):
                return number
        return max(table_line, 1)


def _read_set(file: _TomlFile, taken: _Taken) -> ExerciseSet:
    data = file.data
    _check_keys(file, data, ("set", "exercise"), 0, "the file")
    header = data["set"]
    if not isinstance(header, dict):
        raise file.error(file.key_line("set", 0), "'set' must be a table: write [set] with name and title")
    _check_keys(file, header, _SET_KEYS, file.set_line, "[set]")
    name = _kebab(file, header, "name", file.set_line, "[set]")
    title = _text(file, header, "title", file.set_line, "[set]")
    _claim(file, taken, "set name", name, file.key_line("name", file.set_line))
    tables = data["exercise"]
    if not isinstance(tables, list) or not tables or len(tables) != len(file.exercise_lines):
        message = "write each exercise as an [[exercise]] table (one or more)"
        raise file.error(file.key_line("exercise", 0), message)
    exercises = tuple(
        _read_exercise(file, table, line, name, taken)
        for table, line in zip(tables, file.exercise_lines, strict=True)
    )
    return ExerciseSet(name, title, exercises)


def _read_exercise(
    file: _TomlFile, table: dict[str, Any], line: int, set_name: str, taken: _Taken
) -> Exercise:
    """The exercise whose ``[[exercise]]`` header is on ``line``."""
    what = f"exercise '{table['id']}'" if isinstance(table.get("id"), str) else f"the exercise at line {line}"
    _check_keys(file, table, _EXERCISE_KEYS, line, what, _OPTIONAL_KEYS)
    exercise_id = _kebab(file, table, "id", line, what)
    _claim(file, taken, "id", exercise_id, file.key_line("id", line))
    problem = _text(file, table, "problem", line, what)
    wrt = _string_list(file, table, "wrt", line, what)
    leaves = _check_wrt(file, problem, wrt, line, what)
    at = _at(file, table, leaves, line, what)
    return Exercise(
        id=exercise_id,
        problem=problem,
        wrt=wrt,
        level=_level(file, table, line, what),
        hints=_string_list(file, table, "hints", line, what),
        source=_text(file, table, "source", line, what),
        set_name=set_name,
        at=at,
        table=_table(file, table, at, line, what),
        statement=_text(file, table, "statement", line, what) if "statement" in table else None,
    )


def _check_keys(
    file: _TomlFile,
    table: dict[str, Any],
    expected: tuple[str, ...],
    line: int,
    what: str,
    optional: tuple[str, ...] = (),
) -> None:
    for key in table:
        if key not in expected and key not in optional:
            known = expected + optional
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (expected: {', '.join(known)})"
            raise file.error(file.key_line(key, line), f"{what}: unknown key '{key}'{hint}")
    for key in expected:
        if key not in table:
            raise file.error(max(line, 1), f"{what}: missing key '{key}'")


def _text(file: _TomlFile, table: dict[str, Any], key: str, line: int, what: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise file.error(file.key_line(key, line), f"{what}: '{key}' must be a non-empty string")
    _no_control(file, value, key, line, what)
    return value


def _no_control(file: _TomlFile, value: str, key: str, line: int, what: str) -> None:
    """A control character (ESC, CR, NUL, …), even written as an escape ("\\u001b"), would reach
    the terminal of everyone who practises: refused with the file and line."""
    found = control_character(value)
    if found is not None:
        raise file.error(file.key_line(key, line), f"{what}: '{key}' holds the control character {found}")


def _kebab(file: _TomlFile, table: dict[str, Any], key: str, line: int, what: str) -> str:
    value = _text(file, table, key, line, what)
    if not _KEBAB.fullmatch(value):
        message = f"{what}: '{key}' must be kebab-case (lowercase letters, digits and '-'), not '{value}'"
        raise file.error(file.key_line(key, line), message)
    return value


def _string_list(file: _TomlFile, table: dict[str, Any], key: str, line: int, what: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        message = f"{what}: '{key}' must be a non-empty list of non-empty strings"
        raise file.error(file.key_line(key, line), message)
    for item in value:
        _no_control(file, item, key, line, what)
    return tuple(value)


def _level(file: _TomlFile, table: dict[str, Any], line: int, what: str) -> int:
    value = table["level"]
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        message = f"{what}: 'level' must be an integer from 1 to 5, not {value!r}"
        raise file.error(file.key_line("level", line), message)
    return value


def _at(file: _TomlFile, table: dict[str, Any], leaves: list[str], line: int, what: str) -> str | None:
    """``at``: a number for every independent variable, NAME = NUMBER pairs separated by commas."""
    if "at" not in table:
        return None
    text = _text(file, table, "at", line, what)
    pairs = [_AT_PAIR.fullmatch(part) for part in text.split(",")]
    names = [pair[1] for pair in pairs if pair]
    if not all(pairs) or sorted(names) != sorted(leaves):
        message = (
            f"{what}: 'at' must give each independent variable ({', '.join(leaves)}) a number, "
            'as in "x = 2, w = -1/2"'
        )
        raise file.error(file.key_line("at", line), message)
    return text


def _table(file: _TomlFile, table: dict[str, Any], at: str | None, line: int, what: str) -> tuple[str, ...]:
    """``table``: rows such as ``g(2) = 1`` or ``g'(2) = 3``, each at most once; only with ``at``."""
    if "table" not in table:
        return ()
    rows = _string_list(file, table, "table", line, what)
    keys = [match[1] + match[2] + match[3] if (match := _TABLE_ROW.fullmatch(row)) else None for row in rows]
    if at is None or None in keys or len(set(keys)) != len(keys):
        message = (
            f"{what}: 'table' goes with 'at' and holds distinct rows such as \"g(2) = 1\" or \"g'(2) = 3\""
        )
        raise file.error(file.key_line("table", line), message)
    return rows


def _check_wrt(file: _TomlFile, problem: str, wrt: tuple[str, ...], line: int, what: str) -> list[str]:
    leaves = _leaves(file, problem, line, what)
    for name in wrt:
        if name not in leaves or wrt.count(name) > 1:
            reason = "is listed twice" if name in leaves else "is not an independent variable of the problem"
            raise file.error(
                file.key_line("wrt", line),
                f"{what}: '{name}' in wrt {reason} (the independent variables are: {', '.join(leaves)})",
            )
    return leaves


def _leaves(file: _TomlFile, problem: str, line: int, what: str) -> list[str]:
    """The independent variables, as the derivation will see them: names used but never
    defined, the constants e and pi excepted unless the problem defines them."""
    try:
        parsed = read_problem(problem)
    except InputError as error:
        raise file.error(
            file.key_line("problem", line),
            f"{what}: the problem is not valid: {error.message}",
            source=problem,
            start=error.start,
            end=error.end,
            hint=error.hint,
        ) from None
    constants = CONSTANT_NAMES - parsed.defined
    return [name for name in parsed.names if name not in parsed.defined and name not in constants]
