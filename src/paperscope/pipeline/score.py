"""The score stage: embed → index → novelty → impact, each over what is new or changed.

- **embed**: a paper's title + abstract is embedded once per model; a changed text (its
  hash) or a new model version embeds it again. Batches are stored as they are done, so
  an interrupted run keeps its work.
- **index**: the persisted nearest-neighbour index beside the database (ann.py) is brought
  up to date with the stored vectors: new or changed papers added, removed ones dropped.
  The web app's "similar papers" and semantic search read it; novelty reads it from
  ``ANN_FROM`` papers on, where exact search would take longer than building it.
- **novelty**: distance to the nearest earlier papers, as a percentile of the paper's
  cohort (see novelty.py). It depends on the whole corpus (a cohort's percentiles move
  when papers arrive), so it is recomputed for every embedded paper and stored where it
  changed.
- **impact**: the AI Score, 100 × the predicted TNCSI_SP (see impact/model.py), from the
  title, abstract and category; recomputed where those or the model version changed.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from paperscope.batches import batched
from paperscope.engine import Engine, open_engine, worker_cache
from paperscope.steps import StepTimes
from paperscope.store import Store
from paperscope.store.scores import ScoreRow

__all__ = ["ScoreSummary", "embed_store", "score_impact", "score_novelty", "score_store", "text_hash"]

Progress = Callable[[int], None]
_EMBED_BATCH = 256
_IMPACT_BATCH = 2000
# Below this many papers to embed or score, a local pool costs more than it saves.
_PARALLEL_FROM = 20_000
# From this many embedded papers on, novelty finds the nearest earlier papers in the ANN
# index instead of exactly: exact search grows as n² (100k papers: 34.6 s on 2 cores, so
# ~80 s at 150k and ~5 min at 300k), the index as n·log n (150k: 51 s to build, ~65 s to
# query at 2,278 queries/s). docs/embeddings.md.
ANN_FROM = 200_000
NOVELTY_WORKS = "novelty-works"  # the works' fingerprint (store.works.fingerprint) novelty was computed for


@dataclass(slots=True)
class ScoreSummary:
    embedded: int = 0
    indexed: int = 0
    novelty: int = 0
    impact: int = 0
    unchanged: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    steps: StepTimes = field(default_factory=StepTimes)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        kept = ", ".join(f"{k} {v:,}" for k, v in sorted(self.unchanged.items()))
        text = (
            f"score: embedded {self.embedded:,} papers, indexed {self.indexed:,}, novelty for {self.novelty:,},"
            f" AI Score for {self.impact:,} (unchanged: {kept or 'none'}; {self.seconds:.1f} s)"
        )
        if self.steps:
            text += f"\n  {self.steps.line()}"
        return "\n".join([text, *(f"  {n}" for n in self.notes)])


def _digest(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=12)
    for part in parts:
        h.update(b"\x1f" + str(part).encode())
    return h.hexdigest()


def text_hash(title: str, abstract: str | None) -> str:
    return _digest(title, abstract or "")


def embed_store(
    store: Store, embedder: Any, summary: ScoreSummary,
    on_progress: Progress | None = None, engine: Engine | None = None,
) -> str:
    """Embed every paper whose text or model changed; return the model's stored name.

    The texts are read twice, a window at a time (which papers to embed, then their text),
    so memory does not grow with the corpus. With an engine that shares the work, workers
    embed partitions (each loads the model once, by its ``kind``) and this process writes
    each batch as it comes back."""
    from paperscope.embed import paper_text

    model = f"{embedder.name}@{embedder.version}"
    known = store.scores.embedded_hashes(model)
    todo: dict[int, str] = {}
    for p in store.scores.paper_texts():
        if known.get(p.paper_id) != (h := text_hash(p.title, p.abstract)):
            todo[p.paper_id] = h
    summary.unchanged["embeddings"] = len(known) - sum(1 for pid in todo if pid in known)
    del known
    kind = getattr(embedder, "kind", None)
    shared = engine is not None and kind is not None and engine.shares(len(todo) >= _PARALLEL_FROM)
    # A partition sent out is larger: the static embedder does ~3,000 texts/s, so a small
    # one would cost more to send than to embed.
    size = _EMBED_BATCH * (8 if shared else 1)
    sent: deque[list[int]] = deque()  # the papers of each batch out, in order

    def parts() -> Iterator[list[str]]:
        for batch in batched((p for p in store.scores.paper_texts() if p.paper_id in todo), size):
            sent.append([p.paper_id for p in batch])
            yield [paper_text(p.title, p.abstract) for p in batch]

    if shared and engine is not None and kind is not None:
        results: Iterator[np.ndarray] = engine.map(embed_partition, ((kind, part) for part in parts()))
    else:
        results = (embedder.embed(part) for part in parts())
    for vectors in results:
        batch = sent.popleft()
        with store.transaction():
            store.scores.write_embeddings(
                model, [(pid, todo[pid], v) for pid, v in zip(batch, vectors, strict=True)]
            )
        summary.embedded += len(batch)
        if on_progress:
            on_progress(len(batch))
    return model


def embed_partition(part: tuple[str, list[str]]) -> np.ndarray:
    """Vectors of some texts, on a worker: (embedder kind, texts) → one row each."""
    from paperscope.embed import get_embedder

    kind, texts = part
    return worker_cache("embedder", kind, lambda: get_embedder(kind)).embed(texts)


def score_impact(
    store: Store, summary: ScoreSummary, on_progress: Progress | None = None, engine: Engine | None = None,
) -> None:
    """The AI Score of every paper whose title, abstract, category or the model changed."""
    from paperscope.impact.model import MODEL_VERSION

    known = store.scores.score_inputs("impact")
    todo: dict[int, str] = {}
    for p in store.scores.paper_texts():
        inputs = _digest(MODEL_VERSION, p.title, p.abstract or "", p.category or "")
        if known.get(p.paper_id) != inputs:
            todo[p.paper_id] = inputs
    summary.unchanged["impact"] = len(known) - sum(1 for pid in todo if pid in known)
    del known
    sent: deque[list[tuple[int, bool]]] = deque()  # each batch's papers, and whether it has a category

    def parts() -> Iterator[tuple[list[str], list[str], list[str | None]]]:
        for b in batched((p for p in store.scores.paper_texts() if p.paper_id in todo), _IMPACT_BATCH):
            sent.append([(p.paper_id, bool(p.category)) for p in b])
            yield [p.title for p in b], [p.abstract or "" for p in b], [p.category for p in b]

    if engine is not None and engine.shares(len(todo) >= _PARALLEL_FROM):
        results: Iterator[np.ndarray] = engine.map(impact_partition, parts())
    else:
        results = map(impact_partition, parts())
    for predicted in results:
        batch = sent.popleft()
        rows = [
            ScoreRow(pid, round(100.0 * float(y), 1), None,
                     {"predicted_tncsi_sp": round(float(y), 4),
                      "read": ["title", "abstract"] + (["category"] if category else [])},
                     todo[pid])
            for (pid, category), y in zip(batch, predicted, strict=True)
        ]
        with store.transaction():
            store.scores.write_scores("impact", MODEL_VERSION, rows)
        summary.impact += len(batch)
        if on_progress:
            on_progress(len(batch))


def impact_partition(part: tuple[list[str], list[str], list[str | None]]) -> np.ndarray:
    """Predicted TNCSI_SP of some papers (titles, abstracts, categories), on a worker; the
    model is loaded once per process (impact/model.py)."""
    from paperscope.impact.model import predict

    return predict(*part)


def score_store(
    store: Store,
    *,
    embedder: Any | None = None,
    on_progress: Progress | None = None,
    steps: Sequence[str] = ("embed", "index", "novelty", "impact"),
    command: str = "paperscope score",
    engine: Engine | None = None,
) -> ScoreSummary:
    """Run the score stage's steps in order over what is new or changed, holding the score
    lock (StageBusy names the holder if another score runs). ``engine`` embeds and scores
    partitions (paperscope/engine.py); by default the one ``$PAPERSCOPE_ENGINE`` names."""
    with store.locks.hold("score", command), ExitStack() as stack:
        if engine is None:
            engine = stack.enter_context(open_engine(db_url=store.url))
        return _score_steps(store, embedder, on_progress, steps, engine)


def _score_steps(
    store: Store, embedder: Any | None, on_progress: Progress | None, steps: Sequence[str], engine: Engine,
) -> ScoreSummary:
    from paperscope import works

    started = time.perf_counter()
    summary = ScoreSummary()
    step = summary.steps.step
    with step("works"):
        summary.notes.append(works.build(store).line())  # novelty is per work
        grouping = store.works.fingerprint()
    model = None
    facts: dict[int, tuple[str | None, str | None]] | None = None  # read once for index and novelty
    if "embed" in steps and embedder is not None:
        with step("embed"):
            model = embed_store(store, embedder, summary, on_progress, engine)
    if "index" in steps and model is not None:
        with step("index"):
            facts = _paper_facts(store)
            index_store(store, model, summary, facts)
    if "novelty" in steps and model is not None:
        with step("novelty"):
            papers, models = store.scores.scored("novelty")
            if (summary.embedded == 0 and models == {model} and papers == set(store.scores.embedded_hashes(model))
                    and (store.artifacts.current(NOVELTY_WORKS) or 0) == grouping):
                # Nothing embedded anew, works as they were: every percentile and neighbour is as it was.
                summary.unchanged["novelty"] = len(papers)
            else:
                score_novelty(store, model, summary, facts if facts is not None else _paper_facts(store))
                store.artifacts.publish(NOVELTY_WORKS, grouping)
    if "impact" in steps:
        with step("impact"):
            score_impact(store, summary, on_progress, engine)
    with step("search"):
        summary.notes.append(store.search.refresh().line())  # search indexes follow the papers
    summary.seconds = time.perf_counter() - started
    return summary


def _paper_facts(store: Store) -> dict[int, tuple[str | None, str | None]]:
    """Every paper's (date, primary category): what the index and novelty read of it."""
    return {p.paper_id: (p.date, p.category) for p in store.scores.paper_texts()}


