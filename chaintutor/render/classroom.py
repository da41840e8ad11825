"""The report of ``grade FILE``: plain text, Markdown, JSON, or CSV (what the lecturer reads)."""

from __future__ import annotations

import csv
import io
import json
import re

from chaintutor.errors import visible
from chaintutor.tutor.classroom import Report


def report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = ("student", "line", "exercise", "problem", "wrt", "answer", "verdict", "expected", "diagnosis")


def report_csv(report: Report) -> str:
    """One row per answer, in the file's order, for a spreadsheet; diagnosis codes joined by ``;``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for answer in report.answers:
        row = answer.row
        codes = ";".join(finding.code for finding in answer.findings)
        asked = (row.student, row.line, row.exercise_id or "", row.problem, row.wrt, row.answer)
        writer.writerow((*asked, answer.verdict, answer.expected, codes))
    return out.getvalue()


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def report_text(report: Report) -> str:
    total = len(report.answers)
    right = f"{report.correct} right ({_percent(report.correct, total)})"
    # Every piece of the file (names, answers, problems) and every message quoting it goes
    # through visible(): a control character is shown as an escape, never sent to the terminal.
    lines = [f"Graded {total} answers from {visible(report.source)}: {right}"]
    students = report.students
    width = max(len(visible(s.student)) for s in students)
    for student in students:
        lines.append("")
        score = f"{student.correct}/{len(student.answers)}"
        name = visible(student.student)
        lines.append(f"{name:<{width}}  {score:>5}  {_percent(student.correct, len(student.answers))}")
        for answer in student.answers:
            mark = "✓" if answer.correct else "✗"
            lines.append(
                f"  {mark} {visible(answer.what)}  line {answer.row.line}: {visible(answer.row.answer)}"
            )
            lines.extend(f"      {f.code}: {visible(f.message)}" for f in answer.findings)
    if report.mistakes:
        lines.append("")
        lines.append("Mistakes found:")
        code_width = max(len(code) for code, _, _ in report.mistakes)
        for code, count, names in report.mistakes:
            lines.append(f"  {code:<{code_width}}  {count:>3}  ({visible(', '.join(names))})")
    return "\n".join(lines) + "\n"


# Every ASCII punctuation character but '&' and ';', which spell the entities written for < > &.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-%'-/:<-@\[-`{-~])")


def _cell(text: str) -> str:
    """Untrusted text for a Markdown table cell, shown as it is: control characters as visible
    escapes, < > & as HTML entities, every other ASCII punctuation character backslash-escaped
    (no HTML, link or emphasis can start; a '|' cannot end the cell), no line breaks."""
    shown = visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", shown)


def _code(text: str) -> str:
    """An answer as inline code (as typed), in a table cell: nothing in a code span is markup,
    but a '|' still ends the cell."""
    if not text.strip():
        return "(empty)"
    shown = visible(text)
    if any(char in shown for char in "`<>&"):  # in a code span these would stay raw in the file
        return _cell(text)
    return "`" + shown.replace("|", "\\|") + "`"


def report_markdown(report: Report) -> str:
    total = len(report.answers)
    lines = [
        f"# Grades: {_cell(report.source)}",
        "",
        f"{total} answers, {report.correct} right ({_percent(report.correct, total)}).",
        "",
        "| Student | Right | Score |",
        "|---|---:|---:|",
    ]
    students = report.students
    for s in students:
        lines.append(
            f"| {_cell(s.student)} | {s.correct}/{len(s.answers)} | {_percent(s.correct, len(s.answers))} |"
        )
    for s in students:
        lines += [
            "",
            f"## {_cell(s.student)}",
            "",
            "| Line | Exercise | Answer | Verdict | Mistakes |",
            "|---:|---|---|---|---|",
        ]
        for answer in s.answers:
            verdict = "✓ right" if answer.correct else f"✗ {answer.verdict}"
            mistakes = "; ".join(f"`{f.code}`: {_cell(f.message)}" for f in answer.findings)
            cells = (str(answer.row.line), _cell(answer.what), _code(answer.row.answer), verdict, mistakes)
            lines.append("| " + " | ".join(cells) + " |")
    if report.mistakes:
        lines += ["", "## Mistakes", "", "| Mistake | Count | Students |", "|---|---:|---|"]
        lines.extend(
            f"| `{code}` | {count} | {_cell(', '.join(names))} |" for code, count, names in report.mistakes
        )
    return "\n".join(lines) + "\n"
