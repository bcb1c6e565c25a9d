"""Search: researchers by name, papers by words and by meaning, blended into one list.

What a user types is read three ways:

- **researchers**: the name, folded (case, diacritics, punctuation) and matched in any
  order, with typos forgiven: "Sham Kakde" finds "Sham M. Kakade". Candidates come from
  the names' full-text index (every word a word of the name; initials and the last word
  may be its start) and from a fuzzy scan of all names held in memory (:class:`NameIndex`);
  each is scored by :func:`name_match_score`, and the list is ordered by that score, then
  by papers.
- **words** (full text): the store's full-text index over title, abstract and author
  names, ranked with the title weighted most (store/search.py; FTS5 and bm25 on SQLite, a
  weighted tsvector on PostgreSQL); common English words are left out. The words are taken
  from the text by this module (:func:`query_terms`) and passed as plain terms, so that
  nothing a user types is read as query syntax.
- **meaning** (semantic): the query is embedded by the embedder the stored paper vectors
  were made with (the model name stored with them) and compared by inner product with
  every stored vector (:class:`SemanticIndex`, held in memory per process).

The papers holding every word and those found by meaning are blended by reciprocal rank
fusion (:data:`RRF_K`). A paper whose identifier (arXiv id, DOI) or whole title is the
query comes before the blend; papers holding only some of the words come after it.

The indexes are as of the store's last ``store.search.refresh()`` (the score stage and the
web app's start run one); in-memory indexes are rebuilt when a refresh changed anything.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any, NamedTuple, TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from paperscope.ann import open_index, published_dir
from paperscope.ids import InvalidIdentifier, category_short_code, is_lookup_text, normalize_doi, parse_arxiv_id
from paperscope.names import fold_name
from paperscope.snippet import snippet
from paperscope.store import Store
from paperscope.tex import plain
from paperscope.text import title_key

__all__ = [
    "MAX_LIMIT", "MAX_OFFSET", "MAX_QUERY_CHARS", "RRF_K", "FoundPapers", "NameIndex", "SemanticIndex",
    "name_match_score", "query_terms", "search", "search_text", "searched_words",
]

MAX_QUERY_CHARS = 200
MAX_LIMIT = 100
MAX_OFFSET = 1000
# Reciprocal rank fusion: a paper scores sum(1 / (RRF_K + rank)) over the lists it is in
# (rank from 1). 60 is the constant of Cormack, Clarke & Büttcher (SIGIR 2009), which
# found it robust across collections: large enough that being near the top of both lists
# beats being first in one, small enough that the top ranks still count most.
RRF_K = 60
# Each list is read this deep at least, so that the blend of its first pages is stable.
_MIN_DEPTH = 100
# Words taken from a query, at most (a longer query is read by meaning anyway).
_MAX_TERMS = 32
# A researcher matches with a name_match_score of at least this (0–100): two typos in a
# full name pass ("Yosua Bengo" 92), a different person of one shared word does not.
_NAME_CUTOFF = 85
# A name scoring this (every word of the query a whole word of the name) makes the
# search for misspellings needless.
_WHOLE_WORDS = 90
# Name candidates read from each source before scoring.
_NAME_CANDIDATES = 200
# A query of more words than this is not looked up as a name.
_MAX_NAME_WORDS = 6
# A paper found by meaning must be at least this similar to the query (cosine), per
# embedder. The floor only drops what is plainly unrelated: with the static embedder, on
# 150k papers, strings of no meaning ("xyzzy plugh", "<script>", "the") still meet their
# nearest papers at 0.50–0.58, and a paraphrase meets its paper at 0.45–0.61, so no floor
# tells those apart (fusion with the words' ranking does more). MiniLM's scale is lower
# (unrelated texts ~0.0–0.2); its floor is the common rule of thumb, not measured here.
MIN_SIMILARITY = {"minilm-static-256": 0.40, "all-MiniLM-L6-v2": 0.25}

# Reading by words leaves out these (unless the query has no other words): English
# function words found in most abstracts, which cost the most to look up (each one's list
# of papers is nearly the whole index) and tell the least about what was asked.
_STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves via using based toward
towards us also
""".split())
# The words of a query are also read one by one ("any of them") when the papers holding
# them all and those found by meaning do not fill the page, if there are at most this
# many: more, and the query is a sentence, better read by meaning (the union of many
# words' lists costs ~100 ms per 150k papers).
_MAX_ANY_TERMS = 8

