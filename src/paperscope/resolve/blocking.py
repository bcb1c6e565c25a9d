"""Name keys: which mentions may be one person at all, and which names cannot be.

A *block* is every mention whose name folds to the same family name and first initial
("Zixin Wen", "Wen, Z.", "Z. Wén" → ``"wen z"``). Only mentions of one block are compared,
which keeps the resolver's pairwise work proportional to the blocks, not the corpus.

Inside a block two names can still be plainly different people: "Wei Zhang" and "Wen
Zhang" share the block ``"zhang w"`` but not a given name. :func:`names_compatible` says
so, and the clusterer never puts incompatible names together; an initial ("W. Zhang") is
compatible with both.

East Asian names are often written in either order ("Zhang Wei" / "Wei Zhang");
:func:`name_variants_key` gives both orders one key, so :func:`paperscope.resolve.cluster.resolve`
can put the two blocks together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from paperscope.names import fold_name, is_group_name, split_name

__all__ = ["NameForm", "block_key", "name_form", "name_variants_key", "names_compatible"]


@dataclass(frozen=True, slots=True)
class NameForm:
    """A name reduced for comparison: folded family name, given-name words and initials.

    ``first`` is the first given name spelled out ("ruijie" for "Rui-Jie"), or ``None``
    when it is only an initial; ``initials`` is one letter per given-name part ("rj").
    """

    family: str
    first: str | None
    initials: str


@lru_cache(maxsize=65536)
def name_form(name: str) -> NameForm | None:
    """The comparable form of a personal name; None for a group's name or no family name."""
    if not name or is_group_name(name):
        return None
    parts = split_name(name)
    family = fold_name(parts.family or "").replace(" ", "")
    if not family or not any(ch.isalpha() for ch in family):
        return None
    first: str | None = None
    initials = ""
    for i, word in enumerate((parts.given or "").split()):
        # "Rui-Jie" is one given name of two parts: initials "rj", spelled "ruijie".
        pieces = [fold_name(p) for p in word.split("-")]
        pieces = [p.replace(" ", "") for p in pieces if p]
        if not pieces:
            continue
        initials += "".join(p[0] for p in pieces)
        spelled = "." not in word and all(len(p) > 1 for p in pieces)
        if i == 0 and spelled:
            first = "".join(pieces)
    return NameForm(family, first, initials)


def block_key(name: str) -> str | None:
    """Folded family name and first initial ("wen z"); None for a group or unparsable name.

    Diacritics and letters like ß/ø fold to ASCII, case and hyphens and particle spaces
    go ("Jan van der Berg" → ``"vanderberg j"``). A name of one word blocks on itself.
    """
    form = name_form(name)
    if form is None:
        return None
    return f"{form.family} {form.initials[0]}" if form.initials else form.family


def name_variants_key(name: str) -> str | None:
    """One key for both orders of a two-word name ("Zhang Wei" and "Wei Zhang" → "wei zhang").

    Only for names of exactly one spelled-out given name and a one-word family name,
    where the order is truly in doubt; None otherwise.
    """
    form = name_form(name)
    if form is None or form.first is None:
        return None
    parts = split_name(name)
    if " " in (parts.given or "").strip() or " " in (parts.family or "").strip():
        return None
    return " ".join(sorted((form.first, form.family)))


def names_compatible(a: NameForm, b: NameForm) -> bool:
    """Whether two names of one block may be the same person.

    Spelled-out first names must agree ("Wei" ≠ "Wen"); initials must agree as far as
    both go ("J. A." fits "John", not "J. B."). Either order of a two-word name counts.
    """
    return _same_order_compatible(a, b) or _swapped_compatible(a, b)


def _same_order_compatible(a: NameForm, b: NameForm) -> bool:
    if a.family != b.family:
        return False
    if a.first is not None and b.first is not None and a.first != b.first:
        return False
    shorter, longer = sorted((a.initials, b.initials), key=len)
    if longer.startswith(shorter):
        return True
    # "Ruijie" (initials "r") against "Rui-Jie" ("rj"): the spelled-out names agree.
    return a.first is not None and a.first == b.first and a.initials[:1] == b.initials[:1]


def _swapped_compatible(a: NameForm, b: NameForm) -> bool:
    return (
        a.first is not None and b.first is not None
        and a.first == b.family and b.first == a.family
    )
