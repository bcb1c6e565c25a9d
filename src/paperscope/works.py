"""Works, not records: the versions of one work counted once.

The same work reaches paperscope as several records that no identifier ties together: an
OpenReview submission and the conference paper it became, a workshop and a main-track
paper, the same paper in two tracks, a page's entry and the venue's. Records that share
an identifier (arXiv id, DOI, OpenReview id) are already one paper at ingest; this
module groups the papers left over into works:

- **rule**: two papers are versions of one work when their titles are the same once
  normalised (``papers.title_key``), at least half of the shorter author list appears in
  the other (authors compared by first initial and surname, "S. Levine" = "Sergey
  Levine"), and their years are at most :data:`MAX_YEARS_APART` apart. A version with no
  authors at all (an anonymous OpenReview submission) joins a paper of the same title of
  at least four words within a year. Groups are the transitive closure of that relation.
- **the work's paper**: the earliest version (date, then year, then id) stands for the
  work: feeds list it, novelty is computed for it (and copied to the other versions), and
  a profile shows it with every version's venue. Citations of a work are, per source, the
  highest count of any one version: never a sum, which would count a citation of both
  versions twice.
- **evidence** is kept per version ("same title; 3 of 4 authors; 2020–2021"), and
  corrections are overrides by paper key that every rebuild applies again:
  ``paperscope works split KEY`` (this paper is a work of its own) and
  ``paperscope works merge KEY KEY…`` (these are one work).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from paperscope.names import fold_name
from paperscope.store import Store
from paperscope.store.works import WorkMember, WorkVersion

__all__ = ["MAX_YEARS_APART", "WorksError", "WorksSummary", "author_key", "build", "group_works", "merge", "split"]

MAX_YEARS_APART = 2  # a preprint of 2020 and its venue version of 2022 are one work
MIN_AUTHOR_SHARE = 0.5  # of the shorter author list
# Words a title needs to be matched on its own, when one version lists no authors.
MIN_TITLE_WORDS_ALONE = 4


class WorksError(ValueError):
    """A works correction that cannot apply; the message says why."""


# What a blind submission lists in place of its authors: no author at all.
_PLACEHOLDERS = frozenset({"anonymous", "anonymous author", "anonymous authors", "author", "authors"})


def author_key(name: str) -> str:
    """First initial and surname, folded: "Sergey Levine", "S. Levine" → "s levine"; "" for
    no name or a placeholder ("Anonymous")."""
    words = fold_name(name).replace(".", " ").split()
    if not words or " ".join(words) in _PLACEHOLDERS:
        return ""
    return words[-1] if len(words) == 1 else f"{words[0][0]} {words[-1]}"


def _evidence(a: WorkVersion, b: WorkVersion, shared: int, sizes: tuple[int, int]) -> str | None:
    """Why a and b are one work (``sizes``: how many real authors each lists, ``shared``:
    how many of them both), or None if they are not."""
    smaller = min(sizes)
    apart = abs(a.year - b.year) if a.year is not None and b.year is not None else 0
    years = sorted({y for y in (a.year, b.year) if y is not None})
    span = "–".join(map(str, years)) if years else "years unknown"
    if apart > MAX_YEARS_APART:
        return None
    if smaller == 0:
        # An anonymous submission (OpenReview lists none for a rejected one) and a paper
        # of the same long title within a year: the title is all the evidence there is.
        if max(sizes) > 0 and apart <= 1 and len(a.title_key.split()) >= MIN_TITLE_WORDS_ALONE:
            return f"same title; no authors listed on one; {span}"
        return None
    if shared / smaller < MIN_AUTHOR_SHARE:
        return None
    return f"same title; {shared} of {smaller} authors; {span}"


class _Groups:
    """Union–find over paper ids."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class _Overrides:
    """The corrections in force: papers made works of their own, and groups made one."""

    alone: set[str] = field(default_factory=set)
    merges: list[list[str]] = field(default_factory=list)

    @classmethod
    def read(cls, overrides: Iterable[tuple[str, dict[str, Any]]]) -> _Overrides:
        """In order: a paper's last override decides (a split after a merge takes it out;
        a merge after a split puts it back)."""
        last: dict[str, tuple[int, str]] = {}
        listed = list(overrides)
        for n, (action, payload) in enumerate(listed):
            for key in payload.get("papers", []):
                last[key] = (n, action)
        out = cls(alone={k for k, (_, action) in last.items() if action == "split"})
        for n, (action, payload) in enumerate(listed):
            if action == "merge":
                out.merges.append([k for k in payload["papers"] if last[k][0] == n or last[k][1] == "merge"])
        return out


