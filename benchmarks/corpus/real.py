"""The real records a synthetic record copies its text from, and the topics they fall into.

The conference corpus, the arXiv cs daily listings and the snapshot sample, from
../shared/data or the repo's sample/; titles and abstracts wrapped as the snapshot wraps them.
"""

from __future__ import annotations

import bisect
import gzip
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import orjson

MAX_AUTHORS = 40  # the most authors a record, and so a synthetic paper, has

# Conference venue → (name, arXiv category, categories that may come second).
VENUES = {
    "nips": ("NeurIPS", "cs.LG", "stat.ML cs.AI"), "icml": ("ICML", "cs.LG", "stat.ML cs.AI"),
    "iclr": ("ICLR", "cs.LG", "cs.AI stat.ML cs.CL cs.CV"), "aistats": ("AISTATS", "stat.ML", "cs.LG"),
    "uai": ("UAI", "cs.AI", "cs.LG stat.ML"), "colt": ("COLT", "cs.LG", "stat.ML math.ST"),
    "alt": ("ALT", "cs.LG", "stat.ML"), "acml": ("ACML", "cs.LG", "stat.ML"), "automl": ("AutoML", "cs.LG", "stat.ML"),
    "cvpr": ("CVPR", "cs.CV", "cs.LG cs.AI"), "iccv": ("ICCV", "cs.CV", "cs.LG"), "eccv": ("ECCV", "cs.CV", "cs.LG"),
    "wacv": ("WACV", "cs.CV", "cs.LG"), "3dv": ("3DV", "cs.CV", "cs.GR"),
    "acl": ("ACL", "cs.CL", "cs.AI cs.LG"), "emnlp": ("EMNLP", "cs.CL", "cs.AI cs.LG"),
    "naacl": ("NAACL", "cs.CL", "cs.AI"), "coling": ("COLING", "cs.CL", "cs.AI"), "colm": ("COLM", "cs.CL", "cs.LG"),
    "icra": ("ICRA", "cs.RO", "cs.SY eess.SY cs.CV"), "iros": ("IROS", "cs.RO", "cs.SY eess.SY"),
    "rss": ("RSS", "cs.RO", "cs.LG"), "corl": ("CoRL", "cs.RO", "cs.LG cs.AI"),
    "siggraph": ("SIGGRAPH", "cs.GR", "cs.CV"), "siggraphasia": ("SIGGRAPH Asia", "cs.GR", "cs.CV"),
    "aaai": ("AAAI", "cs.AI", "cs.LG"), "ijcai": ("IJCAI", "cs.AI", "cs.LG"), "ai4x": ("AI4X", "cs.AI", "cs.LG"),
    "kdd": ("KDD", "cs.LG", "cs.DB cs.SI"), "www": ("WWW", "cs.IR", "cs.SI cs.LG"),
    "acmmm": ("ACM MM", "cs.MM", "cs.CV"),
}  # fmt: skip


class RealRecord(NamedTuple):
    """The real text a synthetic record copies, and what its topic is made of."""

    title: str          # already wrapped as the snapshot wraps it
    abstract: str
    categories: str
    comments: str | None
    venue: str | None   # "CVPR" for a conference record
    n_authors: int      # 0: unknown


# --- real records ---------------------------------------------------------------------
def source_files(data: Path) -> tuple[Path, Path, Path]:
    """The conference, daily-listing and snapshot files of ../shared/data or of sample/."""
    shared = (data / "conferences" / "papers.jsonl.gz", data / "arxiv" / "daily-cs-2025-2026.jsonl.gz",
              data / "arxiv" / "snapshot-sample-unarxive.jsonl")
    bundled = (data / "conferences.jsonl.gz", data / "arxiv-daily-cs.jsonl.gz", data / "arxiv-snapshot.jsonl")
    for files in (shared, bundled):
        if all(f.exists() for f in files):
            return files
    raise SystemExit(f"{data}: neither ../shared/data's layout nor sample/'s ({', '.join(f.name for f in bundled)})")


