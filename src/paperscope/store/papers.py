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

import sqlite3
from collections.abc import Sequence

import orjson

from paperscope.models import Author, Claim, PaperRecord
from paperscope.text import title_key

# How authoritative each source is for a paper's descriptive fields. arXiv sources add
# the version number, so v3 from any arXiv source beats v2 from any other.
_BASE_RANK = {"seed-page": 10, "conference": 50}
_ARXIV_RANK = 100


def content_rank(record: PaperRecord) -> int:
    base = _BASE_RANK.get(record.source)
    if base is not None:
        return base
    return _ARXIV_RANK + (record.arxiv_version or len(record.versions) or 0)


# Identifier schemes that only say "a page named a paper with this title": a match by
# them is a guess, so they never merge two papers that both have real identifiers.
WEAK_SCHEMES = frozenset({"title"})


def _is_weak(ids: list[tuple[str, str]]) -> bool:
    return all(scheme in WEAK_SCHEMES for scheme, _ in ids)


def identifiers(record: PaperRecord) -> list[tuple[str, str]]:
    ids = []
    if record.arxiv_id:
        ids.append(("arxiv", record.arxiv_id))
    ids.extend(("doi", d) for d in record.dois)
    ids.extend(sorted(record.other_ids.items()))
    return ids


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def _paper_row(record: PaperRecord, tkey: str | None = None) -> tuple[object, ...]:
    """The descriptive columns of a record, in _FIELDS order."""
    return (
        record.title,
        tkey if tkey is not None else title_key(record.title),
        record.abstract,
        record.primary_category,
        _json(record.categories),
        record.category_code,
        record.first_date,
        record.latest_date,
        record.year,
        record.arxiv_version,
        record.comments,
        record.journal_ref,
        record.license,
        record.venue,
    )


