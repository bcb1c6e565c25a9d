"""The resolve stage: author mentions in the store → researchers.

1. Every mention (listed or hidden authorship) gets a block: family name + first initial,
   folded (resolve/blocking.py). Mentions of different blocks are never one person
   unless a manual merge says so.
2. A block whose mentions or papers changed since the last run is clustered again
   (resolve/cluster.py) from the evidence of its papers: co-authors, title and abstract,
   venue, categories, years, affiliations; provider author ids, ORCIDs and researcher
   pages as hard evidence. An unchanged block keeps its last answer (``resolve_blocks``).
3. Manual overrides (merge, split, claim an ORCID) are applied in the order they were
   made, on every run, so a rebuild never loses them.
4. Researchers get their ids back: each new cluster takes the id of the old researcher
   it shares most mentions with; researchers are stored in one transaction.
"""

from __future__ import annotations

import hashlib
import marshal
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperscope.engine import Engine, open_engine, shared_url, worker_store
from paperscope.names import fold_name, split_name
from paperscope.resolve.blocking import block_key, name_variants_key
from paperscope.resolve.cluster import cluster
from paperscope.resolve.mentions import Mention
from paperscope.steps import StepTimes
from paperscope.store import Store
from paperscope.store.researchers import MentionKey, MentionRow, PaperContext, ResearcherRow
from paperscope.store.search import RefreshSummary

__all__ = ["ResolveSummary", "mention_label", "resolve_store"]

# Bump when the resolver's answers change for the same input: every block is redone.
RESOLVER_VERSION = "1"
# Blocks are clustered in groups holding about this many mentions: their papers are read
# from the store together.
_CHUNK_MENTIONS = 20_000
_MIN_CHUNK_MENTIONS = 2_000  # a partition sent to a worker holds at least this many


@dataclass(slots=True)
class ResolveSummary:
    mentions: int = 0
    unresolved: int = 0          # group names and names without a family name
    blocks: int = 0
    blocks_clustered: int = 0
    researchers: int = 0
    overrides: int = 0
    seconds: float = 0.0
    override_problems: list[str] = field(default_factory=list)
    search: RefreshSummary | None = None  # the search index brought up to date afterwards
    rounds: int = 1              # runs over the mentions: more when an ingest added some meanwhile
    arrived: int = 0             # mentions that arrived during the last round: not resolved yet
    works: str | None = None     # the regrouping of papers into works that came first
    steps: StepTimes = field(default_factory=StepTimes)

    def line(self) -> str:
        text = (
            f"resolve: {self.researchers:,} researchers from {self.mentions:,} mentions"
            f" ({self.blocks:,} name blocks, {self.blocks_clustered:,} clustered this run,"
            f" {self.overrides} overrides, {self.unresolved:,} group or partial names left out;"
            f" {self.seconds:.1f} s)"
        )
        for problem in self.override_problems:
            text += f"\n  override not applied: {problem}"
        if self.rounds > 1:
            text += f"\n  {self.rounds} rounds: author mentions arrived while resolving, and were resolved too"
        if self.arrived:
            text += (f"\n  incomplete: {self.arrived:,} author mentions arrived (an ingest running beside)"
                     " after the last round read them; run `paperscope resolve` again")
        if self.works is not None:
            text += f"\n  {self.works}"
        if self.search is not None:
            text += f"\n  {self.search.line()}"
        if self.steps:
            text += f"\n  {self.steps.line()}"
        return text


def mention_label(paper_id: int, mention: str) -> str:
    return f"{paper_id}/{mention}"


def _mention_key(label: str) -> MentionKey:
    pid, _, mention = label.partition("/")
    return int(pid), mention


