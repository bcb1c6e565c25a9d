"""Works: which papers are versions of one work (paperscope/works.py decides; this keeps it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from paperscope.store.db import Database, any_of
from paperscope.store.overrides import Override, add_override, read_overrides

__all__ = ["WorkMember", "WorkStore", "WorkVersion", "earliest_first"]


def earliest_first(date: str | None, year: int | None, paper_id: int) -> tuple[str, int, int]:
    """A sort key that puts a work's earliest version first: by date, then year, then id."""
    return (date or f"{year or 9999:04d}-99", year or 9999, paper_id)


@dataclass(frozen=True, slots=True)
class WorkVersion:
    """One stored paper as the grouping into works sees it."""

    paper_id: int
    key: str
    title_key: str
    year: int | None
    date: str | None  # first_date, ISO
    authors: tuple[str, ...]  # raw names: listed in order, then those behind "et al."

    @property
    def order(self) -> tuple[str, int, int]:
        return earliest_first(self.date, self.year, self.paper_id)


@dataclass(frozen=True, slots=True)
class WorkMember:
    """A paper that is one version of a work of several (``work_id``: its earliest version)."""

    paper_id: int
    work_id: int
    evidence: str


_VERSION_COLUMNS = "p.id, p.key, p.title_key, p.year, p.first_date"


class WorkStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- what the grouping reads ------------------------------------------------------------
    def sharing_titles(self) -> list[list[WorkVersion]]:
        """The papers whose title key another paper shares, grouped by it."""
        rows = self.db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM papers p WHERE p.title_key IN"
            " (SELECT title_key FROM papers WHERE title_key <> '' GROUP BY title_key HAVING count(*) > 1)"
            " ORDER BY p.title_key, p.id"
        ).fetchall()
        groups: dict[str, list[WorkVersion]] = {}
        for v in self._versions(rows):
            groups.setdefault(v.title_key, []).append(v)
        return list(groups.values())

    def by_key(self, keys: Sequence[str]) -> dict[str, WorkVersion]:
        """Stored papers by key (those that exist)."""
        in_keys, args = any_of(self.db, list(keys))
        rows = self.db.execute(f"SELECT {_VERSION_COLUMNS} FROM papers p WHERE p.key {in_keys}", args).fetchall()
        return {v.key: v for v in self._versions(rows)}

    def _versions(self, rows: list[Any]) -> list[WorkVersion]:
        authors: dict[int, list[str]] = {}
        ids = [r[0] for r in rows]
        for start in range(0, len(ids), 500):
            in_ids, chunk = any_of(self.db, ids[start : start + 500])
            for pid, name in self.db.execute(
                f"SELECT paper_id, raw_name FROM authorships WHERE paper_id {in_ids} ORDER BY paper_id, position",
                chunk,
            ):
                authors.setdefault(pid, []).append(name)
            for pid, name in self.db.execute(
                f"SELECT paper_id, raw_name FROM hidden_authorships WHERE paper_id {in_ids} ORDER BY paper_id, id",
                chunk,
            ):
                authors.setdefault(pid, []).append(name)
        return [WorkVersion(pid, key, tkey, year, date, tuple(authors.get(pid, ())))
                for pid, key, tkey, year, date in rows]

    # --- the grouping kept --------------------------------------------------------------------
    def replace(self, members: Iterable[WorkMember]) -> tuple[int, int]:
        """Make these the works of several versions (inside the caller's transaction):
        (versions added to or moved between works, versions that stopped being one)."""
        new = {m.paper_id: m for m in members}
        old = {pid: (wid, why) for pid, wid, why in self.db.execute(
            "SELECT paper_id, work_id, evidence FROM work_members")}
        gone = [pid for pid in old if pid not in new]
        changed = [m for pid, m in new.items() if old.get(pid) != (m.work_id, m.evidence)]
        for start in range(0, len(gone), 500):
            in_ids, chunk = any_of(self.db, gone[start : start + 500])
            self.db.execute(f"DELETE FROM work_members WHERE paper_id {in_ids}", chunk)
        self.db.executemany(
            "INSERT INTO work_members (paper_id, work_id, evidence) VALUES (?, ?, ?)"
            " ON CONFLICT (paper_id) DO UPDATE SET work_id = excluded.work_id, evidence = excluded.evidence",
            [(m.paper_id, m.work_id, m.evidence) for m in changed],
        )
        return len(changed), len(gone)

    def work_ids(self, paper_ids: Sequence[int]) -> dict[int, int]:
        """paper id → its work's id, for those of these papers that are one version of several."""
        out: dict[int, int] = {}
        ids = sorted(set(paper_ids))
        for start in range(0, len(ids), 500):
            in_ids, chunk = any_of(self.db, ids[start : start + 500])
            out.update(self.db.execute(f"SELECT paper_id, work_id FROM work_members WHERE paper_id {in_ids}", chunk))
        return out

    def versions(self, work_id: int) -> list[tuple[int, str]]:
        """(paper id, evidence) of a work's versions, the work's own paper first; [] for a
        paper that is a work of its own."""
        return [(pid, why) for pid, why in self.db.execute(
            "SELECT paper_id, evidence FROM work_members WHERE work_id = ?"
            " ORDER BY paper_id <> work_id, paper_id", (work_id,))]

    def fingerprint(self) -> int:
        """A number that changes with the grouping (which paper is in which work): what
        per-work figures (novelty) record having been computed against. Read from the rows
        themselves, so a process killed mid-way can never leave it stale."""
        n, ids, pairs = self.db.execute(
            "SELECT count(*), coalesce(sum(paper_id), 0), coalesce(sum(paper_id * work_id), 0) FROM work_members"
        ).fetchone()
        return (int(n) * 1_000_000_007 + int(ids) * 1_000_003 + int(pairs)) % (1 << 62)

    def counts(self) -> tuple[int, int]:
        """(works of several versions, papers in them)."""
        row = self.db.execute("SELECT count(DISTINCT work_id), count(*) FROM work_members").fetchone()
        return int(row[0]), int(row[1])

    # --- overrides ----------------------------------------------------------------------------
    def add_override(self, action: str, payload: dict[str, Any]) -> int:
        return add_override(self.db, "work_overrides", action, payload)

    def overrides(self) -> list[Override]:
        return read_overrides(self.db, "work_overrides")
