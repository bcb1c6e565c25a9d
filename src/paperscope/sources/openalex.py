"""OpenAlex works and authors: parsed from snapshot/API files or fetched live.

OpenAlex (https://openalex.org, CC0 data) describes a work with its DOI, citation counts
(in total and per year), referenced works, authorships (author ids, ORCIDs, institutions
with ROR ids) and topics, and an author with summary figures (h-index, i10-index). They
become :class:`WorkRecord` and :class:`AuthorProfile`, which enrich stored papers and
researchers found by identifier; they never create papers of their own.

:func:`parse_work` and :func:`parse_author` map one object; :func:`read` reads files.
Fetching live, politely, is :class:`paperscope.sources.openalex_client.OpenAlexClient`,
which raises the errors defined here.

``as_of`` — the date the figures were observed:

- files (:func:`read`): the object's own ``updated_date`` (when OpenAlex last changed it,
  which is when its counts were last true), else the file's modification date; a caller
  who knows better (the snapshot's release date) passes ``as_of``.
- live (:class:`~paperscope.sources.openalex_client.OpenAlexClient`): the response's
  ``Date`` header (UTC), else today.

OpenAlex ids are kept short ("W2741809807", "A5023888391", "I27837315"); ORCIDs bare.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from paperscope.ids import InvalidIdentifier, arxiv_id_from_doi, normalize_doi, parse_arxiv_id
from paperscope.models import (
    AuthorProfile,
    Institution,
    Origin,
    ProviderAuthorship,
    Rejected,
    WorkRecord,
)
from paperscope.sources.jsonlines import SourceError, iter_json_objects, open_binary
from paperscope.text import clean_title

__all__ = [
    "SOURCE",
    "OpenAlexBudgetExhausted",
    "OpenAlexError",
    "OpenAlexHttpError",
    "OpenAlexKeyMissingError",
    "OpenAlexNetworkError",
    "OpenAlexRecordError",
    "OpenAlexResponseError",
    "parse_author",
    "parse_work",
    "read",
    "short_id",
]

SOURCE = "openalex"

log = logging.getLogger(__name__)

_KINDS = {"W": "work", "A": "author", "I": "institution", "S": "source", "T": "topic",
          "C": "concept", "P": "publisher", "F": "funder"}  # fmt: skip
_OPENALEX_ID = re.compile(r"(?:https?://(?:api\.)?openalex\.org/(?:\w+/)?)?([A-Za-z]\d+)")
_ORCID = re.compile(r"(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.IGNORECASE)
_ARXIV_HOST = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/", re.IGNORECASE)
_ARXIV_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/10\.48550/", re.IGNORECASE)


# --- errors ---------------------------------------------------------------------------


class OpenAlexRecordError(ValueError):
    """An object that is not a usable work or author; the message names it and why."""


class OpenAlexError(SourceError):
    """Anything that stops a live request; ``url`` is the request URL (API key removed)."""

    retryable = False

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class OpenAlexKeyMissingError(OpenAlexError):
    """No API key: OpenAlex requires one since 13 February 2026 (a free one will do)."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"{url}: OpenAlex needs an API key since 2026-02-13; get a free one at "
            "https://openalex.org/settings/api and pass it as api_key",
            url,
        )


class OpenAlexHttpError(OpenAlexError):
    """An HTTP status other than success; 429 and 5xx are retried first."""

    def __init__(
        self, url: str, status_code: int, retry_after: float | None = None, detail: str = ""
    ) -> None:
        wait = f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
        hint = " (is the API key valid?)" if status_code in (401, 403) else ""
        said = f": {detail}" if detail else ""
        super().__init__(f"{url}: HTTP {status_code}{wait}{said}{hint}", url)
        self.status_code = status_code
        self.retry_after = retry_after
        self.retryable = status_code == 429 or status_code >= 500


class OpenAlexNetworkError(OpenAlexError):
    """A timeout or a failed connection."""

    retryable = True