_WORD = re.compile(r"[^\W_]+")


# --- the in-memory indexes -----------------------------------------------------------------
class SemanticIndex:
    """Stored paper vectors of one model, searched exactly by inner product.

    Vectors are unit length, so the inner product is the cosine similarity. A later
    approximate index (HNSW, IVF) can take its place behind the same two methods.
    """

    def __init__(self, model: str, paper_ids: np.ndarray, vectors: np.ndarray) -> None:
        self.model = model
        self.paper_ids = paper_ids
        self.vectors = vectors

    @classmethod
    def from_store(cls, store: Store, model: str) -> SemanticIndex:
        ids, vectors = store.scores.embeddings(model)
        return cls(model, np.asarray(ids, dtype=np.int64), np.ascontiguousarray(vectors, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.paper_ids)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k papers nearest to a unit vector: (paper id, similarity), nearest first."""
        if len(self) == 0 or k <= 0:
            return []
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(int(self.paper_ids[i]), float(sims[i])) for i in top]


class _AnnSearch:
    """The persisted ANN index (paperscope.ann) behind SemanticIndex's search method: a query
    costs ~1 ms instead of a pass over every vector (150k: ~25 ms and all cores' memory
    bandwidth). It holds the dated papers, which is all of them but those with no year."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def __len__(self) -> int:
        return len(self.index)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        ids, sims = self.index.search(np.asarray(vector, dtype=np.float32)[None, :], k)
        return [(int(i), float(s)) for i, s in zip(ids[0], sims[0], strict=True) if i >= 0]


def _vector_index(store: Store, model: str) -> Any:
    """The ANN index of a model's vectors when `paperscope score` has published one, else
    the exact in-memory index."""
    index = open_index(store, model)
    if index is not None and index.embedder == model:
        return _AnnSearch(index)
    return SemanticIndex.from_store(store, model)


def _core_name(key: str) -> str:
    """A folded name's words other than initials, sorted: "sham m kakade" → "kakade sham"."""
    return " ".join(sorted(w for w in key.split() if len(w) > 1))


class NameIndex:
    """Every researcher's name, for a fuzzy scan that forgives typos and word order.

    Names are held as their core (:func:`_core_name`), so that a middle initial given or
    left out costs nothing; rapidfuzz scans 180k of them in 20–30 ms (twice that
    many in ~25 ms when the machine is idle).
    """

    def __init__(self, researcher_ids: list[int], cores: list[str]) -> None:
        self.researcher_ids = researcher_ids
        self.cores = cores

    @classmethod
    def from_store(cls, store: Store) -> NameIndex:
        names = store.search.researcher_names()
        return cls([rid for rid, _ in names], [_core_name(key) for _, key in names])

    def search(self, query_key: str, k: int, cutoff: float = _NAME_CUTOFF) -> list[tuple[int, float]]:
        """Researchers whose core name is this close to the query's: (id, 0–100), best first."""
        core = _core_name(query_key)
        if not core:
            return []
        found = process.extract(core, self.cores, scorer=fuzz.ratio, score_cutoff=cutoff, limit=k)
        return [(self.researcher_ids[i], score) for _, score, i in found]


Index = TypeVar("Index")
_indexes: dict[tuple[str, str], tuple[int, Any]] = {}
_indexes_lock = threading.Lock()


def _cached(store: Store, kind: str, build: Callable[[], Index]) -> Index:
    """One in-memory index per database and kind, rebuilt when a refresh moved the
    generation (in this process or another)."""
    where = store.identity
    generation = store.search.generation()
    with _indexes_lock:
        held = _indexes.get((where, kind))
        if held is not None and held[0] == generation:
            return held[1]
        index = build()
        _indexes[(where, kind)] = (generation, index)
        return index


@lru_cache(maxsize=4)
def _query_embedder(model: str) -> Any:
    """The embedder that made a stored model's vectors, or the reason there is none."""
    from paperscope.embed.models import (
        MINILM_NAME,
        STATIC_DIR,
        EmbedderArtifactError,
        EmbedderUnavailableError,
        get_embedder,
    )

    name = model.rpartition("@")[0]
    kinds = {STATIC_DIR.name: "static", MINILM_NAME: "minilm"}
    if name not in kinds:
        return f"no embedder of this version of paperscope makes {model!r} vectors"
    try:
        embedder = get_embedder(kinds[name])
    except (EmbedderUnavailableError, EmbedderArtifactError) as e:
        return str(e)
    if f"{embedder.name}@{embedder.version}" != model:
        return (f"the stored vectors are {model!r} but the installed embedder is"
                f" {embedder.name}@{embedder.version}; run `paperscope embed` to embed again")
    return embedder


# --- reading the query ---------------------------------------------------------------------
def query_terms(query: str) -> list[str]:
    """The words of a query as full-text search reads them: runs of letters and digits.

    ``"C++ cs.LG <script>"`` → ``["c", "cs", "lg", "script"]``: quotes, brackets and
    operators are separators, never syntax.
    """
    text = unicodedata.normalize("NFKC", query).casefold()
    return _WORD.findall(text)[:_MAX_TERMS]


def _identifier(query: str) -> bool:
    """Whether the query reads as an arXiv id or a DOI."""
    if not query or any(ch.isspace() for ch in query):
        return False
    for parse in (parse_arxiv_id, normalize_doi):
        try:
            parse(query)
            return True
        except InvalidIdentifier:
            pass
    return False


def _check(query: str, limit: int, offset: int) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise ValueError(f"search query is {len(query)} characters long; the most is {MAX_QUERY_CHARS}")
    if not is_lookup_text(query):
        raise ValueError("search query is not valid text (it holds a lone surrogate)")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"search limit {limit}: must be 1 to {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"search offset {offset}: must be 0 to {MAX_OFFSET}")


# --- researchers ---------------------------------------------------------------------------
def _prefixable(words: list[str]) -> list[bool]:
    """Which words of a name query may match as the start of a name's word: initials
    ("s" for "Sham") and the last word, perhaps still being typed ("kaka"), if it has
    three letters or more (the names starting "li" are a tenth of all names)."""
    return [len(w) == 1 or (i == len(words) - 1 and len(w) >= 3) for i, w in enumerate(words)]


def name_match_score(query_key: str, name_key: str) -> float:
    """How well a folded query names a folded name, 0–100 (the best of three readings).

    - the whole names, word order aside (rapidfuzz token_sort_ratio);
    - their cores, initials aside, if the query has two words besides initials
      ("sham kakde" ~ "sham m kakade": 95);
    - every query word a word of the name (90, :data:`_WHOLE_WORDS`: "kakade" names every
      Kakade), or the start of one where :func:`_prefixable` allows (85: "s kakade",
      "sham kaka").
    """
    whole = fuzz.token_sort_ratio(query_key, name_key)
    q_core, n_core = _core_name(query_key), _core_name(name_key)
    # Cores are compared for full names only: "li" is not "Y. F. Li" more than "Ping Li".
    core = fuzz.ratio(q_core, n_core) if " " in q_core and n_core else 0.0
    words, name_words = query_key.split(), name_key.split()
    contained = 0.0
    if words and all(w in name_words for w in words):
        contained = float(_WHOLE_WORDS)
    elif words and all(
        w in name_words or (prefix and any(n.startswith(w) for n in name_words))
        for w, prefix in zip(words, _prefixable(words), strict=True)
    ):
        contained = 85.0
    return max(whole, core, contained)


def find_researchers(store: Store, query: str, limit: int) -> list[dict[str, Any]]:
    """Researchers a query names, best match first, then most papers."""
    key = fold_name(query)
    words = key.split()
    if not any(len(w) > 1 for w in words) or len(words) > _MAX_NAME_WORDS or limit <= 0:
        return []
    rows = store.search.researcher_rows(store.search.match_researchers(
        list(zip(words, _prefixable(words), strict=True)), _NAME_CANDIDATES))
    scores = {rid: name_match_score(key, name_key) for rid, (_, name_key, _) in rows.items()}
    if not any(score >= _WHOLE_WORDS for score in scores.values()):
        # No name holds the words as typed: look for the names they misspell (a scan of
        # all names: 20–30 ms for 180k, spared when the words were found).
        like = store.search.names_like(key, _NAME_CANDIDATES)  # the database's own (pg_trgm)
        if like is None:
            names = _cached(store, "names", lambda: NameIndex.from_store(store))
            like = [rid for rid, _ in names.search(key, _NAME_CANDIDATES)]
        misspelt = [rid for rid in like if rid not in rows]
        more = store.search.researcher_rows(misspelt)
        rows.update(more)
        scores.update((rid, name_match_score(key, name_key)) for rid, (_, name_key, _) in more.items())
    scored = [(round(score), rows[rid][2], rid)
              for rid, score in scores.items() if score >= _NAME_CUTOFF]
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    best = scored[:limit]
    summaries = {r["id"]: r for r in store.researchers.summaries([rid for _, _, rid in best])}
    h_index = store.search.provider_h_index([rid for _, _, rid in best])
    out = []
    for score, _, rid in best:
        if rid in summaries:
            out.append({**summaries[rid], "match_score": score, "h_index": h_index.get(rid)})
    return out


# --- papers ----------------------------------------------------------------------------------
class _Words(NamedTuple):
    """What the full-text index found for the words of a query."""

    every: list[int]  # papers holding every word, best first (read ``depth`` deep at most)
    some: list[int]   # papers holding only some of them, best first (read only when needed)
    total: int        # papers holding every word, all of them counted
    complete: bool    # whether both lists hold all they could (neither was cut short)


def searched_words(terms: list[str]) -> list[str]:
    """The words of a query the full-text index looks for: common English words are left
    out, unless the query has no others."""
    return [t for t in terms if t not in _STOPWORDS] or terms


def _full_text(store: Store, terms: list[str], depth: int, wanted: int, found: set[int]) -> _Words:
    """Papers by words, each list best first by bm25: those holding every word, and those
    holding only some. The second is read only if the first and the papers ``found``
    otherwise are fewer than ``wanted``, and the query is short."""
    terms = searched_words(terms)
    every = [pid for pid, _ in store.search.match_papers(terms, every_term=True, limit=depth)]
    # A list shorter than the depth is all there is; a full one is counted (cheap: no ranking).
    total = len(every) if len(every) < depth else store.search.count_papers(terms)
    some: list[int] = []
    some_cut = 1 < len(terms) <= _MAX_ANY_TERMS  # unread, there may be such papers
    if len(found.union(every)) < wanted and 1 < len(terms) <= _MAX_ANY_TERMS:
        seen = set(every)
        matched = store.search.match_papers(terms, every_term=False, limit=depth)
        some = [pid for pid, _ in matched if pid not in seen]
        some_cut = len(matched) >= depth
    return _Words(every, some, total, len(every) < depth and not some_cut)


def _semantic(
    store: Store, query: str, depth: int, notes: list[str]
) -> tuple[str | None, list[tuple[int, float]]]:
    """Papers by meaning: (the model used, [(paper id, similarity)]) nearest first. The
    model is the one that embedded most papers and whose embedder is installed."""
    models = store.search.embedding_models()
    if not models:
        return None, []
    for model in sorted(models, key=lambda m: (-models[m], m)):
        embedder = _query_embedder(model)
        if isinstance(embedder, str):
            notes.append(f"meaning: {embedder}")
            continue
        vector = embedder.embed([query])[0]
        if not np.any(vector):
            return model, []  # no word of the query is known to the model
        # Keyed by the published ANN generation too: a new one (after `score`) is used at once.
        index: Any = _cached(store, f"semantic:{model}:{published_dir(store, model)}",
                             partial(_vector_index, store, model))
        floor = MIN_SIMILARITY.get(model.rpartition("@")[0], 0.0)
        return model, [(pid, sim) for pid, sim in index.search(vector, depth) if sim >= floor]
    return None, []


def _blend(lists: dict[str, list[int]]) -> list[tuple[int, float, dict[str, int]]]:
    """Reciprocal rank fusion of ranked lists (named "fts", "semantic"): (paper id, fused
    score, its rank in each list), best first."""
    fused: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ranked in lists.items():
        for rank, pid in enumerate(ranked, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
            ranks.setdefault(pid, {})[name] = rank
    # Ties (first by words vs first by meaning) go to the paper in more lists, then to
    # the words' ranking, which is the more precise of the two.
    order = sorted(fused, key=lambda pid: (-fused[pid], -len(ranks[pid]),
                                           ranks[pid].get("fts", len(fused) + 1), pid))
    return [(pid, fused[pid], ranks[pid]) for pid in order]


def _exact_matches(store: Store, query: str) -> dict[int, str]:
    """Papers the query names outright: by identifier (arXiv id, DOI), by whole title."""
    exact: dict[int, str] = {}
    if _identifier(query):
        pid = store.find_paper(query)
        if pid is not None:
            exact[pid] = "identifier"
    key = title_key(query)
    if key:
        for pid in store.search.papers_with_title_key(key):
            exact.setdefault(pid, "title")
    return exact


class FoundPapers(NamedTuple):
    """One page of the papers a query finds, and how many it finds in all."""

    model: str | None            # the embedding model used (None: papers by words alone)
    papers: list[dict[str, Any]]
    total: int                   # papers found; at least this many unless ``total_exact``
    total_exact: bool


def find_papers(store: Store, query: str, limit: int, offset: int, notes: list[str]) -> FoundPapers:
    """Papers for a query, blended: one page of results, and how many there are.

    The total is exact when no list was cut short at the depth read; otherwise it is the
    larger of the papers the lists held and those holding every word (the full-text
    index counts them all), which the list would reach if read deeper."""
    depth = max(_MIN_DEPTH, 2 * (offset + limit))
    exact = _exact_matches(store, query)
    model, nearest = _semantic(store, query, depth, notes)
    terms = query_terms(query)
    words = _full_text(store, terms, depth, offset + limit, {pid for pid, _ in nearest})
    similarity = dict(nearest)
    found = {pid: (fused, ranks) for pid, fused, ranks in
             _blend({"fts": words.every, "semantic": [pid for pid, _ in nearest]})}
    # Papers holding only some of the words come after the blend: one shared word is
    # weaker evidence than either list, and fused with them it would outrank the nearest
    # paper by meaning (as it did on the test fixture's paraphrase).
    for rank, pid in enumerate(words.some, start=len(words.every) + 1):
        found.setdefault(pid, (0.0, {"fts": rank}))
    order = [*exact, *(pid for pid in found if pid not in exact)]
    page = order[offset : offset + limit]
    rows = store.search.paper_rows(page)
    marked = searched_words(terms)
    papers = []
    for pid in page:
        if pid not in rows:
            continue  # gone since the index was refreshed
        fused, ranks = found.get(pid, (0.0, {}))
        sim = similarity.get(pid)
        paper: dict[str, Any] = dict(rows[pid])
        # The whole abstract is left out of a result: its snippet is what a result shows.
        paper["snippet"] = snippet(paper.pop("abstract"), marked)
        papers.append({
            **paper,
            "match": {
                "exact": exact.get(pid),
                "fts_rank": ranks.get("fts"),
                "semantic_rank": ranks.get("semantic"),
                "similarity": None if sim is None else round(sim, 4),
                "rrf": round(fused, 6),
            },
        })
    complete = words.complete and len(nearest) < depth
    return FoundPapers(model, papers, max(len(order), words.total), complete)


def search(
    store: Store, query: str, *, limit: int = 20, offset: int = 0, researchers: int = 5
) -> dict[str, Any]:
    """Researchers and papers for what a user typed (the JSON contract of ``search``).

    ``limit``/``offset`` page the papers (at most :data:`MAX_LIMIT` a page); the first
    ``researchers`` researchers come with every page. ``total`` counts the papers found
    (at least that many when ``total_exact`` is false: see :func:`find_papers`); each paper
    carries a ``snippet`` of its abstract (paperscope/snippet.py). Raises ValueError for a
    query longer than :data:`MAX_QUERY_CHARS` or a limit or offset out of range.
    """
    _check(query, limit, offset)
    query = " ".join(query.split())
    notes: list[str] = []
    if not query:
        return {"query": query, "limit": limit, "offset": offset, "semantic_model": None,
                "researchers": [], "papers": [], "total": 0, "total_exact": True, "notes": notes}
    found = find_researchers(store, query, researchers)
    papers = find_papers(store, query, limit, offset, notes)
    if store.search.generation() == 0:
        notes.append("the search index was never built: run `paperscope score` or store.search.refresh()")
    return {"query": query, "limit": limit, "offset": offset, "semantic_model": papers.model,
            "researchers": found, "papers": papers.papers, "total": papers.total,
            "total_exact": papers.total_exact, "notes": notes}


# --- text ----------------------------------------------------------------------------------
def _paper_line(rank: int, paper: dict[str, Any]) -> str:
    m = paper["match"]
    code = category_short_code(paper["primary_category"]) if paper["primary_category"] else (
        paper["category_code"] or "")
    when = paper["first_date"] or (str(paper["year"]) if paper["year"] else "")
    ident = f"arXiv:{paper['arxiv_id']}" if paper["arxiv_id"] else paper["key"]
    facts = [f for f in (when, code, ident) if f]
    impact = paper["scores"].get("impact")
    if impact and impact["value"] is not None:
        facts.append(f"AI Score {impact['value']:.1f}")
    novelty = paper["scores"].get("novelty")
    if novelty and novelty["value"] is not None:
        facts.append(f"Novelty {novelty['value']:.0f}%")
    why = []
    if m["exact"]:
        why.append(f"{m['exact']} match")
    if m["fts_rank"]:
        why.append(f"words #{m['fts_rank']}")
    if m["semantic_rank"]:
        why.append(f"meaning #{m['semantic_rank']} ({m['similarity']:.2f})")
    authors = ", ".join(paper["authors"])
    if paper["author_count"] > len(paper["authors"]):
        authors += " et al."
    lines = [f"{rank:>3}. {plain(paper['title'])}", *([f"     {authors}"] if authors else []),
             f"     {' · '.join(facts)}  [{', '.join(why)}]"]
    return "\n".join(lines)


def search_text(result: dict[str, Any]) -> str:
    """A search result for people: researchers, then the page of papers."""
    out = []
    if result["researchers"]:
        out.append("Researchers")
        for r in result["researchers"]:
            facts = [f"{r['papers']} papers"]
            if r["primary_category"]:
                facts.append(category_short_code(r["primary_category"]))
            if r["h_index"]:
                h = r["h_index"]
                facts.append(f"h-index {h['value']} ({h['source']}, {h['as_of']})")
            out.append(f"  {r['id']:>7}  {r['name']} · {' · '.join(facts)}")
        out.append("")
    if result["papers"]:
        first = result["offset"] + 1
        found = f"{'' if result['total_exact'] else 'at least '}{result['total']:,}"
        out.append(f"Papers {first}–{first + len(result['papers']) - 1} of {found}")
        out.extend(_paper_line(first + i, p) for i, p in enumerate(result["papers"]))
    elif not result["researchers"]:
        out.append(f"nothing matches {result['query']!r}")
    out.extend(f"note: {n}" for n in result["notes"])
    return "\n".join(out)
