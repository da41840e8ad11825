"""grade FILE: answers in TOML or CSV, graded; statistics per question, per student and for the
class in text, JSON and Markdown; a CSV gradebook; partial credit for step answers."""

import csv
import io
import json
import random
import re
import sqlite3

import pytest
import sympy
from typer.testing import CliRunner

from chaintutor.cli import app
from chaintutor.tutor.bank import load_bank

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
tries = 3

[[answer]]
student = "bob"
problem = "sin(x**3)"
answer = "3x^2 cos(x^3"
tries = 1

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
student,exercise,problem,wrt,answer,tries,submitted
ada,{single},,,"{single_answer}",,monday
bob,,sin(x**3),,cos(x**3),3,monday
bob,,sin(x**3),,3x^2 cos(x^3,1,tuesday
ada,,ln(x**2 + y**2),y,2y/(x^2 + y^2),,monday

carol,,y = u^2 + v; u = x*z; v = sin(x),x,2*u*z + cos(x),,monday
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
    assert [(s["right"], s["answered"], s["score"], s["out_of"]) for s in students.values()] == [
        (2, 2, 2, 4),
        (0, 2, 0, 4),
        (1, 1, 1, 4),
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
    # one column per question; a problem with several variables names the one asked
    assert report["columns"] == [
        single.id,
        "sin(x**3)",
        "ln(x**2 + y**2) (d/dy)",
        students["carol"]["answers"][0]["column"],
    ]
    sine = next(e for e in report["exercises"] if e["column"] == "sin(x**3)")
    assert (sine["answers"], sine["right"], sine["students"], sine["median_tries"]) == (2, 0, 1, 2)
    assert sine["mistakes"] == [
        {"code": "missing_inner_derivative", "count": 1},
        {"code": "unparseable", "count": 1},
    ]
    summary = report["summary"]
    assert (summary["students"], summary["columns"], summary["highest"], summary["lowest"]) == (3, 4, 2, 0)
    assert summary["mean_score"] == 1 and summary["median_score"] == 1


def valid_grade_json(document):
    jsonschema = pytest.importorskip("jsonschema")
    from chaintutor import schema

    jsonschema.validate(document, schema.load("grade"))


def test_json_report_follows_its_schema(answers):
    path, _ = answers
    valid_grade_json(json.loads(grade(str(path), "--format", "json").stdout))


def test_text_report(answers):
    path, single = answers
    out = grade(str(path)).stdout
    assert out.startswith(f"Graded 5 answers from {path}: 3 right (60%)\n3 students, 4 questions.")
    assert re.search(r"\n  ada +2/4 +2 +2\n  bob +0/4 +2 +0\n  carol +1/4 +1 +1\n", out)
    assert re.search(r"\n  sin\(x\*\*3\) +2 +0% +0 +2 +missing_inner_derivative 1, unparseable 1\n", out)
    assert f"✓ {single.id} (d/d{single.wrt[0]})" in out
    assert "missing_inner_derivative: the derivative of the inner function u1 = x³, 3x², is missing" in out
    assert "Mistakes found" in out and "\x1b" not in out


def test_csv_gradebook_has_one_row_per_student_and_a_total(answers, tmp_path):
    path, single = answers
    target = tmp_path / "gradebook.csv"
    assert grade(str(path), "--format", "csv", "-o", str(target)).stdout == ""
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == ["student", single.id, "sin(x**3)", "ln(x**2 + y**2) (d/dy)", rows[0][4], "total"]
    assert rows[1:] == [
        ["ada", "1", "", "1", "", "2"],
        ["bob", "", "0", "", "", "0"],
        ["carol", "", "", "", "1", "1"],
    ]


def test_markdown_report(answers):
    path, _ = answers
    out = grade(str(path), "--format", "markdown").stdout
    assert "| ada | 2/4 | 2 | 2 |" in out and "| bob | 0/4 | 2 | 0 |" in out
    assert "### bob" in out and "`cos(x**3)`" in out and "✗ unparseable" in out
    assert '| `missing_inner_derivative` | 1 | \\"bob\\" |' in out
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


# --- robust input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [";", "\t", ","])
def test_the_separator_is_the_one_the_header_uses(tmp_path, separator):
    path = tmp_path / "a.csv"
    rows = [
        ["Student", "Problem", "Answer"],
        ["ada", "log(x, 2)", "1/(x ln(2))"],
        ["bob", "sin(x**3)", "cos(x**3)"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator).writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())  # with a byte order mark, as Excel writes
    report = json.loads(grade(str(path), "--format", "json").stdout)
    assert [(s["student"], s["right"]) for s in report["students"]] == [("ada", 1), ("bob", 0)]


def test_rows_that_are_not_answers_are_skipped_and_listed(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "student;problem;answer;note\n"
        "ada;sin(x);cos(x);\n"
        "bob,sin(x),-sin(x),\n"  # another separator on one row: read with the one that fits
        ";;;\n"
        "Total;;;1\n"
        "exported from the VLE\n"
        "student,problem,answer\n"  # a second export pasted below, with its own header
        "carol,x^2,2x\n"
        "dan,x^2,2x, or 2*x\n",  # an unquoted comma in the last column, the answer
        encoding="utf-8",
    )
    result = grade(str(path), "--format", "json")
    report = json.loads(result.stdout)
    assert [(s["student"], s["right"]) for s in report["students"]] == [
        ("ada", 1),
        ("bob", 0),
        ("carol", 1),
        ("dan", 0),
    ]
    assert report["students"][3]["answers"][0]["answer"] == "2x, or 2*x"
    assert [(row["line"], row["reason"]) for row in report["skipped"]] == [
        (5, "neither an exercise id nor a problem"),
        (6, "1 cell, but the header names 4 columns"),
    ]
    assert "2 rows of" in result.stderr and "(lines 5, 6)" in result.stderr
    text = grade(str(path)).stdout
    assert "Rows not graded\n  line 5: neither an exercise id nor a problem: Total;;;1\n" in text


def test_a_quoted_new_line_stays_in_its_cell_and_off_the_layout(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('student,problem,answer\nada,sin(x**3),"3x^2\ncos(x^3)"\nbob,x^2,2x\n', encoding="utf-8")
    report = json.loads(grade(str(path), "--format", "json").stdout)
    first, second = (s["answers"][0] for s in report["students"])
    assert (first["answer"], first["correct"], first["line"], second["line"]) == (
        "3x^2\ncos(x^3)",
        True,
        2,
        4,
    )
    text = grade(str(path)).stdout
    assert "  ✓ sin(x**3) (d/dx)  line 2: 3x^2\\ncos(x^3)\n" in text
    assert "\ncos(x^3)" not in text


def test_long_answers_are_shortened_in_reports_and_whole_in_json(tmp_path):
    junk = "lorem ipsum " * 500
    path = tmp_path / "a.csv"
    path.write_text(f'student,problem,answer\nada,sin(x),"{junk}"\n', encoding="utf-8")
    assert (
        json.loads(grade(str(path), "--format", "json").stdout)["students"][0]["answers"][0]["answer"] == junk
    )
    for output_format in ("text", "markdown"):
        out = grade(str(path), "--format", output_format).stdout
        assert "(6,000 characters)" in out and junk not in out
        assert max(len(line) for line in out.splitlines()) < 400


def test_names_are_never_joined_ambiguously(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        'student,problem,answer\n"Chidi, s15",sin(x**3),cos(x**3)\n"O\'Brien, Pat",sin(x**3),cos(x**3)\n',
        encoding="utf-8",
    )
    text = grade(str(path)).stdout
    assert 'missing_inner_derivative    2  2 students: "Chidi, s15", "O\'Brien, Pat"' in text
    markdown = grade(str(path), "--format", "markdown").stdout
    assert '\\"Chidi\\, s15\\"\\, \\"O\\\'Brien\\, Pat\\"' in markdown


def test_no_csv_or_markdown_cell_starts_a_formula(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        'student,problem,answer\n=HYPERLINK("http://x"),-cos(x),=cmd()\n+ada,x^2,@SUM(A1)\n-1,x^2,-2x\n',
        encoding="utf-8",
    )
    gradebook = list(csv.reader(io.StringIO(grade(str(path), "--format", "csv").stdout, newline="")))
    assert gradebook[0] == ["student", "'-cos(x)", "x^2", "total"]
    assert [row[0] for row in gradebook[1:]] == ['\'=HYPERLINK("http://x")', "'+ada", "'-1"]
    assert not [cell for row in gradebook for cell in row if cell.startswith(("=", "+", "-", "@"))]
    markdown = grade(str(path), "--format", "markdown").stdout
    cells = [
        cell.strip() for line in markdown.splitlines() if line.startswith("| ") for cell in line.split(" | ")
    ]
    shown = [re.sub(r"\\(.)", r"\1", cell.strip("|` ")) for cell in cells]  # as a Markdown viewer shows it
    assert not [
        cell for cell in shown if cell.startswith(("=", "+", "-", "@")) and not cell.startswith("---")
    ]
    assert "`'=cmd()`" in markdown and "`'-2x`" in markdown


# --- partial credit -------------------------------------------------------------------------------


def test_step_answers_earn_partial_credit_with_follow_through(tmp_path):
    """sin(x³): steps du1/dx and dy/du1. The weights (README): a wrong final answer earns 1/2 times
    the share of steps credited, plus 1/4 when it follows from the student's own wrong steps."""
    path = tmp_path / "a.toml"
    rows = [
        ("right", "3x^2 cos(x^3)", "du1/dx = 1"),  # right: 1, whatever the steps
        ("follows", "-3x^2 cos(x^3)", "du1/dx = 3x^2; dy/du1 = -cos(u1)"),  # 1/2·1/2 + 1/4
        ("steps", "cos(x^3)", "du1 / dx = 3*x**2\n∂y/∂u1 = cos(u1)"),  # 1/2·2/2
        ("half", "0", "du1/dx = 3x^2; dz/dq = 7"),  # 1/2·1/2; dz/dq is no step of it
        ("none", "cos(x^3)", ""),  # no steps: 0
    ]
    path.write_text(
        "".join(
            f'[[answer]]\nstudent = "{name}"\nproblem = "sin(x**3)"\n'
            f'answer = "{answer}"\nsteps = """{steps}"""\n'
            for name, answer, steps in rows
        ),
        encoding="utf-8",
    )
    report = json.loads(grade(str(path), "--format", "json").stdout)
    scores = {s["student"]: s["score"] for s in report["students"]}
    assert scores == {"right": 1, "follows": 0.5, "steps": 0.5, "half": 0.25, "none": 0}
    follows = report["students"][1]["answers"][0]["steps"]
    assert [(m["label"], m["verdict"]) for m in follows["marks"]] == [
        ("du1/dx", "right"),
        ("dy/du1", "wrong"),
    ]
    assert follows["final_follows_from"] == ["dy/du1"]
    assert report["students"][3]["answers"][0]["steps"]["unmatched"] == ["dz/dq = 7"]
    assert report["students"][4]["answers"][0]["steps"] is None
    valid_grade_json(report)
    gradebook = list(csv.reader(io.StringIO(grade(str(path), "--format", "csv").stdout, newline="")))
    assert [row[-1] for row in gradebook[1:]] == ["1", "0.5", "0.5", "0.25", "0"]


def test_a_path_product_right_for_the_students_own_local_derivatives_is_credited(tmp_path):
    path = tmp_path / "a.csv"
    steps = (
        "du/dx = 2x; dv/dx = exp(x); ∂y/∂u = v; ∂y/∂v = 2u; y → u → x = 2x exp(x); y -> v -> x = 2 x^2 exp(x)"
    )
    path.write_text(
        f'student,problem,answer,steps\nada,"y = u*v; u = x**2; v = exp(x)",0,"{steps}"\n', encoding="utf-8"
    )
    answer = json.loads(grade(str(path), "--format", "json").stdout)["students"][0]["answers"][0]
    verdicts = [(m["verdict"], m["follows_from"]) for m in answer["steps"]["marks"]]
    assert verdicts == [("right", [])] * 3 + [("wrong", []), ("right", []), ("follows", ["∂y/∂v"])]
    assert answer["score"] == pytest.approx(0.5 * 5 / 6, abs=1e-4)


# --- a class: 15 students, 20 answers each, graded into a gradebook --------------------------------

X = sympy.Symbol("x")
PROBLEMS = [
    sympy.sin(X**3), sympy.cos(2 * X + 1), sympy.exp(X**2), sympy.log(X**2 + 1), sympy.sqrt(3 * X + 1),
    sympy.tan(X) ** 2, sympy.atan(X**2), sympy.sin(sympy.cos(X)), sympy.exp(sympy.sin(X)), (X**2 + 1) ** 5,
    sympy.log(sympy.sin(X)), -sympy.cos(X) ** 3, sympy.sqrt(sympy.sin(X)), sympy.exp(-(X**2)),
    sympy.sin(X) * sympy.cos(X**2), X * sympy.exp(2 * X), sympy.log(sympy.cos(X**2)), 1 / (X**2 + 1),
    sympy.sin(X**2) ** 2, sympy.exp(sympy.exp(X)),
]  # fmt: skip
STUDENTS = [
    "ada", "Chidi, s15", "O'Brien, Pat", "=evil()", "-1", "Zoë", "@handle", "+plus", "bo;b", 'say "hi"',
    "tab\tname", "d", "e", "f", "g",
]  # fmt: skip
JUNK = [
    "",
    "idk",
    "=cmd()",
    '=HYPERLINK("http://evil")',
    "+1+cmd()",
    "@SUM(A1:A9)",
    "-cmd()",
    "lorem ipsum " * 500,
]


def _forms(derivative: sympy.Expr) -> list[str]:
    """The right derivative as students write it, each form checked against it by SymPy."""
    text = str(derivative)
    implicit = re.sub(r"(?<![\w*.])(\d+)\*(?=[a-z(])", r"\1", text)  # 3*x -> 3x, not x**2*y
    return [
        text,
        text.replace("**", "^"),
        str(sympy.expand(derivative)),
        str(sympy.factor(derivative)),
        "dy/dx = " + implicit,
        re.sub(r"(?<!\*)\*(?!\*)", "*\n", text, count=1),  # over two lines (a quoted new line)
        re.sub(r"\*\*2(?![\d.])", "²", text),
    ]


def _class_file(rng: random.Random) -> tuple[str, dict[str, int]]:
    """A class file with BOM, semicolons, a block pasted with commas, junk rows and answers, and
    the number of right answers of each student by SymPy's count."""
    right: dict[str, int] = dict.fromkeys(STUDENTS, 0)
    rows = []
    for student in STUDENTS:
        for problem in PROBLEMS:
            derivative = sympy.diff(problem, X)
            kind = rng.choice(["right"] * 5 + ["wrong"] * 2 + ["junk"])
            if kind == "right":
                form = rng.choice(_forms(derivative))
                expr = derivative
            elif kind == "wrong":
                expr = rng.choice([2 * derivative, derivative + X, problem, derivative.subs(X, 2 * X)])
                form = str(expr)
            else:
                expr, form = None, rng.choice(JUNK)
            if expr is not None and sympy.simplify(expr - derivative) == 0:
                right[student] += 1
            rows.append([student, str(problem), "x", form])
    first, second = io.StringIO(), io.StringIO()
    semicolons = csv.writer(first, delimiter=";")
    semicolons.writerow(["Student", "Problem", "wrt", "Answer"])
    for row in rows[:200]:
        semicolons.writerow(row)
        if rng.random() < 0.05:
            semicolons.writerow(["", "", "", rng.choice(JUNK[1:3])])  # junk rows
    semicolons.writerow(["Total", "", "", ""])
    commas = csv.writer(second)
    commas.writerow(["student", "problem", "wrt", "answer"])  # a second export, comma-separated
    commas.writerows(rows[200:])
    return "\ufeff" + first.getvalue() + "\n" + second.getvalue(), right


def test_a_class_file_is_graded_into_a_gradebook_that_matches_an_independent_count(tmp_path):
    text, right = _class_file(random.Random(19))
    path = tmp_path / "class.csv"
    path.write_text(text, encoding="utf-8")
    assert sum(right.values()) > 150  # the file is a fair test: most answers right, many not
    gradebook = list(csv.reader(io.StringIO(grade(str(path), "--format", "csv").stdout, newline="")))
    header, rows = gradebook[0], gradebook[1:]
    assert len(header) == len(PROBLEMS) + 2 and header[-1] == "total" and len(rows) == len(STUDENTS)
    assert not [cell for row in gradebook for cell in row if cell.startswith(("=", "+", "-", "@"))]
    totals = {row[0].removeprefix("'") if row[0][1:2] in "=+-@" else row[0]: float(row[-1]) for row in rows}
    assert totals == {student: float(count) for student, count in right.items()}
    assert all(sum(float(cell) for cell in row[1:-1]) == float(row[-1]) for row in rows)
    report = json.loads(grade(str(path), "--format", "json").stdout)
    assert report["summary"]["answers"] == 300 and report["summary"]["right"] == sum(right.values())
    valid_grade_json(report)


# --- what the lecturer wrote ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nexercise = "no-such-exercise"\nanswer = "x"\n',
            "a.toml:3: no exercise has the id",
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
        (
            "a.toml",
            '[[answer]]\nstudent = "ada"\nproblem = "sin(x)"\nanswer = "x"\ntries = "two"\n',
            "a.toml:5: 'tries' is a whole number",
        ),
        ("a.toml", '[[answer]]\nstudent = "ada"\n\nanswer = "x\n', "a.toml:4: invalid TOML"),
        ("a.csv", "name,exercise,answer\nada,sin-3x,x\n", "a.csv:1: no 'student' column"),
        ("a.csv", "name;exercise;answer\nada;sin-3x;x\n", "separated by , ; or tabs"),
        (
            "a.csv",
            'student,problem,answer\nada,"sin(x),x\n',
            "no answers in it; line 2: invalid CSV: a quote opened on this row is never closed",
        ),
        (
            "a.csv",
            "student,problem,answer\nada,sin(x)\n",
            "no answers in it; line 2: 2 cells, but the header names 3 columns",
        ),
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
    path = tmp_path / "a.toml"
    path.write_text(
        f'[[answer]]\nstudent = "ada"\nexercise = "{gradient.id}"\nanswer = "0"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["grade", str(path)])
    assert (
        result.exit_code == 2
        and f"a.toml:3: exercise '{gradient.id}' asks for several derivatives" in result.stderr
    )
    path.write_text(
        f'[[answer]]\nstudent = "ada"\nexercise = "{gradient.id}"\nwrt = "q"\nanswer = "0"\n',
        encoding="utf-8",
    )
    assert (
        "a.toml:3: exercise '" + gradient.id + "' does not ask for d/dq"
        in runner.invoke(app, ["grade", str(path)]).stderr
    )


def test_csv_rows_the_lecturer_got_wrong_are_listed_and_the_class_graded(tmp_path):
    gradient = next(e for group in load_bank() for e in group.exercises if len(e.wrt) > 1)
    path = tmp_path / "a.csv"
    path.write_text(
        "student,exercise,problem,wrt,answer\n"
        "ada,sin-3x-typo,,,x\n"
        f"bob,{gradient.id},,,0\n"
        f"carol,{gradient.id},,q,0\n"
        "dan,,sin(x,,cos(x)\n"
        "eve,,x*y,,y\n"
        "fay,,sin(x),,cos(x)\n",
        encoding="utf-8",
    )
    result = grade(str(path), "--format", "json")
    report = json.loads(result.stdout)
    assert [s["student"] for s in report["students"]] == ["fay"]
    reasons = [(row["line"], row["reason"].split(":")[0].split(" (")[0]) for row in report["skipped"]]
    assert [line for line, _ in reasons] == [2, 3, 4, 5, 6]
    assert "no exercise has the id 'sin-3x-typo'" in report["skipped"][0]["reason"]
    assert "asks for several derivatives" in report["skipped"][1]["reason"]
    assert "does not ask for d/dq" in report["skipped"][2]["reason"]
    assert "never closed" in report["skipped"][3]["reason"]
    assert "several independent variables" in report["skipped"][4]["reason"]
    assert "5 rows of" in result.stderr and "(lines 2, 3, 4, 5, 6)" in result.stderr
    path.write_text("student,exercise,answer\nada,sin-3x-typo,x\n", encoding="utf-8")
    refused = runner.invoke(app, ["grade", str(path)])
    assert refused.exit_code == 2 and "no answers in it; line 2: no exercise has the id" in refused.stderr


def test_exercises_that_ask_for_a_value_at_a_point_are_graded_as_numbers(tmp_path):
    x = sympy.Symbol("x")
    cubic = sympy.diff((x**2 - 3 * x) ** 3 - 2 * (x**2 - 3 * x), x).subs(x, 2)
    root = sympy.diff(sympy.sqrt(x**2 + 9), x).subs(x, 4)
    path = tmp_path / "a.csv"
    path.write_text(
        "student,exercise,answer\n"
        f"ada,point-cubic-of-quadratic,{cubic}\n"
        f"bo,point-cubic-of-quadratic,{cubic + 3}\n"
        f"ada,point-sqrt-of-square,{root}\n",
        encoding="utf-8",
    )
    report = json.loads(grade(str(path), "--format", "json").stdout)
    verdicts = {
        (student["student"], answer["exercise"], answer["verdict"])
        for student in report["students"]
        for answer in student["answers"]
    }
    assert verdicts == {
        ("ada", "point-cubic-of-quadratic", "correct"),
        ("bo", "point-cubic-of-quadratic", "wrong"),
        ("ada", "point-sqrt-of-square", "correct"),
    }


def test_a_missing_file(tmp_path):
    result = runner.invoke(app, ["grade", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "nope.toml: cannot read it" in result.stderr


def test_lines_above_the_header_are_listed(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Class 2B, week 3\n\nstudent\tproblem\tanswer\nada\tsin(x)\tcos(x)\n", encoding="utf-8")
    report = json.loads(grade(str(path), "--format", "json").stdout)
    assert report["correct"] == 1 and report["skipped"] == [
        {"line": 1, "reason": "above the header", "text": "Class 2B, week 3"}
    ]


def test_a_stray_quote_costs_its_own_line_only(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        'student,problem,answer\nada,sin(x),"cos(x)"junk\n"bob,x^2,2x\ncarol,x^2,2x\ndan,x^2,2"x\n',
        encoding="utf-8",
    )
    report = json.loads(grade(str(path), "--format", "json").stdout)
    assert [(s["student"], s["right"]) for s in report["students"]] == [("carol", 1), ("dan", 0)]
    assert [(row["line"], row["reason"].split(":")[0]) for row in report["skipped"]] == [
        (2, "invalid CSV"),
        (3, "invalid CSV"),
    ]
