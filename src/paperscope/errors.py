"""The errors paperscope reports to people: one short line, ``error: <what> (<where>)``.

Library code raises a :class:`PaperscopeError` (or a subclass) for anything a user can
cause or fix — a missing or damaged database, a full disk, an unreadable input, a stage
already running. The CLI prints it as one line and exits non-zero; the web app answers
it with a 4xx. Anything else is a bug: the CLI still prints one line (and the traceback
with ``--debug`` or ``$PAPERSCOPE_DEBUG=1``).
"""

from __future__ import annotations

__all__ = ["PaperscopeError", "StageBusy", "StoreError", "shorten"]

# What an echoed user input (an id, a query) is cut to: enough to recognise it.
ECHO_CHARS = 60


def shorten(text: object, limit: int = ECHO_CHARS) -> str:
    """``repr`` of a user input, at most ``limit`` characters of it as written (escapes
    included) then "…" and its length: a 100,000-character id is echoed in one short line,
    a lone surrogate escaped, and an input of escapes (each ``\\U000e0000`` is ten
    characters) no longer than a plain one."""
    value = str(text)
    shown = repr(value)
    if len(shown) <= limit + 2:  # the quotes
        return shown
    cut = min(len(value), limit)
    while len(shown := repr(value[:cut])) > limit + 2:
        cut -= max(1, (len(shown) - limit - 2) // 10)
    return f"{shown}… ({len(value):,} characters)"


class PaperscopeError(Exception):
    """A failure with a cause a person can act on: ``what`` happened, ``where``."""

    def __init__(self, what: str, where: str | None = None) -> None:
        super().__init__(what if where is None else f"{what} ({where})")
        self.what = what
        self.where = where


class StoreError(PaperscopeError):
    """The database is missing, not a database, damaged, unreadable, locked or full."""


class StageBusy(PaperscopeError):
    """Another run of a stage that must not overlap holds its lock."""