def index_store(
    store: Store, model: str, summary: ScoreSummary, facts: dict[int, tuple[str | None, str | None]],
) -> None:
    """Bring the published ANN index of this model's vectors up to date (dated papers only):
    a changed index is saved as a new generation and published (see ann.py). The vectors
    are read a window at a time: only the index holds them all."""
    from paperscope.ann import DTYPE, PARALLEL_FROM, AnnIndex, load_published, publish

    if store.artifact_root() is None:
        return
    hashes = store.scores.embedded_hashes(model)
    dim = store.scores.embedding_dim(model) if hashes else None
    if dim and store.scores.ensure_vector_index(model, dim):  # PostgreSQL's own (pgvector HNSW); not SQLite
        summary.notes.append(f"index: built the database's vector index of {model}")
    days = {pid: np.datetime64(date[:10], "D") for pid, (date, _) in facts.items() if date and pid in hashes}
    wanted = {pid: h for pid, h in hashes.items() if pid in days}
    del hashes
    index = load_published(store, model)
    if index is not None and (index.embedder != model or index.dtype != DTYPE):
        index = None  # another model's, or saved with other vectors: built again
    if index is not None and index.hashes == wanted and all(index.days[pid] == days[pid] for pid in index.days):
        summary.unchanged["index"] = len(index)
        return
    if index is None:
        index = AnnIndex(dim or 0, model)
    index.remove([pid for pid in index.days if pid not in wanted])
    todo = {pid for pid, h in wanted.items() if index.hashes.get(pid) != h or index.days.get(pid) != days[pid]}
    threads = 1 if len(todo) < PARALLEL_FROM else 0  # as one add() would choose
    for ids, vectors in store.scores.embedding_windows(model):
        keep = [i for i, pid in enumerate(ids) if pid in todo]
        if keep:
            papers = [ids[i] for i in keep]
            index.add(papers, np.array([days[p] for p in papers]), vectors[keep], [wanted[p] for p in papers],
                      threads=threads)
    publish(store, index)
    summary.indexed = len(todo)
    summary.unchanged["index"] = len(index) - len(todo)


