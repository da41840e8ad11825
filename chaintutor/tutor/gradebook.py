"""A graded class in numbers: per exercise, per student, for the class; and the gradebook.

The gradebook has one column per question of the file (an exercise id, or a problem; with the
variable when it asks for several derivatives) and one row per student. A student's mark in a
column is their best answer to it (one right answer among several tries counts as right), a
blank when they did not answer it; their total is the sum of their marks, out of the number of
columns. Scores are exact fractions until they are written.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from chaintutor.grade.mistakes import UNPARSEABLE
from chaintutor.tutor.classroom import FOLLOW_THROUGH_WEIGHT, STEP_WEIGHT, GradedAnswer, Report

TOP_MISTAKES = 3


@dataclass(frozen=True)
class ExerciseStats:
    """One column of the gradebook: how the class did on it."""

    column: str
    exercise_id: str | None
    problem: str
    wrt: str
    answers: int
    right: int
    students: int  # how many students answered it
    mean_score: Fraction  # over the students who answered it, their best mark
    median_tries: float | None  # of the answers whose tries the file gives; None if none does
    tries_known: int
    mistakes: tuple[tuple[str, int], ...]  # the most frequent codes, at most TOP_MISTAKES

    @property
    def right_share(self) -> float:
        return self.right / self.answers


@dataclass(frozen=True)
class StudentStats:
    student: str
    answers: tuple[GradedAnswer, ...]
    marks: dict[str, Fraction]  # column -> the best score among the student's answers to it
    out_of: int  # the number of columns

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def right(self) -> int:
        return sum(answer.correct for answer in self.answers)

    @property
    def score(self) -> Fraction:
        return sum(self.marks.values(), Fraction(0))


@dataclass(frozen=True)
class ClassSummary:
    students: int
    answers: int
    right: int
    unparseable: int
    columns: int
    mean_score: Fraction
    median_score: Fraction
    highest: Fraction
    lowest: Fraction
    skipped_rows: int


@dataclass(frozen=True)
class Gradebook:
    report: Report
    columns: tuple[str, ...]  # in the order they first appear in the file
    exercises: tuple[ExerciseStats, ...]
    students: tuple[StudentStats, ...]  # in the order they first appear in the file
    summary: ClassSummary


def gradebook(report: Report) -> Gradebook:
    """The statistics of ``report`` (which holds at least one answer)."""
    by_column: dict[str, list[GradedAnswer]] = {}
    by_student: dict[str, list[GradedAnswer]] = {}
    for answer in report.answers:
        by_column.setdefault(answer.row.column, []).append(answer)
        by_student.setdefault(answer.row.student, []).append(answer)
    columns = tuple(by_column)
    students = tuple(_student(name, tuple(answers), len(columns)) for name, answers in by_student.items())
    exercises = tuple(_exercise(column, answers) for column, answers in by_column.items())
    return Gradebook(report, columns, exercises, students, _summary(report, students, len(columns)))


def _student(name: str, answers: tuple[GradedAnswer, ...], out_of: int) -> StudentStats:
    marks: dict[str, Fraction] = {}
    for answer in answers:
        column = answer.row.column
        marks[column] = max(marks.get(column, Fraction(0)), answer.score)
    return StudentStats(name, answers, marks, out_of)


def _exercise(column: str, answers: list[GradedAnswer]) -> ExerciseStats:
    first = answers[0].row
    best: dict[str, Fraction] = {}
    for answer in answers:
        best[answer.row.student] = max(best.get(answer.row.student, Fraction(0)), answer.score)
    tries = [answer.row.tries for answer in answers if answer.row.tries is not None]
    codes = Counter(finding.code for answer in answers for finding in answer.findings)
    return ExerciseStats(
        column=column,
        exercise_id=first.exercise_id,
        problem=first.problem,
        wrt=first.wrt,
        answers=len(answers),
        right=sum(answer.correct for answer in answers),
        students=len(best),
        mean_score=sum(best.values(), Fraction(0)) / len(best),
        median_tries=float(statistics.median(tries)) if tries else None,
        tries_known=len(tries),
        mistakes=tuple(codes.most_common(TOP_MISTAKES)),
    )


def _summary(report: Report, students: tuple[StudentStats, ...], columns: int) -> ClassSummary:
    scores = [student.score for student in students]
    return ClassSummary(
        students=len(students),
        answers=len(report.answers),
        right=report.correct,
        unparseable=sum(answer.verdict == UNPARSEABLE for answer in report.answers),
        columns=columns,
        mean_score=sum(scores, Fraction(0)) / len(scores),
        median_score=Fraction(statistics.median(scores)),
        highest=max(scores),
        lowest=min(scores),
        skipped_rows=len(report.skipped),
    )


def number(value: Fraction) -> int | float:
    """A score as a plain number: whole when it is, else rounded to 3 decimals."""
    rounded = round(value, 3)
    return int(rounded) if rounded.denominator == 1 else float(rounded)


def to_dict(book: Gradebook) -> dict[str, Any]:
    """The JSON of ``grade --format json``: every number the other formats show, and every answer
    whole (chaintutor/schema/grade.schema.json)."""
    report, summary = book.report, book.summary
    return {
        "schema_version": 1,
        "file": report.source,
        "scoring": {
            "right": 1,
            "step_weight": float(STEP_WEIGHT),
            "follow_through_weight": float(FOLLOW_THROUGH_WEIGHT),
        },
        "answers": summary.answers,
        "correct": summary.right,
        "summary": {
            "students": summary.students,
            "answers": summary.answers,
            "right": summary.right,
            "unparseable": summary.unparseable,
            "columns": summary.columns,
            "mean_score": number(summary.mean_score),
            "median_score": number(summary.median_score),
            "highest": number(summary.highest),
            "lowest": number(summary.lowest),
            "skipped_rows": summary.skipped_rows,
        },
        "columns": list(book.columns),
        "exercises": [_exercise_dict(stats) for stats in book.exercises],
        "students": [
            {
                "student": student.student,
                "answered": student.answered,
                "right": student.right,
                "score": number(student.score),
                "out_of": student.out_of,
                "marks": {column: number(mark) for column, mark in student.marks.items()},
                "answers": [answer.to_dict() for answer in student.answers],
            }
            for student in book.students
        ],
        "mistakes": [
            {"code": code, "count": count, "students": names} for code, count, names in report.mistakes
        ],
        "skipped": [{"line": row.line, "reason": row.reason, "text": row.text} for row in report.skipped],
    }


def _exercise_dict(stats: ExerciseStats) -> dict[str, Any]:
    return {
        "column": stats.column,
        "exercise": stats.exercise_id,
        "problem": stats.problem,
        "wrt": stats.wrt,
        "answers": stats.answers,
        "right": stats.right,
        "right_share": round(stats.right_share, 4),
        "students": stats.students,
        "mean_score": number(stats.mean_score),
        "median_tries": stats.median_tries,
        "tries_known": stats.tries_known,
        "mistakes": [{"code": code, "count": count} for code, count in stats.mistakes],
    }
