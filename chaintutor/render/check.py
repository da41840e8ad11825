"""``check``'s verdict as text, Markdown and LaTeX, and :class:`ShownCheck`, the result a Python
user gets: right or not, the right derivative, each likely mistake."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields

import sympy

from chaintutor.core.notation import latex, unicode
from chaintutor.core.stack import run_with_big_stack
from chaintutor.grade.check import CheckResult
from chaintutor.grade.equivalence import HOW_EQUAL
from chaintutor.parse.readback import Reading
from chaintutor.render.document import Phrase, Word
from chaintutor.render.text import names_in


def check_text(result: CheckResult) -> str:
    """The verdict, the right derivative, and each mistake found: plain text, no ANSI, the
    names as ``derive`` prints them (u₁, θ)."""
    return names_in(run_with_big_stack(_check_text, result))


def check_markdown(result: CheckResult) -> str:
    """The same as Markdown with the formulas in ``$…$`` (what a notebook shows)."""
    return run_with_big_stack(_check_markdown, result)


def check_latex(result: CheckResult) -> str:
    """The same as a LaTeX fragment (it needs amsmath only)."""
    return run_with_big_stack(_check_latex, result)


def _headline(result: CheckResult) -> str:
    if result.correct:
        return f"✓ correct (equivalent {HOW_EQUAL[result.equivalence]})"
    return "≈ close, but not exact" if result.close else "✗ not correct"


def _mistakes_title(result: CheckResult) -> str:
    if any(item.together for item in result.diagnosis):
        return "Likely mistakes (both together give your answer):"
    if len(result.diagnosis) > 1:
        return "Likely mistakes (each one gives this answer):"
    return "Likely mistake:"


def _readings(result: CheckResult) -> list[tuple[str, Reading]]:
    """The problem's and the answer's "Read as" lines, for those that took interpretation."""
    both = (("problem", result.problem_reading), ("your answer", result.answer_reading))
    return [(which, reading) for which, reading in both if reading is not None]


def _read_as_text(result: CheckResult) -> str:
    lines = []
    for which, reading in _readings(result):
        lines.append(f"Read as ({which}): {reading.text}")
        lines.extend(f"  Ambiguous: {flag}." for flag in reading.flags)
    return "".join(line + "\n" for line in lines)


def _check_text(result: CheckResult) -> str:
    return _read_as_text(result) + _verdict_text(result)


def _verdict_text(result: CheckResult) -> str:
    d = f"d{result.problem_output}/d{result.wrt}" if result.problem_output else "the derivative"
    if result.correct:
        return f"{_headline(result)}\n  {d} = {unicode(result.expected)}\n"
    lines = [
        _headline(result),
        f"  your answer: {result.typed or unicode(result.answer)}",
        f"  expected:    {unicode(result.expected)}",
    ]
    if result.detail:
        lines.append(f"  ({result.detail})")
    if result.diagnosis:
        lines.append("")
        lines.append(_mistakes_title(result))
        lines.extend(f"  - {item.message} [{item.code}]" for item in result.diagnosis)
    return "\n".join(lines) + "\n"


def _fraction(result: CheckResult) -> str:
    if not result.problem_output:
        return r"\text{the derivative}"
    of, wrt = (latex(sympy.Symbol(name)) for name in (result.problem_output, result.wrt))
    return rf"\frac{{d{of}}}{{d{wrt}}}"


def _check_markdown(result: CheckResult) -> str:
    from chaintutor.render import markdown  # loaded for notebooks, not for the command line

    def said(text: str) -> str:
        return markdown.words(text, _math_in(text, _names(result)))

    lines = []
    for which, reading in _readings(result):
        lines.append(f"**Read as ({which}):** ${reading.tex}$")
        lines += [f"- Ambiguous: {said(flag)}." for flag in reading.flags]
        lines.append("")
    lines += [f"**{markdown.escape(_headline(result))}**", ""]
    if result.correct:
        lines.append(f"${_fraction(result)} = {latex(result.expected)}$")
        return "\n".join(lines) + "\n"
    lines.append(f"- your answer: ${latex(result.answer)}$")
    lines.append(f"- expected: ${_fraction(result)} = {latex(result.expected)}$")
    if result.detail:
        lines.append(f"- {said(result.detail)}")
    if result.diagnosis:
        lines += ["", markdown.escape(_mistakes_title(result)), ""]
        lines += [f"- {said(item.message)} (`{item.code}`)" for item in result.diagnosis]
    return "\n".join(lines) + "\n"


def _latex_headline(result: CheckResult) -> str:
    """The verdict in words: pdflatex with amsmath alone has no check mark."""
    if result.correct:
        return rf"\textbf{{Correct}} (equivalent {HOW_EQUAL[result.equivalence]})"
    return r"\textbf{Close, but not exact}" if result.close else r"\textbf{Not correct}"


def _check_latex(result: CheckResult) -> str:
    from chaintutor.render.latex import escape_text, words

    def said(text: str) -> str:
        return words(text, _math_in(text, _names(result)))

    lines = []
    for which, reading in _readings(result):
        lines.append(rf"\textbf{{Read as ({which}):}} \( {reading.tex} \)\par")
        lines += [rf"Ambiguous: {said(flag)}.\par" for flag in reading.flags]
    lines.append(_latex_headline(result))
    if result.correct:
        lines.append(rf"\[ {_fraction(result)} = {latex(result.expected)} \]")
        return "\n".join(lines) + "\n"
    lines += [
        r"\begin{itemize}",
        rf"\item your answer: \( {latex(result.answer)} \)",
        rf"\item expected: \( {_fraction(result)} = {latex(result.expected)} \)",
    ]
    if result.detail:
        lines.append(rf"\item {said(result.detail)}")
    lines.append(r"\end{itemize}")
    if result.diagnosis:
        lines += [escape_text(_mistakes_title(result)), r"\begin{itemize}"]
        lines += [
            rf"\item {said(item.message)} (\texttt{{{escape_text(item.code)}}})" for item in result.diagnosis
        ]
        lines.append(r"\end{itemize}")
    return "\n".join(lines) + "\n"


# --- the formulas inside the grader's sentences ----------------------------------------------

# Short English words that a problem may also use as a variable's name: in a sentence they
# are words, unless an operator stands next to them ("a = x·z").
_ENGLISH = frozenset(
    ["a", "an", "and", "as", "at", "be", "by", "if", "in", "is", "it", "of", "on", "or", "the", "to"]
)
_OPERATOR_WORDS = frozenset(["=", "+", "-", "−", "→", "·", "/", "×"])
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_FORMULA_MARKS = re.compile(r"[\d()^/+=·√∂∇→\u0080-\uffff|]")


def _names(result: CheckResult) -> frozenset[str]:
    """The problem's variables: a word of a sentence that is one of them is mathematics."""
    found = {str(symbol) for symbol in result.expected.free_symbols | result.answer.free_symbols}
    found |= set(_NAME.findall(result.problem)) | {result.wrt, result.problem_output}
    return frozenset(found - {""})