def resolve_store(
    store: Store,
    *,
    full: bool = False,
    on_progress: Callable[[int], None] | None = None,
    command: str = "paperscope resolve",
    rounds: int = 3,
    engine: Engine | None = None,
) -> ResolveSummary:
    """(Re)build the store's researchers; with ``full``, cluster every block again.

    Holds the resolve lock (StageBusy names the holder if another resolve runs). An ingest
    may add mentions while a round runs: the round's write notices, and another round
    (over the blocks that changed) takes them in, up to ``rounds``; what still arrived
    after the last is counted in ``arrived``, never passed over in silence.

    ``engine`` runs the clustering (paperscope/engine.py); by default the one
    ``$PAPERSCOPE_ENGINE`` names, else local.
    """
    from paperscope import works

    started = time.perf_counter()
    steps = StepTimes()
    with store.locks.hold("resolve", command):
        with steps.step("works"):
            grouped = works.build(store)  # profiles count works: regrouped with every resolve
        with ExitStack() as stack:
            if engine is None:
                engine = stack.enter_context(open_engine(db_url=store.url))
            summary = _resolve_round(store, engine, full, on_progress, steps)
            while summary.arrived and summary.rounds < rounds:
                again = _resolve_round(store, engine, False, on_progress, steps)
                again.rounds = summary.rounds + 1
                again.blocks_clustered += summary.blocks_clustered
                summary = again
    # Researchers' names are searched: a running web app (or a later `search`) finds the
    # new ones from now on, not only after the next `score`. Papers not indexed yet are
    # indexed too (work `score` would otherwise do).
    with steps.step("search"):
        summary.search = store.search.refresh()
    summary.works = grouped.line()
    summary.seconds = time.perf_counter() - started
    return summary


def _resolve_round(
    store: Store, engine: Engine, full: bool, on_progress: Callable[[int], None] | None, steps: StepTimes,
) -> ResolveSummary:
    """One pass: read the mentions, cluster the changed blocks, write the researchers.

    Memory stays bounded whatever the corpus: the mentions are read once and written out
    by block to temporary files in buckets of about ``_BUCKET_MENTIONS``; each bucket is
    then clustered and turned into researchers on its own, and the researchers wait on disk
    for the one transaction that stores them. A block never spans buckets, and the blocks
    of the papers an override names share the first, so that overrides apply as before.
    """
    summary = ResolveSummary(steps=steps)
    rs = store.researchers
    with tempfile.TemporaryDirectory(prefix="paperscope-resolve-") as tmp:
        spill = _Spill(Path(tmp))
        with steps.step("read"):
            marker = rs.input_marker()
            page_names = _page_evidence(rs.page_papers())
            overrides = rs.overrides()
            summary.overrides = len(overrides)
            keys = _override_papers(store, overrides) if overrides else {}
            names = _NameBlocks(rs.mention_names())
            forced = names.roots_of(
                name for paper in rs.paper_contexts(keys.values()).values() for name, _ in paper.authors.values()
            )
            buckets = 1 + marker[0] // _BUCKET_MENTIONS
            ids = _Ids(rs.last_researcher_id())
            seen = _spill_mentions(rs.mentions(), names, forced, buckets, spill, summary)
            summary.blocks = len(seen)
        for bucket in range(buckets + 1):  # bucket 0 holds the overrides' blocks
            blocks: dict[str, list[MentionRow]] = defaultdict(list)
            for pid, mention, name, version, key, root in spill.read(f"mentions-{bucket}"):
                blocks[root].append(MentionRow(pid, mention, name, version, key))
            if not blocks:
                continue
            researchers, answers = _resolve_bucket(
                store, engine, blocks, page_names, full, overrides if bucket == 0 else [], keys, ids,
                summary, on_progress,
            )
            spill.write("researchers", [_researcher_tuple(r) for r in researchers])
            spill.write("answers", answers)
        with steps.step("write"):
            stale = rs.cached_blocks() - seen
            with store.transaction():
                # Checked under the write lock: nothing can be added between this and the commit.
                now = rs.input_marker()
                if now != marker:
                    summary.arrived = max(now[0] - marker[0], 1)
                rs.replace(map(_researcher_row, spill.read("researchers")), spill.read("answers"), stale)
    summary.researchers = ids.given
    return summary


# Mentions are resolved in buckets of whole name blocks of about this many mentions.
_BUCKET_MENTIONS = 500_000


