"""arXiv author strings ("A. Smith (MIT), B. Jones and C. Li") parsed into authors.

arXiv keeps authors as one free-text line. Its conventions, as arXiv's own parser
(``parse_author_affil`` in arXiv/arxiv-base, ``arxiv/authors``) reads them:

- names are separated by ``,`` ``, and`` `` and `` ``&`` (and ``:`` after a collaboration);
- a parenthesis after a name is that name's affiliation: ``A. Smith (MIT)``;
- numbered affiliations: ``A (1), B (1,2) ((1) Lab X, (2) Lab Y)`` — the last, doubly
  parenthesised block lists them;
- an affiliation given to a name also holds for the names before it that have none
  (``A, B (MIT)``: both at MIT), but never for a collaboration;
- collaborations ("the ATLAS Collaboration", "for the XYZ Collaboration") are listed as
  authors with no given name; "et al." is dropped, it is nobody;
- names are written in TeX: ``M\\"uller``, ``{\\'e}``, ``Przemys{\\l}aw``; they become Unicode.

This is our own implementation of those rules, not a port: it parses the line once into
name and parenthesis blocks instead of searching the line again for every name. It splits
every case of arXiv's own tests as arXiv does (tests/sources/test_arxiv_authors.py), and
differs on purpose where arXiv's parser loses people: ";" separates names, a collaboration
anywhere in the line is a group (arXiv knows one only at the start, and reads "for the
ALICE Collaboration" as a person named "Collaboration"), and "et al." ending a name is
dropped too. Initials stay as written ("S.M.", which arXiv re-spaces "S. M.").
"""

from __future__ import annotations

import re
import unicodedata

from paperscope.models import Author
from paperscope.names import is_group_name, split_name

__all__ = ["parse_arxiv_authors", "tex_to_unicode"]

# --- TeX accents ------------------------------------------------------------------------
_COMBINING = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_SPECIAL_LETTERS = {
    "l": "ł", "L": "Ł", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
}  # fmt: skip
# \'e  \'{e}  \' e  \v{s}  \v s  \c{c}  \'{\i}  \'\i — symbol accents take their letter
# directly; letter accents (\v, \c, …) need a brace or a space before it.
_ACCENT = re.compile(
    r"""\\(?:([`'^"~=.])|([uvHckrdb])(?![A-Za-z]))\s*"""
    r"""(?:\{\s*(\\[ij]|[^\W\d_])\s*\}|(\\[ij](?![A-Za-z])|[^\W\d_]))"""
)
# {\l}, \o{}, \ss — the space after a control word is kept: "Pawe\l and" is two words here.
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|dh|DH|th|TH|ng|NG|dj|DJ|[lLoOij])(?![A-Za-z])(?:\{\})?")
_BRACE = re.compile(r"(?<!\\)[{}]")
_ESCAPED = re.compile(r"\\([&%$#_ ])")


def _accent(m: re.Match[str]) -> str:
    mark = _COMBINING[m[1] or m[2]]
    base = m[3] or m[4]
    if base in ("\\i", "\\j"):
        base = base[1]  # the accent takes the dot's place
    return unicodedata.normalize("NFC", base + mark)


def tex_to_unicode(text: str) -> str:
    """Replace TeX accents and special letters (``M\\"uller``, ``{\\l}``) with Unicode."""
    if "\\" not in text and "{" not in text and "~" not in text:
        return text
    s = _ACCENT.sub(_accent, text)
    s = _LETTER.sub(lambda m: _SPECIAL_LETTERS[m[1]], s)
    s = _ESCAPED.sub(r"\1", s)
    s = _BRACE.sub("", s)
    return s.replace("~", " ")  # TeX's unbreakable space


# --- the author line --------------------------------------------------------------------
# Name separators: "," ";" ":" (after a collaboration), "and", "&", ", and".
_SEPARATOR = re.compile(r"\s*[,;:]\s*(?:(?:and|&)\s+)?|(?:^|\s+)(?:and|&)(?:\s+|$)")
_ET_AL = re.compile(r"(?:^|\s+)et\.?\s*al\.?$", re.IGNORECASE)
_SUFFIX = re.compile(r"(?:Jr|Sr|Jnr|Snr)\.?|I{2,3}|IV", re.IGNORECASE)
# "for the ALICE Collaboration" opening a name or a parenthesis; inside a name only before
# "the", so that "Center for Astrophysics Team" stays one group.
_ON_BEHALF = re.compile(r"^(?:for|on\s+behalf\s+of)\s+", re.IGNORECASE)
_PERSON_ON_BEHALF = re.compile(r"\s+(?:for|on\s+behalf\s+of)\s+(?=the\s)", re.IGNORECASE)
_ENUM_MARKER = re.compile(r"\(\s*(\d+)\s*\)")
_NUMBERS = re.compile(r"[\d,\s]+")
_AND = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)


