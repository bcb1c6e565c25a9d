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
    # Else: text of which a normalized name must contain one (see _required_literals);
    # None: always search.
    contains: tuple[str, ...] | None = None


# One alternative of a plain pattern: words anchored at a word start ("\bsri international\b",
# "^national university$"). Its first word is then a whole word of any name it matches.
_PLAIN_ALTERNATIVE = re.compile(r"^(?:\\b|\^)([a-z0-9]+)( [a-z0-9 ]+)?(\\b|\$)?$")


_LOOKAROUND = ("(?!", "(?=", "(?<!", "(?<=")


def _without_lookarounds(pattern: str) -> str:
    """The pattern less its lookahead and lookbehind groups (nested ones included)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif pattern.startswith(_LOOKAROUND, i):
            depth = 0
            while True:  # to the group's closing parenthesis
                depth += (pattern[i] == "(") - (pattern[i] == ")")
                i += 2 if pattern[i] == "\\" else 1
                if depth == 0:
                    break
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _required_words(pattern: str) -> frozenset[str] | None:
    """The first words of a pattern's alternatives, if every alternative is plain words
    starting at a word start and its first word is whole (followed by a space, or by the
    pattern's end at a word boundary); else None. A name can only match the pattern if it
    holds one of these words: a set lookup rules out most of the table before any search.
    Lookarounds ("(?! of china)") only narrow a match, so they are left out of the reading."""
    pattern = _without_lookarounds(pattern)
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


def _top_level_alternatives(pattern: str) -> list[str]:
    """``a|b(c|d)|e`` → ``["a", "b(c|d)", "e"]``: the pattern split at the ``|`` outside groups."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a class: skip to its closing bracket (a "]" first in it is a literal)
            i = pattern.index("]", i + 2) + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


_QUANTIFIERS = "?*+{"


def _longest_literal(alternative: str) -> str | None:
    """The longest run of characters every match of ``alternative`` must contain, as they
    stand: letters, digits and spaces outside any group or class, not made optional or
    repeated by a quantifier; None if there is none."""
    runs, run, depth, i = [], "", 0, 0
    while i < len(alternative):
        c = alternative[i]
        quantified = alternative[i + 1 : i + 2] in tuple(_QUANTIFIERS)
        if c == "\\":  # an escape (\b, \s, \.) is not kept
            runs.append(run)
            run, i = "", i + 2
            continue
        if c in "[{":  # a class, or a counted quantifier: skipped whole
            runs.append(run)
            run, i = "", alternative.index("]" if c == "[" else "}", i + 1 + (c == "[")) + 1
            continue
        depth += (c == "(") - (c == ")")
        if depth == 0 and (c.isalnum() or c == " ") and not quantified:
            run += c
        else:  # a group's edge or inside, a quantified character, a quantifier, an anchor, a dot
            runs.append(run)
            run = ""
        i += 1
    runs.append(run)
    return max(runs, key=len) or None


def _required_literals(pattern: str) -> tuple[str, ...] | None:
    """For each alternative of the pattern, a piece of text any match of it contains (see
    _longest_literal); None if some alternative has none. A name contains one of these
    or cannot match: a substring test rules the pattern out before any search."""
    found = [_longest_literal(a) for a in _top_level_alternatives(pattern)]
    if any(text is None for text in found):
        return None
    return tuple(dict.fromkeys(text for text in found if text is not None))


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
        needs = _required_words(fields[0])
        contains = None if needs is not None else _required_literals(fields[0])
        yield TagRule(pattern, fields[1], number, needs, contains)


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
    by_word, by_text = _rules_by_word()
    candidates = {rule for word in normalized.split() for rule in by_word.get(word, ())}
    candidates.update(rule for text, rule in by_text if text in normalized)
    for rule in candidates:
        match = rule.pattern.search(normalized)
        if match and (best is None or (match.start(), rule.line) < best[:2]):
            best = (match.start(), rule.line, rule.tag)
    if best is not None:
        return None if best[2] == NO_TAG else best[2]
    return _fallback_tag(institution)


@cache
def _rules_by_word() -> tuple[dict[str, list[TagRule]], list[tuple[str, TagRule]]]:
    """The table's rules under each word a name must hold for them to match (their
    ``needs``), and the rest with each text a name must contain for them to match (their
    ``contains``; "" for a rule that must always be searched)."""
    by_word: dict[str, list[TagRule]] = {}
    by_text: list[tuple[str, TagRule]] = []
    for rule in load_rules():
        if rule.needs is None:
            by_text.extend((text, rule) for text in rule.contains or ("",))
        for word in rule.needs or ():
            by_word.setdefault(word, []).append(rule)
    return by_word, by_text


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
