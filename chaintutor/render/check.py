"""``check``'s verdict as plain text: right or not, the right derivative, each likely mistake."""

from __future__ import annotations

from chaintutor.core.notation import unicode
from chaintutor.core.stack import run_with_big_stack
from chaintutor.grade.check import CheckResult
from chaintutor.grade.equivalence import HOW_EQUAL


def check_text(result: CheckResult) -> str:
    """The verdict, the right derivative, and each mistake found: plain text, no ANSI."""
    return run_with_big_stack(_check_text, result)


def _check_text(result: CheckResult) -> str:
    d = f"d{result.problem_output}/d{result.wrt}" if result.problem_output else "the derivative"
    if result.correct:
        verdict = f"✓ correct (equivalent {HOW_EQUAL[result.equivalence]})"
        return f"{verdict}\n  {d} = {unicode(result.expected)}\n"
    lines = [
        "≈ close, but not exact" if result.close else "✗ not correct",
        f"  your answer: {result.typed or unicode(result.answer)}",
        f"  expected:    {unicode(result.expected)}",
    ]
    if result.detail:
        lines.append(f"  ({result.detail})")
    if result.diagnosis:
        lines.append("")
        if any(item.together for item in result.diagnosis):
            lines.append("Likely mistakes (both together give your answer):")
        elif len(result.diagnosis) > 1:
            lines.append("Likely mistakes (each one gives this answer):")
        else:
            lines.append("Likely mistake:")
        lines.extend(f"  - {item.message} [{item.code}]" for item in result.diagnosis)
    return "\n".join(lines) + "\n"
