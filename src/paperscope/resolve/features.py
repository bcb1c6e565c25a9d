"""Pairwise evidence inside one block, as n×n matrices (one row and column per mention).

Each soft feature is a similarity in [0, 1] or a small count, computed for every pair of
the block at once with numpy, so a block of a few thousand mentions costs a few matrix
products rather than millions of Python-level comparisons. Term weights (idf) come from
the block itself: a word or co-author that many of the block's papers share says little.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from paperscope.resolve.blocking import name_form
from paperscope.resolve.mentions import Mention

__all__ = [
    "FEATURES", "coauthor_key", "coauthor_rarity", "coauthor_sets", "is_crowded", "overlap_counts",
    "pair_features", "tfidf_cosine", "tokens",
]

# The order of the matrices pair_features yields, and the names of the model's weights.
FEATURES = (
    "coauthors",          # log(1 + co-authors shared), compared by family + first name
    "coauthors_rare",     # shared co-authors weighted by rarity (see coauthor_rarity)
    "coauthors_capped",   # min(co-authors shared, 3) / 3
    "text",               # tf-idf cosine of title + abstract
    "abstract_text",      # text, when both mentions have an abstract (else 0)
    "crowded_text",       # crowded × text
    "year_gap",           # |year difference| / 10, capped at 1 (0 when a year is missing)
    "title",              # tf-idf cosine of titles alone
    "title_year_gap",     # title × year_gap: old work on a topic says less than recent
    "venue",              # tf-idf cosine of venue names
    "same_venue",         # 1 when the venue strings are the same (folded), both non-empty
    "affiliation",        # tf-idf cosine of this author's affiliations (0 when either has none)
    "categories",         # cosine of arXiv-style categories (0 when either has none)
    "no_coauthors",       # 1 when either mention has no co-author at all
    "crowded",            # 1 when the name is a crowded one (see _CROWDED_FAMILIES)
    "crowded_coauthors",  # crowded × coauthors: a shared co-author counts for more there
)

# Family names each shared by tens of millions (Chinese, Korean, Vietnamese): a block
# like "zhang w" holds many people, so two of its mentions are less likely one person
# before any evidence, and what they share weighs more. A prior about names, in the
# spirit of S2AND's name-count features; not taken from any benchmark's labels.
_CROWDED_FAMILIES = frozenset(
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo "
    "zheng liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang "
    "yu du ye cheng wei su lu ding ren shen yao shi tan liao fan jin fu xiong qian qin dai "
    "xia zou meng hao bai wan gu mao kong kim lee park choi jung kang cho yoon jang lim "
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly".split()
)

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at based be by for from in into is it its of on or over the their this "
    "to towards under using via we with within without our new approach method methods "
    "study paper results".split()
)


@lru_cache(maxsize=1 << 16)
def tokens(text: str) -> tuple[str, ...]:
    """Content words of a title, abstract, venue or affiliation, folded and de-pluralised.

    Cached: a paper's title and abstract come back for each of its authors' mentions, and
    each stage of the resolver reads them again.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    words = []
    for word in _WORD.findall(folded):
        if len(word) < 2 or word in _STOPWORDS or word.isdigit():
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return tuple(words)


def pair_features(mentions: Sequence[Mention]) -> Iterator[np.ndarray]:
    """The block's pairwise features: one float32 n×n matrix per name in :data:`FEATURES`.

    A generator, so a large block holds a few feature matrices at a time, not all of them.
    """
    keys = coauthor_sets(mentions)
    df = Counter(k for s in keys for k in s)
    coauthors = np.log1p(overlap_counts(keys))
    yield coauthors
    yield overlap_counts(keys, weight={k: coauthor_rarity(k, d) for k, d in df.items()})
    yield np.minimum(np.expm1(coauthors), 3.0) / 3.0

    crowded = np.array([is_crowded(m.name) for m in mentions])
    both_crowded = (crowded[:, None] & crowded[None, :]).astype(np.float32)
    text = tfidf_cosine([tokens(f"{m.title} {m.abstract}") for m in mentions])
    yield text
    has_abstract = np.array([bool(m.abstract.strip()) for m in mentions])
    yield (has_abstract[:, None] & has_abstract[None, :]) * text
    yield both_crowded * text
    del text

    years = np.array([m.year if m.year else np.nan for m in mentions], dtype=np.float32)
    gap = np.abs(years[:, None] - years[None, :]) / 10.0
    year_gap = np.nan_to_num(np.minimum(gap, 1.0), nan=0.0).astype(np.float32)
    del gap
    yield year_gap
    title = tfidf_cosine([tokens(m.title) for m in mentions])
    yield title
    yield title * year_gap
    del title, year_gap

    venue = tfidf_cosine([tokens(m.venue) for m in mentions])
    yield venue
    del venue
    venues = [" ".join(tokens(m.venue)) for m in mentions]
    yield overlap_counts([{v} if v else set() for v in venues])
    yield tfidf_cosine([tokens(" ".join(m.affiliations)) for m in mentions])
    yield tfidf_cosine([[c.casefold() for c in m.categories] for m in mentions], idf=False)

    empty = np.array([not k for k in keys])
    yield (empty[:, None] | empty[None, :]).astype(np.float32)
    yield both_crowded
    yield both_crowded * coauthors


