"""The progress store under hostile conditions (issue 16): rows written by something else, a
damaged file, '~' in --db, many first opens at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chaintutor.errors import InputError
from chaintutor.tutor.progress import Attempt, ProgressStore


def _store_with_one_wrong_answer(path: Path) -> None:
    with ProgressStore(path) as store:
        session = store.start_session("grade")
        store.record(
            session, Attempt(problem="x^2", wrt="x", answer="x", verdict="wrong", diagnosis=("unknown",))
        )


def test_a_diagnosis_that_is_not_json_is_a_message(tmp_path):
    path = tmp_path / "p.db"
    _store_with_one_wrong_answer(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE attempts SET diagnosis = 'not json'")
    with ProgressStore(path) as store, pytest.raises(InputError, match="not a list of codes"):
        store.mistake_counts()


def test_nothing_is_written_into_a_damaged_database(tmp_path):
    path = tmp_path / "p.db"
    _store_with_one_wrong_answer(path)
    data = bytearray(path.read_bytes())
    data[4096 + 100 : 4096 * 3] = b"\xab" * (4096 * 2 - 100)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="damaged"):
        ProgressStore(path)
    assert path.read_bytes() == bytes(data)


def test_tilde_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with ProgressStore("~/x.db"):
        pass
    assert (tmp_path / "x.db").exists() and not (tmp_path / "~").exists()


def test_many_first_opens_at_once(tmp_path):
    path = tmp_path / "new.db"
    code = (
        "import sys; from chaintutor.tutor.progress import ProgressStore; ProgressStore(sys.argv[1]).close()"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE) for _ in range(24)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0] * 24, errors
