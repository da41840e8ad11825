"""Untrusted text never reaches a terminal or a document raw (issue 16): student names, answers,
comments and exercise fields show control characters as visible escapes, Markdown escapes HTML,
and the exercise bank refuses control characters with the file and line."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from chaintutor.cli import app
from chaintutor.errors import InputError, control_character, visible
from chaintutor.tutor.bank import load_bank

EVIL = (
    "student,problem,answer\n"
    '"\x1b]0;pwned\x07ada\r\u2713 all correct\x00",sin(x),"cos(x)\x1b[2J"\n'
    '"<script>alert(1)</script>",x^2,"2x | <b>"\n'
    '"[a](javascript:alert(1))",x^2,"`<i>` \x9b31m"\n'
    '"\u202eevil",x^2,"2x"\n'
)


@pytest.fixture
def evil_file(tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text(EVIL, encoding="utf-8")
    return path


def test_visible_escapes_every_control_character():
    assert visible("a\x1b[2Jb\rc\x00d\u202e\x9b") == "a\\x1b[2Jb\\rc\\x00d\\u202e\\x9b"
    assert visible("one\ntwo") == "one\\ntwo"
    assert visible("one\ntwo\x07", lines=True) == "one\ntwo\\x07"
    assert control_character("tab\tand newline\n are fine") is None
    assert control_character("bell\x07") == "\\x07"


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_grade_reports_hold_no_control_character(evil_file, output_format):
    result = CliRunner().invoke(app, ["grade", str(evil_file), "--format", output_format])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert control_character(out.replace("\x1b", "\x1b")) is None or output_format == "json"
    if output_format != "json":
        assert not any(char in out for char in "\x1b\x07\x00\r\x9b\u202e")
        assert "\\x1b" in out


def test_markdown_has_no_raw_html_or_link(evil_file):
    out = CliRunner().invoke(app, ["grade", str(evil_file), "--format", "markdown"]).stdout
    assert "<script" not in out and "<b>" not in out and "<i>" not in out
    assert "](javascript" not in out
    if shutil.which("pandoc"):
        html = subprocess.run(["pandoc", "-t", "html"], input=out, capture_output=True, text=True).stdout
        assert "<script" not in html and "href=" not in html and "<b>" not in html


def test_the_bank_refuses_control_characters_with_file_and_line(tmp_path):
    good = '[set]\nname = "s"\ntitle = "T"\n\n[[exercise]]\nid = "a"\nproblem = "sin(x)"\n'
    good += 'wrt = ["x"]\nlevel = 1\n'
    good += 'hints = ["h"]\nsource = "me"\n'
    (tmp_path / "s.toml").write_text(good.replace('title = "T"', 'title = "T\x1b]0;x\x07"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.toml:3: .*control character \\x1b"):
        load_bank(tmp_path)
    (tmp_path / "s.toml").write_text(
        good.replace('hints = ["h"]', 'hints = ["h\\u001b[2J"]'), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"s\.toml:10: .*'hints' holds the control character \\x1b"):
        load_bank(tmp_path)
    (tmp_path / "s.toml").write_text(good, encoding="utf-8")
    assert load_bank(tmp_path)[0].title == "T"