class _NameBlocks:
    """Each distinct name's own block and the block it is resolved in: the two blocks of a
    name written in both orders ("Zhang Wei", "Wei Zhang") are one, keyed by the first of
    their keys. Built from the distinct names, far fewer than the mentions."""

    def __init__(self, names: Iterable[str]) -> None:
        self.key: dict[str, str | None] = {}
        self.parent: dict[str, str] = {}
        by_variant: dict[str, str] = {}
        for name in names:
            key = self.key[name] = block_key(name)
            if key is None:
                continue
            variant = name_variants_key(name)
            if variant is not None:
                a, b = self.root(by_variant.setdefault(variant, key)), self.root(key)
                if a != b:
                    self.parent[max(a, b)] = min(a, b)

    def root(self, key: str) -> str:
        while self.parent.setdefault(key, key) != key:
            key = self.parent[key]
        return key

    def of(self, name: str) -> tuple[str, str] | None:
        """(its own block, the block it is resolved in); None for a group's or partial name."""
        # A name that arrived after the names were read (an ingest beside) blocks on its own.
        key = self.key[name] if name in self.key else block_key(name)
        return (key, self.root(key)) if key else None

    def roots_of(self, names: Iterable[str]) -> set[str]:
        return {found[1] for name in names if (found := self.of(name))}


def _spill_mentions(
    rows: Iterable[MentionRow], names: _NameBlocks, forced: set[str], buckets: int, spill: _Spill,
    summary: ResolveSummary,
) -> set[str]:
    """Write every mention to its block's bucket; return the blocks."""
    pending: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    seen: set[str] = set()
    for row in rows:
        summary.mentions += 1
        found = names.of(row.name)
        if found is None:
            summary.unresolved += 1
            continue
        key, root = found
        seen.add(root)
        bucket = 0 if root in forced else 1 + zlib.crc32(root.encode()) % buckets
        pending[bucket].append((row.paper_id, row.mention, row.name, row.paper_version, key, root))
        if len(pending[bucket]) >= 20_000:
            spill.write(f"mentions-{bucket}", pending.pop(bucket))
    for bucket, items in pending.items():
        spill.write(f"mentions-{bucket}", items)
    return seen


