"""Person names: splitting a name into given/family/suffix parts.

Names are split as written, never re-spelled: case, diacritics, hyphens and initials stay
as the source gives them. Two orders are understood, "Given Family" and "Family, Given"
(with a suffix anywhere a bibliography would put it: "Heath Jr.", "Heath, Jr., Robert").
Surname particles after a given name start the family name ("Ludwig van Beethoven" →
"van Beethoven", "Fernando de la Torre" → "de la Torre"), as arXiv's author parser reads
them; a name of one word is a family name only.
Collaborations and teams ("the ATLAS Collaboration", "Kwai Keye Team") are not people:
the whole name is the family name and there is no given name.

arXiv author-string parsing (separators, affiliations, TeX) lives in
:mod:`paperscope.sources.arxiv_authors`. The rules are written here rather than taken
from nameparser: it splits these names much the same way, but takes ~130 µs a name
against ~3 µs here, and every author of every listed paper passes through this function.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["NameParts", "fold_name", "is_group_name", "split_name"]


@dataclass(frozen=True, slots=True)
class NameParts:
    given: str | None
    family: str | None
    suffix: str | None = None


# Generational suffixes. "V" is left out: it is far more often a middle initial written
# without a dot ("Lucian V Del Priore") than a fifth of a line.
_SUFFIXES = frozenset(["jr", "jr.", "sr", "sr.", "jnr", "jnr.", "snr", "snr.", "ii", "iii", "iv"])
# Surname particles: arXiv's own list (PREFIX_MATCH in arXiv/arxiv-base arxiv/authors, van
# der de la von del della da mac ter dem di vaziri) and more. A particle starts the family
# name only after a given name, as in arXiv's parser: "del Norte" alone is given "del",
# family "Norte". Capitalised ones are fewer, since on their own they are often given
# names ("Le Song", "Van Anh"), but inside a name they are particles ("Valentin J. M. Le
# Gouellec", "Oisin Mac Aodha").
_PARTICLES_LOWER = frozenset(
    ["van", "von", "vom", "der", "den", "des", "dem", "de", "del", "della", "delle", "dei", "degli",
     "da", "das", "dos", "do", "du", "di", "la", "le", "lo", "les", "ten", "ter", "te", "zu", "zum",
     "zur", "op", "af", "av", "bin", "ibn", "al", "el", "san", "santa", "mac", "vaziri"]
)  # fmt: skip
_PARTICLES_CAPITAL = frozenset(
    ["Van", "Von", "Vom", "Der", "Den", "Dem", "De", "Del", "Della", "Dei", "Degli", "Da", "Das", "Dos",
     "Du", "Di", "La", "Le", "Ten", "Ter", "Zu", "Mac", "Vaziri"]
)  # fmt: skip
# Words that make a name a group's, not a person's (arXiv's own rule uses the first three).
_GROUP = re.compile(
    r"\b(?:collaboration|collaborations|team|group|consortium|collaborators|"
    r"collab\.|project|initiative|network|alliance|society)\b",
    re.IGNORECASE,
)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# "J.R.R.Tolkien", "V.P.Mineev": initials glued to the family name.
_GLUED_INITIALS = re.compile(r"^((?:[^\W\d_]{1,2}\.-?)+)([^\W\d_][^\s.]+)$")
# A token that is only initials: "J.", "J.R.R.", "A.-M.", "JR" is not (it is a name).
_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.-?)+$")


def is_group_name(raw: str) -> bool:
    """Whether a name is a collaboration's or team's rather than a person's."""
    return _GROUP.search(raw) is not None


def split_name(raw: str) -> NameParts:
    """Split a personal name written "Given Family" or "Family, Given" into parts."""
    name = " ".join(raw.split())
    if not name:
        return NameParts(None, None)
    if _GROUP.search(name):
        return NameParts(None, _LEADING_THE.sub("", name))
    if "," in name:
        return _split_inverted(name)
    return _split_natural(name.split(" "))


def _split_inverted(name: str) -> NameParts:
    """ "Family, Given", "Family, Suffix, Given", "Family, Given, Suffix", "Given Family, Jr." """
    parts = [p for p in (p.strip() for p in name.split(",")) if p]
    if not parts:
        return NameParts(None, None)
    suffixes = [p for p in parts[1:] if p.lower() in _SUFFIXES]
    given_parts = [p for p in parts[1:] if p.lower() not in _SUFFIXES]
    suffix = ", ".join(suffixes) or None
    if not given_parts:
        # "Robert W. Heath, Jr.": natural order with the suffix after a comma.
        natural = _split_natural(parts[0].split(" "))
        return NameParts(natural.given, natural.family, suffix or natural.suffix)
    return NameParts(" ".join(given_parts), parts[0], suffix)


def _split_natural(tokens: list[str]) -> NameParts:
    """ "Given [Middle] [particles] Family [Suffix]" as a list of words."""
    suffix = None
    if len(tokens) >= 2 and tokens[-1].lower() in _SUFFIXES:
        suffix = tokens.pop()
    if len(tokens) == 1:
        glued = _GLUED_INITIALS.match(tokens[0])
        if glued:
            return NameParts(glued[1], glued[2], suffix)
        return NameParts(None, tokens[0], suffix)
    last = len(tokens) - 1
    start = last  # where the family name begins
    # The first particle after the given name starts the family name, unless an initial
    # follows it: then it is part of a given name ("Maria del C. Valdés Hernández").
    for i in range(1, last):
        token = tokens[i]
        is_particle = token in _PARTICLES_LOWER or token in _PARTICLES_CAPITAL
        if is_particle and not _INITIALS.match(tokens[i + 1]):
            start = i
            break
    given = " ".join(tokens[:start]) or None
    return NameParts(given, " ".join(tokens[start:]), suffix)


# Letters NFKD does not take apart into a base letter and a mark.
_FOLD_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d",
                               "Đ": "d", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i"})
_NOT_NAME = re.compile(r"[^\w\s]|_")


def fold_name(name: str) -> str:
    """A name as search compares it: no diacritics, case, dots or hyphens.

    "Zixin Wén" and "zixin wen" fold alike, "Rui-Jie Zhu" to "rui jie zhu". For matching
    what a user types, never for display.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    # The letters are mapped after NFKD, not before: "ǽ" only becomes "æ" there, and
    # mapped before it folded to "æ", which folds again to "ae" (found by tests/test_fuzz.py;
    # over every code point this order is a fixed point, and differs only for those 11).
    text = text.translate(_FOLD_LETTERS)
    return " ".join(_NOT_NAME.sub(" ", text).split())
