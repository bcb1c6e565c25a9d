"""Conference paper lists from Paper Copilot (``papercopilot/paperlists``), as JSON lines.

One object a line, flattened from ``<venue>/<venue><year>.json`` of that repository:
``venue`` (a short code: ``nips``, ``iclr``, ``cvpr``…), ``year``, ``source_file`` and
``source_commit`` (which git version of which file the line came from), ``id`` (the
file's own paper id), ``title``, ``abstract``, ``authors`` and ``affiliations`` (lists,
meant to be aligned), ``gs_citation`` (a Google Scholar count, null or -1 where unknown),
``github``, ``project``, ``site``, ``pdf``, ``arxiv``, ``doi``, ``status`` and more; see
the data README. Unknown fields are ignored.

The lists are scraped from many sites and it shows; this reader repairs what it can
decide and drops what it cannot:

- authors sometimes come as one string "A, B, C" (CVPR/ICCV older versions, SIGGRAPH),
  sometimes twice over (ICRA/IROS), sometimes as "X and Y" (RSS); they are split or
  halved. Where the authors came as one string, the affiliations list the paper's
  institutions, not one per author, and are dropped; so are the affiliations of files
  known to be per paper and of any list whose length differs from the authors'.
- "A+B" in an affiliation is two institutions ("Face++" and "Microsoft Cloud + AI" are not).
- ``id`` is missing for whole files (CVPR/ICCV older versions, SIGGRAPH); the venue key
  is then derived from the PDF's file name, the site's last path segment or the title.

``read(path, notes)`` counts each repair in ``notes`` (a Counter) for a summary line.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from paperscope.ids import InvalidIdentifier, arxiv_id_from_doi, normalize_doi, parse_arxiv_id
from paperscope.models import Author, CitationCount, Origin, PaperRecord, Rejected
from paperscope.names import NameParts, split_name
from paperscope.sources.jsonlines import InvalidRecord, parse_json_lines
from paperscope.text import canonical_code_url, clean_abstract, clean_title, find_code_urls

__all__ = ["SOURCE", "VENUE_NAMES", "citations_as_of", "parse_record", "read", "venue_name"]

SOURCE = "conference"
CITATION_SOURCE = "google-scholar"

# Display names of Paper Copilot's venue codes; an unknown code is shown upper-cased.
VENUE_NAMES: dict[str, str] = {
    "3dv": "3DV", "aaai": "AAAI", "acl": "ACL", "acml": "ACML", "acmmm": "ACM MM",
    "ai4x": "AI4X", "aistats": "AISTATS", "alt": "ALT", "automl": "AutoML", "coling": "COLING",
    "colm": "COLM", "colt": "COLT", "corl": "CoRL", "cvpr": "CVPR", "eccv": "ECCV",
    "emnlp": "EMNLP", "iccv": "ICCV", "iclr": "ICLR", "icml": "ICML", "icra": "ICRA",
    "ijcai": "IJCAI", "iros": "IROS", "kdd": "KDD", "naacl": "NAACL", "nips": "NeurIPS",
    "rss": "RSS", "siggraph": "SIGGRAPH", "siggraphasia": "SIGGRAPH Asia", "uai": "UAI",
    "wacv": "WACV", "www": "WWW",
}  # fmt: skip

# The arXiv field a venue's papers are mostly filed under, shown as the paper's category
# code where no arXiv record gives the categories ("CV" for a CVPR paper). A code, not a
# category: the venue says what the field is likely to be, not what the authors chose.
VENUE_FIELDS: dict[str, str] = {
    "3dv": "CV", "aaai": "AI", "acl": "CL", "acml": "LG", "acmmm": "MM", "aistats": "LG",
    "alt": "LG", "automl": "LG", "coling": "CL", "colm": "CL", "colt": "LG", "corl": "RO",
    "cvpr": "CV", "eccv": "CV", "emnlp": "CL", "iccv": "CV", "iclr": "LG", "icml": "LG",
    "icra": "RO", "ijcai": "AI", "iros": "RO", "kdd": "LG", "naacl": "CL", "nips": "LG",
    "rss": "RO", "siggraph": "GR", "siggraphasia": "GR", "uai": "LG", "wacv": "CV", "www": "IR",
}  # fmt: skip

# Decisions that make a submission not a paper of the venue: such records keep their
# identifiers and authors but get no venue name.
_NOT_ACCEPTED = frozenset({"Reject", "Desk Reject", "Withdraw", "Active"})

# When gs_citation was read. The data README: files carrying citations were last touched
# on 2025-06-02 (iclr) and 2025-06-12 (the others). Of the older versions only
# icml2025@d3c8627a9e09 has counts; d3c8627a9e09 is the commit that also wrote the HEAD
# aistats2024 counts (the same values), so it is the 2025-06-12 refresh.
_HEAD_AS_OF = {"iclr": "2025-06-02"}
_HEAD_AS_OF_DEFAULT = "2025-06-12"
_OLDER_VERSION_AS_OF = {"icml2025@d3c8627a9e09": "2025-06-12"}

# Files whose affiliations name the paper's institutions once each (read from the PDF),
# not one per author, even where the two lists happen to be as long.
_PER_PAPER_AFFILIATIONS = frozenset({
    "cvpr2020@80ffe3e21213", "cvpr2021@4c3c40689bbe", "cvpr2022@5067dc324e13",
    "cvpr2023@70a30178d265", "cvpr2024@a5252b500358", "iccv2021@5ff11b7fc471",
    "iccv2023@27d12af8194e", "iclr2022@222d1da27ac0",
})  # fmt: skip
_PER_PAPER_VENUES = frozenset({"siggraph", "siggraphasia"})

# Venue-years harvested from OpenReview whose lines carry no openreview.net link; their
# ids are OpenReview forum ids all the same (the authorids are OpenReview profiles).
_OPENREVIEW_WITHOUT_LINK = frozenset({
    ("iclr", 2019), ("iclr", 2020), ("iclr", 2021), ("iclr", 2022), ("acmmm", 2024),
    ("emnlp", 2023), ("icml", 2023), ("icml", 2024), ("nips", 2021), ("www", 2024),
})  # fmt: skip
_OPENREVIEW_LINK = re.compile(r"openreview\.net/(?:forum|pdf)\?(?:.*&)?id=([A-Za-z0-9_-]+)")
_OPENREVIEW_ID = re.compile(r"[A-Za-z0-9_-]{8,14}")
_SPRINGER_DOI = re.compile(r"link\.springer\.com/(?:chapter|article)/(10\.\d{4,9}/\S+)")
_TEXT_FIELDS = ("title", "abstract", "id", "source_file", "status", "site", "pdf", "github",
                "project", "arxiv", "doi")  # fmt: skip
_NO_ABSTRACT = frozenset({"Abstract Unavailable"})
_SLUG = re.compile(r"[^0-9a-z]+")

# "Shin&#x27" + "ya Yamaguchi": a joined author string split upstream at an entity's ";".
_BROKEN_ENTITY = re.compile(r"&(?:#x?[0-9A-Fa-f]+|[A-Za-z]+)$")
_NAME_SUFFIX = re.compile(r"(?:Jr|Sr|II|III|IV)\.?", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+")
# An " and " inside these is part of an institution's name, listed where a person belongs.
_INSTITUTION_WORD = re.compile(r"\b(?:Univ|Institut|Agency|Technolog|Research|Laborator|College|School)")
_SPACE = re.compile(r"\s+")
# "+" between institutions; "++" (Face++, Video++) is part of a name.
_AFFILIATION_PLUS = re.compile(r"(?<!\+)\+(?!\+)")


def read(path: Path, notes: Counter[str] | None = None) -> Iterator[PaperRecord | Rejected]:
    """Yield a PaperRecord for every paper line of the file, Rejected for the others.

    Streams the file (plain or gzip). ``notes``, if given, counts the repairs made and the
    values dropped ("affiliations dropped: lists misaligned", …) for a summary.
    """
    tally: Counter[str] = Counter() if notes is None else notes
    return parse_json_lines(path, SOURCE, lambda obj, origin: parse_record(obj, origin, tally), reject_excerpt)


def reject_excerpt(obj: dict[str, Any]) -> str:
    """What a Rejected shows of a line: its first 200 characters (it has no id to name)."""
    return orjson.dumps(obj)[:200].decode("utf-8", "replace")


def venue_name(code: str, year: int) -> str:
    """The display name of a venue-year: ``("nips", 2023)`` → ``"NeurIPS 2023"``."""
    return f"{VENUE_NAMES.get(code, code.upper())} {year}"


def citations_as_of(venue: str, source_file: str | None) -> str | None:
    """The date the file's gs_citation counts were read, or None if it has no dated counts."""
    stem = _stem(source_file)
    if "@" in stem:
        return _OLDER_VERSION_AS_OF.get(stem)
    return _HEAD_AS_OF.get(venue, _HEAD_AS_OF_DEFAULT)


