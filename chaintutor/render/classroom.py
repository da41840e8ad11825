"""The report of ``grade FILE``: plain text, Markdown, JSON, or a CSV gradebook.

What the file holds (names, answers, problems) is untrusted, and each format guards against it:

- control characters are shown as visible escapes (``\\n``, ``\\x1b``), so an answer with a new
  line keeps to its line and nothing reaches the terminal raw;
- long answers and names are shortened in the text and Markdown reports (JSON keeps them whole);
- names are listed quoted (``"Chidi, s15", "O'Brien, Pat"``), so a comma in a name is never
  read as a separator;
- formula injection (OWASP, "CSV Injection"): a text cell of the CSV or of a Markdown table
  that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
  apostrophe, which spreadsheets take as "this is text". Numbers that chaintutor computes (marks
  and totals) are written as numbers and never prefixed, so they stay numbers a spreadsheet can
  add up (none is negative). Text is always text: a student called ``-1`` or an answer ``-3``
  is shown ``'-1``, ``'-3``, since a spreadsheet would otherwise read them as numbers, and
  ``-1+2`` as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from fractions import Fraction

from chaintutor.errors import visible
from chaintutor.tutor.classroom import GradedAnswer, Report
from chaintutor.tutor.gradebook import ExerciseStats, Gradebook, gradebook, number, to_dict

ANSWER_WIDTH = 60  # an answer longer than this is shortened in the text and Markdown reports
NAME_WIDTH = 40
MESSAGE_WIDTH = 300  # a diagnosis quoting a huge answer
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` as a spreadsheet cell that is never a formula (OWASP: a leading apostrophe).

    >>> spreadsheet_text("=cmd()"), spreadsheet_text("-3"), spreadsheet_text("ada")
    ("'=cmd()", "'-3", 'ada')
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def shorten(text: str, width: int = ANSWER_WIDTH) -> str:
    """``text`` made visible on one line, cut to ``width`` characters with its length said.

    >>> shorten("x" * 100, 10)
    'xxxxxxxxx… (100 characters)'
    """
    shown = visible(text)
    if len(shown) <= width:
        return shown
    return f"{shown[: width - 1]}… ({len(text):,} characters)"


def _points(value: Fraction) -> str:
    shown = number(value)
    return f"{shown:g}" if isinstance(shown, float) else str(shown)


def _percent(part: float | Fraction, whole: float) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def _names(names: Sequence[str]) -> str:
    """Names quoted and comma-separated: a comma or a quote inside a name cannot mislead."""
    cut = [name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…" for name in names]
    return ", ".join(visible(json.dumps(name, ensure_ascii=False)) for name in cut)


def _mistakes(stats: ExerciseStats) -> str:
    return ", ".join(f"{code} {count}" for code, count in stats.mistakes) or "–"


def _median_tries(stats: ExerciseStats) -> str:
    return "–" if stats.median_tries is None else f"{stats.median_tries:g}"


# --- JSON and CSV ------------------------------------------------------------------------------


def report_json(report: Report) -> str:
    return json.dumps(to_dict(gradebook(report)), indent=2, ensure_ascii=False) + "\n"


def report_csv(report: Report) -> str:
    """The gradebook: one row per student, one column per question (the best mark, blank when
    not answered), and the total. Opens as it is in a spreadsheet (RFC 4180, UTF-8)."""
    book = gradebook(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_text(name) for name in ("student", *book.columns, "total")])
    for student in book.students:
        marks = [number(student.marks[c]) if c in student.marks else "" for c in book.columns]
        writer.writerow([spreadsheet_text(student.student), *marks, number(student.score)])
    return out.getvalue()


# --- text --------------------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Aligned columns; the columns in ``right`` are aligned right (numbers)."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def _summary_lines(book: Gradebook) -> list[str]:
    s = book.summary
    lines = [
        f"{s.students} students, {s.columns} questions. Mean score {_points(s.mean_score)}/{s.columns}"
        f" ({_percent(s.mean_score, s.columns)}), median {_points(s.median_score)},"
        f" highest {_points(s.highest)}, lowest {_points(s.lowest)}."
    ]
    notes = []
    if s.unparseable:
        notes.append(f"{s.unparseable} answers could not be read")
    if s.skipped_rows:
        notes.append(f"{s.skipped_rows} rows of the file were not graded (listed at the end)")
    if notes:
        lines.append("; ".join(notes) + ".")
    return lines


def report_text(report: Report) -> str:
    book = gradebook(report)
    total = len(report.answers)
    right = f"{report.correct} right ({_percent(report.correct, total)})"
    # Every piece of the file (names, answers, problems) and every message quoting it goes
    # through visible() (shorten() calls it): nothing is sent to the terminal raw.
    lines = [f"Graded {total} answers from {visible(report.source)}: {right}", *_summary_lines(book)]
    lines += ["", "Questions"]
    lines += _table(
        ("question", "answers", "right", "mean", "median tries", "most frequent mistakes"),
        [
            (
                shorten(e.column, NAME_WIDTH),
                str(e.answers),
                _percent(e.right, e.answers),
                _points(e.mean_score),
                _median_tries(e),
                _mistakes(e),
            )
            for e in book.exercises
        ],
        {1, 2, 3, 4},
    )
    lines += ["", "Students"]
    lines += _table(
        ("student", "score", "answered", "right"),
        [
            (shorten(s.student, NAME_WIDTH), f"{_points(s.score)}/{s.out_of}", str(s.answered), str(s.right))
            for s in book.students
        ],
        {1, 2, 3},
    )
    lines += ["", "Answers"]
    for student in book.students:
        lines.append(f"{shorten(student.student, NAME_WIDTH)}: {_points(student.score)}/{student.out_of}")
        for answer in student.answers:
            lines.extend(_answer_lines(answer))
    if report.mistakes:
        lines += ["", "Mistakes found"]
        code_width = max(len(code) for code, _, _ in report.mistakes)
        for code, count, names in report.mistakes:
            who = f"{len(names)} student{'s' if len(names) > 1 else ''}: {_names(names)}"
            lines.append(f"  {code:<{code_width}}  {count:>3}  {who}")
    if report.skipped:
        lines += ["", "Rows not graded"]
        lines.extend(
            f"  line {row.line}: {shorten(row.reason, MESSAGE_WIDTH)}: {shorten(row.text)}"
            for row in report.skipped
        )
    return "\n".join(lines) + "\n"


def _answer_lines(answer: GradedAnswer) -> list[str]:
    mark = "✓" if answer.correct else "✗"
    what = shorten(answer.what, NAME_WIDTH)
    first = f"  {mark} {what}  line {answer.row.line}: {shorten(answer.row.answer)}"
    if answer.steps is not None and not answer.correct:
        first += f"  ({_points(answer.score)} for the steps)"
    lines = [first]
    lines.extend(f"      {f.code}: {shorten(f.message, MESSAGE_WIDTH)}" for f in answer.findings)
    if answer.steps is not None:
        lines.extend(f"      {line}" for line in _steps_lines(answer))
    return lines


def _steps_lines(answer: GradedAnswer) -> list[str]:
    steps = answer.steps
    assert steps is not None
    if not steps.marks:
        return [f"steps: {steps.note}"]
    shown = [f"steps: {steps.credited}/{len(steps.marks)} credited"]
    for step in steps.marks:
        given = "(not given)" if step.answer is None else shorten(step.answer)
        why = f" (right for {', '.join(step.follows_from)})" if step.follows_from else ""
        shown.append(f"  {step.verdict:<10} {step.label} = {given}{why}")
    if steps.final_follows_from:
        shown.append(f"  the final answer follows from {', '.join(steps.final_follows_from)}")
    shown.extend(f"  not a step of this problem: {shorten(entry)}" for entry in steps.unmatched)
    return shown


# --- Markdown ----------------------------------------------------------------------------------

# Every ASCII punctuation character but '&' and ';', which spell the entities written for < > &.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-%'-/:<-@\[-`{-~])")


def _cell(text: str, width: int = ANSWER_WIDTH) -> str:
    """Untrusted text for a Markdown table cell, shown as it is: shortened, control characters as
    visible escapes, < > & as HTML entities, every other ASCII punctuation character
    backslash-escaped (no HTML, link or emphasis can start; a '|' cannot end the cell), no line
    breaks, and never the start of a formula once rendered and pasted into a spreadsheet."""
    shown = spreadsheet_text(shorten(text, width))
    shown = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", shown)


def _code(text: str) -> str:
    """An answer as inline code (as typed), in a table cell: nothing in a code span is markup,
    but a '|' still ends the cell."""
    if not text.strip():
        return "(empty)"
    shown = spreadsheet_text(shorten(text))
    if any(char in shown for char in "`<>&"):  # in a code span these would stay raw in the file
        return _cell(text)
    return "`" + shown.replace("|", "\\|") + "`"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def report_markdown(report: Report) -> str:
    book = gradebook(report)
    total = len(report.answers)
    lines = [
        f"# Grades: {_cell(report.source)}",
        "",
        f"{total} answers, {report.correct} right ({_percent(report.correct, total)}).",
        *_summary_lines(book),
        "",
        "## Questions",
        "",
        "| Question | Answers | Right | Mean | Median tries | Most frequent mistakes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for e in book.exercises:
        mistakes = ", ".join(f"`{code}` {count}" for code, count in e.mistakes) or "–"
        lines.append(
            _row(
                (
                    _cell(e.column, NAME_WIDTH),
                    str(e.answers),
                    _percent(e.right, e.answers),
                    _points(e.mean_score),
                    _median_tries(e),
                    mistakes,
                )
            )
        )
    lines += ["", "## Students", "", "| Student | Score | Answered | Right |", "|---|---:|---:|---:|"]
    for s in book.students:
        score = f"{_points(s.score)}/{s.out_of}"
        lines.append(_row((_cell(s.student, NAME_WIDTH), score, str(s.answered), str(s.right))))
    for s in book.students:
        lines += [
            "",
            f"### {_cell(s.student, NAME_WIDTH)}",
            "",
            "| Line | Question | Answer | Verdict | Score | Mistakes |",
            "|---:|---|---|---|---:|---|",
        ]
        for answer in s.answers:
            verdict = "✓ right" if answer.correct else f"✗ {answer.verdict}"
            mistakes = "; ".join(f"`{f.code}`: {_cell(f.message, MESSAGE_WIDTH)}" for f in answer.findings)
            cells = (
                str(answer.row.line),
                _cell(answer.what, NAME_WIDTH),
                _code(answer.row.answer),
                verdict,
                _points(answer.score),
                mistakes,
            )
            lines.append(_row(cells))
    if report.mistakes:
        lines += ["", "## Mistakes", "", "| Mistake | Count | Students |", "|---|---:|---|"]
        lines.extend(
            _row((f"`{code}`", str(count), _cell(_names(names), 10_000)))
            for code, count, names in report.mistakes
        )
    if report.skipped:
        lines += ["", "## Rows not graded", "", "| Line | Reason | Row |", "|---:|---|---|"]
        lines.extend(
            _row((str(row.line), _cell(row.reason, MESSAGE_WIDTH), _cell(row.text))) for row in report.skipped
        )
    return "\n".join(lines) + "\n"
