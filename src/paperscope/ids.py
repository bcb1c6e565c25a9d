"""arXiv identifiers, DOIs and categories: parsing and normalizing.

arXiv ids come in two schemes (https://info.arxiv.org/help/arxiv_identifier.html):
old ``archive(.SC)?/YYMMNNN`` from 1991 to March 2007 and new ``YYMM.NNNN(N)`` since
April 2007, each with an optional ``vN``. The canonical stored form has no version and, for
old ids, no subject class: ``math.GT/0309136`` is the same paper as ``math/0309136``.

What is an id follows arXiv's own code (arXiv/arxiv-browse ``browse/domain/identifier.py``,
the same class as ``arxiv.identifier.Identifier`` in arXiv/arxiv-base): every spelling it
accepts names its paper here too, and an id that cannot exist (a month 13, a new-style id
before 0704, a sequence number 0) is refused with the reason.
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
# would be stored as one (found by tests/test_fuzz.py). Like arXiv's patterns, both end in
# an optional "/…" or "#…" that is ignored: "2101.00016v2/", "hep-th/9901001/extra".
_NEW_ID = re.compile(r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<v>\d+))?(?:[#/].*)?", re.ASCII)
_OLD_ID = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<sc>[a-z-]{2,}))?/(?P<yymm>\d{4})(?P<num>\d{3})"
    r"(?:v(?P<v>\d+))?(?:[#/].*)?",
    re.ASCII,
)
# No paper has a million versions. The cap also keeps int() off version strings over its
# 4,300-digit limit (a ValueError, not an InvalidIdentifier: found by tests/test_fuzz.py) and
# numbers off the database past its 64-bit integers.
_MAX_VERSION_DIGITS = 6
# Wrappers users paste: "arXiv:", abs/pdf URLs, OAI identifiers.
_ID_PREFIX = re.compile(
    r"^(?:arxiv:|oai:arxiv\.org:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)",
    re.IGNORECASE,
)
# What arXiv tidies before it matches an id (its SUBSTITUTIONS): a file suffix, doubled
# slashes and dashes, and the dash of an old archive typed without it ("hepth" → "hep-th").
_FILE_SUFFIX = re.compile(r"\.(?:pdf|ps|gz|ps\.gz)$", re.IGNORECASE)
_SLASHES = re.compile(r"//+")
_DASHES = re.compile(r"--+")
_MISSING_DASH = re.compile(r"([^a-])(ph|ex|th|qc|mat|lat|sci)$")
# The months (YYMM) where the rules change: new-style ids start, their numbers get five
# digits, and the last month of old-style ids.
_NEW_SCHEME_START = "0704"
_FIVE_DIGITS_START = "1501"
_OLD_SCHEME_END = "0703"

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
    """Parse any spelling of an arXiv id that arXiv accepts; raise InvalidIdentifier, with
    the reason, for anything else."""
    if _is_bare_new_id(text):
        return ArxivId(text)
    raw = text.strip()
    s = _tidy(raw)
    m = _NEW_ID.fullmatch(s)
    if m:
        return _new_id(m, raw)
    m = _OLD_ID.fullmatch(s)
    if m:
        return _old_id(m, raw)
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
    regular expressions; anything else takes the general path, which has the same rules.
    """
    return (
        len(text) in (9, 10)
        and text[4] == "."
        and text.isascii()
        and text[:4].isdigit()
        and text[5:].isdigit()
        and "01" <= text[2:4] <= "12"
        and text[:4] >= _NEW_SCHEME_START
        # Five-digit sequence numbers from 1501 on, four-digit ones before.
        and (len(text) == 10) == (text[:4] >= _FIVE_DIGITS_START)
        and text[5:] not in ("0000", "00000")
    )


def _tidy(raw: str) -> str:
    """The id as arXiv reads what it is given: "/MATH//0309136.pdf" → "math/0309136".

    The wrapper, a file suffix and leading slashes go, doubled slashes and dashes are
    single, the part before the first slash is lower case, and an old archive typed without
    its dash gets it back. What follows the id ("/extra", "#frag") is left for the patterns.
    """
    s = _FILE_SUFFIX.sub("", raw)
    s = _ID_PREFIX.sub("", s.lstrip("/"))
    s = _DASHES.sub("-", _SLASHES.sub("/", s)).lstrip("/")
    head, slash, rest = s.partition("/")
    head = head.lower()
    if slash:
        archive, dot, subject_class = head.partition(".")
        head = _MISSING_DASH.sub(r"\1-\2", archive) + dot + subject_class
    return head + slash + rest


def _new_id(m: re.Match[str], raw: str) -> ArxivId:
    yymm, number = m["yymm"], int(m["num"])
    if not 1 <= int(yymm[2:]) <= 12:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: month {yymm[2:]} out of range")
    if yymm < _NEW_SCHEME_START:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: new-style ids start in 0704 (April 2007), not {yymm}")
    if number == 0:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: sequence numbers start at 1")
    # arXiv pads a short number ("1501.0001" is 1501.00001), but 10000 and up is 2015's.
    if yymm < _FIVE_DIGITS_START and number > 9999:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: 5-digit number in {yymm} (4 digits until 1412)")
    digits = 5 if yymm >= _FIVE_DIGITS_START else 4
    return ArxivId(f"{yymm}.{number:0{digits}d}", _version(m["v"], raw))


def _old_id(m: re.Match[str], raw: str) -> ArxivId:
    archive, yymm, number = m["archive"], m["yymm"], m["num"]
    if archive not in _ARCHIVES:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: unknown archive {shorten(archive)}")
    if not 1 <= int(yymm[2:]) <= 12:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: month {yymm[2:]} out of range")
    # 91–99 are 1991–1999, 00–07 are 2000–2007: the years arXiv accepts for this scheme.
    if not (yymm[:2] >= "91" or yymm <= _OLD_SCHEME_END):
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: old-style ids run from 1991 to 0703 (March 2007)")
    if number == "000":
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: sequence numbers start at 001")
    subject_class = normalize_category(f"{archive}.{m['sc']}").partition(".")[2] if m["sc"] else None
    return ArxivId(f"{archive}/{yymm}{number}", _version(m["v"], raw), subject_class)


def _version(v: str | None, raw: str) -> int | None:
    if v is None:
        return None
    if len(v) > _MAX_VERSION_DIGITS:
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: version {shorten(v, 20)} out of range")
    # arXiv's patterns take v1, v2, …: neither v0 nor a leading zero (v01).
    if v.startswith("0"):
        raise InvalidIdentifier(f"arXiv id {shorten(raw)}: versions are v1, v2, … (not v{v})")
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