class _Spill:
    """Lists of plain values written to and read back from files in a folder (marshal)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(self, name: str, items: list[Any]) -> None:
        with (self.folder / name).open("ab") as out:
            marshal.dump(items, out)

    def read(self, name: str) -> Iterator[Any]:
        path = self.folder / name
        if not path.exists():
            return
        with path.open("rb") as source:
            while True:
                try:
                    items = marshal.load(source)  # noqa: S302 - our own temporary files
                except EOFError:
                    return
                yield from items


class _Ids:
    """Researcher ids over the whole round: those given, and the next new one."""

    def __init__(self, last: int) -> None:
        self.taken: set[int] = set()
        self.next = last + 1
        self.given = 0


def _resolve_bucket(
    store: Store,
    engine: Engine,
    blocks: dict[str, list[MentionRow]],
    page_names: dict[int, list[tuple[str, str]]],
    full: bool,
    overrides: list[tuple[int, str, dict[str, Any]]],
    keys: dict[str, int],
    ids: _Ids,
    summary: ResolveSummary,
    on_progress: Callable[[int], None] | None,
) -> tuple[list[ResearcherRow], list[tuple[str, tuple[str, dict[str, Any]]]]]:
    """Some whole blocks → their researchers, and the answers of the blocks clustered anew."""
    with summary.steps.step("cluster"):
        cache = store.researchers.block_cache(blocks)
        fingerprints = {b: _fingerprint(rows, page_names) for b, rows in blocks.items()}
        todo = [b for b in sorted(blocks) if full or cache.get(b, ("",))[0] != fingerprints[b]]
        redo = set(todo)
        answers = {b: cache[b] for b in blocks if b in cache and b not in redo}
        for chunk, answered in _cluster_chunks(store, engine, todo, blocks, page_names):
            for b, answer in answered.items():
                answers[b] = (fingerprints[b], answer)
            summary.blocks_clustered += len(chunk)
            if on_progress:
                on_progress(sum(len(blocks[b]) for b in chunk))
    with summary.steps.step("researchers"):
        clusters = _Clusters(answers)
        for oid, action, payload in overrides:
            problem = clusters.apply(action, payload, keys)
            if problem:
                summary.override_problems.append(f"#{oid} {action}: {problem}")
        return _researchers(store, clusters, blocks, page_names, ids), [(b, answers[b]) for b in todo]


def _researcher_tuple(r: ResearcherRow) -> tuple[Any, ...]:
    """A researcher as plain values, to wait on disk (marshal)."""
    return (r.id, r.name, r.name_key, r.block, r.orcid, r.page, r.mentions, sorted(r.ids))


def _researcher_row(values: tuple[Any, ...]) -> ResearcherRow:
    rid, name, name_key, block, orcid, page, mentions, ids = values
    return ResearcherRow(rid, name, name_key, block, orcid, page, mentions, set(ids))


# --- clustering: partitions of name blocks, on the engine's workers where there is much to do ---

# Below this many mentions to cluster, sending them to a local pool costs more than it saves.
_PARALLEL_FROM = 20_000


@dataclass(slots=True)
class ClusterPartition:
    """What a worker needs to cluster some name blocks: everything but their papers' text,
    which it reads from the database itself."""

    db_url: str
    blocks: dict[str, list[MentionRow]]
    page_names: dict[int, list[tuple[str, str]]]


def cluster_partition(part: ClusterPartition) -> dict[str, dict[str, Any]]:
    """Each block's answer (see :func:`_cluster_chunk`), on a worker: a pure function of the
    partition and the database it names."""
    return _cluster_chunk(worker_store(part.db_url), list(part.blocks), part.blocks, part.page_names)


def _cluster_chunks(
    store: Store,
    engine: Engine,
    todo: list[str],
    blocks: dict[str, list[MentionRow]],
    page_names: dict[int, list[tuple[str, str]]],
) -> Iterator[tuple[list[str], dict[str, dict[str, Any]]]]:
    """Cluster the blocks to do, chunk by chunk: yields (chunk, {block: answer}).

    With much to do (or a Dask cluster), the engine's workers cluster chunks side by side,
    each reading its papers through its own connection; the largest blocks go first, so
    that no worker is left with one at the end.
    """
    total = sum(len(blocks[b]) for b in todo)
    largest_first = sorted(todo, key=lambda b: -len(blocks[b]))
    if not engine.shares(total >= _PARALLEL_FROM):
        for chunk in _chunked_blocks(largest_first, blocks, _CHUNK_MENTIONS):
            yield chunk, _cluster_chunk(store, chunk, blocks, page_names)
        return

    def partition(chunk: list[str]) -> ClusterPartition:
        papers = {row.paper_id for b in chunk for row in blocks[b]}
        return ClusterPartition(shared_url(store.url), {b: blocks[b] for b in chunk},
                                {pid: page_names[pid] for pid in papers if pid in page_names})

    # Several chunks per worker, so that they finish together; each big enough to be worth sending.
    size = max(_MIN_CHUNK_MENTIONS, min(_CHUNK_MENTIONS, total // (4 * engine.workers)))
    chunks = list(_chunked_blocks(largest_first, blocks, size))
    yield from zip(chunks, engine.map(cluster_partition, (partition(c) for c in chunks)), strict=True)


def _cluster_chunk(
    store: Store,
    chunk: list[str],
    blocks: dict[str, list[MentionRow]],
    page_names: dict[int, list[tuple[str, str]]],
) -> dict[str, dict[str, Any]]:
    """Each block's answer: {"labels": {mention: label}, "ids": {mention: [provider ids]}}."""
    contexts = store.researchers.paper_contexts(row.paper_id for b in chunk for row in blocks[b])
    out = {}
    for b in chunk:
        mentions = [_mention(row, contexts[row.paper_id], page_names) for row in blocks[b]]
        labels = cluster(mentions)
        out[b] = {
            "labels": {m.key: label for m, label in zip(mentions, labels, strict=True)},
            "ids": {m.key: sorted(m.author_ids) for m in mentions if m.author_ids},
        }
    return out


# --- blocks and evidence -------------------------------------------------------------------------


def _page_evidence(pages: dict[str, tuple[str | None, list[int]]]) -> dict[int, list[tuple[str, str]]]:
    """paper id → [(page, block of the page's name)]: a page's papers are its researcher's."""
    out: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for page, (name, paper_ids) in pages.items():
        key = block_key(name) if name else None
        if key:
            for pid in paper_ids:
                out[pid].append((page, key))
    return out