_FIELDS = (
    "title title_key abstract primary_category categories category_code first_date latest_date year "
    "latest_version comments journal_ref license venue"
).split()
_INSERT_PAPER = (
    f"INSERT INTO papers (id, key, {', '.join(_FIELDS)}, content_source, content_rank,"
    f" created_run, updated_run) VALUES ({', '.join('?' * (len(_FIELDS) + 6))})"
)
# Overwrite with the incoming value where it has one (authoritative record) ...
_OVERWRITE = ", ".join(f"{f} = coalesce(?, {f})" for f in _FIELDS)
# ... or only fill what is empty (a less authoritative record).
_FILL = ", ".join(f"{f} = coalesce({f}, ?)" for f in _FIELDS)
_INSERT_AUTHOR = (
    "INSERT OR IGNORE INTO authorships (paper_id, position, raw_name, given, family, suffix,"
    " affiliations, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _author_row(paper_id: int, a: Author, source: str) -> tuple[object, ...]:
    affiliations = _json(a.affiliations) if a.affiliations else "[]"
    return (paper_id, a.position, a.raw, a.given, a.family, a.suffix, affiliations, source)


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
        self.records: list[tuple[int, PaperRecord]] = []
        self.paper_ids: set[int] = set()

    def add(
        self, run_id: int, paper_id: int, record: PaperRecord, ids: list[tuple[str, str]], tkey: str
    ) -> None:
        self.papers.append(
            (paper_id, record.key, *_paper_row(record, tkey), record.source, content_rank(record),
             run_id, run_id)
        )
        self.ids.extend((s, v, paper_id) for s, v in ids)
        self.versions.extend((paper_id, v.version, v.submitted, v.size) for v in record.versions)
        self.authors.extend(_author_row(paper_id, a, record.source) for a in record.authors)
        self.records.append((paper_id, record))
        self.paper_ids.add(paper_id)


class PaperWriter:
    """Writes batches of PaperRecords inside the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def find_by_key(self, key: str) -> int | None:
        row = self.conn.execute("SELECT id FROM papers WHERE key = ?", (key,)).fetchone()
        if row:
            return int(row[0])
        scheme, _, value = key.partition(":")
        row = self.conn.execute(
            "SELECT paper_id FROM paper_ids WHERE scheme = ? AND value = ?", (scheme, value)
        ).fetchone()
        return int(row[0]) if row else None

    def write(self, run_id: int, records: Sequence[PaperRecord]) -> None:
        """Insert new papers in bulk; merge records that match stored papers one by one."""
        c = self.conn
        all_ids = [identifiers(r) for r in records]
        title_keys = [title_key(r.title) for r in records]
        known = self._lookup([i for ids in all_ids for i in ids])
        # Papers known only by title from a page are found by the title key of any
        # record; a page's own records also look for real papers with the same title.
        known.update(self._lookup([("title", k) for k in set(title_keys)]))
        by_title = self._lookup_titles(
            [k for k, ids in zip(title_keys, all_ids, strict=True) if _is_weak(ids)]
        )
        next_id = int(c.execute("SELECT coalesce(max(id), 0) FROM papers").fetchone()[0]) + 1
        batch = _NewPapers()
        for record, ids, tkey in zip(records, all_ids, title_keys, strict=True):
            hits = {known[i] for i in ids if i in known}
            if not hits and ("title", tkey) in known:
                hits = {known[("title", tkey)]}
            if not hits and _is_weak(ids):
                hits = set(by_title.get(tkey, [])[:1])
            if hits:
                if not hits.isdisjoint(batch.paper_ids):
                    self._flush(run_id, batch)  # the match is a paper of this very batch
                paper_id = self._merge(run_id, record, sorted(hits))
                self._accumulate(run_id, [(paper_id, record)])
            else:
                paper_id, next_id = next_id, next_id + 1
                batch.add(run_id, paper_id, record, ids, tkey)
            for i in ids:
                known[i] = paper_id  # a later record of this batch finds this paper
            by_title.setdefault(tkey, []).append(paper_id)
        self._flush(run_id, batch)

    def _lookup_titles(self, title_keys: list[str]) -> dict[str, list[int]]:
        """Stored papers by title key."""
        keys = list(set(title_keys))
        found: dict[str, list[int]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            sql = f"SELECT title_key, id FROM papers WHERE title_key IN ({', '.join('?' * len(chunk))})"
            for key, paper_id in self.conn.execute(sql, chunk):
                found.setdefault(key, []).append(paper_id)
        return found

    def _flush(self, run_id: int, batch: _NewPapers) -> None:
        c = self.conn
        c.executemany(_INSERT_PAPER, batch.papers)
        c.executemany("INSERT INTO paper_ids (scheme, value, paper_id) VALUES (?, ?, ?)", batch.ids)
        c.executemany(
            "INSERT INTO versions (paper_id, version, submitted, size) VALUES (?, ?, ?, ?)",
            batch.versions,
        )
        c.executemany(_INSERT_AUTHOR, batch.authors)
        self._accumulate(run_id, batch.records)
        batch.clear()

    def _lookup(self, ids: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Stored paper ids for a batch's identifiers, in a few queries."""
        by_scheme: dict[str, list[str]] = {}
        for scheme, value in ids:
            by_scheme.setdefault(scheme, []).append(value)
        found: dict[tuple[str, str], int] = {}
        for scheme, values in by_scheme.items():
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                sql = (
                    "SELECT value, paper_id FROM paper_ids WHERE scheme = ? AND value IN"
                    f" ({', '.join('?' * len(chunk))})"
                )
                for value, paper_id in self.conn.execute(sql, (scheme, *chunk)):
                    found[(scheme, value)] = paper_id
        return found

    def _merge(self, run_id: int, record: PaperRecord, hits: list[int]) -> int:
        """Fold a record into the stored paper it matches; return that paper's id."""
        c = self.conn
        paper_id = hits[0]
        for other in hits[1:]:
            self._absorb(paper_id, other)
        stored_rank = c.execute(
            "SELECT content_rank FROM papers WHERE id = ?", (paper_id,)
        ).fetchone()[0]
        rank = content_rank(record)
        authoritative = rank >= stored_rank
        if authoritative:
            c.execute(
                f"UPDATE papers SET {_OVERWRITE}, content_source = ?, content_rank = ?,"
                " updated_run = ? WHERE id = ?",
                (*_paper_row(record), record.source, rank, run_id, paper_id),
            )
        else:
            c.execute(
                f"UPDATE papers SET {_FILL}, updated_run = ? WHERE id = ?",
                (*_paper_row(record), run_id, paper_id),
            )
        ids = identifiers(record)
        c.executemany(
            "INSERT OR IGNORE INTO paper_ids (scheme, value, paper_id) VALUES (?, ?, ?)",
            [(s, v, paper_id) for s, v in ids],
        )
        if any(s not in WEAK_SCHEMES for s, _ in ids):
            # A paper first seen on a page gets its real identifier as its key.
            c.execute(
                "UPDATE papers SET key = ? WHERE id = ? AND key LIKE 'title:%'", (record.key, paper_id)
            )
        c.executemany(
            "INSERT INTO versions (paper_id, version, submitted, size) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (paper_id, version) DO UPDATE SET"
            " submitted = coalesce(excluded.submitted, submitted), size = coalesce(excluded.size, size)",
            [(paper_id, v.version, v.submitted, v.size) for v in record.versions],
        )
        self._merge_authors(paper_id, record, authoritative)
        return paper_id

    def _merge_authors(self, paper_id: int, record: PaperRecord, authoritative: bool) -> None:
        c = self.conn
        listed = [a for a in record.authors if a.position is not None]
        hidden = [a for a in record.authors if a.position is None]
        stored = {
            pos: (raw, orjson.loads(affs))
            for pos, raw, affs in c.execute(
                "SELECT position, raw_name, affiliations FROM authorships"
                " WHERE paper_id = ? AND position IS NOT NULL",
                (paper_id,),
            )
        }
        if listed and (authoritative or not stored):
            c.execute(
                "DELETE FROM authorships WHERE paper_id = ? AND position IS NOT NULL", (paper_id,)
            )
            rows = []
            for a in listed:
                old = stored.get(a.position)  # type: ignore[arg-type]
                # Keep affiliations another source knew for the same person at this place.
                if old and not a.affiliations and _same_person(old[0], a.raw):
                    a = Author(a.raw, a.given, a.family, a.suffix, old[1], a.position)
                rows.append(_author_row(paper_id, a, record.source))
            c.executemany(_INSERT_AUTHOR, rows)
        elif listed:
            # Less authoritative: only add affiliations where the stored author has none.
            for a in listed:
                old = stored.get(a.position)  # type: ignore[arg-type]
                if old and not old[1] and a.affiliations and _same_person(old[0], a.raw):
                    c.execute(
                        "UPDATE authorships SET affiliations = ? WHERE paper_id = ? AND position = ?",
                        (_json(a.affiliations), paper_id, a.position),
                    )
        names = [raw for (raw,) in c.execute(
            "SELECT raw_name FROM authorships WHERE paper_id = ? AND position IS NOT NULL", (paper_id,))]
        for a in hidden:
            if not any(_same_person(a.raw, n) for n in names):
                c.execute(_INSERT_AUTHOR, _author_row(paper_id, a, record.source))
        # A hidden authorship that a full author list now names is no longer hidden.
        for hid, raw in c.execute(
            "SELECT id, raw_name FROM authorships WHERE paper_id = ? AND position IS NULL", (paper_id,)
        ).fetchall():
            if any(_same_person(raw, n) for n in names):
                c.execute("DELETE FROM authorships WHERE id = ?", (hid,))

    def _absorb(self, survivor: int, other: int) -> None:
        """Merge paper `other` into `survivor`: two stored papers turned out to be one."""
        c = self.conn
        for table, cols in (
            ("paper_ids", "scheme, value"),
            ("versions", "version, submitted, size"),
            ("code_links", "url, source"),
            ("citation_counts", "source, as_of, count, run_id"),
            ("provenance", "source, record_id, origin, run_id"),
            ("researcher_page_papers", "page, position"),
        ):
            c.execute(
                f"INSERT OR IGNORE INTO {table} (paper_id, {cols}) SELECT ?, {cols}"  # noqa: S608
                f" FROM {table} WHERE paper_id = ?",
                (survivor, other),
            )
        c.execute(
            "INSERT OR IGNORE INTO authorships (paper_id, position, raw_name, given, family, suffix,"
            " affiliations, source) SELECT ?, NULL, raw_name, given, family, suffix, affiliations,"
            " source FROM authorships WHERE paper_id = ? AND position IS NULL",
            (survivor, other),
        )
        c.execute(
            "UPDATE OR IGNORE claims SET subject = ? WHERE subject = ?",
            (f"paper:{survivor}", f"paper:{other}"),
        )
        c.execute("DELETE FROM papers WHERE id = ?", (other,))

    def _accumulate(self, run_id: int, papers: list[tuple[int, PaperRecord]]) -> None:
        """Facts that add up across sources: code links, citation counts, claims, provenance."""
        c = self.conn
        c.executemany(
            "INSERT OR IGNORE INTO code_links (paper_id, url, source) VALUES (?, ?, ?)",
            [(pid, url, r.source) for pid, r in papers for url in r.code_urls],
        )
        c.executemany(
            "INSERT INTO citation_counts (paper_id, source, as_of, count, run_id)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (paper_id, source, as_of) DO UPDATE"
            " SET count = excluded.count, run_id = excluded.run_id",
            [(pid, n.source, n.as_of, n.count, run_id) for pid, r in papers for n in r.citations],
        )
        for pid, r in papers:
            if r.claims:
                self.write_claims(run_id, f"paper:{pid}", r.claims)
        c.executemany(
            "INSERT INTO provenance (paper_id, source, record_id, origin, run_id) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (paper_id, source, record_id) DO UPDATE"
            " SET origin = excluded.origin, run_id = excluded.run_id",
            [(pid, r.source, r.key, str(r.origin), run_id) for pid, r in papers],
        )

    def write_claims(self, run_id: int, subject: str, claims: Sequence[Claim]) -> None:
        self.conn.executemany(
            "INSERT INTO claims (subject, field, value, source, as_of, run_id) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (subject, field, source) DO UPDATE"
            " SET value = excluded.value, as_of = excluded.as_of, run_id = excluded.run_id",
            [(subject, cl.field, cl.value, cl.source, cl.as_of, run_id) for cl in claims],
        )
