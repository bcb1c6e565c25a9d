"""Writing paper records: merge by identifier, newest-version-wins, nothing duplicated.

Merge rules (the same paper may come from several sources, in any order, many times):
- A record's identifiers (arXiv id, DOIs, OpenReview/venue ids) find the stored paper; a
  record whose identifiers point to two stored papers merges them into the older one.
- Descriptive fields (title, abstract, categories, dates, authors…) come from the most
  authoritative record seen: arXiv records rank by version, then conference records, then
  seed pages. An equally or more authoritative record overwrites; a less authoritative
  one only fills fields that are still empty.
- Identifiers, versions, code links, citation observations and claims accumulate.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperscope.models import PaperRecord
from paperscope.store.db import Database, any_of
from paperscope.store.rows import (
    DESCRIPTIVE_FIELDS,
    NO_AFFILIATIONS,
    PaperRows,
    paper_rows,
)

_PAPER_COLUMNS = ("id", "key", *DESCRIPTIVE_FIELDS, "content_source", "content_rank", "created_run", "updated_run")
_INSERT_PAPER = f"INSERT INTO papers ({', '.join(_PAPER_COLUMNS)}) VALUES ({', '.join('?' * len(_PAPER_COLUMNS))})"
_AUTHOR_COLUMNS = ("paper_id", "position", "raw_name", "given", "family", "suffix", "affiliations", "source")
# Paper writers take turns on PostgreSQL (held to the end of the transaction): each
# numbers its new papers after the largest id, which no other writer may take meanwhile.
_PAPER_WRITERS = 7_346_202
# Overwrite with the incoming value where it has one (authoritative record) ...
_OVERWRITE = ", ".join(f"{f} = coalesce(?, {f})" for f in DESCRIPTIVE_FIELDS)
# ... or only fill what is empty (a less authoritative record).
_FILL = ", ".join(f"{f} = coalesce({f}, ?)" for f in DESCRIPTIVE_FIELDS)
_INSERT_AUTHOR = (
    "INSERT INTO authorships (paper_id, position, raw_name, given, family, suffix,"
    " affiliations, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_HIDDEN_AUTHOR = (
    "INSERT INTO hidden_authorships (paper_id, raw_name, given, family, suffix,"
    " affiliations, source) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
# A code link keeps the place it was learnt in, after those the paper has.
_INSERT_CODE_LINK = (
    "INSERT INTO code_links (paper_id, url, source, position) VALUES (?, ?, ?,"
    " (SELECT coalesce(max(position), -1) + 1 FROM code_links WHERE paper_id = ?)) ON CONFLICT DO NOTHING"
)


INSERT_PROVENANCE = (
    "INSERT INTO provenance (paper_id, source, record_id, origin, run_id) VALUES (?, ?, ?, ?, ?)"
)
# A source's record seen again: the latest file/line and run are kept.
UPSERT_PROVENANCE = (
    f"{INSERT_PROVENANCE} ON CONFLICT (paper_id, source, record_id) DO UPDATE"
    " SET origin = excluded.origin, run_id = excluded.run_id"
)


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


class _NewPapers:
    """Rows of the papers a batch creates, inserted together with executemany."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.papers: list[tuple[object, ...]] = []
        self.ids: list[tuple[str, str, int]] = []
        self.versions: list[tuple[object, ...]] = []
        self.authors: list[tuple[object, ...]] = []
        self.hidden_authors: list[tuple[object, ...]] = []
        self.written: list[tuple[int, PaperRows]] = []
        self.paper_ids: set[int] = set()

    def add(self, run_id: int, paper_id: int, paper: PaperRows) -> None:
        self.papers.append(
            (paper_id, paper.key, *paper.descriptive, paper.source, paper.rank, run_id, run_id)
        )
        # Loops rather than comprehensions: most of these lists hold one or two rows.
        for scheme, value in paper.ids:
            self.ids.append((scheme, value, paper_id))
        for version in paper.versions:
            self.versions.append((paper_id, *version))
        for author in paper.authors:
            self.authors.append((paper_id, *author, paper.source))
        for author in paper.hidden_authors:
            self.hidden_authors.append((paper_id, *author, paper.source))
        self.written.append((paper_id, paper))
        self.paper_ids.add(paper_id)


