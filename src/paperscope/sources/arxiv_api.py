"""The arXiv API (https://info.arxiv.org/help/api/): Atom feeds read into records.

:func:`parse_page` turns one Atom feed into records plus the feed's paging figures;
:func:`read` does it for a feed saved to disk; :func:`build_query` writes a request's
``search_query``. Records carry ``source="arxiv-atom"`` and, as origin, the request URL
(or file) and ``entry N`` (1-based within the page). Fetching feeds live, politely, is
:class:`paperscope.sources.arxiv_api_client.ArxivApiClient`, which raises the errors
defined here.

The Atom feed holds the latest version only: its ``<published>`` is v1's date and its
``<updated>`` the latest version's, so a record lists at most those two versions.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lxml import etree

from paperscope.ids import InvalidIdentifier, normalize_category, normalize_doi, parse_arxiv_id
from paperscope.models import Author, Origin, PaperRecord, Rejected, Version
from paperscope.names import split_name
from paperscope.sources.jsonlines import SourceError
from paperscope.text import clean_abstract, clean_title, find_code_urls

__all__ = [
    "SOURCE",
    "ArxivApiError",
    "ArxivEmptyPageError",
    "ArxivError",
    "ArxivFeedError",
    "ArxivHttpError",
    "ArxivNetworkError",
    "FeedPage",
    "build_query",
    "parse_feed",
    "parse_page",
    "read",
]

SOURCE = "arxiv-atom"

_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_ATOM = f"{{{_NS['atom']}}}"
_DOI_SPLIT = re.compile(r"[\s,;]+")


# --- errors ---------------------------------------------------------------------------


class ArxivError(SourceError):
    """Anything that stops a feed from being read; ``url`` is the request URL or file name."""

    retryable = False

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class ArxivApiError(ArxivError):
    """The API answered with its error feed (HTTP 400): the query itself is wrong."""

    def __init__(self, message: str, url: str, error_id: str | None = None) -> None:
        super().__init__(f"{url}: arXiv API error: {message}", url)
        self.message = message
        self.error_id = error_id  # "incorrect_id_format_for_abc"


class ArxivFeedError(ArxivError):
    """The body is not an Atom feed (not XML, or another document)."""

    retryable = True  # arXiv sometimes answers 200 with a blank or cut-off body


class ArxivHttpError(ArxivError):
    """An HTTP status other than success; 429 and 5xx are retried first."""

    def __init__(self, url: str, status_code: int, retry_after: float | None = None) -> None:
        wait = f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
        super().__init__(f"{url}: HTTP {status_code}{wait}", url)
        self.status_code = status_code
        self.retry_after = retry_after
        self.retryable = status_code == 429 or status_code >= 500


class ArxivNetworkError(ArxivError):
    """A timeout or a failed connection."""

    retryable = True


class ArxivEmptyPageError(ArxivError):
    """A page with no entries although the feed reports more results beyond its start."""

    retryable = True

    def __init__(self, url: str, start: int, total: int) -> None:
        super().__init__(f"{url}: no entries at start={start} of {total} results", url)
        self.start = start
        self.total = total


# --- parsing --------------------------------------------------------------------------


@dataclass(slots=True)
class FeedPage:
    """One Atom feed: its records and the OpenSearch paging figures (None where absent)."""

    name: str
    total: int | None
    start: int | None
    per_page: int | None
    records: list[PaperRecord | Rejected] = field(default_factory=list)


def parse_feed(body: bytes, name: str) -> Iterator[PaperRecord | Rejected]:
    """Yield a record (or a Rejected) per entry of an arXiv Atom feed."""
    yield from parse_page(body, name).records


def parse_page(body: bytes, name: str) -> FeedPage:
    """Parse an arXiv Atom feed; raise ArxivApiError for arXiv's error feed.

    ``name`` (the URL or file) becomes each record's origin and every error's ``url``.
    """
    # No entity expansion or network access: a feed is data, not instructions. A parser
    # per call, as lxml parsers must not be shared between threads.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        raise ArxivFeedError(f"{name}: not XML: {e}", name) from e
    if root.tag != f"{_ATOM}feed":
        raise ArxivFeedError(f"{name}: not an Atom feed (root element {root.tag!r})", name)
    entries = root.findall("atom:entry", _NS)
    for entry in entries:
        _raise_if_error_entry(entry, name)
    page = FeedPage(
        name,
        total=_int(root.findtext("opensearch:totalResults", None, _NS)),
        start=_int(root.findtext("opensearch:startIndex", None, _NS)),
        per_page=_int(root.findtext("opensearch:itemsPerPage", None, _NS)),
    )
    for n, entry in enumerate(entries, start=1):
        page.records.append(_parse_entry(entry, Origin(name, f"entry {n}")))
    return page


def read(path: Path) -> Iterator[PaperRecord | Rejected]:
    """Yield the records of an Atom feed saved to a file (plain or gzip)."""
    name = str(path)
    try:
        body = path.read_bytes()
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise SourceError(f"{name}: cannot read: {getattr(e, 'strerror', None) or e}") from e
    yield from parse_feed(body, name)


def _raise_if_error_entry(entry: etree._Element, name: str) -> None:
    # arXiv reports a bad query as a feed whose one entry has an id under /api/errors.
    entry_id = (entry.findtext("atom:id", "", _NS) or "").strip()
    if "arxiv.org/api/errors" in entry_id:
        message = clean_title(entry.findtext("atom:summary", "", _NS) or "") or entry_id
        raise ArxivApiError(message, name, entry_id.partition("#")[2] or None)


def _parse_entry(entry: etree._Element, origin: Origin) -> PaperRecord | Rejected:
    def reject(reason: str) -> Rejected:
        excerpt = etree.tostring(entry, encoding="unicode")[:200]
        return Rejected(SOURCE, origin, reason, excerpt)

    entry_id = _text(entry, "atom:id")
    if not entry_id:
        return reject("missing <id>")
    try:
        arxiv_id = parse_arxiv_id(entry_id)
    except InvalidIdentifier as e:
        return reject(f"<id> is not an arXiv id: {e}")
    title = clean_title(entry.findtext("atom:title", "", _NS) or "")
    if not title:
        return reject("missing <title>")
    try:
        published = _timestamp(_text(entry, "atom:published"))
        updated = _timestamp(_text(entry, "atom:updated"))
    except ValueError as e:
        return reject(str(e))

    raw_abstract = entry.findtext("atom:summary", "", _NS) or ""
    raw_comment = entry.findtext("arxiv:comment", "", _NS) or ""
    version = arxiv_id.version
    versions = [Version(1, published)] if published else []
    if version and version > 1:
        versions.append(Version(version, updated))
    categories: list[str] = []
    for element in entry.findall("atom:category", _NS):
        term = (element.get("term") or "").strip()
        if term and normalize_category(term) not in categories:
            categories.append(normalize_category(term))
    primary = entry.find("arxiv:primary_category", _NS)
    primary_term = (primary.get("term") or "").strip() if primary is not None else ""

    return PaperRecord(
        source=SOURCE,
        origin=origin,
        title=title,
        abstract=clean_abstract(raw_abstract) or None,
        arxiv_id=arxiv_id.id,
        arxiv_version=version,
        versions=versions,
        dois=_dois(entry),
        categories=categories,
        primary_category=normalize_category(primary_term) if primary_term else None,
        first_date=published[:10] if published else None,
        latest_date=updated[:10] if updated else None,
        year=int(published[:4]) if published else None,
        comments=clean_title(raw_comment) or None,
        journal_ref=clean_title(entry.findtext("arxiv:journal_ref", "", _NS) or "") or None,
        code_urls=find_code_urls(raw_abstract, raw_comment),
        authors=_authors(entry),
        datestamp=updated,
    )


def _authors(entry: etree._Element) -> list[Author]:
    authors: list[Author] = []
    for element in entry.findall("atom:author", _NS):
        raw = clean_title(element.findtext("atom:name", "", _NS) or "")
        if not raw:
            continue
        parts = split_name(raw)
        affiliations = [
            clean_title(a.text)
            for a in element.findall("arxiv:affiliation", _NS)
            if a.text and a.text.strip()
        ]
        authors.append(
            Author(raw, parts.given, parts.family, parts.suffix, affiliations, len(authors))
        )
    return authors


def _dois(entry: etree._Element) -> list[str]:
    # <arxiv:doi> may hold several DOIs; the rel="related" title="doi" link repeats one.
    candidates = _DOI_SPLIT.split(entry.findtext("arxiv:doi", "", _NS) or "")
    candidates += [link.get("href") or "" for link in entry.findall("atom:link[@title='doi']", _NS)]
    dois: list[str] = []
    for candidate in candidates:
        if not candidate:
            continue
        try:
            doi = normalize_doi(candidate)
        except InvalidIdentifier:
            continue  # arXiv's DOI field is free text typed by submitters
        if doi not in dois:
            dois.append(doi)
    return dois


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path, "", _NS) or "").strip()


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None


def _timestamp(text: str) -> str | None:
    """An Atom date as UTC 'YYYY-MM-DDTHH:MM:SSZ'; None if absent, ValueError if malformed."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"malformed date {text!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- queries --------------------------------------------------------------------------

# arXiv's first submissions are from August 1991; an open start reaches back past them.
_EARLIEST = date(1991, 1, 1)


def build_query(
    query: str | None,
    category: str | None,
    from_date: date | None,
    until_date: date | None = None,
) -> str:
    """An arXiv ``search_query``: the parts given, joined with AND.

    ``query`` is arXiv query syntax (``ti:transformer AND au:vaswani``) and is
    parenthesized when combined; ``category`` becomes ``cat:cs.LG``; dates become a
    ``submittedDate`` range in whole UTC days, open ends running from 1991 or to today.
    """
    parts: list[str] = []
    q = " ".join((query or "").split())
    if q:
        parts.append(q)
    if category and category.strip():
        parts.append(f"cat:{normalize_category(category)}")
    if from_date or until_date:
        start = from_date or _EARLIEST
        end = until_date or datetime.now(UTC).date()
        if start > end:
            raise ValueError(f"from date {start} is after until date {end}")
        parts.append(f"submittedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]")
    if not parts:
        raise ValueError("nothing to search: give a query, a category or dates")
    if q and len(parts) > 1 and " " in q:
        # "a OR b AND cat:x" would bind as "a OR (b AND cat:x)".
        parts[0] = f"({q})"
    return " AND ".join(parts)