def score_novelty(
    store: Store, model: str, summary: ScoreSummary, facts: dict[int, tuple[str | None, str | None]],
) -> None:
    """Novelty % of every embedded paper (see novelty.py); rows stored where they changed.

    From ``ANN_FROM`` papers on, the nearest earlier papers come from the ANN index in
    batches and no vector is read here; below it, exactly, from the works' vectors."""
    from paperscope.novelty import cohort_key, novelty_results

    embedded = store.scores.embedded_hashes(model)
    # A paper with neither date nor year cannot be placed after anything: not scored.
    dated = [pid for pid in sorted(embedded) if pid in facts and facts[pid][0]]
    if len(dated) < len(embedded):
        summary.notes.append(f"novelty: {len(embedded) - len(dated):,} papers without a date left out")
    del embedded
    # One work, one novelty: only the paper standing for a work (its earliest version) is
    # compared, so no version is ever another's "nearest earlier paper"; the work's other
    # versions get its figure (below).
    work_of = store.works.work_ids(dated)
    ids = [pid for pid in dated if work_of.get(pid, pid) == pid]
    if not ids:
        return
    dates = [facts[i][0] or "" for i in ids]  # every one dated: see `dated`
    cohorts = [cohort_key(facts[i][1], int(dates[n][:4])) for n, i in enumerate(ids)]
    earlier = _ann_earlier(store, model, ids, dates)
    vectors = _vectors_of(store, model, ids) if earlier is None else None
    results = novelty_results(ids, dates, cohorts, vectors, earlier=earlier)
    known = store.scores.score_inputs("novelty")
    versions: dict[int, list[int]] = {}
    for pid, work in work_of.items():
        if pid != work:
            versions.setdefault(work, []).append(pid)
    summary.unchanged["novelty"] = 0
    with store.transaction():
        for batch in batched(results, 5_000):
            rows = list(_novelty_rows(batch, model, versions, known))
            summary.unchanged["novelty"] += sum(1 + len(versions.get(r.paper, [])) for r in batch) - len(rows)
            store.scores.write_scores("novelty", model, rows)
            summary.novelty += len(rows)