class PaperWriter:
    """Writes batches of PaperRecords inside the caller's transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find_by_key(self, key: str) -> int | None:
        row = self.db.execute("SELECT id FROM papers WHERE key = ?", (key,)).fetchone()
        if row:
            return int(row[0])
        scheme, _, value = key.partition(":")
        row = self.db.execute(
            "SELECT paper_id FROM paper_ids WHERE scheme = ? AND value = ?", (scheme, value)
        ).fetchone()
        return int(row[0]) if row else None

    def write(self, run_id: int, records: Sequence[PaperRecord | PaperRows]) -> None:
        """Insert new papers in bulk; merge records that match stored papers one by one.

        Records may come as PaperRows already (see store/rows.py).
        """
        c = self.db
        if c.dialect == "postgresql":
            c.execute("SELECT pg_advisory_xact_lock(?)", (_PAPER_WRITERS,))
        papers = [r if type(r) is PaperRows else paper_rows(r) for r in records]  # type: ignore[arg-type]
        known = self._lookup([i for p in papers for i in p.ids])
        # Papers known only by title from a page are found by the title key of any
        # record; a page's own records also look for real papers with the same title.
        # Neither kind stored nor in the batch (an arXiv bulk ingest): no title work.
        title_only_stored = self._has_title_only_papers()
        if title_only_stored:
            known.update(self._lookup([("title", k) for k in {p.title_key for p in papers}]))
        match_titles = title_only_stored or any(p.weak for p in papers)
        by_title = self._lookup_titles([p.title_key for p in papers if p.weak]) if match_titles else {}
        next_id = int(c.execute("SELECT coalesce(max(id), 0) FROM papers").fetchone()[0]) + 1
        batch = _NewPapers()
        for paper in papers:
            ids = paper.ids
            hits = {known[i] for i in ids if i in known}
            if not hits and match_titles:
                tkey = paper.title_key
                if ("title", tkey) in known:
                    hits = {known[("title", tkey)]}
                elif paper.weak:
                    hits = set(by_title.get(tkey, [])[:1])
            if hits:
                if not hits.isdisjoint(batch.paper_ids):
                    self._flush(run_id, batch)  # the match is a paper of this very batch
                paper_id = self._merge(run_id, paper, sorted(hits))
                self._accumulate(run_id, [(paper_id, paper)])
            else:
                paper_id, next_id = next_id, next_id + 1
                batch.add(run_id, paper_id, paper)
            for i in ids:
                known[i] = paper_id  # a later record of this batch finds this paper
            if match_titles:
                by_title.setdefault(paper.title_key, []).append(paper_id)
        self._flush(run_id, batch)

    def _copy_new(self, batch: _NewPapers) -> None:
        """PostgreSQL: the new papers' rows by binary COPY (store/bulk_postgres.py)."""
        from paperscope.store import bulk_postgres as bulk

        bulk.copy_rows(self.db, "papers", _PAPER_COLUMNS, batch.papers)
        bulk.copy_rows(self.db, "paper_ids", ("scheme", "value", "paper_id"), batch.ids)
        bulk.copy_rows(self.db, "versions", ("paper_id", "version", "submitted", "size"), batch.versions)
        # New papers have no authorships yet: a repeat can only come from the batch itself
        # (a source listing one place twice), and the first one stands, as ON CONFLICT DO
        # NOTHING keeps it on SQLite.
        seen: set[tuple[object, object]] = set()
        authors = []
        for author in batch.authors:
            if (author[0], author[1]) not in seen:
                seen.add((author[0], author[1]))
                authors.append(author)
        bulk.copy_rows(self.db, "authorships", _AUTHOR_COLUMNS, authors)
        # Few, and numbered in the order learnt (their id): one INSERT each, in order.
        self.db.executemany(_INSERT_HIDDEN_AUTHOR, batch.hidden_authors)

    def _has_title_only_papers(self) -> bool:
        """Whether any stored paper is known by a title identifier (from a seed page)."""
        row = self.db.execute("SELECT 1 FROM paper_ids WHERE scheme = 'title' LIMIT 1").fetchone()
        return row is not None

    def _lookup_titles(self, title_keys: list[str]) -> dict[str, list[int]]:
        """Stored papers by title key."""
        keys = list(set(title_keys))
        found: dict[str, list[int]] = {}
        for start in range(0, len(keys), 500):
            in_keys, chunk = any_of(self.db, keys[start : start + 500])
            for key, paper_id in self.db.execute(f"SELECT title_key, id FROM papers WHERE title_key {in_keys}", chunk):
                found.setdefault(key, []).append(paper_id)
        return found

    def _flush(self, run_id: int, batch: _NewPapers) -> None:
        c = self.db
        if c.dialect == "postgresql":
            self._copy_new(batch)
        else:
            c.executemany(_INSERT_PAPER, batch.papers)
            c.executemany("INSERT INTO paper_ids (scheme, value, paper_id) VALUES (?, ?, ?)", batch.ids)
            c.executemany(
                "INSERT INTO versions (paper_id, version, submitted, size) VALUES (?, ?, ?, ?)",
                batch.versions,
            )
            c.executemany(_INSERT_AUTHOR, batch.authors)
            c.executemany(_INSERT_HIDDEN_AUTHOR, batch.hidden_authors)
        self._accumulate(run_id, batch.written, new_papers=True)
        batch.clear()

    def _lookup(self, ids: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Stored paper ids for a batch's identifiers, in a few queries."""
        by_scheme: dict[str, list[str]] = {}
        for scheme, value in ids:
            by_scheme.setdefault(scheme, []).append(value)
        found: dict[tuple[str, str], int] = {}
        if self.db.dialect == "postgresql":  # one query per scheme: the values as one array
            for scheme, values in by_scheme.items():
                for value, paper_id in self.db.execute(
                    "SELECT value, paper_id FROM paper_ids WHERE scheme = ? AND value = ANY(?)", (scheme, values)
                ):
                    found[(scheme, value)] = paper_id
            return found
        for scheme, values in by_scheme.items():
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                sql = (
                    "SELECT value, paper_id FROM paper_ids WHERE scheme = ? AND value IN"
                    f" ({', '.join('?' * len(chunk))})"
                )
                for value, paper_id in self.db.execute(sql, (scheme, *chunk)):
                    found[(scheme, value)] = paper_id
        return found

    def _merge(self, run_id: int, paper: PaperRows, hits: list[int]) -> int:
        """Fold a record into the stored paper it matches; return that paper's id."""
        c = self.db
        paper_id = hits[0]
        for other in hits[1:]:
            self.absorb(paper_id, other)
        stored_rank = c.execute(
            "SELECT content_rank FROM papers WHERE id = ?", (paper_id,)
        ).fetchone()[0]
        authoritative = paper.rank >= stored_rank
        if authoritative:
            c.execute(
                f"UPDATE papers SET {_OVERWRITE}, content_source = ?, content_rank = ?,"
                " updated_run = ? WHERE id = ?",
                (*paper.descriptive, paper.source, paper.rank, run_id, paper_id),
            )
        else:
            c.execute(
                f"UPDATE papers SET {_FILL}, updated_run = ? WHERE id = ?",
                (*paper.descriptive, run_id, paper_id),
            )
        c.executemany(
            "INSERT INTO paper_ids (scheme, value, paper_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(s, v, paper_id) for s, v in paper.ids],
        )
        if not paper.weak:
            # A paper first seen on a page gets its real identifier as its key.
            c.execute(
                "UPDATE papers SET key = ? WHERE id = ? AND key LIKE 'title:%'", (paper.key, paper_id)
            )
        c.executemany(
            "INSERT INTO versions (paper_id, version, submitted, size) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (paper_id, version) DO UPDATE SET"
            " submitted = coalesce(excluded.submitted, versions.submitted),"
            " size = coalesce(excluded.size, versions.size)",
            [(paper_id, *version) for version in paper.versions],
        )
        self._merge_authors(paper_id, paper, authoritative)
        return paper_id

    def _merge_authors(self, paper_id: int, paper: PaperRows, authoritative: bool) -> None:
        c = self.db
        # Affiliations are compared as stored JSON: every writer stores orjson's text.
        stored = {
            pos: (raw, affs)
            for pos, raw, affs in c.execute(
                "SELECT position, raw_name, affiliations FROM authorships WHERE paper_id = ?",
                (paper_id,),
            )
        }
        listed = paper.authors
        if listed and (authoritative or not stored):
            c.execute("DELETE FROM authorships WHERE paper_id = ?", (paper_id,))
            rows = []
            for position, raw, given, family, suffix, affs in listed:
                old = stored.get(position)
                # Keep affiliations another source knew for the same person at this place.
                if old and affs == NO_AFFILIATIONS and _same_person(old[0], raw):  # type: ignore[arg-type]
                    affs = old[1]
                rows.append((paper_id, position, raw, given, family, suffix, affs, paper.source))
            c.executemany(_INSERT_AUTHOR, rows)
        elif listed:
            # Less authoritative: only add affiliations where the stored author has none.
            for position, raw, _, _, _, affs in listed:
                old = stored.get(position)
                if (
                    old
                    and old[1] == NO_AFFILIATIONS
                    and affs != NO_AFFILIATIONS
                    and _same_person(old[0], raw)  # type: ignore[arg-type]
                ):
                    c.execute(
                        "UPDATE authorships SET affiliations = ? WHERE paper_id = ? AND position = ?",
                        (affs, paper_id, position),
                    )
        names = [raw for (raw,) in c.execute(
            "SELECT raw_name FROM authorships WHERE paper_id = ?", (paper_id,))]
        for hidden in paper.hidden_authors:
            if not any(_same_person(hidden[0], n) for n in names):  # type: ignore[arg-type]
                c.execute(_INSERT_HIDDEN_AUTHOR, (paper_id, *hidden, paper.source))
        # A hidden authorship that a full author list now names is no longer hidden.
        for hid, raw in c.execute(
            "SELECT id, raw_name FROM hidden_authorships WHERE paper_id = ?", (paper_id,)
        ).fetchall():
            if any(_same_person(raw, n) for n in names):
                c.execute("DELETE FROM hidden_authorships WHERE id = ?", (hid,))

    def absorb(self, survivor: int, other: int) -> None:
        """Merge paper `other` into `survivor`: two stored papers turned out to be one."""
        c = self.db
        # Rows keyed without the paper id move over whole.
        for table in ("paper_ids", "researcher_page_papers"):
            c.execute(f"UPDATE {table} SET paper_id = ? WHERE paper_id = ?", (survivor, other))
        # Rows keyed by the paper id are copied where the survivor lacks them.
        for table, cols in (
            ("versions", "version, submitted, size"),
            ("code_links", "url, source, position"),
            ("citation_counts", "source, as_of, count, run_id, influential"),
            ("provenance", "source, record_id, origin, run_id"),
            ("citation_counts_by_year", "source, year, count, as_of"),
            ("provider_authorships", "source, position, name, author_id, orcid, institutions,"
             " raw_affiliations"),
            ("provider_references", "source, cited"),
            ("paper_topics", "source, topic, rank"),
        ):
            c.execute(
                f"INSERT INTO {table} (paper_id, {cols}) SELECT ?, {cols}"
                f" FROM {table} WHERE paper_id = ? ON CONFLICT DO NOTHING",
                (survivor, other),
            )
        c.execute(
            "INSERT INTO hidden_authorships (paper_id, raw_name, given, family, suffix,"
            " affiliations, source) SELECT ?, raw_name, given, family, suffix, affiliations,"
            " source FROM hidden_authorships WHERE paper_id = ? ORDER BY id ON CONFLICT DO NOTHING",
            (survivor, other),
        )
        # Claims move over where the survivor has none of the same field and source.
        c.execute(
            "UPDATE claims SET subject = ? WHERE subject = ? AND NOT EXISTS (SELECT 1 FROM claims k"
            " WHERE k.subject = ? AND k.field = claims.field AND k.source = claims.source)",
            (f"paper:{survivor}", f"paper:{other}", f"paper:{survivor}"),
        )
        c.execute("DELETE FROM claims WHERE subject = ?", (f"paper:{other}",))
        c.execute("DELETE FROM papers WHERE id = ?", (other,))

    def _accumulate(
        self, run_id: int, papers: list[tuple[int, PaperRows]], new_papers: bool = False
    ) -> None:
        """Facts that add up across sources: code links, citation counts, claims, provenance.

        ``new_papers``: papers created by this very batch, which have no provenance yet.
        """
        c = self.db
        c.executemany(_INSERT_CODE_LINK, [(pid, url, p.source, pid) for pid, p in papers for url in p.code_urls])
        c.executemany(
            "INSERT INTO citation_counts (paper_id, source, as_of, count, run_id)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (paper_id, source, as_of) DO UPDATE"
            " SET count = excluded.count, run_id = excluded.run_id",
            [(pid, *citation, run_id) for pid, p in papers for citation in p.citations],
        )
        for pid, p in papers:
            if p.claims:
                self.write_claims(run_id, f"paper:{pid}", p.claims)
            if p.author_ids:
                self._write_author_ids(pid, p)
        # A plain insert is cheaper, where no row can be there already (PostgreSQL: COPY).
        rows = [(pid, p.source, p.key, p.origin, run_id) for pid, p in papers]
        if new_papers and c.dialect == "postgresql":
            from paperscope.store import bulk_postgres

            bulk_postgres.copy_rows(c, "provenance", ("paper_id", "source", "record_id", "origin", "run_id"), rows)
        else:
            c.executemany(INSERT_PROVENANCE if new_papers else UPSERT_PROVENANCE, rows)

    def _write_author_ids(self, paper_id: int, paper: PaperRows) -> None:
        """Person ids a source gives its authors, kept as that scheme's authorships (as
        provider ids are): the resolver takes a shared one as proof of one person."""
        names = {position: raw for position, raw, *_ in paper.authors}
        by_scheme: dict[str, list[tuple[object, ...]]] = {}
        for position, scheme, value in paper.author_ids:
            if position in names:
                orcid = value if scheme == "orcid" else None
                by_scheme.setdefault(scheme, []).append(
                    (paper_id, scheme, position, names[position], None if orcid else value, orcid)
                )
        for scheme, rows in by_scheme.items():
            self.db.execute(
                "DELETE FROM provider_authorships WHERE paper_id = ? AND source = ?", (paper_id, scheme)
            )
            self.db.executemany(
                "INSERT INTO provider_authorships (paper_id, source, position, name, author_id, orcid)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def write_claims(
        self, run_id: int, subject: str, claims: Sequence[tuple[str, str, str, str | None]]
    ) -> None:
        """Store (field, value, source, as_of) claims about a subject; see rows.claim_rows."""
        self.db.executemany(
            "INSERT INTO claims (subject, field, value, source, as_of, run_id) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (subject, field, source) DO UPDATE"
            " SET value = excluded.value, as_of = excluded.as_of, run_id = excluded.run_id",
            [(subject, *claim, run_id) for claim in claims],
        )