def parse_record(
    obj: dict[str, Any], origin: Origin, notes: Counter[str] | None = None
) -> PaperRecord:
    """One paper line as a PaperRecord; raise ValueError naming the field at fault."""
    if notes is None:
        notes = Counter()
    get = obj.get
    venue, year = get("venue"), get("year")
    if type(venue) is not str or not venue.strip():
        raise InvalidRecord('missing "venue"' if venue is None else f'"venue" is {_kind(venue)}')
    if type(year) is not int:
        raise InvalidRecord('missing "year"' if year is None else f'"year" is {_kind(year)}, expected an integer')
    venue = venue.strip().lower()
    for name in _TEXT_FIELDS:
        value = get(name)
        if value is not None and type(value) is not str:
            raise InvalidRecord(f'"{name}" is {_kind(value)}, expected a string')
    raw_title: str | None = get("title")
    if raw_title is None:
        raise InvalidRecord('missing "title"')
    title = _unquote(clean_title(html.unescape(raw_title) if "&" in raw_title else raw_title))
    if not title:
        raise InvalidRecord('empty "title"')
    raw_abstract: str | None = get("abstract")
    abstract = _abstract(raw_abstract, notes) if raw_abstract else None
    source_file: str | None = get("source_file")
    status: str | None = get("status")

    local_id = _venue_local_id(obj, title, notes)
    other_ids = {"venue": f"{venue}{year}/{local_id}"}
    openreview_id = _openreview_id(obj, venue, year)
    if openreview_id:
        other_ids["openreview"] = openreview_id

    accepted = status not in _NOT_ACCEPTED
    if not accepted:
        notes[f"venue left out: status {status}"] += 1
    record = PaperRecord(
        SOURCE,
        origin,
        title,
        abstract=abstract,
        other_ids=other_ids,
        year=year,
        venue=venue_name(venue, year) if accepted else None,
        category_code=VENUE_FIELDS.get(venue),
        code_urls=_code_urls(get("github"), get("project"), raw_abstract),
        authors=_authors(obj, venue, source_file, notes),
    )
    record.author_ids = _author_ids(obj, len(record.authors), notes)
    _add_identifiers(record, obj, notes)
    count = get("gs_citation")
    if type(count) is int and count >= 0:
        as_of = citations_as_of(venue, source_file)
        if as_of:
            record.citations.append(CitationCount(count, CITATION_SOURCE, as_of))
        else:
            notes["citation dropped: no date known for its file"] += 1
    return record