def is_crowded(name: str) -> bool:
    """Whether a name's family is one of the crowded ones (see _CROWDED_FAMILIES)."""
    form = name_form(name)
    return form is not None and form.family in _CROWDED_FAMILIES


def coauthor_sets(mentions: Sequence[Mention]) -> list[set[str]]:
    """Each mention's co-authors as :func:`coauthor_key` keys, its own name left out."""
    own = [coauthor_key(m.name) for m in mentions]
    return [
        {k for k in map(coauthor_key, m.coauthors) if k is not None and k != own[i]}
        for i, m in enumerate(mentions)
    ]


def coauthor_rarity(key: str, mentions_with_it: int) -> float:
    """How much sharing this co-author says: less for a crowded name or a block-wide one.

    A shared "wang w" may be two different Wei Wangs, so a crowded family name counts a
    quarter; a co-author on many of the block's papers (a whole lab's) counts less, by
    1 / log(1 + the number of the block's mentions that list it).
    """
    common = 0.25 if key.split(" ", 1)[0] in _CROWDED_FAMILIES else 1.0
    return common / math.log1p(max(mentions_with_it, 1))


def coauthor_key(name: str) -> str | None:
    """A co-author as compared across papers: family name and spelled-out first name.

    The block key alone ("zhang l") would make every "Lei Zhang" and "Li Zhang" one
    co-author, which in a block of common names links strangers; an initial-only name
    keeps its initial.
    """
    form = name_form(name)
    if form is None:
        return None
    return f"{form.family} {form.first or form.initials[:1]}"


def overlap_counts(sets: list[set[str]], weight: dict[str, float] | None = None) -> np.ndarray:
    """How many items each pair of sets shares, or the sum of ``weight`` over those items.

    Items held by one set only are skipped: they cannot be shared.
    """
    n = len(sets)
    df = Counter(item for s in sets for item in s)
    vocab = {item: j for j, item in enumerate(i for i, c in df.items() if c > 1)}
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    for i, s in enumerate(sets):
        for item in s:
            j = vocab.get(item)
            if j is not None:
                matrix[i, j] = 1.0 if weight is None else math.sqrt(weight[item])
    return matrix @ matrix.T


def tfidf_cosine(docs: Sequence[Sequence[str]], *, idf: bool = True) -> np.ndarray:
    """Cosine similarity of the documents' tf-idf vectors, idf taken over these documents.

    Only terms in two or more documents can add to a dot product, so the matrix holds just
    those columns; the norms still count every term.
    """
    n = len(docs)
    counts = [Counter(doc) for doc in docs]
    df = Counter(term for c in counts for term in c)
    weight = {t: (math.log((n + 1) / (d + 1)) + 1.0 if idf else 1.0) for t, d in df.items()}
    vocab = {t: j for j, t in enumerate(t for t, d in df.items() if d > 1)}
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    for i, c in enumerate(counts):
        norm = math.sqrt(sum((tf * weight[t]) ** 2 for t, tf in c.items()))
        if norm == 0.0:
            continue
        for t, tf in c.items():
            j = vocab.get(t)
            if j is not None:
                matrix[i, j] = tf * weight[t] / norm
    return matrix @ matrix.T
