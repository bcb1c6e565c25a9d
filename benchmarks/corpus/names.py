"""People's names: drawn from the real distribution of names, and written in varying forms."""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from paperscope.names import is_group_name, split_name

FAMILY_SMOOTHING = 20           # a family seen this often keeps half its own given names
P_FULL_MIDDLE = 0.3             # a middle part is a name ("Marie"), else an initial ("J.")
P_USUAL_FORM = 0.9              # a mention is written in the person's usual form
P_USES_INITIALS, P_USES_MIDDLE, P_DROPS_ACCENTS = 0.08, 0.6, 0.35
P_HYPHEN_SPACED, P_HYPHEN_JOINED = 0.15, 0.1
INITIALS, MIDDLE, FOLDED, SPACED, JOINED = 1, 2, 4, 8, 16  # bits of a name's written form


class Name(NamedTuple):
    first: str
    middle: str   # "", "J." or "Marie"
    family: str
    suffix: str   # "" or "Jr."


def people_per_name(author_lists: list[list[str]]) -> Counter[str]:
    """How many people each name string stands for: its papers that share no co-author.

    The papers of one name, joined when they share a co-author, fall into groups; each
    group counts as one person. It over-counts a prolific person (solo papers, one-off
    co-authors; see NameModel) and is what separates "Wei Wang" (74 groups in the conference
    corpus) from "Jun-Yan Zhu" (3).
    """
    papers_of: dict[str, list[int]] = defaultdict(list)
    for p, names in enumerate(author_lists):
        for name in names:
            papers_of[name].append(p)
    return Counter({name: _unlinked_groups(name, papers, author_lists) for name, papers in papers_of.items()})


def _unlinked_groups(name: str, papers: list[int], author_lists: list[list[str]]) -> int:
    """How many groups the papers of one name fall into, joined by shared co-authors."""
    if len(papers) == 1:
        return 1
    parent = list(range(len(papers)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_paper_of: dict[str, int] = {}
    for i, p in enumerate(papers):
        for coauthor in author_lists[p]:
            if coauthor != name:
                parent[root(i)] = root(first_paper_of.setdefault(coauthor, i))
    return sum(1 for i in range(len(papers)) if root(i) == i)


def parse_name(raw: str) -> tuple[str, str, str, str] | None:
    """(first, middle, family, suffix) of a real author's name; None unless it has a
    spelled-out first name and a plain family name."""
    if raw.isupper() or raw.islower():
        raw = raw.title()
    if is_group_name(raw):
        return None
    parts = split_name(raw)
    if not parts.given or not parts.family:
        return None
    first, *middle = parts.given.split()
    if len(first) < 2 or not first.replace("-", "").isalpha() or first.isupper():
        return None
    if len(parts.family) < 2 or not parts.family.replace(" ", "").replace("-", "").replace("'", "").isalpha():
        return None
    return first, " ".join(middle), parts.family, parts.suffix or ""


class Weighted:
    """Items drawn by weight: cumulative weights and bisect."""

    def __init__(self, weights: Iterable[tuple[str, float]]) -> None:
        pairs = list(weights)
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class NameModel:
    """New people's names, drawn from the real distribution of family and given names."""

    def __init__(self, author_lists: list[list[str]]) -> None:
        pairs: Counter[tuple[str, str]] = Counter()
        spelled: dict[str, int] = Counter()
        with_middle: dict[str, int] = Counter()
        letters: Counter[str] = Counter()
        suffixes = names = 0
        for raw, people in people_per_name(author_lists).items():
            parsed = parse_name(raw)
            if parsed is None:
                continue
            first, middle, family, suffix = parsed
            pairs[first, family] += people
            spelled[family] += 1
            names += 1
            if middle:
                with_middle[family] += 1
                letters[middle[0].upper()] += 1
            suffixes += bool(suffix)
        if not pairs:
            raise SystemExit("no usable author names in the conference records")
        # A prolific person's papers fall into many groups too (students come and go): a name
        # is taken to stand for no more people than its family has given names. In the
        # conference corpus "Michael (I.) Jordan" goes from 70 to 13, "Sham (M.) Kakade" from
        # 35 to 1, while "Wei Wang" (Wang has 3,132 given names) stays 75.
        given_names = Counter(family for _, family in pairs)
        for (first, family), people in pairs.items():
            pairs[first, family] = min(people, given_names[family])
        givens_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
        families_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for (first, family), people in pairs.items():
            givens_of[family].append((first, people))
            if given_names[family] > 1:  # a family of one given name would lead straight back
                families_of[first].append((family, people))
        self.given = {f: Weighted(g) for f, g in givens_of.items()}
        self.families_of = {g: Weighted(f) for g, f in families_of.items()}
        self.family = Weighted((f, w.total) for f, w in self.given.items())
        overall = sum(with_middle.values()) / names
        self.middle_rate = {f: (with_middle[f] + 5 * overall) / (spelled[f] + 5) for f in self.given}
        self.letters = Weighted(sorted(letters.items()) or [("A", 1)])
        self.suffix_rate = suffixes / names

    def first_name(self, family: str, rng: random.Random) -> str:
        """A given name for the family: its own, or (for a family seen rarely) one of the
        families near it, as ``FAMILY_SMOOTHING`` sets.

        Near is two steps of given name → another family with it → one of that family's
        given names: "Siegwart" (seen with "Roland" alone) gets "Ralf", "Nicolas", "Thilo"…
        and rarely a name of another language; more steps would wander off further.
        """
        own = self.given[family]
        given = own.draw(rng)
        if rng.random() < own.total / (own.total + FAMILY_SMOOTHING):
            return given
        for _ in range(2):
            families = self.families_of.get(given)
            if families is None:
                break
            given = self.given[families.draw(rng)].draw(rng)
        return given

    def draw(self, rng: random.Random) -> Name:
        family = self.family.draw(rng)
        first = self.first_name(family, rng)
        middle = ""
        if rng.random() < self.middle_rate[family]:
            middle = self.first_name(family, rng) if rng.random() < P_FULL_MIDDLE else f"{self.letters.draw(rng)}."
        western = self.middle_rate[family] > 0.1
        suffix = "Jr." if western and rng.random() < self.suffix_rate else ""
        return Name(first, middle if middle != first else "", family, suffix)


_FOLD_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                               "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ı": "i"})