def _fingerprint(rows: list[MentionRow], page_names: dict[int, list[tuple[str, str]]]) -> str:
    h = hashlib.blake2b(RESOLVER_VERSION.encode(), digest_size=12)
    for row in sorted(rows, key=lambda r: (r.paper_id, r.mention)):
        pages = ",".join(p for p, _ in page_names.get(row.paper_id, ()))
        h.update(f"{row.paper_id}\x1f{row.mention}\x1f{row.name}\x1f{row.paper_version}\x1f{pages}\x1e".encode())
    return h.hexdigest()


def _chunked_blocks(todo: list[str], blocks: dict[str, list[MentionRow]], size: int) -> Iterable[list[str]]:
    """The blocks in order, in chunks of about ``size`` mentions."""
    chunk: list[str] = []
    mentions = 0
    for b in todo:
        chunk.append(b)
        mentions += len(blocks[b])
        if mentions >= size:
            yield chunk
            chunk, mentions = [], 0
    if chunk:
        yield chunk


def _mention(
    row: MentionRow, paper: PaperContext, page_names: dict[int, list[tuple[str, str]]]
) -> Mention:
    name, affiliations = paper.authors.get(row.mention, (row.name, []))
    block = row.block  # its own block: a group of name orders holds two
    ids: set[str] = set()
    affiliations = list(affiliations)
    for provider in _provider_matches(row, block, paper):
        if provider.author_id:
            ids.add(f"{provider.source}:{provider.author_id}")
        if provider.orcid:
            ids.add(f"orcid:{provider.orcid}")
        affiliations += [a for a in provider.institutions + provider.raw_affiliations if a not in affiliations]
    ids.update(f"page:{page}" for page, key in page_names.get(row.paper_id, ()) if key == block)
    return Mention(
        key=mention_label(row.paper_id, row.mention),
        name=name,
        coauthors=[n for m, (n, _) in paper.authors.items() if m != row.mention],
        title=paper.title or "",
        abstract=paper.abstract,
        venue=paper.venue,
        year=paper.year,
        affiliations=affiliations,
        categories=paper.categories,
        author_ids=ids,
        paper=row.paper_id,
    )


def _provider_matches(row: MentionRow, block: str, paper: PaperContext) -> list[Any]:
    """The providers' authorships of this paper that are this mention: same name block,
    at the same position where a provider has several of that block."""
    by_source: dict[str, list[Any]] = defaultdict(list)
    for p in paper.providers:
        if block_key(p.name) == block:
            by_source[p.source].append(p)
    position = int(row.mention[1:]) if row.mention.startswith("p") else None
    out = []
    for candidates in by_source.values():
        if len(candidates) == 1:
            out.append(candidates[0])
        else:
            out += [p for p in candidates if p.position == position]
    return out


# --- clusters and overrides ----------------------------------------------------------------------


class _Clusters:
    """Mentions grouped into people: the resolver's per-block answers, then the overrides."""

    def __init__(self, answers: dict[str, tuple[str, dict[str, Any]]]) -> None:
        self.of: dict[MentionKey, int] = {}
        self.ids: dict[MentionKey, list[str]] = {}
        self.members: dict[int, list[MentionKey]] = defaultdict(list)
        self.orcid: dict[int, str] = {}
        next_id = 0
        for block in sorted(answers):
            local: dict[int, int] = {}
            answer = answers[block][1]
            for label_key, label in answer["labels"].items():
                if label not in local:
                    local[label], next_id = next_id, next_id + 1
                key = _mention_key(label_key)
                self.of[key] = local[label]
                self.members[local[label]].append(key)
            for label_key, ids in answer["ids"].items():
                self.ids[_mention_key(label_key)] = ids
        self.next_id = next_id

    def _majority(self, mentions: list[MentionKey]) -> int | None:
        found = Counter(self.of[m] for m in mentions if m in self.of)
        return found.most_common(1)[0][0] if found else None

    def _union(self, keep: int, other: int) -> None:
        if keep == other:
            return
        for m in self.members.pop(other):
            self.of[m] = keep
            self.members[keep].append(m)
        if other in self.orcid:
            self.orcid.setdefault(keep, self.orcid.pop(other))

    def apply(self, action: str, payload: dict[str, Any], keys: dict[str, int]) -> str | None:
        """Apply one override; return why it could not be, if so."""

        def resolve(pairs: list[list[str]]) -> list[MentionKey]:
            return [(keys[k], m) for k, m in pairs if k in keys]

        if action == "merge":
            targets = [self._majority(resolve(group)) for group in payload["groups"]]
            found = [t for t in targets if t is not None]
            if len(found) < 2:
                return "fewer than two of the merged researchers' papers are stored"
            for other in found[1:]:
                if other in self.members:
                    self._union(found[0], other)
            return None
        if action == "split":
            moved = [m for m in resolve(payload["move"]) if m in self.of]
            if not moved:
                return "none of the papers to split off is stored"
            new = self.next_id
            self.next_id += 1
            for m in moved:
                old = self.of[m]
                self.members[old].remove(m)
                if not self.members[old]:
                    del self.members[old]
                self.of[m] = new
                self.members[new].append(m)
            return None
        if action == "claim":
            target = self._majority(resolve(payload["mentions"]))
            if target is None:
                return "none of the researcher's papers is stored"
            self.orcid[target] = payload["orcid"]
            return None
        return f"unknown action {action!r}"


