"""arXiv identifiers, DOIs and categories: parsing and normalizing.

arXiv ids come in two schemes (https://info.arxiv.org/help/arxiv_identifier.html):
old ``archive(.SC)?/YYMMNNN`` until March 2007 and new ``YYMM.NNNN(N)`` since, each with
an optional ``vN``. The canonical stored form has no version and, for old ids, no subject
class: ``math.GT/0309136`` is the same paper as ``math/0309136``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperscope.errors import shorten

__all__ = [
    "CATEGORIES",
    "ArxivId",
    "InvalidIdentifier",
    "arxiv_id_from_doi",
    "category_short_code",
    "full_categories_for_code",
    "is_known_category",
    "is_lookup_text",
    "is_row_id",
    "normalize_arxiv_id",
    "normalize_category",
    "normalize_doi",
    "parse_arxiv_id",
]


class InvalidIdentifier(ValueError):
    """An identifier that does not follow its scheme; the message names it."""


@dataclass(frozen=True, slots=True)
class ArxivId:
    """An arXiv identifier split into the canonical unversioned id and its version."""

    id: str
    version: int | None = None
    # The subject class an old-style id carried ("GT" in math.GT/0309136), else None.
    subject_class: str | None = None

    def __str__(self) -> str:
        return self.id if self.version is None else f"{self.id}v{self.version}"

    @property
    def is_old_style(self) -> bool:
        return "/" in self.id


# re.ASCII: \d alone takes any script's digits ("٢١٠١.٠٠٠١٦"), which are no arXiv id and
# would be stored as one (found by tests/test_fuzz.py).
_NEW_ID = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<v>\d+))?", re.ASCII)
_OLD_ID = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<sc>[A-Za-z]{2}))?/(?P<num>\d{7})(?:v(?P<v>\d+))?",
    re.ASCII,
)
# No paper has a million versions. The cap also keeps int() off version strings over its
# 4,300-digit limit (a ValueError, not an InvalidIdentifier: found by tests/test_fuzz.py) and
# numbers off the database past its 64-bit integers.
_MAX_VERSION_DIGITS = 6
# Wrappers users paste: "arXiv:", abs/pdf URLs (with .pdf), OAI identifiers.
_ID_PREFIX = re.compile(
    r"^(?:arxiv:|oai:arxiv\.org:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)",
    re.IGNORECASE,
)


# Row ids are SQLite (and PostgreSQL bigint) integers: at most 18 decimal digits fit.
_MAX_ROW_ID_DIGITS = 18
# Nothing a user may look up (an id, a key, a name) is longer than this.
MAX_LOOKUP_CHARS = 2000


def is_row_id(text: str) -> bool:
    """Whether ``text`` is a database row id: 1–18 ASCII digits (not "²", not 10**30)."""
    return 0 < len(text) <= _MAX_ROW_ID_DIGITS and text.isascii() and text.isdigit()


def is_lookup_text(text: str) -> bool:
    """Whether ``text`` can name anything stored: not over-long, and encodable as UTF-8
    (a lone surrogate cannot be sent to the database, nor match anything in it)."""
    if len(text) > MAX_LOOKUP_CHARS:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse any common spelling of an arXiv id; raise InvalidIdentifier if it is none."""
    if _is_bare_new_id(text):
        return ArxivId(text)
    raw = text.strip()
    s = _ID_PREFIX.sub("", raw)
    if s.lower().endswith(".pdf"):
        s = s[:-4]
    m = _NEW_ID.fullmatch(s)
    if m:
        yymm, num = m["yymm"], m["num"]
        month = int(yymm[2:])
        if not 1 <= month <= 12:
            raise InvalidIdentifier(f"arXiv id {shorten(raw)}: month {yymm[2:]} out of range")
        # Five-digit sequence numbers start in 1501; four-digit ones end in 1412.
        if (len(num) == 5) != (yymm >= "1501"):
            raise InvalidIdentifier(f"arXiv id {shorten(raw)}: {len(num)}-digit number in {yymm}")
        return ArxivId(f"{yymm}.{num}", _version(m["v"], raw))
    m = _OLD_ID.fullmatch(s)
    if m:
        archive = m["archive"]
        if archive not in _ARCHIVES:
            raise InvalidIdentifier(f"arXiv id {shorten(raw)}: unknown archive {shorten(archive)}")
        month = int(m["num"][2:4])
        if not 1 <= month <= 12:
            raise InvalidIdentifier(f"arXiv id {shorten(raw)}: month {m['num'][2:4]} out of range")
        return ArxivId(f"{archive}/{m['num']}", _version(m["v"], raw), m["sc"])
    # shorten(): the message echoes the input, and the input may be 100,000 characters.
    raise InvalidIdentifier(f"not an arXiv id: {shorten(raw)}")


