"""Writing what citation providers say about stored papers and researchers.

A provider's work enriches the stored paper it matches by identifier (arXiv id, DOI, or
the provider's own id from an earlier enrichment); it never creates a paper. Per paper
and provider the latest answer replaces the previous one (authorships, references,
topics, counts by year); citation counts are kept as dated observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from paperscope.models import AuthorProfile, Institution, WorkRecord
from paperscope.store.db import Database, any_of
from paperscope.store.papers import UPSERT_PROVENANCE
from paperscope.store.rows import json_text

__all__ = ["EnrichmentWriter"]


def _institutions(institutions: list[Institution]) -> str:
    return json_text([asdict(i) for i in institutions])


def work_identifiers(work: WorkRecord) -> list[tuple[str, str]]:
    ids = [(work.source, work.source_id)]
    if work.arxiv_id:
        ids.append(("arxiv", work.arxiv_id))
    ids.extend(("doi", d) for d in work.dois)
    return ids


class EnrichmentWriter:
    """Writes provider works and author profiles inside the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, work: WorkRecord) -> int | None:
        for scheme, value in work_identifiers(work):
            row = self.db.execute(
                "SELECT paper_id FROM paper_ids WHERE scheme = ? AND value = ?", (scheme, value)
            ).fetchone()
            if row:
                return int(row[0])
        return None

    def write_works(self, run_id: int, works: Sequence[WorkRecord]) -> list[WorkRecord]:
        """Enrich the stored papers these works match; return the works that match none."""
        unmatched = []
        for work in works:
            paper_id = self.find(work)
            if paper_id is None:
                unmatched.append(work)
                continue
            self._write_work(run_id, paper_id, work)
        return unmatched

    def _write_work(self, run_id: int, paper_id: int, work: WorkRecord) -> None:
        c = self.db
        source = work.source
        # The provider's id (and any DOI it knows) now also finds this paper.
        c.executemany(
            "INSERT INTO paper_ids (scheme, value, paper_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(scheme, value, paper_id) for scheme, value in work_identifiers(work)],
        )
        if work.cited_by_count is not None:
            c.execute(
                "INSERT INTO citation_counts (paper_id, source, as_of, count, run_id, influential)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (paper_id, source, as_of) DO UPDATE"
                " SET count = excluded.count, influential = excluded.influential,"
                " run_id = excluded.run_id",
                (paper_id, source, work.as_of, work.cited_by_count, run_id,
                 work.influential_citation_count),
            )
        if work.counts_by_year:
            c.execute(
                "DELETE FROM citation_counts_by_year WHERE paper_id = ? AND source = ?",
                (paper_id, source),
            )
            c.executemany(
                "INSERT INTO citation_counts_by_year (paper_id, source, year, count, as_of)"
                " VALUES (?, ?, ?, ?, ?)",
                [(paper_id, source, y, n, work.as_of) for y, n in sorted(work.counts_by_year.items())],
            )
        if work.authorships:
            c.execute(
                "DELETE FROM provider_authorships WHERE paper_id = ? AND source = ?", (paper_id, source)
            )
            c.executemany(
                "INSERT INTO provider_authorships (paper_id, source, position, name,"
                " author_id, orcid, institutions, raw_affiliations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (paper_id, source, position) DO UPDATE SET name = excluded.name,"
                " author_id = excluded.author_id, orcid = excluded.orcid,"
                " institutions = excluded.institutions, raw_affiliations = excluded.raw_affiliations",
                [
                    (paper_id, source, a.position if a.position is not None else i, a.name,
                     a.source_id, a.orcid, _institutions(a.institutions), json_text(a.raw_affiliations))
                    for i, a in enumerate(work.authorships)
                ],
            )
        if work.references:
            c.execute(
                "DELETE FROM provider_references WHERE paper_id = ? AND source = ?", (paper_id, source)
            )
            c.executemany(
                "INSERT INTO provider_references (paper_id, source, cited) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(paper_id, source, cited) for cited in work.references],
            )
        if work.topics:
            c.execute("DELETE FROM paper_topics WHERE paper_id = ? AND source = ?", (paper_id, source))
            c.executemany(
                "INSERT INTO paper_topics (paper_id, source, topic, rank) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(paper_id, source, topic, rank) for rank, topic in enumerate(work.topics)],
            )
        c.execute(
            UPSERT_PROVENANCE,
            (paper_id, source, f"{source}:{work.source_id}", str(work.origin), run_id),
        )

    def write_profiles(self, run_id: int, profiles: Sequence[AuthorProfile]) -> None:
        c = self.db
        for p in profiles:
            c.execute(
                "INSERT INTO author_profiles (source, author_id, name, orcid, h_index, i10_index,"
                " works_count, citation_count, affiliations, as_of, run_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, author_id) DO UPDATE SET"
                " name = excluded.name, orcid = excluded.orcid, h_index = excluded.h_index,"
                " i10_index = excluded.i10_index, works_count = excluded.works_count,"
                " citation_count = excluded.citation_count, affiliations = excluded.affiliations,"
                " as_of = excluded.as_of, run_id = excluded.run_id",
                (p.source, p.source_id, p.name, p.orcid, p.h_index, p.i10_index, p.works_count,
                 p.citation_count, _institutions(p.affiliations), p.as_of, run_id),
            )
            if p.work_ids:
                c.execute(
                    "DELETE FROM author_profile_works WHERE source = ? AND author_id = ?",
                    (p.source, p.source_id),
                )
                c.executemany(
                    "INSERT INTO author_profile_works (source, author_id, work_id) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [(p.source, p.source_id, w) for w in p.work_ids],
                )

    def targets(self, source: str, limit: int) -> list[tuple[int, str | None, list[str]]]:
        """Stored papers this provider has not been asked about yet, newest first:
        (paper id, arXiv id, DOIs) for those with an arXiv id or a DOI."""
        rows = self.db.execute(
            "SELECT p.id, (SELECT min(value) FROM paper_ids WHERE paper_id = p.id AND scheme = 'arxiv')"
            " FROM papers p"
            " WHERE NOT EXISTS (SELECT 1 FROM provenance v WHERE v.paper_id = p.id AND v.source = ?)"
            " AND EXISTS (SELECT 1 FROM paper_ids i WHERE i.paper_id = p.id AND i.scheme IN ('arxiv', 'doi'))"
            " ORDER BY p.sort_date DESC NULLS LAST, p.id DESC LIMIT ?",
            (source, limit),
        ).fetchall()
        dois: dict[int, list[str]] = {}
        ids = [pid for pid, _ in rows]
        for start in range(0, len(ids), 500):
            in_ids, chunk = any_of(self.db, ids[start : start + 500])
            for pid, doi in self.db.execute(
                f"SELECT paper_id, value FROM paper_ids WHERE scheme = 'doi' AND paper_id {in_ids}"
                " ORDER BY paper_id, value", chunk,
            ):
                dois.setdefault(pid, []).append(doi)
        return [(pid, arxiv_id, dois.get(pid, [])) for pid, arxiv_id in rows]