def _unquote(text: str) -> str:
    # ECCV 2022 wraps titles and abstracts in double quotes.
    if len(text) > 1 and text[0] == '"' and text[-1] == '"' and text.count('"') == 2:
        return text[1:-1].strip()
    return text


def _abstract(raw: str, notes: Counter[str]) -> str | None:
    text = clean_abstract(raw)
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].strip()
    # "Abstract Unavailable", and scraps like "Part of" or "in" where the page had none.
    if text in _NO_ABSTRACT or text.count(" ") < 3:
        if text:
            notes["placeholder abstract dropped"] += 1
        return None
    return text


# --- identifiers ---------------------------------------------------------------------------


def _venue_local_id(obj: dict[str, Any], title: str, notes: Counter[str]) -> str:
    """The file's own paper id, or one derived from the PDF, the site or the title."""
    paper_id: str | None = obj.get("id")
    if paper_id and paper_id.strip():
        return paper_id.strip()
    for field in ("pdf", "site"):
        url: str | None = obj.get(field)
        if url and url.strip():
            name = url.strip().rstrip("/").rsplit("/", 1)[-1].removesuffix(".pdf")
            if name:
                notes[f"venue id derived from {field}"] += 1
                return f"{field}:{name}"
    notes["venue id derived from title"] += 1
    return "title:" + _SLUG.sub("-", title.casefold()).strip("-")[:100]