@lru_cache(maxsize=1 << 16)
def drop_accents(text: str) -> str:
    """ "José Müller" → "Jose Muller": case kept, as people write their name without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD_LETTERS)


def initials(given: str) -> str:
    """ "Jun-Yan" → "J.-Y.", "Jun Yan" → "J. Y.", "J." → "J."."""
    return " ".join("-".join(f"{part[0]}." for part in word.split("-") if part) for word in given.split())


def usual_form(name: Name, rng: random.Random) -> int:
    """The form a person writes their name in on most papers (bits: INITIALS, MIDDLE …)."""
    form = 0
    if name.middle and rng.random() < P_USES_MIDDLE:
        form |= MIDDLE
    if rng.random() < P_USES_INITIALS:
        form |= INITIALS
    if not name.first.isascii() or not name.family.isascii() or not name.middle.isascii():
        form |= FOLDED if rng.random() < P_DROPS_ACCENTS else 0
    if "-" in name.first:
        r = rng.random()
        form |= SPACED if r < P_HYPHEN_SPACED else JOINED if r < P_HYPHEN_SPACED + P_HYPHEN_JOINED else 0
    return form


def mention_form(name: Name, usual: int, rng: random.Random) -> int:
    """The form of one mention: the usual one, or on ~1 paper in 10 one thing changed."""
    if rng.random() < P_USUAL_FORM:
        return usual
    changes = [INITIALS]
    if name.middle:
        changes.append(MIDDLE)
    if not (name.first + name.middle + name.family).isascii():
        changes.append(FOLDED)
    if "-" in name.first:
        changes.append(SPACED | JOINED)
    change = rng.choice(changes)
    if change == SPACED | JOINED:
        return usual & ~change if usual & change else usual | rng.choice((SPACED, JOINED))
    return usual ^ change


@lru_cache(maxsize=1 << 18)
def written(name: Name, form: int) -> tuple[str, str, str]:
    """(given, family, suffix) of a name written in a form, as authors_parsed has them."""
    first, middle, family = name.first, name.middle, name.family
    if form & FOLDED:
        first, middle, family = drop_accents(first), drop_accents(middle), drop_accents(family)
    if form & (SPACED | JOINED) and "-" in first:
        head, *rest = first.split("-")
        first = " ".join([head, *rest]) if form & SPACED else head + "".join(p.lower() for p in rest)
    given = initials(first) if form & INITIALS else first
    if middle and form & MIDDLE:
        given = f"{given} {initials(middle) if form & INITIALS else middle}"
    return given, family, name.suffix


# arXiv's author lines spell accents in TeX ("Adri\'an P\'erez-Salinas").
_TEX_ACCENTS = {"\u0301": "\\'{}", "\u0300": "\\`{}", "\u0308": '\\"{}', "\u0302": "\\^{}", "\u0303": "\\~{}",
                "\u0304": "\\={}", "\u0307": "\\.{}", "\u030c": "\\v{{{}}}", "\u0306": "\\u{{{}}}",
                "\u0327": "\\c{{{}}}", "\u0328": "\\k{{{}}}", "\u030a": "\\r{{{}}}", "\u030b": "\\H{{{}}}"}
_TEX_LETTERS = {"ß": "{\\ss}", "ø": "{\\o}", "Ø": "{\\O}", "ł": "{\\l}", "Ł": "{\\L}", "æ": "{\\ae}", "Æ": "{\\AE}"}


@lru_cache(maxsize=1 << 16)
def tex(text: str) -> str:
    """A name as arXiv's author line writes it: accents as TeX, other letters as they are."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        accent = _TEX_ACCENTS.get(decomposed[1:]) if len(decomposed) == 2 else None
        out.append(accent.format(decomposed[0]) if accent else _TEX_LETTERS.get(ch, ch))
    return "".join(out)