def normalize_arxiv_id(text: str) -> str:
    """The canonical unversioned id of any spelling: ``parse_arxiv_id(text).id``, faster."""
    if _is_bare_new_id(text):
        return text  # already canonical: no ArxivId to build
    return parse_arxiv_id(text).id


def _is_bare_new_id(text: str) -> bool:
    """Whether the text is exactly a valid unversioned new-style id, as "2101.00016".

    The spelling of nearly every id in bulk data, so it is told apart without the
    regular expressions; anything else takes the general path.
    """
    return (
        len(text) in (9, 10)
        and text[4] == "."
        and text.isascii()
        and text[:4].isdigit()
        and text[5:].isdigit()
        and "01" <= text[2:4] <= "12"
        # Five-digit sequence numbers from 1501 on, four-digit ones before.
        and (len(text) == 10) == (text[:4] >= "1501")
    )


def _version(v: str | None, raw: str) -> int | None:
    if v is None:
        return None
    if len(v) > _MAX_VERSION_DIGITS:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: version {shorten(v, 20)} out of range")
    if int(v) < 1:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: version must be ≥ 1")
    return int(v)


_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
# [0-9], not \d: "10.٤٥٦٧/x" is no DOI (found by tests/test_fuzz.py). The suffix may hold any
# non-space character: DOIs are Unicode.
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.IGNORECASE)


def normalize_doi(text: str) -> str:
    """Return the DOI in canonical form (bare, lower-case); raise InvalidIdentifier if none.

    DOIs are case-insensitive by definition, so lower-casing loses nothing.
    """
    s = _DOI_PREFIX.sub("", text.strip()).rstrip(".,;")
    # A lone surrogate ("10.1234/\ud800") is in no DOI and cannot be stored or sent (it
    # has no UTF-8): not a DOI, rather than a DOI that fails wherever it goes next.
    if not _DOI.fullmatch(s) or not _is_utf8(s):
        raise InvalidIdentifier(f"not a DOI: {shorten(text)}")
    return s.lower()


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def arxiv_id_from_doi(doi: str) -> ArxivId | None:
    """The arXiv id behind a DataCite arXiv DOI (10.48550/arXiv.2101.00016), else None."""
    m = _ARXIV_DOI.fullmatch(normalize_doi(doi))
    if not m:
        return None
    try:
        return parse_arxiv_id(m[1])
    except InvalidIdentifier:
        return None


# --- categories -----------------------------------------------------------------------
# The arXiv category taxonomy (https://arxiv.org/category_taxonomy), plus the archives
# that only exist in old identifiers.
_SUBJECTS: dict[str, str] = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS "
    "NA NE NI OH OS PF PL RO SC SD SE SI SY",
    "econ": "EM GN TH",
    "eess": "AS IV SP SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA "
    "RA RT SG SP ST",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an "
    "ed-ph flu-dyn gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
}
# Archives with no subject classes (current and historical).
_BARE_ARCHIVES = (
    "gr-qc hep-ex hep-lat hep-ph hep-th math-ph nucl-ex nucl-th quant-ph astro-ph cond-mat "
    "acc-phys adap-org alg-geom ao-sci atom-ph bayes-an chao-dyn chem-ph cmp-lg comp-gas dg-ga "
    "funct-an mtrl-th patt-sol plasm-ph q-alg solv-int supr-con"
).split()

CATEGORIES: frozenset[str] = frozenset(
    [f"{a}.{s}" for a, subjects in _SUBJECTS.items() for s in subjects.split()] + _BARE_ARCHIVES
)
_ARCHIVES = frozenset(list(_SUBJECTS) + _BARE_ARCHIVES)
_BY_CODE: dict[str, list[str]] = {}
for _cat in sorted(CATEGORIES):
    if "." in _cat:
        _BY_CODE.setdefault(_cat.split(".", 1)[1], []).append(_cat)


def is_known_category(category: str) -> bool:
    return category in CATEGORIES


def normalize_category(text: str) -> str:
    """Return the category in arXiv's spelling (``CS.lg`` → ``cs.LG``); unknown ones as given."""
    s = text.strip()
    if s in CATEGORIES:
        return s
    archive, _, subject = s.partition(".")
    archive = archive.lower()
    for candidate in (f"{archive}.{subject.upper()}", f"{archive}.{subject.lower()}", archive):
        if candidate in CATEGORIES and (subject or candidate == archive):
            return candidate
    return s


def category_short_code(category: str) -> str:
    """The short display code of a category: ``cs.LG`` → ``LG``, ``hep-th`` → ``hep-th``.

    The code alone is ambiguous (``cs.LO`` and ``math.LO`` both show ``LO``), so the full
    category is what is stored; the short code is for display only.
    """
    archive, dot, subject = category.partition(".")
    return subject if dot else archive


def full_categories_for_code(code: str) -> list[str]:
    """Every full category a short display code can stand for (``LO`` → cs.LO, math.LO)."""
    if code in CATEGORIES and "." not in code:
        return [code]
    return list(_BY_CODE.get(code, []))
