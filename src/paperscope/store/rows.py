"""A paper record as the rows the store writes, built without touching the database.

Turning records into rows is most of the Python work of storing them, and it needs no
connection: a bulk ingest does it in the process that reads the source, beside the one
that writes (see ``pipeline/read_ahead.py``). The paper's id is the one thing missing:
only the writer knows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import orjson

from paperscope.models import Claim, PaperRecord
from paperscope.text import title_key

__all__ = [
    "DESCRIPTIVE_FIELDS",
    "NO_AFFILIATIONS",
    "WEAK_SCHEMES",
    "PaperRows",
    "claim_rows",
    "content_rank",
    "identifiers",
    "json_text",
    "paper_rows",
]

# The papers columns an authoritative record overwrites, in the order of
# PaperRows.descriptive.
DESCRIPTIVE_FIELDS = (
    "title title_key abstract primary_category categories category_code first_date latest_date year "
    "latest_version comments journal_ref license venue"
).split()

# Identifier schemes that only say "a page named a paper with this title": a match by
# them is a guess, so they never merge two papers that both have real identifiers.
WEAK_SCHEMES = frozenset({"title"})

# How authoritative each source is for a paper's descriptive fields. arXiv sources add
# the version number, so v3 from any arXiv source beats v2 from any other.
_BASE_RANK = {"seed-page": 10, "conference": 50}
_ARXIV_RANK = 100

# The affiliations column of an author known without any.
NO_AFFILIATIONS = "[]"


class PaperRows(NamedTuple):
    """The rows of one PaperRecord, less the paper id that the writer assigns."""

    key: str  # papers.key and provenance.record_id: "arxiv:2101.00016", "doi:…"
    source: str
    origin: str  # provenance.origin: file and position
    ids: list[tuple[str, str]]  # (scheme, value)
    # Known by title only (every id is of a weak scheme): a match by title is a guess,
    # never allowed to merge papers that have real identifiers.
    weak: bool
    descriptive: tuple[object, ...]  # the DESCRIPTIVE_FIELDS columns
    rank: int  # content_rank of the record
    versions: list[tuple[int, str | None, str | None]]  # (version, submitted, size)
    # (position, raw_name, given, family, suffix, affiliations JSON); the source is the record's
    authors: Sequence[tuple[object, ...]]
    # Named but hidden behind "et al.": (raw_name, given, family, suffix, affiliations JSON)
    hidden_authors: Sequence[tuple[object, ...]]
    code_urls: list[str]
    citations: list[tuple[str, str, int]]  # (source, as_of, count)
    claims: list[tuple[str, str, str, str | None]]  # (field, value, source, as_of)
    author_ids: list[tuple[int, str, str]]  # (position, scheme, id): see PaperRecord.author_ids

    @property
    def title_key(self) -> str:
        return self.descriptive[1]  # type: ignore[return-value]


def content_rank(record: PaperRecord) -> int:
    base = _BASE_RANK.get(record.source)
    if base is not None:
        return base
    return _ARXIV_RANK + (record.arxiv_version or len(record.versions) or 0)


def identifiers(record: PaperRecord) -> list[tuple[str, str]]:
    """The record's (scheme, value) identifiers: arXiv id, DOIs, then the others by scheme."""
    ids = [("arxiv", record.arxiv_id)] if record.arxiv_id else []
    if record.dois:
        ids += [("doi", d) for d in record.dois]
    if record.other_ids:
        ids += sorted(record.other_ids.items())
    return ids


def json_text(value: object) -> str:
    return orjson.dumps(value).decode()


def paper_rows(record: PaperRecord) -> PaperRows:
    """The rows that store the record."""
    ids = identifiers(record)
    authors = []
    hidden_authors = []
    for a in record.authors:
        affiliations = json_text(a.affiliations) if a.affiliations else NO_AFFILIATIONS
        if a.position is None:
            hidden_authors.append((a.raw, a.given, a.family, a.suffix, affiliations))
        else:
            authors.append((a.position, a.raw, a.given, a.family, a.suffix, affiliations))
    return PaperRows(
        record.key,
        record.source,
        str(record.origin),
        ids,
        all(scheme in WEAK_SCHEMES for scheme, _ in ids),
        (
            record.title,
            title_key(record.title),
            record.abstract,
            record.primary_category,
            json_text(record.categories),
            record.category_code,
            record.first_date,
            record.latest_date,
            record.year,
            record.arxiv_version,
            record.comments,
            record.journal_ref,
            record.license,
            record.venue,
        ),
        content_rank(record),
        [(v.version, v.submitted, v.size) for v in record.versions],
        authors,
        hidden_authors,
        record.code_urls,
        [(n.source, n.as_of, n.count) for n in record.citations] if record.citations else [],
        claim_rows(record.claims) if record.claims else [],
        record.author_ids,
    )


def claim_rows(claims: list[Claim]) -> list[tuple[str, str, str, str | None]]:
    return [(c.field, c.value, c.source, c.as_of) for c in claims]
