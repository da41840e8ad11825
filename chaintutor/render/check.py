"""``check``'s verdict as text, Markdown and LaTeX, and :class:`ShownCheck`, the result a Python
user gets: right or not, the right derivative, each likely mistake."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import sympy

from chaintutor.core.notation import latex, unicode
from chaintutor.core.stack import run_with_big_stack
from chaintutor.grade.check import CheckResult
from chaintutor.grade.equivalence import HOW_EQUAL
from chaintutor.parse.readback import Reading
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
    from chaintutor.render.latex import formulas_in

    def said(text: str) -> str:
        return markdown.words(text, formulas_in(text, _names(result)))

    lines = []
    for which, reading in _readings(result):
        lines.append(f"**Read as ({which}):** ${reading.tex}$")
        lines += [f"- Ambiguous: {markdown.escape(flag)}." for flag in reading.flags]  # what to type: text
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
    from chaintutor.render.latex import escape_text, formulas_in, words

    def said(text: str) -> str:
        return words(text, formulas_in(text, _names(result)))

    lines = []
    for which, reading in _readings(result):
        lines.append(rf"\textbf{{Read as ({which}):}} \( {reading.tex} \)\par")
        lines += [rf"Ambiguous: {escape_text(flag)}.\par" for flag in reading.flags]  # what to type: text
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

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _names(result: CheckResult) -> frozenset[str]:
    """The problem's variables: a word of a sentence that is one of them is mathematics."""
    found = {str(symbol) for symbol in result.expected.free_symbols | result.answer.free_symbols}
    found |= set(_NAME.findall(result.problem)) | {result.wrt, result.problem_output}
    return frozenset(found - {""})


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
