"""Reading author mentions for the resolver, and storing the researchers it finds.

A mention is one author of one paper, named by ``(paper id, mention)`` where mention is
``"p<position>"`` for a listed author or ``"h:<raw name>"`` for one a researcher page
hides behind "et al.". Researchers are rebuilt whole by each ``paperscope resolve``; the
ids of the clusters that keep most of their mentions stay the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from paperscope.batches import batched
from paperscope.store.db import Database, any_of
from paperscope.store.overrides import Override, add_override, read_overrides
from paperscope.store.records import (
    ClaimedValue,
    ProfilePaper,
    ProviderProfile,
    Researcher,
    ResearcherSummary,
    ResolvedMention,
)

__all__ = ["MentionRow", "PaperContext", "ResearcherRow", "ResearcherStore", "author_mention"]

MentionKey = tuple[int, str]


def author_mention(position: int | None, name: str) -> str:
    """A paper's author as a mention: ``"p<position>"``, or ``"h:<raw name>"`` for one a
    researcher page hides behind "et al." (no position)."""
    return f"h:{name}" if position is None else f"p{position}"


@dataclass(slots=True)
class MentionRow:
    """What the resolver needs first of every mention: who is named, and on what."""

    paper_id: int
    mention: str
    name: str
    paper_version: int   # the paper's last ingest/enrichment run: a change re-resolves its block
    block: str = ""      # its own name block (resolve/blocking.py), set when the mentions are blocked


@dataclass(slots=True)
class ProviderAuthor:
    source: str
    position: int
    name: str
    author_id: str | None
    orcid: str | None
    institutions: list[str]
    raw_affiliations: list[str]


@dataclass(slots=True)
class PaperContext:
    """One paper as the resolver weighs its mentions: text, venue, time, all its authors."""

    paper_id: int
    key: str
    title: str
    abstract: str
    venue: str
    year: int | None
    categories: list[str]
    authors: dict[str, tuple[str, list[str]]]        # mention → (name, affiliations)
    providers: list[ProviderAuthor] = field(default_factory=list)


@dataclass(slots=True)
class ResearcherRow:
    """A researcher to store: its mentions, and the ids they carry."""

    id: int
    name: str
    name_key: str
    block: str
    orcid: str | None
    page: str | None
    mentions: list[MentionKey]
    ids: set[tuple[str, str]]


class ResearcherStore:
    """The researcher tables, inside the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- what the resolver reads --------------------------------------------------------
    def input_marker(self) -> tuple[int, ...]:
        """A marker of everything resolve reads that ingest writes (mentions, papers' versions,
        researcher pages): it differs once anything was added or changed since it was taken.
        Its first figure is the number of author mentions."""
        c = self.db
        listed, last_listed = c.execute("SELECT count(*), coalesce(max(paper_id), 0) FROM authorships").fetchone()
        hidden, last_hidden = c.execute("SELECT count(*), coalesce(max(id), 0) FROM hidden_authorships").fetchone()
        sources, last_run = c.execute("SELECT count(*), coalesce(max(run_id), 0) FROM provenance").fetchone()
        (pages,) = c.execute("SELECT count(*) FROM researcher_page_papers").fetchone()
        return (listed + hidden, last_listed, last_hidden, sources, last_run, pages)

    def mention_names(self) -> Iterator[str]:
        """Every distinct name an author mention is written with (far fewer than mentions)."""
        for (name,) in self.db.execute(
            "SELECT raw_name FROM authorships UNION SELECT raw_name FROM hidden_authorships"
        ):
            yield name

    def mentions(self, window: int = 20_000) -> Iterator[MentionRow]:
        """Every listed and hidden authorship, with its paper's last run; by paper id, read
        ``window`` paper ids at a time, so that any corpus streams on either backend."""
        c = self.db
        (last,) = c.execute(
            "SELECT max(m) FROM (SELECT max(paper_id) AS m FROM authorships"
            " UNION ALL SELECT max(paper_id) FROM hidden_authorships) AS t"
        ).fetchone()
        for low in range(0, (last or 0) + 1, window):
            high = low + window
            versions = dict(c.execute(
                "SELECT paper_id, max(run_id) FROM provenance WHERE paper_id >= ? AND paper_id < ?"
                " GROUP BY paper_id", (low, high)))
            for paper_id, position, name in c.execute(
                "SELECT paper_id, position, raw_name FROM authorships WHERE paper_id >= ? AND paper_id < ?"
                " ORDER BY paper_id, position", (low, high)
            ).fetchall():
                yield MentionRow(paper_id, author_mention(position, name), name, versions.get(paper_id, 0))
            for paper_id, name in c.execute(
                "SELECT paper_id, raw_name FROM hidden_authorships WHERE paper_id >= ? AND paper_id < ?"
                " ORDER BY paper_id, id", (low, high)
            ).fetchall():
                yield MentionRow(paper_id, author_mention(None, name), name, versions.get(paper_id, 0))

    def resolved_mentions(self, batch: int = 10_000) -> Iterator[ResolvedMention]:
        """Every resolved author mention: its paper, position, name as written and the
        researcher it was given; by paper id, then position (hidden authors last). Read in
        windows of about ``batch`` mentions of whole papers, so any corpus size streams."""
        after = 0
        while True:
            row = self.db.execute(
                "SELECT paper_id FROM researcher_mentions WHERE paper_id > ? ORDER BY paper_id LIMIT 1 OFFSET ?",
                (after, batch),
            ).fetchone()
            last = row[0] if row else None  # the window ends before this paper's mentions
            if last is not None and not self.db.execute(
                "SELECT 1 FROM researcher_mentions WHERE paper_id > ? AND paper_id < ? LIMIT 1", (after, last)
            ).fetchone():  # one paper of more than ``batch`` mentions: a window of its own
                row = self.db.execute(
                    "SELECT min(paper_id) FROM researcher_mentions WHERE paper_id > ?", (last,)).fetchone()
                last = row[0] if row else None
            rows = self.db.execute(
                "SELECT m.paper_id, m.mention, p.key,"
                " (SELECT min(i.value) FROM paper_ids i WHERE i.paper_id = m.paper_id AND i.scheme = 'arxiv'),"
                " a.position, a.raw_name, m.researcher_id"
                " FROM researcher_mentions m JOIN papers p ON p.id = m.paper_id"
                " LEFT JOIN authorships a ON a.paper_id = m.paper_id AND m.mention = 'p' || a.position"
                " WHERE m.paper_id > ? AND m.paper_id < ?",
                (after, last if last is not None else 1 << 62),
            ).fetchall()
            rows.sort(key=lambda r: (r[0], r[4] is None, r[4] or 0, r[1]))
            for _, mention, key, arxiv_id, position, raw_name, researcher_id in rows:
                hidden = mention.startswith("h:")
                yield {"paper": key, "arxiv_id": arxiv_id, "position": None if hidden else position,
                       "name": mention[2:] if hidden else raw_name, "researcher_id": researcher_id}
            if last is None:
                return
            after = last - 1

    def paper_contexts(self, paper_ids: Iterable[int]) -> dict[int, PaperContext]:
        """The papers of some mentions, with their authors and providers' authorships."""
        c = self.db
        out: dict[int, PaperContext] = {}
        for chunk in _chunks(sorted(set(paper_ids)), 500):
            in_ids, ids = any_of(c, chunk)
            for pid, key, title, abstract, venue, year, categories in c.execute(
                "SELECT id, key, title, coalesce(abstract, ''), coalesce(venue, ''), year, categories"
                f" FROM papers WHERE id {in_ids} ORDER BY id",
                ids,
            ):
                out[pid] = PaperContext(pid, key, title, abstract, venue, year,
                                        orjson.loads(categories), {})
            for pid, position, name, affs in c.execute(
                "SELECT paper_id, position, raw_name, affiliations FROM authorships"
                f" WHERE paper_id {in_ids} ORDER BY paper_id, position",
                ids,
            ):
                out[pid].authors[author_mention(position, name)] = (name, orjson.loads(affs))
            for pid, name, affs in c.execute(
                "SELECT paper_id, raw_name, affiliations FROM hidden_authorships"
                f" WHERE paper_id {in_ids} ORDER BY paper_id, id",
                ids,
            ):
                out[pid].authors[author_mention(None, name)] = (name, orjson.loads(affs))
            for pid, source, position, name, author_id, orcid, insts, raw in c.execute(
                "SELECT paper_id, source, position, name, author_id, orcid, institutions,"
                f" raw_affiliations FROM provider_authorships WHERE paper_id {in_ids}"
                " ORDER BY paper_id, source, position",
                ids,
            ):
                institutions = [i["name"] for i in orjson.loads(insts) if i.get("name")]
                out[pid].providers.append(
                    ProviderAuthor(source, position, name, author_id, orcid, institutions,
                                   orjson.loads(raw))
                )
        return out

    def page_papers(self) -> dict[str, tuple[str | None, list[int]]]:
        """Researcher pages: page → (the name it is about, its papers)."""
        pages: dict[str, tuple[str | None, list[int]]] = {
            page: (name, []) for page, name in self.db.execute("SELECT page, name FROM researcher_pages ORDER BY page")
        }
        for page, paper_id in self.db.execute(
            "SELECT page, paper_id FROM researcher_page_papers ORDER BY page, position"
        ):
            pages[page][1].append(paper_id)
        return pages

    def block_cache(self, blocks: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """The resolver's last answer for these blocks: block → (fingerprint, {"labels":
        {mention: label}, "ids": {mention: [provider ids]}})."""
        out: dict[str, tuple[str, dict[str, Any]]] = {}
        for chunk in _chunks(sorted(set(blocks)), 500):
            in_blocks, values = any_of(self.db, chunk)
            for block, fingerprint, labels in self.db.execute(
                f"SELECT block, fingerprint, labels FROM resolve_blocks WHERE block {in_blocks}", values
            ):
                out[block] = (fingerprint, orjson.loads(labels))
        return out

    def cached_blocks(self) -> set[str]:
        """Every block the resolver has an answer for."""
        return {block for (block,) in self.db.execute("SELECT block FROM resolve_blocks")}

    def assignment(self, paper_ids: Iterable[int]) -> dict[MentionKey, int]:
        """The researcher each mention of these papers has now."""
        out: dict[MentionKey, int] = {}
        for chunk in _chunks(sorted(set(paper_ids)), 500):
            in_ids, ids = any_of(self.db, chunk)
            for pid, mention, rid in self.db.execute(
                f"SELECT paper_id, mention, researcher_id FROM researcher_mentions WHERE paper_id {in_ids}", ids
            ):
                out[(pid, mention)] = rid
        return out

    def last_researcher_id(self) -> int:
        (last,) = self.db.execute("SELECT coalesce(max(id), 0) FROM researchers").fetchone()
        return int(last)

    # --- overrides ----------------------------------------------------------------------
    def add_override(self, action: str, payload: dict[str, Any]) -> int:
        return add_override(self.db, "researcher_overrides", action, payload)

    def overrides(self) -> list[Override]:
        return read_overrides(self.db, "researcher_overrides")

    def paper_keys(self, paper_ids: Iterable[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(sorted(set(paper_ids)), 500):
            in_ids, ids = any_of(self.db, chunk)
            out.update(self.db.execute(f"SELECT id, key FROM papers WHERE id {in_ids}", ids))
        return out

    # --- writing the result --------------------------------------------------------------
    def replace(
        self,
        researchers: Iterable[ResearcherRow],
        blocks: Iterable[tuple[str, tuple[str, dict[str, Any]]]],
        stale: Iterable[str],
    ) -> None:
        """Store a full resolution (inside the caller's transaction): every researcher, and
        the answers of the blocks clustered anew; read as they come, a few thousand at a time."""
        c = self.db
        c.execute("DELETE FROM researcher_ids")
        c.execute("DELETE FROM researcher_mentions")
        c.execute("DELETE FROM researchers")
        for chunk in batched(researchers, 5_000):
            c.executemany(
                "INSERT INTO researchers (id, name, name_key, block, orcid, page, mentions)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r.id, r.name, r.name_key, r.block, r.orcid, r.page, len(r.mentions)) for r in chunk],
            )
            c.executemany(
                "INSERT INTO researcher_mentions (paper_id, mention, researcher_id) VALUES (?, ?, ?)",
                [(pid, mention, r.id) for r in chunk for pid, mention in r.mentions],
            )
            c.executemany(
                "INSERT INTO researcher_ids (researcher_id, scheme, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(r.id, scheme, value) for r in chunk for scheme, value in r.ids],
            )
        c.executemany("DELETE FROM resolve_blocks WHERE block = ?", [(b,) for b in stale])
        for answers in batched(blocks, 2_000):
            c.executemany(
                "INSERT INTO resolve_blocks (block, fingerprint, labels) VALUES (?, ?, ?) ON CONFLICT (block)"
                " DO UPDATE SET fingerprint = excluded.fingerprint, labels = excluded.labels",
                [(b, fp, orjson.dumps(labels).decode()) for b, (fp, labels) in answers],
            )

    # --- reads for profiles ---------------------------------------------------------------
    def find(self, name_key: str, limit: int = 20) -> list[int]:
        """Researchers whose folded name is this one, most mentions first."""
        return [rid for (rid,) in self.db.execute(
            "SELECT id FROM researchers WHERE name_key = ? ORDER BY mentions DESC, id LIMIT ?",
            (name_key, limit),
        )]

    def by_id(self, scheme: str, value: str) -> list[int]:
        return [rid for (rid,) in self.db.execute(
            "SELECT researcher_id FROM researcher_ids WHERE scheme = ? AND value = ?", (scheme, value)
        )]

    def any(self) -> bool:
        """Whether any researcher is stored (resolve has run on a non-empty store)."""
        return self.db.execute("SELECT 1 FROM researchers LIMIT 1").fetchone() is not None

    def names(self) -> list[tuple[int, str, int]]:
        """(id, folded name, mentions) of every researcher: for fuzzy search."""
        return self.db.execute("SELECT id, name_key, mentions FROM researchers ORDER BY id").fetchall()

    def get(self, researcher_id: int) -> Researcher | None:
        row = self.db.execute(
            "SELECT id, name, block, orcid, page, mentions FROM researchers WHERE id = ?",
            (researcher_id,),
        ).fetchone()
        if row is None:
            return None
        rid, name, block, orcid, page, mentions = row
        ids: dict[str, list[str]] = {}
        for scheme, value in self.db.execute(
            "SELECT scheme, value FROM researcher_ids WHERE researcher_id = ? ORDER BY scheme, value",
            (rid,),
        ):
            ids.setdefault(scheme, []).append(value)
        return {"id": rid, "name": name, "block": block, "orcid": orcid, "page": page,
                "mentions": mentions, "ids": ids}

    def mentions_of(self, researcher_id: int) -> list[MentionKey]:
        return [(pid, m) for pid, m in self.db.execute(
            "SELECT paper_id, mention FROM researcher_mentions WHERE researcher_id = ?"
            " ORDER BY paper_id, mention",
            (researcher_id,),
        )]

    def summaries(self, researcher_ids: Sequence[int]) -> list[ResearcherSummary]:
        """Short descriptions to tell researchers of one name apart."""
        out: list[ResearcherSummary] = []
        for rid in researcher_ids:
            r = self.get(rid)
            if r is None:
                continue
            years = self.db.execute(
                "SELECT min(p.year), max(p.year) FROM researcher_mentions m JOIN papers p"
                " ON p.id = m.paper_id WHERE m.researcher_id = ?", (rid,)
            ).fetchone()
            cats = Counter(cat for (cat,) in self.db.execute(
                "SELECT p.primary_category FROM researcher_mentions m JOIN papers p"
                " ON p.id = m.paper_id WHERE m.researcher_id = ? AND p.primary_category IS NOT NULL",
                (rid,),
            ))
            out.append({"id": rid, "name": r["name"], "papers": r["mentions"],
                        "first_year": years[0], "last_year": years[1],
                        "primary_category": cats.most_common(1)[0][0] if cats else None,
                        "orcid": r["orcid"], "page": r["page"]})
        return out

    def provider_profiles(self, ids: dict[str, list[str]]) -> list[ProviderProfile]:
        """What providers report about the author ids a researcher carries."""
        out: list[ProviderProfile] = []
        for scheme in ("openalex", "semantic-scholar"):
            for author_id in ids.get(scheme, []):
                row = self.db.execute(
                    "SELECT source, author_id, name, h_index, i10_index, works_count, citation_count,"
                    " as_of FROM author_profiles WHERE source = ? AND author_id = ?",
                    (scheme, author_id),
                ).fetchone()
                if row:
                    source, author, name, h_index, i10_index, works, citations, as_of = row
                    out.append({"source": source, "author_id": author, "name": name, "h_index": h_index,
                                "i10_index": i10_index, "works_count": works, "citation_count": citations,
                                "as_of": as_of})
        return out

    def profile_papers(self, paper_ids: Sequence[int]) -> dict[int, ProfilePaper]:
        """The papers of a profile, read together (a few queries, however many papers)."""
        c = self.db
        out: dict[int, ProfilePaper] = {}
        for chunk in _chunks(sorted(set(paper_ids)), 500):
            in_ids, ids = any_of(c, chunk)
            for pid, key, title, abstract, primary, code, first_date, latest_date, year, venue in c.execute(
                "SELECT id, key, title, abstract, primary_category, category_code, first_date, latest_date, year,"
                f" venue FROM papers WHERE id {in_ids} ORDER BY id",
                ids,
            ):
                out[pid] = {"id": pid, "key": key, "arxiv_id": None, "title": title,
                            "abstract": abstract, "primary_category": primary, "category_code": code,
                            "first_date": first_date, "latest_date": latest_date, "year": year,
                            "venue": venue, "authors": [],
                            "hidden_authors": [], "code_urls": [], "citations": [], "claims": {},
                            "citations_by_year": {}}
            for pid, value in c.execute(
                "SELECT paper_id, value FROM paper_ids"
                f" WHERE scheme = 'arxiv' AND paper_id {in_ids} ORDER BY paper_id, value",
                ids,
            ):
                out[pid]["arxiv_id"] = value
            for pid, position, name, affs in c.execute(
                "SELECT paper_id, position, raw_name, affiliations FROM authorships"
                f" WHERE paper_id {in_ids} ORDER BY paper_id, position",
                ids,
            ):
                out[pid]["authors"].append(
                    {"name": name, "position": position, "affiliations": orjson.loads(affs)}
                )
            for pid, name, affs in c.execute(
                "SELECT paper_id, raw_name, affiliations FROM hidden_authorships"
                f" WHERE paper_id {in_ids} ORDER BY paper_id, id",
                ids,
            ):
                out[pid]["hidden_authors"].append({"name": name, "affiliations": orjson.loads(affs)})
            for pid, url in c.execute(
                f"SELECT paper_id, url FROM code_links WHERE paper_id {in_ids} ORDER BY paper_id, position, url",
                ids,
            ):
                out[pid]["code_urls"].append(url)
            for pid, count, source, as_of in c.execute(
                "SELECT paper_id, count, source, as_of FROM citation_counts"
                f" WHERE paper_id {in_ids} ORDER BY paper_id, as_of DESC, source",
                ids,
            ):
                out[pid]["citations"].append({"count": count, "source": source, "as_of": as_of})
            for pid, source, year, count in c.execute(
                "SELECT paper_id, source, year, count FROM citation_counts_by_year"
                f" WHERE paper_id {in_ids} ORDER BY paper_id, source, year",
                ids,
            ):
                out[pid]["citations_by_year"].setdefault(source, {})[year] = count
            in_subjects, subjects = any_of(c, [f"paper:{pid}" for pid in chunk])
            for subject, field_, value, source, as_of in c.execute(
                f"SELECT subject, field, value, source, as_of FROM claims WHERE subject {in_subjects}"
                " ORDER BY id",
                subjects,
            ):
                out[int(subject[6:])]["claims"][field_] = {"value": value, "source": source, "as_of": as_of}
        return out

    def page_claims(self, page: str) -> dict[str, ClaimedValue]:
        """What a researcher page says about its researcher (h-index, papers…), as claimed."""
        return {
            field_: {"value": value, "source": source, "as_of": as_of}
            for field_, value, source, as_of in self.db.execute(
                "SELECT field, value, source, as_of FROM claims WHERE subject = ? ORDER BY id",
                (f"researcher:{page}",),
            )
        }


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
