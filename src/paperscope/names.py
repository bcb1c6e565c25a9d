"""Person names: splitting a name into given/family/suffix parts.

A provisional implementation on top of nameparser; arXiv author-string parsing lives in
:mod:`paperscope.sources.arxiv_authors`.
"""

from __future__ import annotations

from dataclasses import dataclass

from nameparser import HumanName

__all__ = ["NameParts", "split_name"]


@dataclass(frozen=True, slots=True)
class NameParts:
    given: str | None
    family: str | None
    suffix: str | None = None


def split_name(raw: str) -> NameParts:
    """Split a personal name written "Given Family" or "Family, Given" into parts."""
    name = HumanName(" ".join(raw.split()))
    given = " ".join(p for p in (name.title, name.first, name.middle) if p) or None
    family = name.last or None
    return NameParts(given, family, name.suffix or None)
