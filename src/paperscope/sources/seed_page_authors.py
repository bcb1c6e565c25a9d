"""Author lines of seed pages, and the title glued to its author list on compact pages.

An author line reads ``A B, C D et al. · tag``: at most three names, ``et al.`` where the
list is cut, and an affiliation tag (:func:`parse_author_line`). A compact page prints no
space between a title and its authors (``…Language ModelsXiaozhi Wang, Kaiyue Wen et al.
· tsinghua``); :func:`split_title_authors` finds where the names start, judging each
candidate by how names are spelt on these pages. Splitting one name into given and family
parts is :mod:`paperscope.names`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["name_key", "parse_author_line", "plain_name", "split_title_authors"]

_AUTHOR_LINE = re.compile(r"(?P<names>.*?)(?P<et_al>,? et al\.?)?(?: · (?P<tag>\S.*))?")
# Lower-case particles inside a name ("Laurens van der Maaten").
_PARTICLES = frozenset(
    "van von der den de del della di da dos das du la le bin ibn al el ten ter".split()
)
# Prefixes after which a capital is usual inside a surname (McDonald, LeCun, O'Brien).
_NAME_PREFIXES = tuple("Mc Mac O' O\u2019 D' D\u2019 De Di Da Du La Le Van Von".split())
_HYPHENS = "-\u2010"
_APOSTROPHES = "'\u2019"


def parse_author_line(line: str) -> tuple[list[str], bool, str | None] | None:
    """``"A B, C D et al. · tag"`` as (names, truncated by et al., tag); None if no names."""
    m = _AUTHOR_LINE.fullmatch(" ".join(line.split()))
    names = [n.strip() for n in m["names"].split(",")] if m else [""]
    return (names, bool(m["et_al"]), m["tag"]) if m and all(names) else None


def split_title_authors(line: str, known_names: Iterable[str] = ()) -> tuple[str, str] | None:
    """Split a title glued to its author list (compact pages); None if nothing fits.

    The authors start where a capital follows a character other than a space, hyphen or
    apostrophe ("…Language Models|Xiaozhi Wang", "…Sharpness?|Kaiyue Wen", but not
    "Fine-|Tune") and the rest reads as an author list: comma-separated names of
    capitalised words, then optionally ``et al.`` and ``· tag``. Where several places
    fit ("…LearningYann LeCun" also leaves "Cun"), a first author named elsewhere on
    the page (``known_names``) wins, then names of plain words (McDonald and LeCun
    count as plain, TianQi does not), then the earliest place: any earlier place would
    have to take in the glued word ("ModelsXiaozhi"), which no name is.
    """
    known = {name_key(n) for n in known_names}
    best: tuple[tuple[int, int, int], tuple[str, str]] | None = None
    for i in range(1, len(line)):
        if not line[i].isupper() or line[i - 1].isspace() or line[i - 1] in _HYPHENS + _APOSTROPHES:
            continue
        title, authors = line[:i].rstrip(), line[i:]
        parsed = parse_author_line(authors)
        if not title or not parsed or not all(_plausible_name(n) for n in parsed[0]):
            continue
        names = parsed[0]
        rank = (int(name_key(names[0]) not in known), int(not all(map(plain_name, names))), i)
        if best is None or rank < best[0]:
            best = (rank, (title, authors))
    return best[1] if best else None


# --- names ---------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """A name folded for comparison: accents dropped, case folded, spaces collapsed."""
    s = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return " ".join(s.casefold().split())


def _plausible_name(name: str) -> bool:
    """Whether a glued line's name could be one: 1-5 capitalised words, particles inside."""
    words = name.split()
    return 1 <= len(words) <= 5 and all(
        (i and word in _PARTICLES)
        or (
            word[0].isupper()
            and all(c.isalpha() or c in "." + _HYPHENS + _APOSTROPHES for c in word)
        )
        for i, word in enumerate(words)
    )


def plain_name(name: str) -> bool:
    """Every word (and hyphen part) is one capitalised word or an initial; Mc/Le/O'… allowed."""
    return all(
        (i and word in _PARTICLES) or all(_plain_part(p) for p in re.split(f"[{_HYPHENS}]", word))
        for i, word in enumerate(name.split())
    )


def _plain_part(part: str) -> bool:
    for prefix in ("", *_NAME_PREFIXES):
        rest = part.removeprefix(prefix) if part.startswith(prefix) else ""
        if (
            rest
            and rest[0].isupper()
            and all(c.islower() or c in _APOSTROPHES for c in rest[1:].rstrip("."))
        ):
            return True
    return False
