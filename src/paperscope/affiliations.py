"""Short institution tags ("stanford", "deepmind", "tsinghua") from affiliation strings.

A researcher page marks a paper with the institutions of its authors, the way the seed
pages do ("Yu Huang, Zixin Wen, Aarti Singh et al. · princeton"). Affiliations arrive
as free text in every spelling: "University of California, Berkeley", "UC Berkeley",
"Department of EECS, University of California, Berkeley, CA, USA". A tag must be short,
stable across spellings, and above all right: **no tag is better than a wrong one**.

How a tag is found, in order:

1. The text is split into institutions at ";" and at a single "+" ("University of
   Oxford+Google"; "Face++" is one name), and each is tried in turn.
2. Each is normalized to lowercase ASCII words ("ETH Zürich" → "eth zurich",
   "Xi’an" → "xi an", "&" → "and", "Univ." → "university") and matched against the
   table ``data/institution_tags.tsv`` (regular expression → tag). The match that
   starts earliest wins ("Adobe Research (work done at Google)" is Adobe's), and at the
   same start the earlier line, so the table lists a longer name before any name it
   begins with ("Zhejiang University of Technology" before "Zhejiang University").
   Ambiguous names ("University of California" with no campus) are marked "-": no
   tag, and no guess.
3. Failing the table, a **generic fallback** reads a comma-separated part that is
   exactly "University of X" or "X University" with X one word ("University of Bonn",
   "Monash University") and tags it "x". It does not apply where X is a word many
   universities share (National, State, Normal, compass points…): "Southern University"
   names no single place. Longer names ("Delft University of Technology") are left to
   the table, since a slug of them is either long or ambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

__all__ = [
    "TagRule",
    "institution_tag",
    "institution_tags",
    "load_rules",
    "normalize_affiliation",
    "paper_affiliation_tags",
    "tag_by_every_rule",
]

TABLE = "institution_tags.tsv"
NO_TAG = "-"  # the table's mark for a name too ambiguous to tag

# "+" between institutions; "++" (Face++) is part of a name.
_INSTITUTION_SEPARATOR = re.compile(r";|(?<!\+)\+(?!\+)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LOOSE_ACCENT = re.compile(r"\s?[\u00a8\u00b4\u02c6\u02dc\u02c7`]\s?")
_ABBREVIATIONS = {"univ": "university", "universtiy": "university"}

# Words that many universities share, so "X University" / "University of X" names none.
_SHARED_WORDS = frozenset(
    """
    national state open central technical technological polytechnic international
    american european asian african arab capital normal new north south east west
    northern southern eastern western northeast northwest southeast southwest city
    metropolitan federal catholic free medical agricultural pedagogical chinese indian
    korean japanese british islamic christian royal imperial united public private
    community science sciences technology engineering applied research the a an
    california texas illinois nevada colorado alabama missouri london wales
    """.split()
)
_UNIVERSITY_OF_X = re.compile(r"^(?:the )?university of ([a-z]+)$")
_X_UNIVERSITY = re.compile(r"^(?:the )?([a-z]+) university$")


@dataclass(frozen=True, slots=True)
class TagRule:
    """One table line: where the name matches, the tag it gets ("-": none)."""

    pattern: re.Pattern[str]
    tag: str
    line: int  # in the table, for error messages and for reading why a tag was given
    # Words of which a normalized name must hold one for the pattern to match at all, when
    # the pattern is plain enough to tell (see _required_words); None: always try it.
    needs: frozenset[str] | None = None


# One alternative of a plain pattern: words anchored at a word start ("\bsri international\b",
# "^national university$"). Its first word is then a whole word of any name it matches.
_PLAIN_ALTERNATIVE = re.compile(r"^(?:\\b|\^)([a-z0-9]+)( [a-z0-9 ]+)?(\\b|\$)?$")


def _required_words(pattern: str) -> frozenset[str] | None:
    """The first words of a pattern's alternatives, if every alternative is plain words
    starting at a word start and its first word is whole (followed by a space, or by the
    pattern's end at a word boundary); else None. A name can only match the pattern if it
    holds one of these words: a set lookup rules out most of the table before any search."""
    if "(" in pattern or "[" in pattern:
        return None
    words = set()
    for alternative in pattern.split("|"):
        match = _PLAIN_ALTERNATIVE.match(alternative)
        if match is None or (match.group(2) is None and match.group(3) is None):
            return None
        words.add(match.group(1))
    return frozenset(words)


def normalize_affiliation(text: str) -> str:
    """Lowercase ASCII words joined by single spaces: the form the table's patterns match."""
    # PDF extraction leaves accents as separate marks: "Montr ´eal", "M ¨unchen".
    text = _LOOSE_ACCENT.sub("", text.replace("&", " and "))
    # Accents go ("Zürich" → "zurich"); any other non-ASCII mark separates words ("Xi’an").
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    unaccented = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", unaccented).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


@cache
def load_rules() -> tuple[TagRule, ...]:
    """The packaged table of institution patterns, in order."""
    text = resources.files("paperscope").joinpath("data", TABLE).read_text(encoding="utf-8")
    return tuple(parse_rules(text.splitlines(), TABLE))


def parse_rules(lines: Iterable[str], name: str) -> Iterable[TagRule]:
    """Rules from table lines ("pattern<TAB>tag"); blank lines and "#" comments skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise ValueError(f"{name} line {number}: expected 'pattern<TAB>tag', got {line!r}")
        try:
            pattern = re.compile(fields[0])
        except re.error as error:
            raise ValueError(f"{name} line {number}: bad pattern {fields[0]!r}: {error}") from None
        yield TagRule(pattern, fields[1], number, _required_words(fields[0]))


def institution_tag(text: str) -> str | None:
    """The short tag of the first institution in ``text`` that has one, else None."""
    tags = institution_tags(text)
    return tags[0] if tags else None


def institution_tags(text: str) -> list[str]:
    """The distinct tags of the institutions named in ``text``, in the order they appear."""
    found: list[str] = []
    for part in _INSTITUTION_SEPARATOR.split(text):
        tag = _tag_one(part)
        if tag is not None and tag not in found:
            found.append(tag)
    return found


def paper_affiliation_tags(affiliations_per_author: list[list[str]]) -> list[str]:
    """A paper's distinct institution tags, in author order (then affiliation order)."""
    found: list[str] = []
    for affiliations in affiliations_per_author:
        for text in affiliations:
            for tag in institution_tags(text):
                if tag not in found:
                    found.append(tag)
    return found


@lru_cache(maxsize=65536)
def _tag_one(institution: str) -> str | None:
    """One institution's tag: the table's earliest match, else the one-word fallback."""
    normalized = normalize_affiliation(institution)
    if not normalized:
        return None
    best: tuple[int, int, str] | None = None  # (start, line, tag)
    words = set(normalized.split())
    for rule in load_rules():
        if rule.needs is not None and rule.needs.isdisjoint(words):
            continue
        match = rule.pattern.search(normalized)
        if match and (best is None or (match.start(), rule.line) < best[:2]):
            best = (match.start(), rule.line, rule.tag)
    if best is not None:
        return None if best[2] == NO_TAG else best[2]
    return _fallback_tag(institution)


def tag_by_every_rule(institution: str) -> str | None:
    """One institution's tag by the table's plain definition — every rule searched, the
    earliest match wins, then the earliest line — without _tag_one's word prefilter or
    cache. Tests and benchmarks/tags.py hold _tag_one to it."""
    normalized = normalize_affiliation(institution)
    if not normalized:
        return None
    found = [(m.start(), r.line, r.tag) for r in load_rules() if (m := r.pattern.search(normalized))]
    if found:
        tag = min(found)[2]
        return None if tag == NO_TAG else tag
    return _fallback_tag(institution)


def _fallback_tag(institution: str) -> str | None:
    """ "University of X" / "X University" as a whole comma-separated part → "x"."""
    for part in institution.split(","):
        normalized = normalize_affiliation(part)
        match = _UNIVERSITY_OF_X.match(normalized) or _X_UNIVERSITY.match(normalized)
        if match and match.group(1) not in _SHARED_WORDS and len(match.group(1)) > 2:
            return match.group(1)
    return None