class OpenAlexResponseError(OpenAlexError):
    """A body that is not the JSON object expected; a blank or cut-off one is retried."""

    def __init__(self, message: str, url: str, retryable: bool = False) -> None:
        super().__init__(message, url)
        self.retryable = retryable


class OpenAlexBudgetExhausted(OpenAlexError):
    """The client's request budget is spent; nothing more is asked."""


# --- parsing --------------------------------------------------------------------------


def short_id(value: object, kind: str | None = None) -> str:
    """The short OpenAlex key ("W2741809807") of an id or URL; ``kind`` checks its letter."""
    m = _OPENALEX_ID.fullmatch(value.strip()) if isinstance(value, str) else None
    key = m[1].upper() if m else ""
    if not key or key[0] not in _KINDS or (kind is not None and key[0] != kind):
        wanted = f"{_KINDS.get(kind or '', 'entity')} id"
        raise OpenAlexRecordError(f"not an OpenAlex {wanted}: {value!r}")
    return key


def _own_id(obj: dict[str, Any], kind: str | None) -> str:
    if obj.get("id") is None:
        raise OpenAlexRecordError('missing "id"')
    return short_id(obj["id"], kind)


def parse_work(obj: dict[str, Any], origin: Origin, as_of: str) -> WorkRecord:
    """The WorkRecord of an OpenAlex work object; raise OpenAlexRecordError if unusable."""
    work_id = _own_id(obj, "W")
    title = _text(obj, "display_name") or _text(obj, "title")
    if title == "Deleted Work":
        raise OpenAlexRecordError(f"{work_id}: deleted from OpenAlex")
    ids = _dict(obj, "ids")
    doi = _doi(obj.get("doi") or ids.get("doi"), origin)
    arxiv_id = _arxiv_id(doi, obj, origin)
    counts_by_year: dict[int, int] = {}
    for entry in _list(obj, "counts_by_year"):
        year, count = _dict_entry(entry, "counts_by_year").get("year"), entry.get("cited_by_count")
        if not _is_int(year) or not _is_int(count):
            raise OpenAlexRecordError(f"counts_by_year: bad entry {entry!r}")
        counts_by_year[year] = count
    topics = [t for t in map(_display_name, _list(obj, "topics")) if t]
    if not topics:  # objects from before topics (2024) have concepts only
        topics = [c for c in map(_display_name, _list(obj, "concepts")) if c]
    return WorkRecord(
        source=SOURCE,
        origin=origin,
        source_id=work_id,
        as_of=as_of,
        title=clean_title(title) if title else None,
        year=_int(obj, "publication_year"),
        arxiv_id=arxiv_id,
        dois=[doi] if doi else [],
        cited_by_count=_int(obj, "cited_by_count"),
        counts_by_year=counts_by_year,
        references=[short_id(w, "W") for w in _list(obj, "referenced_works")],
        authorships=[
            _authorship(_dict_entry(a, "authorships"), i)
            for i, a in enumerate(_list(obj, "authorships"))
        ],
        topics=topics,
        venue=_venue(obj),
    )


def parse_author(obj: dict[str, Any], origin: Origin, as_of: str) -> AuthorProfile:
    """The AuthorProfile of an OpenAlex author object; raise OpenAlexRecordError if unusable."""
    author_id = _own_id(obj, "A")
    name = _text(obj, "display_name")
    if not name:
        raise OpenAlexRecordError(f"{author_id}: no display_name")
    if name == "Deleted Author":
        raise OpenAlexRecordError(f"{author_id}: deleted from OpenAlex")
    stats = _dict(obj, "summary_stats")
    return AuthorProfile(
        source=SOURCE,
        origin=origin,
        source_id=author_id,
        name=name,
        as_of=as_of,
        orcid=_orcid(obj.get("orcid") or _dict(obj, "ids").get("orcid")),
        h_index=_int(stats, "h_index"),
        i10_index=_int(stats, "i10_index"),
        works_count=_int(obj, "works_count"),
        citation_count=_int(obj, "cited_by_count"),
        affiliations=_author_institutions(obj),
    )