def _openreview_id(obj: dict[str, Any], venue: str, year: int) -> str | None:
    for field in ("site", "pdf"):
        url: str | None = obj.get(field)
        if url and "openreview.net" in url:
            m = _OPENREVIEW_LINK.search(url)
            if m:
                return m[1]
    paper_id: str | None = obj.get("id")
    if (venue, year) in _OPENREVIEW_WITHOUT_LINK and paper_id and _OPENREVIEW_ID.fullmatch(paper_id):
        return paper_id
    return None


def _add_identifiers(record: PaperRecord, obj: dict[str, Any], notes: Counter[str]) -> None:
    """arXiv id and DOIs from the ``arxiv`` and ``doi`` fields (an arXiv DOI gives both)."""
    doi_field: str | None = obj.get("doi")
    if doi_field and doi_field.strip():
        doi = _doi(doi_field)
        if doi:
            record.dois.append(doi)
            arxiv = arxiv_id_from_doi(doi)
            if arxiv:
                record.arxiv_id = arxiv.id
        else:
            notes["invalid DOI dropped"] += 1
    arxiv_field: str | None = obj.get("arxiv")
    if arxiv_field and arxiv_field.strip():
        try:
            record.arxiv_id = parse_arxiv_id(arxiv_field).id
        except InvalidIdentifier:
            notes["invalid arXiv id dropped"] += 1
    project: str | None = obj.get("project")
    if record.arxiv_id is None and project and "arxiv.org/" in project:
        # A project "page" that is the paper's arXiv abstract.
        try:
            record.arxiv_id = parse_arxiv_id(project).id
            notes["arXiv id from project link"] += 1
        except InvalidIdentifier:
            pass


def _doi(text: str) -> str | None:
    try:
        return normalize_doi(text)
    except InvalidIdentifier:
        pass
    # ECCV gives Springer chapter pages, whose path is the DOI (sometimes with a stray space).
    m = _SPRINGER_DOI.search(_SPACE.sub("", text))
    if m:
        try:
            return normalize_doi(m[1])
        except InvalidIdentifier:
            return None
    return None


def _code_urls(github: str | None, project: str | None, abstract: str | None) -> list[str]:
    found: list[str] = []
    if github and github.strip():
        # Usually a plain URL; sometimes Papers with Code markdown around one.
        url = canonical_code_url(github.strip())
        found.extend([url] if url else find_code_urls(github))
    if project and project.strip():
        # Kept where it is a code link or a github.io-style project page; other pages
        # (YouTube, Google Sites, lab pages) are not code.
        url = canonical_code_url(project.strip())
        if url:
            found.append(url)
    found.extend(find_code_urls(abstract))
    return list(dict.fromkeys(found))


# --- authors and affiliations --------------------------------------------------------------


def _authors(
    obj: dict[str, Any], venue: str, source_file: str | None, notes: Counter[str]
) -> list[Author]:
    names = obj.get("authors")
    if names is None:
        return []
    if type(names) is not list or not all(type(n) is str for n in names):
        raise InvalidRecord('"authors" is not a list of strings')
    affiliations = obj.get("affiliations")
    if affiliations is not None and (
        type(affiliations) is not list or not all(type(a) is str for a in affiliations)
    ):
        raise InvalidRecord('"affiliations" is not a list of strings')

    joined = False
    if any("&" in n and _BROKEN_ENTITY.search(n) for n in names):
        names = [";".join(names)]
        notes["authors rejoined at a split HTML entity"] += 1
    if len(names) == 1 and "," in names[0]:
        names = _split_joined(names[0])
        joined = True
        notes["authors split from one string"] += 1
    half = len(names) // 2
    if half and len(names) % 2 == 0 and names[:half] == names[half:]:
        names = names[:half]
        notes["authors listed twice, halved"] += 1
        if affiliations and len(affiliations) == 2 * half and affiliations[:half] == affiliations[half:]:
            affiliations = affiliations[:half]

    pairs: list[tuple[str, str | None]]
    if not affiliations or not any(a.strip() for a in affiliations):
        pairs = [(n, None) for n in names]
    elif joined or venue in _PER_PAPER_VENUES or _stem(source_file) in _PER_PAPER_AFFILIATIONS:
        pairs = [(n, None) for n in names]
        notes["affiliations dropped: per paper, not per author"] += 1
    elif len(affiliations) != len(names):
        pairs = [(n, None) for n in names]
        notes["affiliations dropped: lists misaligned"] += 1
    else:
        pairs = list(zip(names, affiliations, strict=True))

    split_pairs: list[tuple[str, str | None]] = []
    for name, affiliation in pairs:
        parts = _split_and(name)
        if len(parts) > 1:
            notes['authors split at "and"'] += 1
            # Which of the two the affiliation belonged to is unknown.
            split_pairs.extend((p, None) for p in parts)
        else:
            split_pairs.append((name, affiliation))

    authors: list[Author] = []
    for name, affiliation in split_pairs:
        raw, name_parts = _parse_name(name)
        if name_parts is None:
            notes["empty author name skipped"] += 1
            continue
        authors.append(
            Author(
                raw,
                name_parts.given,
                name_parts.family,
                name_parts.suffix,
                affiliations=list(_split_affiliation(affiliation)) if affiliation else [],
                position=len(authors),
            )
        )
    return authors


