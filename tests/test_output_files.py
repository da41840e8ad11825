"""-o FILE never damages what is at the path: devices, FIFOs, links and modes survive."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import pytest

SEED = "ln(sin(x**3)**2)"


def derive_to(path: object) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "chaintutor", "derive", SEED, "--format", "json", "-o", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_a_new_file_gets_the_umask_mode(tmp_path):
    target = tmp_path / "new.json"
    old = os.umask(0o022)
    try:
        assert derive_to(target).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["new.json"]


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "kept.json"
    target.write_text("old")
    target.chmod(0o640)
    assert derive_to(target).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and '"output": "y"' in target.read_text()


def test_dev_null_stays_a_character_device():
    assert derive_to("/dev/null").returncode == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    completed = derive_to(fifo)
    reader.join(timeout=60)
    assert completed.returncode == 0 and stat.S_ISFIFO(fifo.stat().st_mode)
    assert '"output": "y"' in received[0]


def test_a_symlink_is_followed_and_kept(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert derive_to(link).returncode == 0
    assert link.is_symlink() and '"output": "y"' in target.read_text()


def test_a_hard_link_is_not_cut(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("old")
    os.link(first, second)
    assert derive_to(first).returncode == 0
    assert first.stat().st_ino == second.stat().st_ino and '"output": "y"' in second.read_text()


def test_a_read_only_file_is_refused_even_for_root(tmp_path):
    target = tmp_path / "locked.json"
    target.write_text("keep me")
    target.chmod(0o444)
    completed = derive_to(target)
    assert completed.returncode == 2 and "read-only" in completed.stderr
    assert target.read_text() == "keep me"


def test_a_directory_is_refused(tmp_path):
    completed = derive_to(tmp_path)
    assert completed.returncode == 2 and "is a directory" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_dash_is_standard_output():
    completed = derive_to("-")
    assert completed.returncode == 0 and '"output": "y"' in completed.stdout


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full to fill a disk")
def test_a_full_disk_is_a_message_not_an_internal_error():
    completed = derive_to("/dev/full")
    assert completed.returncode == 2 and "cannot write /dev/full" in completed.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
