"""The one error type users see: bad input, bad usage, or a resource limit hit.

It carries the source text and the span of the offending characters so that every
front end can draw a caret under the column, and an optional hint for the likely fix.
"""

from __future__ import annotations


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
        """The message, the source line with a caret under the span, and the hint."""
        lines = [f"error: {self.message}"]
        if self.source is not None and self.start is not None:
            line_start = self.source.rfind("\n", 0, self.start) + 1
            line_end = self.source.find("\n", self.start)
            line = self.source[line_start : line_end if line_end != -1 else len(self.source)]
            width = max(1, min((self.end or self.start + 1), line_start + len(line)) - self.start)
            lines.append("  " + line)
            lines.append("  " + " " * (self.start - line_start) + "^" * width)
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)