# Person ids in "authorids": OpenReview profiles ("~Sergey_Levine1") and IEEE Xplore
# author numbers ("/37085950646"). Emails (older OpenReview venues) are left out: an
# address is not a person's for life.
_OPENREVIEW_PROFILE = re.compile(r"~[^\s~/@]+\d+")
_IEEE_AUTHOR = re.compile(r"/(\d{5,})")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")


def _author_ids(obj: dict[str, Any], authors: int, notes: Counter[str]) -> list[tuple[int, str, str]]:
    """(position, scheme, id) of the authors' person ids, where the lists align.

    "authorids" and "orcid" are lists parallel to "authors" as the corpus gives them; a
    list twice as long as the authors, its halves equal, was repeated with them (ICRA,
    IROS) and is halved too. Lists of any other length cannot be placed and are dropped.
    """
    out: list[tuple[int, str, str]] = []
    for field_ in ("authorids", "orcid"):
        values = obj.get(field_)
        if type(values) is not list or not any(values):
            continue
        if len(values) == 2 * authors and values[:authors] == values[authors:]:
            values = values[:authors]
        if len(values) != authors:
            notes[f"{field_} dropped: not aligned with the authors"] += 1
            continue
        for position, value in enumerate(values):
            if type(value) is not str or not value:
                continue
            if field_ == "orcid":
                m = _ORCID.search(value)
                if m:
                    out.append((position, "orcid", m.group(1).upper()))
            elif _OPENREVIEW_PROFILE.fullmatch(value):
                out.append((position, "openreview", value))
            elif m := _IEEE_AUTHOR.fullmatch(value):
                out.append((position, "ieee", m.group(1)))
    return out


def _split_joined(text: str) -> list[str]:
    """ "A, B, C" → [A, B, C]; a suffix ("Kerry A. Seitz, Jr.") stays with its name."""
    names: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if names and _NAME_SUFFIX.fullmatch(part):
            names[-1] += ", " + part
        else:
            names.append(part)
    return names


def _split_and(name: str) -> list[str]:
    if " and " not in name or _INSTITUTION_WORD.search(name):
        return [name]
    return [p for p in _AND.split(name) if p.strip()]


@lru_cache(maxsize=131072)
def _parse_name(name: str) -> tuple[str, NameParts | None]:
    """The cleaned name and its parts; None for parts where nothing is left of it.

    Cached: the same people recur across thousands of papers.
    """
    if "&" in name:
        name = html.unescape(html.unescape(name))  # "D&amp;#x27;Amely" is escaped twice
    raw = " ".join(name.split()).strip(",; ")
    return raw, (split_name(raw) if raw else None)


@lru_cache(maxsize=65536)
def _split_affiliation(text: str) -> tuple[str, ...]:
    """ "University of Oxford+Google" → both; footnote marks ("+1") and empties dropped."""
    text = _SPACE.sub(" ", text).strip()
    if "+" not in text:
        return (text,) if text else ()
    parts = [p.strip() for p in _AFFILIATION_PLUS.split(text)]
    parts = [p for p in parts if p and not p.isdigit()]
    # "Microsoft Cloud + AI": a two-letter "institution" means the "+" was part of a name.
    if any(len(p) <= 2 for p in parts):
        return (text,)
    return tuple(dict.fromkeys(parts))


def _stem(source_file: str | None) -> str:
    return (source_file or "").rsplit("/", 1)[-1].removesuffix(".gz").removesuffix(".json")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )
