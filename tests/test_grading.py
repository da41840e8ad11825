"""grade FILE: answers in TOML or CSV, graded, reported per student in text, JSON and Markdown."""

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from chaintutor.cli import app
from chaintutor.tutor.bank import load_bank
from chaintutor.tutor.progress import is_gradable

runner = CliRunner()

# ada: right, right (a partial of a gradient exercise); bob: the inner derivative missing, and
# an answer that does not parse; carol: right on a system, written in its intermediates.
TOML = """\
[[answer]]
student = "ada"
exercise = "{single}"
answer = "{single_answer}"

[[answer]]
student = "bob"
problem = "sin(x**3)"
answer = "cos(x**3)"

[[answer]]
student = "bob"
problem = "sin(x**3)"
answer = "3x^2 cos(x^3"

[[answer]]
student = "ada"
problem = "ln(x**2 + y**2)"
wrt = "y"
answer = "2y/(x^2 + y^2)"

[[answer]]
student = "carol"
problem = "y = u^2 + v; u = x*z; v = sin(x)"
wrt = "x"
answer = "2*u*z + cos(x)"
"""

CSV = """\
student,exercise,problem,wrt,answer,submitted
ada,{single},,,"{single_answer}",monday
bob,,sin(x**3),,cos(x**3),monday
bob,,sin(x**3),,3x^2 cos(x^3,tuesday
ada,,ln(x**2 + y**2),y,2y/(x^2 + y^2),monday

carol,,y = u^2 + v; u = x*z; v = sin(x),x,2*u*z + cos(x),monday
"""


@pytest.fixture(params=["toml", "csv"])
def answers(request, tmp_path):
    """The same five answers as TOML and as CSV (with a blank row and a column of its own)."""
    single = next(e for e in load_bank()[0].exercises if len(e.wrt) == 1)
    from chaintutor import derive

    right = str(derive(single.problem, list(single.wrt)).result[single.wrt[0]])
    template = TOML if request.param == "toml" else CSV
    path = tmp_path / f"answers.{request.param}"
    path.write_text(template.format(single=single.id, single_answer=right), encoding="utf-8")
    return path, single


def grade(*args: str):
    result = runner.invoke(app, ["grade", *args])
    assert result.exit_code == 0, result.output
    return result


def test_json_report_scores_each_student_and_counts_the_mistakes(answers):
    path, single = answers
    report = json.loads(grade(str(path), "--format", "json").stdout)
    assert (report["answers"], report["correct"]) == (5, 3)
    students = {s["student"]: s for s in report["students"]}
    assert list(students) == ["ada", "bob", "carol"]
    assert [(s["correct"], s["total"], s["score"]) for s in students.values()] == [
        (2, 2, 1.0),
        (0, 2, 0.0),
        (1, 1, 1.0),
    ]
    wrong, unparseable = students["bob"]["answers"]
    assert wrong["verdict"] == "wrong" and [d["code"] for d in wrong["diagnosis"]] == [
        "missing_inner_derivative"
    ]
    assert wrong["expected"] == "3*x**2*cos(x**3)"
    assert unparseable["verdict"] == "unparseable" and unparseable["correct"] is False
    assert unparseable["diagnosis"][0]["code"] == "unparseable"
    assert "never closed" in unparseable["diagnosis"][0]["message"]
    first = students["ada"]["answers"][0]
    assert (first["exercise"], first["problem"], first["wrt"]) == (single.id, single.problem, single.wrt[0])
    assert report["mistakes"] == [
        {"code": "missing_inner_derivative", "count": 1, "students": ["bob"]},
        {"code": "unparseable", "count": 1, "students": ["bob"]},
    ]


def test_text_report(answers):
    path, single = answers
    out = grade(str(path)).stdout
    assert out.startswith(f"Graded 5 answers from {path}: 3 right (60%)")
    assert "ada      2/2  100%" in out and "bob      0/2  0%" in out and "carol    1/1  100%" in out
    assert f"✓ {single.id} (d/d{single.wrt[0]})" in out
    assert "missing_inner_derivative: the derivative of the inner function u1 = x³, 3x², is missing" in out
    assert "Mistakes found:" in out and "\x1b" not in out


def test_csv_report_has_one_row_per_answer(answers, tmp_path):
    import csv

    path, _ = answers
    target = tmp_path / "report.csv"
    assert grade(str(path), "--format", "csv", "-o", str(target)).stdout == ""
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert sorted(row["student"] for row in rows) == ["ada", "ada", "bob", "bob", "carol"]
    assert [int(row["line"]) for row in rows] == sorted(int(row["line"]) for row in rows)  # file order
    assert [row["verdict"] for row in rows].count("correct") == 3
    wrong = next(row for row in rows if row["verdict"] == "wrong")
    assert (wrong["verdict"], wrong["diagnosis"], wrong["expected"]) == (
        "wrong",
        "missing_inner_derivative",
        "3*x**2*cos(x**3)",
    )