def _authorship(entry: dict[str, Any], position: int) -> ProviderAuthorship:
    author = _dict(entry, "author")
    name = _text(author, "display_name") or _text(entry, "raw_author_name")
    if not name:
        raise OpenAlexRecordError(f"authorship {position}: no author name")
    author_id = author.get("id")
    return ProviderAuthorship(
        name=name,
        position=position,
        source_id=short_id(author_id, "A") if author_id else None,
        orcid=_orcid(author.get("orcid")),
        institutions=[_institution(i) for i in _list(entry, "institutions")],
        raw_affiliations=[s for s in _list(entry, "raw_affiliation_strings") if isinstance(s, str)],
    )


def _institution(obj: object) -> Institution:
    inst = _dict_entry(obj, "institutions")
    inst_id = inst.get("id")
    return Institution(
        name=_text(inst, "display_name") or "",
        source_id=short_id(inst_id, "I") if inst_id else None,
        ror=_text(inst, "ror"),
        country=_text(inst, "country_code"),
    )


def _author_institutions(obj: dict[str, Any]) -> list[Institution]:
    """Last known institutions; failing those, every affiliation, most recent first."""
    last = _list(obj, "last_known_institutions")
    if not last and isinstance(obj.get("last_known_institution"), dict):
        last = [obj["last_known_institution"]]  # the single-valued field before 2024
    if last:
        return [_institution(i) for i in last]
    entries = [_dict_entry(a, "affiliations") for a in _list(obj, "affiliations")]
    history = [a for a in entries if isinstance(a.get("institution"), dict)]

    def latest(affiliation: dict[str, Any]) -> int:
        return max((y for y in _list(affiliation, "years") if _is_int(y)), default=0)

    return [_institution(a.get("institution")) for a in sorted(history, key=latest, reverse=True)]


def _arxiv_id(doi: str | None, obj: dict[str, Any], origin: Origin) -> str | None:
    """The arXiv id from a DataCite arXiv DOI, else from arXiv locations if they agree."""
    if doi and (from_doi := arxiv_id_from_doi(doi)):
        return from_doi.id
    found: set[str] = set()
    for location in _list(obj, "locations"):
        if not isinstance(location, dict):
            continue
        for url in (location.get(k) for k in ("landing_page_url", "pdf_url")):
            if not isinstance(url, str):
                continue
            with contextlib.suppress(InvalidIdentifier):
                if _ARXIV_HOST.match(url):
                    found.add(parse_arxiv_id(url).id)
                elif _ARXIV_DOI_URL.match(url) and (arxiv := arxiv_id_from_doi(url)):
                    found.add(arxiv.id)
    if len(found) > 1:  # merged preprints: no id rather than the wrong one
        log.warning("%s: locations name several arXiv ids %s; none taken", origin, sorted(found))
        return None
    return found.pop() if found else None


def _venue(obj: dict[str, Any]) -> str | None:
    source = _dict(_dict(obj, "primary_location"), "source")
    return _text(source, "display_name") or _text(_dict(obj, "host_venue"), "display_name")


def _doi(value: object, origin: Origin) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return normalize_doi(value)
    except InvalidIdentifier:
        log.warning("%s: DOI %r is malformed; left out", origin, value)
        return None


def _orcid(value: object) -> str | None:
    m = _ORCID.fullmatch(value.strip()) if isinstance(value, str) else None
    return m[1].upper() if m else None


def _display_name(entry: object) -> str | None:
    return _text(entry, "display_name") if isinstance(entry, dict) else None


