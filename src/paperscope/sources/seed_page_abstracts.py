"""Bare abstracts of seed pages, matched by their text to papers shown on other pages.

One kind of seed page lists only ``Abstract:…`` lines. Untitled, they cannot be papers,
so each is looked for among the papers of the pages read with it
(:func:`match_abstracts`): identical normalized text (:func:`abstract_key`) first, else
the most similar abstract at :data:`NEAR_MATCH` or above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from paperscope.models import PaperRecord
from paperscope.text import title_key

__all__ = ["ABSTRACT_LABEL", "NEAR_MATCH", "AbstractMatch", "abstract_key", "match_abstracts"]

# Two abstracts this similar (difflib ratio over words) are one paper's abstract in two
# versions: 001's "Our model could be found in:" against 000's "Our model is available
# here:" scores 0.98; 001's other abstracts score below 0.2 against every other paper.
NEAR_MATCH = 0.9
ABSTRACT_LABEL = re.compile(r"Abstract:\s*")


@dataclass(slots=True)
class AbstractMatch:
    """A bare abstract (``block`` of ``page``) found again as a paper of another page."""

    page: str  # file name of the abstract-only page
    block: int
    paper_key: str
    paper_page: str  # file name of the page showing the paper
    paper_block: int
    similarity: float  # 1.0: identical normalized text


def abstract_key(text: str) -> str:
    """Abstract text normalized for comparison: as a title key, ``Abstract:`` dropped."""
    return title_key(ABSTRACT_LABEL.sub("", text.strip(), count=1))


def match_abstracts(
    abstracts: Iterable[tuple[int, str]],
    papers: Iterable[tuple[str, int, PaperRecord]],
    page: str = "",
) -> list[AbstractMatch]:
    """Match bare abstracts (block, text) to papers (page name, block, record) by text.

    Identical normalized text first, else the most similar paper at :data:`NEAR_MATCH`
    or above (one paper's abstract in two versions). Unmatched abstracts are left out.
    """
    pool = [(pg, blk, rec, abstract_key(rec.abstract or "")) for pg, blk, rec in papers]
    exact: dict[str, tuple[str, int, PaperRecord]] = {}
    for pg, blk, rec, key in pool:
        exact.setdefault(key, (pg, blk, rec))
    matches = []
    for block, text in abstracts:
        key = abstract_key(text)
        if key in exact:
            pg, blk, rec = exact[key]
            matches.append(AbstractMatch(page, block, rec.key, pg, blk, 1.0))
            continue
        best: AbstractMatch | None = None
        for pg, blk, rec, other in pool:
            sm = SequenceMatcher(None, key.split(), other.split(), autojunk=False)
            if sm.real_quick_ratio() < NEAR_MATCH or sm.quick_ratio() < NEAR_MATCH:
                continue
            ratio = round(sm.ratio(), 3)
            if ratio >= NEAR_MATCH and (best is None or ratio > best.similarity):
                best = AbstractMatch(page, block, rec.key, pg, blk, ratio)
        if best:
            matches.append(best)
    return matches