def _lines(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield orjson.loads(line)


def conference_authors(record: dict) -> list[str]:
    """A conference record's authors, once each: some give them as one comma-joined string,
    and the ICRA/IROS lists repeat every author twice."""
    names = [part.strip() for raw in record.get("authors") or [] for part in raw.split(",")]
    return list(dict.fromkeys(name for name in names if name))


def load_real(data: Path, rng: random.Random) -> tuple[list[RealRecord], list[list[str]]]:
    """The real records with an abstract, and every conference paper's author list."""
    conferences, daily, snapshot = source_files(data)
    records: list[RealRecord] = []
    author_lists: list[list[str]] = []
    for r in _lines(conferences):
        authors = conference_authors(r)
        author_lists.append(authors)
        venue = VENUES.get(r.get("venue", ""))
        if not r.get("abstract") or not r.get("title") or venue is None:
            continue
        name, primary, seconds = venue
        categories = primary if rng.random() < 0.5 else f"{primary} {rng.choice(seconds.split())}"
        records.append(RealRecord(wrap_title(r["title"]), wrap_abstract(r["abstract"]), categories,
                                  None, name, min(len(authors), MAX_AUTHORS)))
    for r in _lines(daily):
        if r.get("abstract") and r.get("title") and r.get("categories"):
            records.append(RealRecord(wrap_title(r["title"]), wrap_abstract(r["abstract"]), " ".join(r["categories"]),
                                      r.get("comment"), None, min(len(r.get("authors") or []), MAX_AUTHORS)))
    for r in _lines(snapshot):
        if r.get("abstract") and r.get("title") and r.get("categories"):
            records.append(RealRecord(r["title"], r["abstract"], r["categories"], r.get("comments"), None,
                                      min(len(r.get("authors_parsed") or []), MAX_AUTHORS)))
    return records, author_lists


# Greedy line filling in one regular expression: as many words as fit, or one long word.
_LINE_70 = re.compile(r"(?:.{1,70}|\S+)(?= |$)")
_LINE_79 = re.compile(r"(?:.{1,79}|\S+)(?= |$)")


def wrap_title(text: str) -> str:
    """A title (or author line) hard-wrapped as the snapshot has it: "…with\\n  independent…"."""
    return "\n  ".join(line.strip() for line in _LINE_70.findall(" ".join(text.split())))


def wrap_abstract(text: str) -> str:
    """An abstract as the snapshot has it: two leading spaces, wrapped at 80, a final newline."""
    if "\n" in text.strip():  # the daily listings come wrapped already
        return f"  {text.strip()}\n"
    return "  " + "\n".join(line.strip() for line in _LINE_79.findall(" ".join(text.split()))) + "\n"


# --- topics ---------------------------------------------------------------------------
_TITLE_WORD = re.compile(r"[a-z]{4,}")
_GENERIC = frozenset(
    "with from into using towards toward over under their through based when what which that this "
    "via without beyond more less than only also across between for and the".split()
)


def _title_words(title: str) -> list[str]:
    words = (w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in _TITLE_WORD.findall(title.lower()))
    return list(dict.fromkeys(w for w in words if w not in _GENERIC))


class Topics:
    """Real records grouped into topics (a category and a title word), each drawn in cycles.

    A topic is the primary category and the most common title word of the record that is
    still specific (found in at most 1 in 25 of the category's records): "cs.CV/segmentation",
    "cs.RO/grasp". A person's papers come from their lab's topics, so they share words.
    """

    def __init__(self, records: list[RealRecord], rng: random.Random) -> None:
        self.records, self._rng = records, rng
        by_category: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(records):
            by_category[r.categories.split()[0]].append(i)
        members: dict[tuple[str, str], list[int]] = {}
        for category in sorted(by_category):
            for i, word in self._words(category, by_category[category]):
                members.setdefault((category, word), []).append(i)
        self.names = [f"{c}/{w}" if w else c for c, w in members]
        self.pools = list(members.values())
        self.category_of = [c for c, _ in members]
        self.by_category: dict[str, list[int]] = defaultdict(list)
        for t, category in enumerate(self.category_of):
            self.by_category[category].append(t)
        self._cum = list(accumulate(len(p) for p in self.pools))
        self._category_cum = {c: list(accumulate(len(self.pools[t]) for t in ts)) for c, ts in self.by_category.items()}
        self._category_pool = {c: [i for t in ts for i in self.pools[t]] for c, ts in self.by_category.items()}
        self._order: dict[int | str, list[int]] = {}
        self._drawn: Counter[int | str] = Counter()

    def _words(self, category: str, indices: list[int]) -> Iterator[tuple[int, str]]:
        words = {i: _title_words(self.records[i].title) for i in indices}
        df = Counter(w for ws in words.values() for w in ws)
        cap, floor = max(25, len(indices) // 25), 5
        for i in indices:
            usable = [w for w in words[i] if floor <= df[w] <= cap]
            yield i, (max(usable, key=lambda w: (df[w], w)) if usable else "")

    def pick(self) -> int:
        """A topic, as likely as it has records: so that every record is reused alike."""
        return bisect.bisect_right(self._cum, self._rng.random() * self._cum[-1])

    def pick_near(self, topic: int) -> int:
        """Another topic of the same category (or the same one)."""
        category = self.category_of[topic]
        cum = self._category_cum[category]
        return self.by_category[category][bisect.bisect_right(cum, self._rng.random() * cum[-1])]

    def draw(self, topic: int, anywhere_in_category: bool = False) -> RealRecord:
        """The next record of the topic (or of its whole category)."""
        if anywhere_in_category:
            category = self.category_of[topic]
            return self._next(category, self._category_pool[category])
        return self._next(topic, self.pools[topic])

    def _next(self, key: int | str, pool: list[int]) -> RealRecord:
        """The pool's next record: every pass over it (a reuse, at large N) in a new order."""
        n = self._drawn[key]
        if n % len(pool) == 0:
            self._order[key] = self._rng.sample(pool, len(pool))
        self._drawn[key] = n + 1
        return self.records[self._order[key][n % len(pool)]]