class _Entry:
    __slots__ = ("group", "marks", "raw")

    def __init__(self, raw: str, group: bool) -> None:
        self.raw = raw
        self.group = group
        self.marks: list[str] = []


def parse_arxiv_authors(s: str) -> list[Author]:
    """Authors of an arXiv author line, in order, with their affiliations."""
    if not s or s.isspace():
        return []
    line = " ".join(tex_to_unicode(s).split())  # also undoes arXiv's line wraps
    entries: list[_Entry] = []
    numbered: dict[str, str] = {}
    for text, is_paren in _blocks(line):
        if not is_paren:
            _add_names(text, entries)
            continue
        inner = text.strip()
        if inner.startswith("("):
            numbered.update(_numbered_affiliations(inner))
        elif is_group_name(inner) and _ON_BEHALF.match(inner):
            # "A. Smith (for the ATLAS Collaboration)": the collaboration is an author too.
            entries.append(_Entry(_ON_BEHALF.sub("", inner, count=1), True))
        elif entries and inner:
            entries[-1].marks.append(inner)
    return _authors(entries, numbered)


def _blocks(line: str) -> list[tuple[str, bool]]:
    """The line cut into (text, False) name runs and (inside, True) top-level parentheses."""
    if "(" not in line:
        return [(line, False)]
    blocks: list[tuple[str, bool]] = []
    depth, start = 0, 0
    for i, ch in enumerate(line):
        if ch == "(":
            if depth == 0:
                blocks.append((line[start:i], False))
                start = i + 1
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                blocks.append((line[start:i], True))
                start = i + 1
    # An unclosed parenthesis runs to the end of the line, as arXiv reads it.
    blocks.append((line[start:], depth > 0))
    return blocks


def _add_names(text: str, entries: list[_Entry]) -> None:
    for piece in _SEPARATOR.split(text.strip()):
        if not piece:
            continue
        piece = _ET_AL.sub("", piece)
        if not piece or not any(ch.isalpha() for ch in piece):
            continue
        if _SUFFIX.fullmatch(piece) and entries and not entries[-1].group:
            # "Fred Bloggs, Jr": the suffix was cut off at its comma.
            entries[-1].raw = f"{entries[-1].raw}, {piece}"
            continue
        if is_group_name(piece):
            m = _ON_BEHALF.match(piece) or _PERSON_ON_BEHALF.search(piece)
            if m:
                # "A. Smith for the XYZ Collaboration": a person, then the collaboration.
                person = piece[: m.start()].strip()
                if person:
                    entries.append(_Entry(person, False))
                piece = piece[m.end() :]
            entries.append(_Entry(piece, True))
        else:
            entries.append(_Entry(piece, False))


def _numbered_affiliations(inner: str) -> dict[str, str]:
    """ "(1) Lab X, (2) Lab Y" → {"1": "Lab X", "2": "Lab Y"}."""
    markers = list(_ENUM_MARKER.finditer(inner))
    found: dict[str, str] = {}
    for i, m in enumerate(markers):
        end = markers[i + 1].start() if i + 1 < len(markers) else len(inner)
        affiliation = inner[m.end() : end].strip().rstrip(",;. ").strip()
        if affiliation:
            found[m[1]] = affiliation
    return found


def _affiliations(marks: list[str], numbered: dict[str, str]) -> list[str]:
    found: list[str] = []
    for mark in marks:
        numbers = _AND.sub(",", mark)
        if _NUMBERS.fullmatch(numbers):
            names = [numbered[n] for n in numbers.replace(" ", "").split(",") if n in numbered]
        else:
            names = [mark]
        found.extend(n for n in names if n not in found)
    return found


def _authors(entries: list[_Entry], numbered: dict[str, str]) -> list[Author]:
    affiliations = [[] if e.group else _affiliations(e.marks, numbered) for e in entries]
    # "A, B (MIT)": an affiliation holds for the persons before it that have none.
    later: list[str] = []
    for i in range(len(entries) - 1, -1, -1):
        if entries[i].group:
            continue
        if affiliations[i]:
            later = affiliations[i]
        elif later:
            affiliations[i] = list(later)
    authors = []
    for position, (entry, affs) in enumerate(zip(entries, affiliations, strict=True)):
        parts = split_name(entry.raw)
        authors.append(Author(entry.raw, parts.given, parts.family, parts.suffix, affs, position))
    return authors