def _text(obj: object, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value.strip() or None if isinstance(value, str) else None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if not _is_int(value):
        raise OpenAlexRecordError(f"{key} is {value!r}, not an integer")
    return int(value)


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OpenAlexRecordError(f"{key} is a {type(value).__name__}, not a list")
    return value


def _dict(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def _dict_entry(value: object, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise OpenAlexRecordError(f"{key}: entry {value!r} is not an object")
    return value


# --- files ----------------------------------------------------------------------------

# A file this large is not read whole to test whether it is one JSON document.
_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024


def read(path: Path, as_of: str | None = None) -> Iterator[WorkRecord | AuthorProfile | Rejected]:
    """Yield a record per work or author in an OpenAlex file, a Rejected per bad one.

    The file is JSON lines, one entity (or one API page) a line, as in the snapshot —
    plain or gzipped — or one JSON document: an entity, an API page
    ``{"meta": …, "results": […]}`` or a list. Works and authors are told apart by the
    letter of their id; other entities (institutions, sources…) are rejected.
    ``as_of`` defaults to each object's ``updated_date``, else the file's date.
    """
    file_date = _file_date(path)
    for item in _entities(path):
        if isinstance(item, Rejected):
            yield item
        else:
            origin, obj = item
            yield _parse_entity(obj, origin, as_of or _updated_on(obj) or file_date)


def _entities(path: Path) -> Iterator[tuple[Origin, dict[str, Any]] | Rejected]:
    name = str(path)
    with open_binary(path) as f:
        first = f.readline().removeprefix(b"\xef\xbb\xbf").strip()
    try:
        is_lines = isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        is_lines = path.stat().st_size > _MAX_DOCUMENT_BYTES
    document: object = None
    if not is_lines:
        with open_binary(path) as f:
            try:
                document = orjson.loads(f.read())
            except orjson.JSONDecodeError:
                is_lines = True  # a broken first line of a JSON-lines file
    if is_lines:
        for item in iter_json_objects(path, SOURCE):
            if isinstance(item, Rejected) or not isinstance(item[1].get("results"), list):
                yield item
            else:
                yield from _page_items(item[1]["results"], name, f"{item[0].position} result")
    elif isinstance(document, dict) and isinstance(document.get("results"), list):
        yield from _page_items(document["results"], name, "result")
    elif isinstance(document, dict):
        yield Origin(name, "document"), document
    elif isinstance(document, list):
        yield from _page_items(document, name, "item")
    else:
        raise SourceError(f"{name}: a JSON {type(document).__name__}, not OpenAlex entities")


def _page_items(
    items: list[Any], name: str, position: str
) -> Iterator[tuple[Origin, dict[str, Any]] | Rejected]:
    for i, obj in enumerate(items, start=1):
        origin = Origin(name, f"{position} {i}")
        if isinstance(obj, dict):
            yield origin, obj
        else:
            yield Rejected(
                SOURCE, origin, f"not a JSON object but {type(obj).__name__}", repr(obj)[:200]
            )


def _parse_entity(
    obj: dict[str, Any], origin: Origin, as_of: str
) -> WorkRecord | AuthorProfile | Rejected:
    try:
        key = _own_id(obj, None)
        if key[0] == "W":
            return parse_work(obj, origin, as_of)
        if key[0] == "A":
            return parse_author(obj, origin, as_of)
        raise OpenAlexRecordError(f"{key} is an OpenAlex {_KINDS[key[0]]}, not a work or author")
    except OpenAlexRecordError as e:
        return _rejected(obj, origin, e)


def _work_or_rejected(obj: dict[str, Any], origin: Origin, as_of: str) -> WorkRecord | Rejected:
    try:
        return parse_work(obj, origin, as_of)
    except OpenAlexRecordError as e:
        return _rejected(obj, origin, e)


def _rejected(obj: dict[str, Any], origin: Origin, error: OpenAlexRecordError) -> Rejected:
    excerpt = orjson.dumps(obj)[:200].decode("utf-8", "replace")
    return Rejected(SOURCE, origin, str(error), excerpt)


def _updated_on(obj: dict[str, Any]) -> str | None:
    value = obj.get("updated_date")
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value[:10]).isoformat()
    return None


def _file_date(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
    except OSError as e:
        raise SourceError(f"{path}: cannot open: {e.strerror or e}") from e
