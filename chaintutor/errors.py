"""The one error type users see: bad input, bad usage, or a resource limit hit.

It carries the source text and the span of the offending characters so that every
front end can draw a caret under the column, and an optional hint for the likely fix.
"""

from __future__ import annotations

import re


class InputError(ValueError):
    """A problem with what the user typed (exit code 2 on the command line)."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        start: int | None = None,
        end: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.start = start
        self.end = end if end is not None else (None if start is None else start + 1)
        self.hint = hint

    @property
    def column(self) -> int | None:
        """1-based column of the first offending character, if there is one."""
        return None if self.start is None else self.start + 1

    def located(self, source: str, offset: int = 0) -> InputError:
        """The same error, placed in a larger source (a system's line, say) at ``offset``."""
        if self.start is None:
            return InputError(self.message, source=source, hint=self.hint)
        return InputError(
            self.message,
            source=source,
            start=self.start + offset,
            end=(self.end or self.start + 1) + offset,
            hint=self.hint,
        )

    def render(self) -> str:
        """The message, the source line with a caret under the span, and the hint.

        Short whatever the input: a long line is shown as a window around the span, a long
        quoted piece of the input in the message is abbreviated, and characters that are not
        printable (terminal escapes, say) are shown as U+FFFD.
        """
        lines = [f"error: {_shorten(self.message)}"]
        if self.source is not None and self.start is not None:
            line_start = self.source.rfind("\n", 0, self.start) + 1
            line_end = self.source.find("\n", self.start)
            line = self.source[line_start : line_end if line_end != -1 else len(self.source)]
            column = self.start - line_start
            width = min(
                _MAX_CARETS, max(1, min((self.end or self.start + 1), line_start + len(line)) - self.start)
            )
            first = max(0, column - _CONTEXT)
            last = min(len(line), column + width + _CONTEXT)
            shown = ("…" if first else "") + _printable(line[first:last]) + ("…" if last < len(line) else "")
            lines.append("  " + shown)
            lines.append("  " + " " * (column - first + (1 if first else 0)) + "^" * width)
        if self.hint:
            lines.append(f"hint: {_shorten(self.hint)}")
        return "\n".join(lines)


_CONTEXT = 60  # characters of a long line shown either side of the caret
_MAX_CARETS = 60
_MAX_TEXT = 400  # characters of a message or a hint
_LONG_QUOTE = re.compile(r"'([^'\n]{60,})'")


def _printable(text: str) -> str:
    """Tabs and the like as spaces (the caret stays aligned), other control characters as U+FFFD."""
    return "".join(
        char if char.isprintable() or char == "\n" else " " if char in "\t\r\f\v" else "\ufffd"
        for char in text
    )


def _shorten(text: str) -> str:
    """``text`` with long quoted pieces (echoed input) abbreviated, and at most _MAX_TEXT long."""
    text = _LONG_QUOTE.sub(lambda m: f"'{m.group(1)[:40]}…{m.group(1)[-10:]}'", _printable(text))
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


# Control characters (C0, DEL, C1), the bidirectional overrides and isolates, and the line and
# paragraph separators: a terminal obeys the first (ESC starts a command that can retitle it,
# clear it or write the clipboard; CR returns to the start of the line to forge one), the others
# reorder or break what is shown.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def visible(text: str, *, lines: bool = False) -> str:
    """Untrusted text (a student's name or answer, a comment, a field of a file) made safe to show
    on a terminal or in a file: each control character written as a visible escape (ESC as
    ``\\x1b``, CR as ``\\r``, a newline as ``\\n``), so it is seen and never obeyed.
    ``lines``: newlines are kept (text printed as several lines)."""
    if lines:
        return "\n".join(_INVISIBLE.sub(_escape_char, line) for line in text.split("\n"))
    return _INVISIBLE.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def control_character(text: str) -> str | None:
    """The first control character in ``text`` (tab and newline allowed), as a visible escape."""
    for match in _INVISIBLE.finditer(text):
        if match.group() not in "\t\n":
            return _escape_char(match)
    return None
