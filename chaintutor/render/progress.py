"""``exercises --format json`` and ``progress --format json``: the learner's record as data.

The same :class:`~chaintutor.tutor.progress.ProgressReport` the Rich tables draw, with every
number the tables show and the exercise fields a script needs to pick the next one.
"""

from __future__ import annotations

from typing import Any

from chaintutor.grade.mistakes import describe
from chaintutor.tutor.progress import ExerciseStatus, ProgressReport, SetStatus, StudentSummary


def exercises_to_dict(report: ProgressReport, only: str | None = None) -> dict[str, Any]:
    """Every set (or the one called ``only``) with its exercises and the learner's scores."""
    return {
        "database": str(report.database),
        "sets": [
            _set(group) | {"exercises": [_exercise(status) for status in group.exercises]}
            for group in report.sets
            if only is None or group.name == only
        ],
    }


def progress_to_dict(report: ProgressReport) -> dict[str, Any]:
    """Mastery per set, the answers graded, and the most frequent mistakes."""
    return {
        "database": str(report.database),
        "sets": [_set(group) for group in report.sets],
        "answers": report.total_attempts,
        "right": report.right_attempts,
        "mistakes": [
            {"code": code, "count": count, "description": describe(code)} for code, count in report.mistakes
        ],
    }


def students_to_dict(students: tuple[StudentSummary, ...]) -> list[dict[str, Any]]:
    """``progress`` without ``--student``: every student in the database (``""`` is the learner
    at this terminal)."""
    return [
        {
            "student": s.student,
            "answers": s.answers,
            "right": s.right,
            "mastered": s.mastered,
            "exercises": s.exercises,
            "score": round(s.score, 4),
        }
        for s in students
    ]


def _set(group: SetStatus) -> dict[str, Any]:
    return {
        "name": group.name,
        "title": group.title,
        "graded": len(group.graded),
        "mastered": group.mastered,
        "mastery": group.mastery,
        "attempts": group.attempts,
        "score": group.score,
    }


def _exercise(status: ExerciseStatus) -> dict[str, Any]:
    exercise = status.exercise
    return {
        "id": exercise.id,
        "problem": exercise.problem,
        "wrt": list(exercise.wrt),
        "level": exercise.level,
        "statement": exercise.statement,  # how the exercise reads; None: "Differentiate PROBLEM"
        "at": exercise.at,  # the point where the derivative's value is asked; None: the derivative
        "table": list(exercise.table),  # values of functions known only through a table
        "gradable": status.gradable,
        "attempts": status.attempts,
        "solved": status.solved,
        "score": status.score,
    }