def _override_papers(store: Store, overrides: list[tuple[int, str, dict[str, Any]]]) -> dict[str, int]:
    """Paper key → paper id for every paper an override names (keys survive merges)."""
    keys: set[str] = set()
    for _, _, payload in overrides:
        for value in payload.values():
            if isinstance(value, list):
                for item in value:
                    groups = item if item and isinstance(item[0], list) else [item]
                    keys.update(k for k, _ in groups)
    found = {}
    for key in keys:
        pid = store.find_paper(key)
        if pid is not None:
            found[key] = pid
    return found


def _researchers(
    store: Store,
    clusters: _Clusters,
    blocks: dict[str, list[MentionRow]],
    page_names: dict[int, list[tuple[str, str]]],
    given: _Ids,
) -> list[ResearcherRow]:
    names = {(row.paper_id, row.mention): (row.name, row.block) for rows in blocks.values() for row in rows}
    old = store.researchers.assignment({pid for pid, _ in names})
    # Old ids go to the clusters that keep most of their mentions, largest clusters first.
    taken = given.taken
    out = []
    for cid, members in sorted(clusters.members.items(), key=lambda kv: (-len(kv[1]), min(kv[1]))):
        votes = Counter(old[m] for m in members if m in old)
        rid = next((r for r, _ in votes.most_common() if r not in taken), None)
        if rid is None:
            rid, given.next = given.next, given.next + 1
        taken.add(rid)
        given.given += 1
        spellings = Counter(names[m][0] for m in members)
        block = Counter(names[m][1] for m in members).most_common(1)[0][0]
        pages = Counter(
            page for m in members for page, key in page_names.get(m[0], ()) if key == names[m][1]
        )
        ids = {_id_pair(i) for m in members for i in clusters.ids.get(m, ())}
        ids.update(("page", page) for page in pages)
        orcid = clusters.orcid.get(cid) or next((v for s, v in sorted(ids) if s == "orcid"), None)
        if orcid:
            ids.add(("orcid", orcid))
        name = _display_name(spellings)
        out.append(ResearcherRow(
            id=rid, name=name, name_key=fold_name(name), block=block, orcid=orcid,
            page=pages.most_common(1)[0][0] if pages else None,
            mentions=sorted(members), ids=ids,
        ))
    return out


def _id_pair(text: str) -> tuple[str, str]:
    """("orcid", "0000-…") from "orcid:0000-…", as the mentions carry their ids."""
    scheme, _, value = text.partition(":")
    return scheme, value


def _display_name(spellings: Counter[str]) -> str:
    """The spelling used most among the fullest ones: "Zixin Wen" over "Z. Wen"."""

    def fullness(name: str) -> int:
        given = split_name(name).given or ""
        return sum(ch.isalpha() for ch in given)

    best = max(fullness(n) for n in spellings)
    return max((n for n in spellings if fullness(n) == best), key=lambda n: (spellings[n], n))
