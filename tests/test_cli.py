"""The real command line: Typer's CliRunner in-process, and subprocesses through pipes."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from chaintutor.cli import app, main

SEED = "ln(sin(x**3)**2)"
runner = CliRunner()


def run_main(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m chaintutor ARGS`` with stdout a pipe and colour forced on by the environment."""
    env = dict(os.environ, FORCE_COLOR="1", TERM="xterm-256color", COLUMNS="50")
    return subprocess.run(
        [sys.executable, "-m", "chaintutor", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_json_has_every_contract_key():
    result = runner.invoke(app, ["derive", SEED, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {
        "schema_version",
        "input",
        "output",
        "independent",
        "equations",
        "local_derivatives",
        "paths",
        "result",
        "result_form",
        "verified",
        "at",
    }
    assert len(data["equations"]) == 4 and len(data["local_derivatives"]) == 4
    assert data["paths"]["x"]["count"] == 1
    assert data["verified"]["x"]["ok"] is True


def test_text_shows_the_four_steps():
    result = runner.invoke(app, ["derive", SEED, "--format", "text"])
    assert result.exit_code == 0
    out = result.stdout
    for line in ("u₁ = x³", "u₂ = sin(u₁)", "u₃ = u₂²", "y  = ln(u₃)"):
        assert line in out
    for local in ("du₁/dx", "du₂/du₁", "du₃/du₂", "dy/du₃"):
        assert local in out
    assert "dy/dx = dy/du₃ · du₃/du₂ · du₂/du₁ · du₁/dx" in out
    assert "6x²·cos(x³)/sin(x³)" in out
    assert "Agrees with sympy.diff" in out


def test_piped_output_has_no_ansi_whatever_the_environment():
    piped = run_main("derive", SEED)
    assert piped.returncode == 0, piped.stderr
    assert "\x1b[" not in piped.stdout
    assert "u₂ = sin(u₁)" in piped.stdout


def test_same_input_same_bytes():
    first = run_main("derive", "y = u^2 + v; u = x*z; v = sin(x)", "--format", "text")
    second = run_main("derive", "y = u^2 + v; u = x*z; v = sin(x)", "--format", "text")
    assert first.returncode == 0 and first.stdout == second.stdout


def test_rich_format_renders_the_tree():
    result = runner.invoke(app, ["derive", SEED, "--format", "rich"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert "Dependency tree" in result.stdout and "└──" in result.stdout


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("sin(x", "column 4"),
        ("x +* 3", "'*'"),
        ("sine(x)", "did you mean sin"),
        ("__import__('os').getcwd()", "__import__"),
        ("y = u; u = y", "y"),
        ("", "empty"),
    ],
)
def test_bad_input_is_a_short_error_with_exit_2(bad, fragment):
    completed = run_main("derive", bad)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr + completed.stdout
    assert fragment in completed.stderr
    assert len(completed.stderr.splitlines()) <= 5


def test_caret_sits_under_the_column():
    completed = run_main("derive", "sin(x")
    lines = completed.stderr.splitlines()
    source_line = next(i for i, line in enumerate(lines) if line.strip() == "sin(x")
    assert lines[source_line + 1].index("^") == lines[source_line].index("(")


def test_usage_errors_exit_2():
    assert runner.invoke(app, ["derive", SEED, "--format", "nope"]).exit_code == 2
    assert run_main("derive").returncode == 2


def _modules_imported_by(*args: str) -> set[str]:
    """Modules a real run of the command imports, from ``python -X importtime``."""
    probe = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "chaintutor", *args], capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    rows = (line.split("|") for line in probe.stderr.splitlines() if line.startswith("import time:"))
    return {row[2].strip() for row in rows if len(row) == 3}


def _packages_imported_by(*args: str) -> set[str]:
    """Top-level packages a real run of the command imports."""
    return {module.split(".")[0] for module in _modules_imported_by(*args)}


def test_help_does_not_import_sympy():
    assert "sympy" not in _packages_imported_by("--help")


def test_help_of_every_command_does_not_import_sympy():
    """True with every supported Typer (0.29 and later import pydantic on every run: that is
    their floor, measured by benchmarks/run.py; SymPy is ours, and --help never needs it)."""
    for command in ("derive", "graph", "check", "practice", "grade", "exercises", "progress"):
        assert "sympy" not in _packages_imported_by(command, "--help"), command


def test_derive_loads_only_what_a_derivation_needs():
    """The Jacobian (--outputs), the grader and Rich stay out of ``derive SEED --format text``."""
    imported = _modules_imported_by("derive", SEED, "--format", "text")
    assert {"sympy", "typer", "chaintutor.core.derive"} <= imported
    for module in ("chaintutor.core.jacobian", "chaintutor.grade", "rich"):
        assert module not in imported, module


def test_version():
    completed = run_main("--version")
    assert completed.returncode == 0 and completed.stdout.startswith("chaintutor ")


def test_output_file_is_written_whole(tmp_path):
    target = tmp_path / "seed.json"
    result = runner.invoke(app, ["derive", SEED, "--format", "json", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["output"] == "y"
    assert [p.name for p in tmp_path.iterdir()] == ["seed.json"]


def test_output_file_in_a_missing_directory_is_an_error(tmp_path):
    completed = run_main("derive", SEED, "-o", str(tmp_path / "missing" / "out.txt"))
    assert completed.returncode == 2 and "cannot write" in completed.stderr


def test_graph_prints_the_tree_alone():
    result = runner.invoke(app, ["graph", "y = u^2 + v; u = x*z; v = sin(x)"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "y = u² + v"
    assert any("u = x·z" in line for line in lines) and any("v = sin(x)" in line for line in lines)


def test_main_turns_input_errors_into_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["chaintutor", "derive", "sin(x"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    assert "never closed" in capsys.readouterr().err


COMMANDS = ("derive", "graph", "check", "practice", "grade", "exercises", "progress")


def test_top_level_help_has_exit_codes_environment_and_completion():
    for flag in ("-h", "--help"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0
        out = result.stdout
        for fragment in ("Exit codes:", "CHAINTUTOR_DB", "CHAINTUTOR_DEBUG", "--install-completion"):
            assert fragment in out, fragment
        assert "--show-completion" in out and "..." not in out.split("Commands:")[1]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_examples(command):
    result = runner.invoke(app, [command, "-h"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"chaintutor {command}" in result.stdout
    assert "{problem}" not in result.stdout


def test_a_problem_that_starts_with_a_minus_sign_is_a_problem():
    result = runner.invoke(app, ["derive", "-x**2", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"]["x"] == "-2*x"


def test_an_answer_with_an_h_is_not_the_help_option():
    result = runner.invoke(app, ["check", "ln(cosh(x))", "-tanh(x)", "--format", "json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["correct"] is False


def test_a_mistyped_option_is_not_taken_for_the_answer():
    completed = run_main("check", "sin(x)", "--fromat", "json")
    assert completed.returncode == 2
    assert "No such option: --fromat" in completed.stderr and "--format" in completed.stderr


def test_an_unknown_short_option_suggests_the_double_dash():
    completed = run_main("practice", "-x")
    assert completed.returncode == 2
    assert 'chaintutor derive -- "-x**2"' in completed.stderr


def test_show_completion_prints_a_script():
    completed = subprocess.run(
        [sys.executable, "-m", "chaintutor", "--show-completion", "bash"],
        capture_output=True,
        text=True,
        env=dict(os.environ, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"),
    )
    assert completed.returncode == 0, completed.stderr
    assert "complete" in completed.stdout


@pytest.mark.parametrize("command", ["graph", "check", "exercises", "progress"])
def test_json_and_output_file_everywhere(command, tmp_path):
    args = {
        "graph": ["graph", "y = u^2 + v; u = x*z; v = sin(x)"],
        "check": ["check", "sin(x**3)", "3x^2 cos(x^3)"],
        "exercises": ["exercises", "--db", str(tmp_path / "p.sqlite3")],
        "progress": ["progress", "--db", str(tmp_path / "p.sqlite3")],
    }[command]
    target = tmp_path / "out.json"
    result = runner.invoke(app, [*args, "--format", "json", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert isinstance(json.loads(target.read_text()), dict)


def test_graph_json_lists_every_edge():
    result = runner.invoke(app, ["graph", "y = u^2 + v; u = x*z; v = sin(x)", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["independent"] == ["x", "z"]
    assert {(e["of"], e["wrt"]) for e in data["edges"]} == {
        ("y", "u"),
        ("y", "v"),
        ("u", "x"),
        ("u", "z"),
        ("v", "x"),
    }


def test_piped_exercises_are_never_cut(tmp_path):
    completed = run_main("exercises", "--db", str(tmp_path / "p.sqlite3"))
    assert completed.returncode == 0, completed.stderr
    from chaintutor.tutor.bank import load_bank

    longest = max((e.problem for group in load_bank() for e in group.exercises), key=len)
    assert len(longest) > 60 and longest in completed.stdout
    assert "…" not in completed.stdout and "\x1b[" not in completed.stdout


def test_a_run_builds_only_the_command_it_runs():
    from chaintutor.cli.app import _app_for

    names = [
        command.callback.__name__ for command in _app_for(["--debug", "derive", "x"]).registered_commands
    ]
    assert names == ["derive"]
    for args in (["--help"], ["--version"], ["bogus"], []):
        assert _app_for(args) is app


def test_the_slim_app_reads_options_and_errors_as_the_whole_app():
    completed = run_main("derive", "sin(x", "--format", "text")
    assert completed.returncode == 2 and "^" in completed.stderr
    assert run_main("check", "sin(x)", "cos(x)").returncode == 0