def _math_in(text: str, names: frozenset[str]) -> Phrase:
    """A sentence of the grader's ("the derivative of the inner function u1 = x², 2x, is
    missing") with its formulas as mathematics, for the writers that typeset: the words stay
    text, every formula (a run of words joined by operators, or one with a digit, a bracket
    or a mathematical sign) is set from its Unicode form by ``unicode_formula_tex``."""
    from chaintutor.render.latex import is_unicode_formula, unicode_formula_tex

    chunks = _chunks(text)
    kinds = [_kind(core, names) for _, core, _ in chunks]
    for index, (_, core, trail) in enumerate(chunks):
        if kinds[index] == "number" or (kinds[index] == "word" and _NAME.fullmatch(core)):
            before = index > 0 and kinds[index - 1] == "operator" and not chunks[index - 1][2]
            after = index + 1 < len(chunks) and kinds[index + 1] == "operator" and not trail
            kinds[index] = "math" if before or after else kinds[index]
    phrase: list[str | tuple[Word, ...]] = []
    span: list[str] = []

    def close_span() -> None:
        if span:
            phrase.extend(_formula_part(" ".join(span), unicode_formula_tex))
            span.clear()

    for (space, core, trail), kind in zip(chunks, kinds, strict=True):
        mathematical = kind in ("math", "operator") and is_unicode_formula(core)
        if mathematical:
            if not span:
                phrase.append(space)
            span.append(core)
        else:
            close_span()
            phrase.append(space + core)
        if trail or not mathematical:
            close_span()
            phrase.append(trail)
    close_span()
    return tuple(part for part in phrase if part)


def _chunks(text: str) -> list[tuple[str, str, str]]:
    """(the space before, the word or formula, the punctuation after) for every piece of ``text``."""
    return [
        (match.group(1), match.group(2), match.group(3))
        for match in re.finditer(r"(\s*)(\S+?)([,;:.]*)(?=\s|$)", text)
    ]


def _kind(core: str, names: frozenset[str]) -> str:
    if core in _OPERATOR_WORDS:
        return "operator"
    if core.isdigit():
        return "number"
    bare = core.strip("()")
    if _WORD.fullmatch(bare):
        return "math" if bare in names and bare not in _ENGLISH else "word"
    return "math" if _FORMULA_MARKS.search(core) else "word"


def _formula_part(span: str, to_tex: Callable[[str], str]) -> list[str | tuple[Word, ...]]:
    """A formula with the brackets that belong to the sentence around it left outside:
    "(from u = b + w·x)" keeps its "(" and ")" as text."""
    lead = trail = ""
    while span.startswith("(") and span.count("(") > span.count(")"):
        lead, span = lead + "(", span[1:]
    while span.endswith(")") and span.count(")") > span.count("("):
        trail, span = ")" + trail, span[:-1]
    return [lead, (Word(span, to_tex(span)),), trail]


@dataclass(frozen=True)
class ShownCheck(CheckResult):
    """A :class:`CheckResult` that can show itself: ``print(r)``, ``r.to_markdown()``, notebooks."""

    @classmethod
    def of(cls, result: CheckResult) -> ShownCheck:
        return cls(**{field.name: getattr(result, field.name) for field in fields(result)})

    def to_text(self) -> str:
        """Exactly what ``check --format text`` prints."""
        return check_text(self)

    def to_markdown(self) -> str:
        return check_markdown(self)

    def to_latex(self) -> str:
        return check_latex(self)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        codes = ", ".join(item.code for item in self.diagnosis)
        mistakes = f", diagnosis=[{codes}]" if codes else ""
        return (
            f"<CheckResult {self.verdict}: d{self.problem_output or '?'}/d{self.wrt} of {self.problem!r},"
            f" answer {self.typed or unicode(self.answer)!r}{mistakes}>"
        )

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()
