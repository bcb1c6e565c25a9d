"""A search result's snippet: a short stretch of its abstract around the first word of the
query it holds, with the query's words marked.

The snippet is plain text (TeX math written as text by :func:`paperscope.tex.plain`, so
that a cut never falls inside a ``$…$`` span), and the marks are character offsets into
it: a page escapes the text and wraps the marked stretches (``<mark>``), a JSON client
does what it likes with them. Nothing here is HTML.

A word of the abstract is marked when it is a form of a query word. The full-text index
stems words (Porter's algorithm on SQLite, Snowball's English on PostgreSQL); this module
only takes common endings off, which marks the forms a reader would expect
("learning", "learned" for "learn") and, rarely, one the index did not match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TypedDict

from paperscope.tex import plain

__all__ = ["SNIPPET_CHARS", "Snippet", "snippet"]

SNIPPET_CHARS = 240  # about three lines of a result
_LEAD = 70  # characters shown before the first marked word, when it is not near the start
_WORD = re.compile(r"[^\W_]+")
# Endings taken off before words are compared, longest first.
_ENDINGS = ("ings", "ing", "ies", "ied", "es", "ed", "s")


class Snippet(TypedDict):
    """A stretch of an abstract and the query words in it."""

    text: str  # "…" where it was cut
    marks: list[tuple[int, int]]  # (start, end) offsets into text, in order


def _fold(word: str) -> str:
    """A word as the index compares it: case and diacritics folded."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    """A folded word without a common English ending ("networks" → "network"); words of
    three letters or fewer are left whole."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _forms_of(terms: Sequence[str]) -> set[str]:
    return {_stem(_fold(t)) for t in terms if t}


def _is_form(word: str, stems: set[str]) -> bool:
    """Whether a word of the text is a form of a query word: the same stem, or (stems of
    four letters or more) one stem the other's start but for a letter or two ("image" and
    "imag", "model" and "modell")."""
    stem = _stem(_fold(word))
    if stem in stems:
        return True
    return any(
        min(len(stem), len(s)) >= 4 and abs(len(stem) - len(s)) <= 2 and (stem.startswith(s) or s.startswith(stem))
        for s in stems
    )


def _window(text: str, first: int) -> tuple[int, int]:
    """Where a snippet starts and ends: at word boundaries, about ``_LEAD`` characters
    before the first marked word (from the start when it is that close)."""
    start = 0
    if first > _LEAD:
        space = text.find(" ", first - _LEAD, first)
        start = space + 1 if space >= 0 else first
    end = len(text)
    if end - start > SNIPPET_CHARS:
        space = text.rfind(" ", start, start + SNIPPET_CHARS)
        end = space if space > first else start + SNIPPET_CHARS
    return start, end


def snippet(abstract: str | None, terms: Sequence[str]) -> Snippet | None:
    """The stretch of an abstract a result shows, its query words marked; None without an
    abstract. The stretch starts near the first query word it holds (at the start when it
    holds none) and runs about :data:`SNIPPET_CHARS` characters."""
    text = " ".join((plain(abstract) or "").split())
    if not text:
        return None
    stems = _forms_of(terms)
    found = [(m.start(), m.end()) for m in _WORD.finditer(text) if _is_form(m.group(), stems)]
    start, end = _window(text, found[0][0] if found else 0)
    lead = "…" if start > 0 else ""
    shown = lead + text[start:end] + ("…" if end < len(text) else "")
    shift = len(lead) - start
    marks = [(s + shift, e + shift) for s, e in found if start <= s and e <= end]
    return {"text": shown, "marks": marks}