def _novelty_rows(
    results: list[Any], model: str, versions: dict[int, list[int]], known: dict[int, str],
) -> Iterator[ScoreRow]:
    """The rows of some papers' novelty, and of their works' later versions, where changed."""
    for r in results:
        explanation: dict[str, Any] = {
            "distance": None if r.distance is None else round(float(r.distance), 4),
            "cohort": r.cohort, "k": len(r.neighbours), "text": r.explanation,
            "nearest_earlier": [{"paper_id": int(pid), "similarity": round(float(sim), 4)}
                                for pid, sim in r.neighbours],
        }
        pct = None if r.pct is None else round(float(r.pct), 1)
        for pid in [int(r.paper), *versions.get(int(r.paper), [])]:
            if pid != r.paper:
                explanation = {**explanation, "work_id": int(r.paper),
                               "text": f"a later version of paper #{r.paper}, whose figure it has: {r.explanation}"}
            inputs = _digest(model, pct, r.label, explanation)
            if known.get(pid) != inputs:
                yield ScoreRow(pid, pct, r.label, explanation, inputs)


def _vectors_of(store: Store, model: str, ids: list[int]) -> np.ndarray:
    """The vectors of these papers (ids ascending), read a window at a time."""
    wanted = set(ids)
    parts = []
    for window, vectors in store.scores.embedding_windows(model):
        keep = [i for i, pid in enumerate(window) if pid in wanted]
        if keep:
            parts.append(vectors[keep])
    return np.concatenate(parts)


_SPARE = 4  # neighbours asked for beyond DEFAULT_K, for those that are other versions


_QUERIES = 20_000  # papers whose nearest earlier papers are asked of the index at once


def _ann_earlier(store: Store, model: str, ids: list[int], dates: list[str]) -> Any:
    """(positions, cosines) of each paper's nearest earlier papers from the ANN index when the
    corpus is large enough for it to pay (``ANN_FROM``), else None: exact search. The
    queries are the index's own vectors, a batch at a time."""
    from paperscope.ann import load_published
    from paperscope.novelty import DEFAULT_K

    if len(ids) < ANN_FROM:
        return None
    index = load_published(store, model)
    if index is None or not set(ids) <= index.days.keys():
        return None  # the index lags the vectors (run without the index step): exact
    position = {pid: i for i, pid in enumerate(ids)}
    lookup = np.vectorize(lambda pid: position.get(int(pid), -1), otypes=[np.int64])
    out_positions, out_sims = [], []
    for start in range(0, len(ids), _QUERIES):
        batch = ids[start : start + _QUERIES]
        # The index holds every version of a work; only the papers standing for works count,
        # so a few more are asked for and the first DEFAULT_K of those kept.
        found, sims = index.search(index.vectors(batch), DEFAULT_K + _SPARE,
                                   before=[d[:10] for d in dates[start : start + _QUERIES]])
        positions = lookup(found)
        keep = np.argsort(positions < 0, axis=1, kind="stable")[:, :DEFAULT_K]  # valid first, order kept
        positions = np.take_along_axis(positions, keep, axis=1)
        out_positions.append(positions)
        out_sims.append(np.where(positions >= 0, np.take_along_axis(sims, keep, axis=1), -np.inf))
    return np.concatenate(out_positions), np.concatenate(out_sims)
