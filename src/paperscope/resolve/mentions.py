"""The unit the resolver works on: one author's name on one paper, with its paper's evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Mention"]


@dataclass(slots=True)
class Mention:
    """One author mention: a name as written on a paper, and what the paper says around it.

    The resolver decides which mentions are one person from this alone; it never reads a
    database, so the store, the benchmarks and the tests all feed it the same way.
    """

    key: object                 # opaque, hashable: the caller's id of this mention
    name: str                   # the name as written ("Zixin Wen", "Wen, Z.", "Zhang Wei")
    coauthors: list[str]        # the other authors' names on the same paper
    title: str = ""
    abstract: str = ""
    venue: str = ""             # venue / journal / conference, may be ""
    year: int | None = None
    affiliations: list[str] = field(default_factory=list)  # this author's, on this paper
    categories: list[str] = field(default_factory=list)    # e.g. ["cs.LG", "stat.ML"]
    author_ids: set[str] = field(default_factory=set)      # "openalex:A123", "s2:456", "orcid:…"
    paper: object = None        # the paper's id: two mentions on one paper are never one person