def group_works(
    title_groups: Iterable[Sequence[WorkVersion]],
    overrides: Iterable[tuple[str, dict[str, Any]]] = (),
    by_key: dict[str, WorkVersion] | None = None,
) -> list[WorkMember]:
    """The works of several versions, from papers grouped by title key (and the papers
    that merge overrides name, ``by_key``): one WorkMember per version."""
    fixes = _Overrides.read(overrides)
    groups = _Groups()
    why: dict[int, str] = {}
    versions: dict[int, WorkVersion] = {}
    for title_group in title_groups:
        members = [v for v in title_group if v.key not in fixes.alone]
        people = [{author_key(a) for a in v.authors} - {""} for v in members]
        for i, a in enumerate(members):
            versions[a.paper_id] = a
            for j in range(i):
                b = members[j]
                shared = len(people[i] & people[j])
                reason = _evidence(a, b, shared, (len(people[i]), len(people[j])))
                if reason is not None:
                    groups.union(a.paper_id, b.paper_id)
                    why.setdefault(a.paper_id, reason)
                    why.setdefault(b.paper_id, reason)
    for merged in fixes.merges:
        named = [(by_key or {}).get(k) for k in merged]
        found = [v for v in named if v is not None]
        for v in found:
            versions[v.paper_id] = v
            why[v.paper_id] = "merged by hand (paperscope works merge)"
        for v in found[1:]:
            groups.union(found[0].paper_id, v.paper_id)
    work_of: dict[int, list[WorkVersion]] = {}
    for pid in versions:
        work_of.setdefault(groups.find(pid), []).append(versions[pid])
    out: list[WorkMember] = []
    for members in work_of.values():
        if len(members) < 2:
            continue
        first = min(members, key=lambda v: v.order)
        out.extend(WorkMember(v.paper_id, first.paper_id, why.get(v.paper_id, "same work")) for v in members)
    return sorted(out, key=lambda m: m.paper_id)


@dataclass(frozen=True)
class WorksSummary:
    works: int  # works of several versions
    versions: int  # papers in them
    changed: int  # versions added to a work or moved between works by this build
    dropped: int  # papers that stopped being a version of a work

    def line(self) -> str:
        return (f"works: {self.versions:,} papers are versions of {self.works:,} works"
                f" ({self.changed:,} grouped anew, {self.dropped:,} ungrouped)")


def build(store: Store) -> WorksSummary:
    """Group the stored papers into works again, overrides applied; one transaction."""
    overrides = [(action, payload) for _, action, payload in store.works.overrides()]
    named = [key for _, payload in overrides for key in payload.get("papers", [])]
    members = group_works(store.works.sharing_titles(), overrides, store.works.by_key(named) if named else {})
    with store.transaction():
        changed, dropped = store.works.replace(members)
    works, versions = store.works.counts()
    return WorksSummary(works, versions, changed, dropped)


def _known(store: Store, keys: Sequence[str]) -> list[str]:
    found = store.works.by_key(keys)
    missing = [k for k in keys if k not in found]
    if missing:
        raise WorksError(f"no paper with key {missing[0]}")
    return list(dict.fromkeys(keys))


def split(store: Store, keys: Sequence[str]) -> tuple[int, WorksSummary]:
    """Each of these papers is a work of its own, now and after every rebuild:
    (override id, the rebuild's summary)."""
    keys = _known(store, keys)
    with store.transaction():
        oid = store.works.add_override("split", {"papers": keys})
    return oid, build(store)


def merge(store: Store, keys: Sequence[str]) -> tuple[int, WorksSummary]:
    """These papers are versions of one work: (override id, the rebuild's summary)."""
    keys = _known(store, keys)
    if len(keys) < 2:
        raise WorksError("merge needs two papers or more")
    with store.transaction():
        oid = store.works.add_override("merge", {"papers": keys})
    return oid, build(store)


def describe(store: Store, paper_id: int) -> dict[str, Any]:
    """The work a paper belongs to, as plain data: its id and its versions with evidence."""
    work_id = store.works.work_ids([paper_id]).get(paper_id, paper_id)
    versions = store.works.versions(work_id) or [(paper_id, "a work of its own")]
    out = []
    for pid, evidence in versions:
        p = store.paper(pid)
        out.append({"id": pid, "key": p["key"], "arxiv_id": p["arxiv_id"], "venue": p["venue"],
                    "date": p["first_date"] or (str(p["year"]) if p["year"] else None), "evidence": evidence})
    return {"work_id": work_id, "versions": out}
