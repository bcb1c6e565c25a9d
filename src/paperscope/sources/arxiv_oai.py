"""arXiv's OAI-PMH interface: parsing ListRecords pages and harvesting them politely.

OAI-PMH (https://www.openarchives.org/OAI/openarchivesprotocol.html) serves metadata in
pages: a ``ListRecords`` request names a format (``metadataPrefix``), an optional set and
a date range over the records' *datestamps* (when arXiv last changed the metadata, not
when the paper was submitted); each page ends with a ``resumptionToken`` naming the next.
arXiv's formats (https://info.arxiv.org/help/oa/index.html):

- ``arXiv``: authors split by arXiv into keyname / forenames / suffix / affiliations,
  ``created`` and ``updated`` dates.
- ``arXivRaw``: the author string as submitted, and every version with its date and size.
- ``oai_dc`` (Dublin Core) is read too, so saved responses in it are usable, though it
  carries no category codes.

:func:`parse_list_records` turns one response body into an :class:`OaiPage`;
:func:`read` reads a saved response; :class:`OaiHarvester` fetches pages from arXiv.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
from lxml import etree
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from paperscope.ids import InvalidIdentifier, normalize_category, normalize_doi, parse_arxiv_id
from paperscope.models import Author, Origin, PaperRecord, Rejected, Version
from paperscope.names import split_name
from paperscope.sources.arxiv_authors import parse_arxiv_authors
from paperscope.sources.http_retry import retry_after_seconds
from paperscope.sources.jsonlines import SourceError
from paperscope.text import clean_abstract, clean_title, find_code_urls

__all__ = ["SOURCE", "OaiError", "OaiHarvester", "OaiPage", "parse_list_records", "read"]

SOURCE = "arxiv-oai"
_EXCERPT_CHARS = 300


class OaiError(SourceError):
    """An OAI-PMH error response (``badArgument``, ``badResumptionToken``, ...)."""

    def __init__(self, code: str, message: str, where: str | None = None) -> None:
        self.code = code
        self.message = message
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}OAI-PMH error {code}: {message}")


@dataclass(slots=True)
class OaiPage:
    """One OAI-PMH response: its records and where the list goes on."""

    records: list[PaperRecord | Rejected]
    resumption_token: str | None  # None on the last (or only) page
    complete_list_size: int | None
    cursor: int | None
    deleted: int = 0  # records whose header says status="deleted"; not in ``records``
    # The largest header datestamp on the page, deleted records included.
    max_datestamp: str | None = None
    response_date: str | None = None


# --- parsing ----------------------------------------------------------------------------

def _local(el: Any) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(el: Any, name: str) -> Any | None:
    return next((c for c in el if _local(c) == name), None)


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c) == name]


def _text_of(el: Any | None) -> str | None:
    if el is None:
        return None
    text = "".join(el.itertext()).strip()
    return text or None


def _text(el: Any, name: str) -> str | None:
    return _text_of(_child(el, name))


def _int_attr(el: Any, name: str) -> int | None:
    value = el.get(name)
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True
)


def parse_list_records(body: bytes, name: str) -> OaiPage:
    """Parse one ListRecords (or GetRecord) response; ``name`` says where it came from.

    Raises :class:`OaiError` for an OAI-PMH error other than ``noRecordsMatch`` (which is
    an empty page) and :class:`SourceError` for a body that is not an OAI-PMH response.
    """
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as e:
        raise SourceError(f"{name}: not XML: {e}") from e
    if _local(root) != "OAI-PMH":
        raise SourceError(f"{name}: not an OAI-PMH response (root element <{_local(root)}>)")
    response_date = _text(root, "responseDate")
    for error in _children(root, "error"):
        code = error.get("code") or "unknown"
        if code == "noRecordsMatch":
            return OaiPage([], None, 0, None, response_date=response_date)
        raise OaiError(code, " ".join((_text_of(error) or "").split()), name)
    container = _child(root, "ListRecords")
    if container is None:
        container = _child(root, "GetRecord")
    if container is None:
        raise SourceError(f"{name}: no <ListRecords> or <GetRecord> in the response")

    page = OaiPage([], None, None, None, response_date=response_date)
    for n, record in enumerate(_children(container, "record"), start=1):
        origin = Origin(name, f"record {n}")
        header = _child(record, "header")
        datestamp = _text(header, "datestamp") if header is not None else None
        if datestamp and (page.max_datestamp is None or datestamp > page.max_datestamp):
            page.max_datestamp = datestamp
        if header is not None and header.get("status") == "deleted":
            page.deleted += 1
            continue
        page.records.append(_parse_record(record, header, datestamp, origin))
    token = _child(container, "resumptionToken")
    if token is not None:
        page.resumption_token = _text_of(token)
        page.complete_list_size = _int_attr(token, "completeListSize")
        page.cursor = _int_attr(token, "cursor")
    return page


def read(path: Path) -> Iterator[PaperRecord | Rejected]:
    """Yield the records of a saved ListRecords/GetRecord response (plain or gzipped)."""
    try:
        body = path.read_bytes()
    except OSError as e:
        raise SourceError(f"{path}: cannot open: {e.strerror or e}") from e
    if body[:2] == b"\x1f\x8b":  # gzip, by magic rather than name
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as e:
            raise SourceError(f"{path}: read failed: {e}") from e
    yield from parse_list_records(body, str(path)).records


def _excerpt(record: Any) -> str:
    return " ".join(etree.tostring(record, encoding="unicode").split())[:_EXCERPT_CHARS]


def _parse_record(
    record: Any, header: Any, datestamp: str | None, origin: Origin
) -> PaperRecord | Rejected:
    metadata = _child(record, "metadata")
    elements = [c for c in metadata if isinstance(c.tag, str)] if metadata is not None else []
    fmt = elements[0] if elements else None
    if fmt is None:
        return Rejected(SOURCE, origin, "record has no metadata", _excerpt(record))
    kind = _local(fmt)
    if kind == "arXiv":
        fields = _arxiv_fields(fmt)
    elif kind == "arXivRaw":
        fields = _arxiv_raw_fields(fmt)
    elif kind == "dc":
        fields = _oai_dc_fields(fmt, header)
    else:
        return Rejected(SOURCE, origin, f"unsupported metadata format <{kind}>", _excerpt(record))
    return _to_paper(fields, header, datestamp, origin, record)


def _to_paper(
    f: dict[str, Any], header: Any, datestamp: str | None, origin: Origin, record: Any
) -> PaperRecord | Rejected:
    def reject(reason: str) -> Rejected:
        return Rejected(SOURCE, origin, reason, _excerpt(record))

    raw_id = f.get("id")
    if not raw_id:
        return reject("missing <id>")
    try:
        arxiv_id = parse_arxiv_id(raw_id)
    except InvalidIdentifier as e:
        return reject(str(e))
    header_id = _text(header, "identifier") if header is not None else None
    if header_id:
        try:
            if parse_arxiv_id(header_id).id != arxiv_id.id:
                return reject(f"header identifier {header_id} does not match <id> {raw_id}")
        except InvalidIdentifier:
            pass  # a non-arXiv OAI identifier says nothing about the paper's id
    title = clean_title(f.get("title") or "")
    if not title:
        return reject("missing <title>")

    abstract = clean_abstract(f["abstract"]) if f.get("abstract") else None
    comments = clean_title(f["comments"]) if f.get("comments") else None
    categories = [normalize_category(c) for c in (f.get("categories") or "").split()]
    dois: list[str] = []
    for token in (f.get("doi") or "").replace(",", " ").replace(";", " ").split():
        try:
            doi = normalize_doi(token)
        except InvalidIdentifier:
            continue
        if doi not in dois:
            dois.append(doi)
    first_date, latest_date = f.get("first_date"), f.get("latest_date")
    versions: list[Version] = f.get("versions") or []
    return PaperRecord(
        source=SOURCE,
        origin=origin,
        title=title,
        abstract=abstract,
        arxiv_id=arxiv_id.id,
        arxiv_version=versions[-1].version if versions else None,
        versions=versions,
        dois=dois,
        categories=categories,
        primary_category=categories[0] if categories else None,
        first_date=first_date,
        latest_date=latest_date or first_date,
        year=int(first_date[:4]) if first_date else None,
        comments=comments,
        journal_ref=clean_title(f["journal_ref"]) if f.get("journal_ref") else None,
        license=f.get("license"),
        code_urls=find_code_urls(abstract, comments),
        authors=f.get("authors") or [],
        datestamp=datestamp,
    )


def _arxiv_fields(meta: Any) -> dict[str, Any]:
    authors = []
    authors_el = _child(meta, "authors")
    author_els = _children(authors_el, "author") if authors_el is not None else []
    for position, el in enumerate(author_els):
        given, family, suffix = _text(el, "forenames"), _text(el, "keyname"), _text(el, "suffix")
        raw = " ".join(p for p in (given, family, suffix) if p)
        affiliations = [a for a in (_text_of(x) for x in _children(el, "affiliation")) if a]
        authors.append(Author(raw, given, family, suffix, affiliations, position))
    return {
        "id": _text(meta, "id"),
        "title": _text(meta, "title"),
        "abstract": _text(meta, "abstract"),
        "authors": authors,
        "categories": _text(meta, "categories"),
        "comments": _text(meta, "comments"),
        "journal_ref": _text(meta, "journal-ref"),
        "doi": _text(meta, "doi"),
        "license": _text(meta, "license"),
        "first_date": _text(meta, "created"),
        "latest_date": _text(meta, "updated"),
    }


def _iso_datetime(rfc2822: str | None) -> str | None:
    """``Mon, 15 Apr 2013 19:33:21 GMT`` → ``2013-04-15T19:33:21Z``; None if unreadable."""
    if not rfc2822:
        return None
    try:
        when = parsedate_to_datetime(rfc2822)
    except (TypeError, ValueError):
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _arxiv_raw_fields(meta: Any) -> dict[str, Any]:
    versions = []
    for el in _children(meta, "version"):
        number = (el.get("version") or "").lstrip("v")
        if number.isdigit():
            submitted = _iso_datetime(_text(el, "date"))
            versions.append(Version(int(number), submitted, _text(el, "size")))
    versions.sort(key=lambda v: v.version)
    authors_text = _text(meta, "authors")
    return {
        "id": _text(meta, "id"),
        "title": _text(meta, "title"),
        "abstract": _text(meta, "abstract"),
        "authors": parse_arxiv_authors(authors_text) if authors_text else [],
        "categories": _text(meta, "categories"),
        "comments": _text(meta, "comments"),
        "journal_ref": _text(meta, "journal-ref"),
        "doi": _text(meta, "doi"),
        "license": _text(meta, "license"),
        "versions": versions,
        "first_date": versions[0].submitted[:10] if versions and versions[0].submitted else None,
        "latest_date": versions[-1].submitted[:10] if versions and versions[-1].submitted else None,
    }


def _oai_dc_fields(meta: Any, header: Any) -> dict[str, Any]:
    authors = []
    for position, creator in enumerate(filter(None, map(_text_of, _children(meta, "creator")))):
        parts = split_name(creator)  # arXiv writes "Family, Given"
        authors.append(Author(creator, parts.given, parts.family, parts.suffix, [], position))
    abstract = comments = None
    for description in filter(None, map(_text_of, _children(meta, "description"))):
        if description.startswith("Comment:"):
            comments = description.removeprefix("Comment:").strip()
        elif abstract is None:
            abstract = description
    arxiv_id = _text(header, "identifier") if header is not None else None
    doi = journal_ref = None
    for identifier in filter(None, map(_text_of, _children(meta, "identifier"))):
        if "arxiv.org/abs/" in identifier:
            arxiv_id = identifier
        elif identifier.lower().startswith("doi:"):
            doi = identifier
        elif not identifier.startswith("http"):
            journal_ref = identifier  # arXiv puts the journal reference here
    dates = [d for d in map(_text_of, _children(meta, "date")) if d]
    return {
        "id": arxiv_id,
        "title": _text(meta, "title"),
        "abstract": abstract,
        "authors": authors,
        "comments": comments,
        "journal_ref": journal_ref,
        "doi": doi,
        "first_date": dates[0] if dates else None,
        "latest_date": dates[-1] if dates else None,
    }


# --- harvesting -------------------------------------------------------------------------

class _RetryableStatus(Exception):
    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url}: HTTP {status}")
        self.url = url
        self.status = status


@dataclass
class OaiHarvester:
    """Harvests ListRecords from arXiv's OAI-PMH endpoint, one page at a time, lazily.

    arXiv asks harvesters to pace themselves (https://info.arxiv.org/help/api/tou.html:
    no more than one request every three seconds) and throttles with HTTP 503 plus a
    ``Retry-After`` header, which is honoured. Other server errors (5xx) and timeouts are
    retried with exponential backoff starting at ``delay_seconds``.

    After (or during) :meth:`list_records`, ``max_datestamp`` is the largest datestamp seen,
    deleted records included: store it and pass it as ``from_date`` next time to harvest
    incrementally (``from`` is inclusive, so that day is fetched again; records are merged
    by id, so the overlap is harmless).
    """

    # The current endpoint; the older one, http://export.arxiv.org/oai2, still answers.
    base_url: str = "https://oaipmh.arxiv.org/oai"
    # "arXiv": arXiv-split author names with affiliations; "arXivRaw": author string as
    # submitted plus every version's date and size; "oai_dc" is read but has no categories.
    metadata_prefix: str = "arXiv"
    delay_seconds: float = 3.0  # between consecutive requests
    num_retries: int = 3  # extra attempts after a timeout, transport error or 5xx
    timeout: float = 60.0  # seconds, per request
    max_backoff_seconds: float = 120.0
    max_throttle_waits: int = 10  # 503 + Retry-After answers tolerated per request
    max_retry_after_seconds: float = 600.0  # cap on one Retry-After wait
    default_retry_after_seconds: float = 30.0  # when a 503's Retry-After is unreadable
    user_agent: str = "paperscope (OAI-PMH harvester)"
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    transport: httpx.BaseTransport | None = field(default=None, repr=False)

    # Progress of the last list_records call.
    max_datestamp: str | None = field(default=None, init=False)
    pages: int = field(default=0, init=False)
    deleted: int = field(default=0, init=False)
    complete_list_size: int | None = field(default=None, init=False)
    _requested: bool = field(default=False, init=False, repr=False)

    def list_records(
        self, set_spec: str | None, from_date: date | None, until_date: date | None = None
    ) -> Iterator[PaperRecord | Rejected]:
        """Yield every record of a ListRecords harvest, following resumption tokens.

        Raises :class:`OaiError` on an OAI-PMH error (an empty harvest, ``noRecordsMatch``,
        yields nothing) and :class:`SourceError` when arXiv cannot be reached.
        """
        self.max_datestamp, self.pages, self.deleted, self.complete_list_size = None, 0, 0, None
        params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
        if from_date is not None:
            params["from"] = from_date.isoformat()
        if until_date is not None:
            params["until"] = until_date.isoformat()
        if set_spec:
            params["set"] = set_spec
        seen_tokens: set[str] = set()
        with httpx.Client(
            timeout=self.timeout,
            transport=self.transport,
            headers={"User-Agent": self.user_agent},
            follow_redirects=True,
        ) as client:
            while True:
                url, body = self._fetch(client, params)
                page = parse_list_records(body, f"{url} (page {self.pages + 1})")
                self.pages += 1
                self.deleted += page.deleted
                if page.complete_list_size is not None:
                    self.complete_list_size = page.complete_list_size
                if page.max_datestamp and page.max_datestamp > (self.max_datestamp or ""):
                    self.max_datestamp = page.max_datestamp
                yield from page.records
                token = page.resumption_token
                if not token:
                    return
                if token in seen_tokens:
                    raise SourceError(f"{url}: resumption token {token!r} repeats; stopping")
                seen_tokens.add(token)
                # A follow-up request carries only the verb and the token (OAI-PMH 3.5).
                params = {"verb": "ListRecords", "resumptionToken": token}

    def _fetch(self, client: httpx.Client, params: dict[str, str]) -> tuple[str, bytes]:
        """GET one page: wait the polite delay, honour 503 Retry-After, retry failures."""
        url = str(client.build_request("GET", self.base_url, params=params).url)
        if self._requested:
            self.sleep(self.delay_seconds)
        self._requested = True
        retrying = Retrying(
            stop=stop_after_attempt(self.num_retries + 1),
            wait=wait_exponential(multiplier=self.delay_seconds, min=self.delay_seconds,
                                  max=self.max_backoff_seconds),
            retry=retry_if_exception_type((httpx.TransportError, _RetryableStatus)),
            sleep=self.sleep,
            reraise=True,
        )
        for waits in range(self.max_throttle_waits + 1):
            try:
                response = retrying(self._get, client, url, params)
            except httpx.TransportError as e:
                raise SourceError(
                    f"{url}: {type(e).__name__} after {self.num_retries + 1} attempts: {e}"
                ) from e
            except _RetryableStatus as e:
                raise SourceError(f"{e} after {self.num_retries + 1} attempts") from e
            if response.status_code != 503:
                return url, response.content
            if waits < self.max_throttle_waits:
                self.sleep(self._retry_after(response))
        raise SourceError(
            f"{url}: still throttled (HTTP 503) after {self.max_throttle_waits} waits"
        )

    def _get(self, client: httpx.Client, url: str, params: dict[str, str]) -> httpx.Response:
        response = client.get(self.base_url, params=params)
        status = response.status_code
        if status == 503 and "retry-after" in response.headers:
            return response  # throttling: the caller waits as told
        if status >= 500:
            raise _RetryableStatus(url, status)
        if status != 200 and b"OAI-PMH" not in response.content[:2000]:
            # Some OAI servers send their error documents with a 4xx status; those parse.
            raise SourceError(f"{url}: HTTP {status}")
        return response

    def _retry_after(self, response: httpx.Response) -> float:
        # Seconds or an HTTP date, the latter against this machine's clock.
        seconds = retry_after_seconds(response.headers, use_date_header=False)
        if seconds is None:
            seconds = self.default_retry_after_seconds
        return min(seconds, self.max_retry_after_seconds)