def test_markdown_report(answers):
    path, _ = answers
    out = grade(str(path), "--format", "markdown").stdout
    assert "| ada | 2/2 | 100% |" in out and "| bob | 0/2 | 0% |" in out
    assert "## bob" in out and "`cos(x**3)`" in out and "✗ unparseable" in out
    assert "| `missing_inner_derivative` | 1 | bob |" in out
    table_rows = [line for line in out.splitlines() if line.startswith("|")]
    assert all(line.endswith("|") for line in table_rows)


def test_grade_db_records_every_answer_under_the_students_name(answers, tmp_path):
    path, _ = answers
    db = tmp_path / "class.sqlite3"
    grade(str(path), "--db", str(db))
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT student, verdict, diagnosis FROM attempts ORDER BY id").fetchall()
        assert conn.execute("SELECT command, ended_at IS NOT NULL FROM sessions").fetchall() == [("grade", 1)]
    assert [row[:2] for row in stored] == [
        ("ada", "correct"),
        ("bob", "wrong"),
        ("bob", "unparseable"),
        ("ada", "correct"),
        ("carol", "correct"),
    ]
    assert stored[1][2] == '["missing_inner_derivative"]'
    progress = runner.invoke(app, ["progress", "--db", str(db), "--student", "bob"], env={"COLUMNS": "200"})
    assert "2 answers graded, 0 right" in progress.stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal(answers):
    path, _ = answers
    assert grade(str(path)).stderr == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nexercise = "no-such-exercise"\nanswer = "x"\n',
            "a.toml:3: no exercise has the id",
        ),
        (
            "a.csv",
            "student,exercise,answer\nada,sin-3x,x\nbob,no-such-exercise,x\n",
            "a.csv:3: no exercise has the id",
        ),
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nproblem = "sin(x"\nanswer = "x"\n',
            "a.toml:3: '(' at column 4 is never closed",
        ),
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nanswer = "x"\n',
            "a.toml:1: give either an exercise id or a problem, one",
        ),
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nproblem = "sin(x)"\nexercise = "sin-3x"\nanswer = "x"\n',
            "not both",
        ),
        ("a.toml", '[[answer]]\nproblem = "sin(x)"\nanswer = "x"\n', "a.toml:1: no student named"),
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nproblem = "x*y"\nanswer = "y"\n',
            "a.toml:3: the problem has several independent variables",
        ),
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nproblem = "sin(x)"\nanswr = "x"\n',
            "a.toml:4: unknown key 'answr'",
        ),
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nproblem = "sin(x)"\nanswer = 3\n',
            "'answer' must be a string",
        ),
        ("a.toml", '[[answer]]\nstudent = "ada"\n\nanswer = "x\n', "a.toml:4: invalid TOML"),
        ("a.csv", "name,exercise,answer\nada,sin-3x,x\n", "a.csv:1: no 'student' column"),
        ("a.csv", 'student,problem,answer\nada,"sin(x),x\n', "a.csv:2: invalid CSV: unexpected end of data"),
        ("a.csv", "student,problem,answer\nada,sin(x)\n", "a.csv:2: 2 cells, but the header names 3 columns"),
        ("a.txt", "student = ada\n", "ends in .toml or .csv"),
        ("a.toml", "", "no answers in it"),
    ],
)
def test_a_bad_file_is_an_error_naming_the_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["grade", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_an_exercise_with_several_variables_needs_wrt(tmp_path):
    gradient = next(e for group in load_bank() for e in group.exercises if len(e.wrt) > 1)
    path = tmp_path / "a.csv"
    path.write_text(f"student,exercise,wrt,answer\nada,{gradient.id},,0\n", encoding="utf-8")
    result = runner.invoke(app, ["grade", str(path)])
    assert (
        result.exit_code == 2
        and f"a.csv:2: exercise '{gradient.id}' asks for several derivatives" in result.stderr
    )
    path.write_text(f"student,exercise,wrt,answer\nada,{gradient.id},q,0\n", encoding="utf-8")
    assert "does not ask for d/dq" in runner.invoke(app, ["grade", str(path)]).stderr


def test_an_exercise_with_abstract_functions_cannot_be_graded(tmp_path):
    abstract = next(e for group in load_bank() for e in group.exercises if not is_gradable(e))
    path = tmp_path / "a.csv"
    path.write_text(f"student,exercise,wrt,answer\nada,{abstract.id},{abstract.wrt[0]},0\n", encoding="utf-8")
    result = runner.invoke(app, ["grade", str(path)])
    assert result.exit_code == 2 and "a.csv:2:" in result.stderr and "abstract functions" in result.stderr


def test_a_missing_file(tmp_path):
    result = runner.invoke(app, ["grade", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "nope.toml: cannot read it" in result.stderr
