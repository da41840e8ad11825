"""``-o FILE``: write a result where the user asked, without ever damaging what is there.

A regular file (or a path that does not exist yet) is written atomically: the text goes to a
temporary file beside it, which is then renamed over it, so a reader never sees half a file.
The new file keeps the mode of the file it replaces, or the umask's mode when it is new.
Anything else is written through, never replaced: a character device such as /dev/null, a
FIFO, a socket, and a regular file with several hard links (renaming would cut the link).
A symbolic link is followed and its target written. ``-`` is standard output. A directory,
a read-only file and every operating-system error are refused with a message (exit 2).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from chaintutor.errors import InputError


def write_output(path: Path, text: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        return
    target = Path(os.path.realpath(path))  # follows every link, even to a missing file
    try:
        status = target.stat()
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise _refusal(path, error) from error
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise InputError(f"cannot write {path}: it is a directory", hint="give a file name, e.g. -o out.txt")
    if status is not None and stat.S_ISREG(status.st_mode) and not status.st_mode & 0o222:
        raise InputError(f"cannot write {path}: the file is read-only", hint="choose another name")
    try:
        if status is None or (stat.S_ISREG(status.st_mode) and status.st_nlink == 1):
            _replace_atomically(target, text, _mode_for(status))
        else:
            with open(target, "w", encoding="utf-8") as stream:
                stream.write(text)
    except OSError as error:
        raise _refusal(path, error) from error


def _mode_for(status: os.stat_result | None) -> int:
    """The mode of the file being replaced, or what the umask gives a new file."""
    if status is not None:
        return stat.S_IMODE(status.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _replace_atomically(target: Path, text: str, mode: int) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _refusal(path: Path, error: OSError) -> InputError:
    return InputError(f"cannot write {path}: {error.strerror or error}")
