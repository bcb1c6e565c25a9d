"""Semantic Scholar (S2): papers and authors from the Graph API, saved responses and bulk files.

:func:`parse_paper` and :func:`parse_author` map one S2 object to a :class:`WorkRecord` or
an :class:`AuthorProfile`. They read both spellings S2 uses: the Graph API's camelCase
(``paperId``, ``externalIds``, ``citationCount``) and the bulk datasets' lower case
(``corpusid``, ``externalids``, ``citationcount``; https://api.semanticscholar.org/api-docs/datasets).
:func:`read` reads saved responses and bulk files;
:class:`paperscope.sources.semantic_scholar_client.SemanticScholarClient` asks the
Graph API (https://api.semanticscholar.org/api-docs/graph) politely, and raises the errors
defined here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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

__all__ = [
    "SOURCE",
    "SemanticScholarError",
    "SemanticScholarHttpError",
    "SemanticScholarNetworkError",
    "SemanticScholarNotFoundError",
    "SemanticScholarResponseError",
    "parse_author",
    "parse_paper",
    "read",
]

SOURCE = "semantic-scholar"

_PAPER_URL = "https://www.semanticscholar.org/paper/"
log = logging.getLogger(__name__)


# --- errors -------------------------------------------------------------------------------


class SemanticScholarError(SourceError):
    """Anything that stops an S2 answer from being read; ``url`` is the request URL."""

    retryable = False

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class SemanticScholarHttpError(SemanticScholarError):
    """An HTTP status other than success; 429 and 5xx are retried first.

    ``message`` is S2's own explanation (its ``{"error": …}`` or ``{"message": …}`` body).
    """

    def __init__(
        self, url: str, status_code: int, message: str = "", retry_after: float | None = None
    ) -> None:
        wait = f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
        said = f": {message}" if message else ""
        super().__init__(f"{url}: HTTP {status_code}{said}{wait}", url)
        self.status_code = status_code
        self.message = message
        self.retry_after = retry_after
        self.retryable = status_code == 429 or status_code >= 500


class SemanticScholarNotFoundError(SemanticScholarHttpError):
    """HTTP 404: S2 knows no paper or author by that id."""


class SemanticScholarNetworkError(SemanticScholarError):
    """A timeout or a failed connection."""

    retryable = True


class SemanticScholarResponseError(SemanticScholarError):
    """A successful status with a body that is not the JSON asked for."""


# --- parsing ------------------------------------------------------------------------------


class _Reject(ValueError):
    """A record that fails validation; the message is the Rejected reason."""


def parse_paper(obj: dict[str, Any], origin: Origin, as_of: str) -> WorkRecord:
    """One S2 paper (Graph API or bulk "papers" shape) as a WorkRecord; ValueError names the field.

    The bulk dataset has no ``paperId``; its ``url`` ends in it, so records from both agree.
    """
    paper_id = _text(obj, "paperId")
    if paper_id is None:
        url = _text(obj, "url")
        if url and url.startswith(_PAPER_URL):
            paper_id = url[len(_PAPER_URL) :]
        elif (corpus_id := _int(obj, "corpusId", "corpusid")) is not None:
            paper_id = f"CorpusId:{corpus_id}"
        else:
            raise _Reject('missing "paperId" (and no "url" or "corpusid" to take it from)')
    record = WorkRecord(
        SOURCE,
        origin,
        paper_id,
        as_of,
        title=_text(obj, "title"),
        year=_int(obj, "year"),
        cited_by_count=_int(obj, "citationCount", "citationcount"),
        influential_citation_count=_int(
            obj, "influentialCitationCount", "influentialcitationcount"
        ),
        venue=_text(obj, "venue") or _text(_object(obj, "publicationVenue"), "name"),
    )
    external = _object(obj, "externalIds", "externalids")
    if raw_doi := _text(external, "DOI"):
        try:
            record.dois = [normalize_doi(raw_doi)]
        except InvalidIdentifier as e:
            log.warning("%s: %s; DOI ignored", origin, e)
    if raw_arxiv := _text(external, "ArXiv"):
        try:
            record.arxiv_id = parse_arxiv_id(raw_arxiv).id
        except InvalidIdentifier as e:
            log.warning("%s: %s; arXiv id ignored", origin, e)
    elif record.dois and (from_doi := arxiv_id_from_doi(record.dois[0])):
        record.arxiv_id = from_doi.id
    for position, author in enumerate(_list(obj, "authors")):
        if type(author) is not dict:
            raise _Reject(_wrong_type(f"authors[{position}]", author, "an object"))
        name = _text(author, "name")
        if name:  # position still counts a nameless entry: the order is the paper's
            author_id = author.get("authorId")
            record.authorships.append(
                ProviderAuthorship(name, position, str(author_id) if author_id else None)
            )
    record.references = [
        ref["paperId"]
        for ref in _list(obj, "references")
        if type(ref) is dict and type(ref.get("paperId")) is str
    ]
    topics = [t for t in _list(obj, "fieldsOfStudy") if type(t) is str]
    for entry in _list(obj, "s2FieldsOfStudy", "s2fieldsofstudy"):
        if type(entry) is dict and type(entry.get("category")) is str:
            topics.append(entry["category"])
    record.topics = list(dict.fromkeys(topics))
    return record


def parse_author(obj: dict[str, Any], origin: Origin, as_of: str) -> AuthorProfile:
    """One S2 author (Graph API or bulk "authors" shape) as an AuthorProfile."""
    author_id = _text(obj, "authorId", "authorid")
    if not author_id:
        raise _Reject('missing "authorId"')
    name = _text(obj, "name")
    if not name:
        raise _Reject('missing "name"')
    profile = AuthorProfile(
        SOURCE,
        origin,
        author_id,
        name,
        as_of,
        h_index=_int(obj, "hIndex", "hindex"),
        works_count=_int(obj, "paperCount", "papercount"),
        citation_count=_int(obj, "citationCount", "citationcount"),
    )
    orcid = _object(obj, "externalIds", "externalids").get("ORCID")
    if type(orcid) is list:  # S2 lists DBLP names; be ready for ORCID listed the same way
        orcid = orcid[0] if orcid else None
    if type(orcid) is str and orcid.strip():
        profile.orcid = orcid.strip().removeprefix("https://orcid.org/")
    profile.affiliations = [
        Institution(a.strip()) for a in _list(obj, "affiliations") if type(a) is str and a.strip()
    ]
    profile.work_ids = [
        p["paperId"]
        for p in _list(obj, "papers")
        if type(p) is dict and type(p.get("paperId")) is str
    ]
    return profile


def _field(obj: dict[str, Any], names: tuple[str, ...]) -> tuple[str, Any]:
    for name in names:
        if obj.get(name) is not None:
            return name, obj[name]
    return names[0], None


def _text(obj: dict[str, Any], *names: str) -> str | None:
    name, value = _field(obj, names)
    if value is None:
        return None
    if type(value) is str:
        return value.strip() or None
    if type(value) is int:  # S2 ids are strings, but a bulk file may carry them as numbers
        return str(value)
    raise _Reject(_wrong_type(name, value, "a string"))


def _int(obj: dict[str, Any], *names: str) -> int | None:
    name, value = _field(obj, names)
    if value is None or type(value) is int:
        return value
    raise _Reject(_wrong_type(name, value, "an integer"))


def _list(obj: dict[str, Any], *names: str) -> list[Any]:
    name, value = _field(obj, names)
    if value is None or type(value) is list:
        return value or []
    raise _Reject(_wrong_type(name, value, "a list"))


def _object(obj: dict[str, Any], *names: str) -> dict[str, Any]:
    name, value = _field(obj, names)
    if value is None or type(value) is dict:
        return value or {}
    raise _Reject(_wrong_type(name, value, "an object"))


def _wrong_type(name: str, value: object, expected: str) -> str:
    return f'"{name}" is {type(value).__name__} {_excerpt(value, 60)}, not {expected}'


def _excerpt(value: object, limit: int = 200) -> str:
    return orjson.dumps(value, default=str).decode()[:limit]


# --- saved responses and bulk files -------------------------------------------------------


def read(
    path: Path,
    as_of: str | None = None,
    *,
    on_not_found: Callable[[Origin], None] | None = None,
) -> Iterator[WorkRecord | AuthorProfile | Rejected]:
    """Yield the papers and authors in a saved S2 response or bulk file, Rejected for the rest.

    The file (plain or gzipped) may be one JSON object (a paper, an author, or a page
    ``{"data": [...]}``), a JSON list (a batch response), or JSON lines (a bulk "papers" or
    "authors" file). A batch response holds ``null`` for each id S2 did not find: those
    are skipped, counted in the log and, once the file is read, passed to ``on_not_found``.

    ``as_of`` is the date the figures were observed; without it, a bulk line's ``updated``
    date, else the file's modification date.
    """
    name = str(path)
    missing: list[Origin] = []
    if _is_json_lines(path):
        for item in iter_json_objects(path, SOURCE):
            if type(item) is Rejected:
                yield item
                continue
            origin, obj = item  # type: ignore[misc]
            updated = obj.get("updated")
            day = as_of or (updated[:10] if type(updated) is str else None) or _mtime_date(path)
            yield from _records(obj, origin, day, missing)
    else:
        with open_binary(path) as f:
            try:
                document = orjson.loads(f.read())
            except orjson.JSONDecodeError as e:
                raise SourceError(f"{name}: neither JSON nor JSON lines: {e}") from None
            except (OSError, EOFError) as e:
                raise SourceError(f"{name}: read failed: {e}") from e
        day = as_of or _mtime_date(path)
        if type(document) is list:
            for i, obj in enumerate(document, start=1):
                yield from _records(obj, Origin(name, f"item {i}"), day, missing)
        else:
            yield from _records(document, Origin(name, "document"), day, missing)
    if missing:
        log.info("%s: %d null entries (ids S2 did not find) skipped", name, len(missing))
        if on_not_found:
            for origin in missing:
                on_not_found(origin)


def _records(
    obj: Any, origin: Origin, as_of: str, missing: list[Origin]
) -> Iterator[WorkRecord | AuthorProfile | Rejected]:
    """The record in one JSON value, or those of a page ``{"data": [...]}``; nulls to ``missing``."""
    if obj is None:
        missing.append(origin)
    elif type(obj) is not dict:
        yield Rejected(SOURCE, origin, f"not a JSON object but {type(obj).__name__}", _excerpt(obj))
    elif type(obj.get("data")) is list and not _ID_KEYS.intersection(obj):
        within = "" if origin.position == "document" else f"{origin.position}, "
        for i, item in enumerate(obj["data"], start=1):
            yield from _records(item, Origin(origin.file, f"{within}data item {i}"), as_of, missing)
    else:
        yield _parse_any(obj, origin, as_of)


_ID_KEYS = frozenset(("paperId", "corpusid", "corpusId", "authorId", "authorid"))


def _parse_any(
    obj: dict[str, Any], origin: Origin, as_of: str
) -> WorkRecord | AuthorProfile | Rejected:
    try:
        if any(k in obj for k in ("paperId", "corpusid", "corpusId")):
            return parse_paper(obj, origin, as_of)
        if "authorId" in obj or "authorid" in obj:
            return parse_author(obj, origin, as_of)
        raise _Reject('neither a paper nor an author: no "paperId", "corpusid" or "authorId"')
    except _Reject as e:
        return Rejected(SOURCE, origin, str(e), _excerpt(obj))


def _is_json_lines(path: Path) -> bool:
    """True when one of the first two non-blank lines is a whole JSON object by itself.

    A pretty-printed document has no such line; two are looked at so that one damaged
    line at the top of a bulk file does not make the whole file one unreadable document.
    """
    looked_at = 0
    with open_binary(path) as f:
        try:
            for line in f:
                line = line.strip().removeprefix(b"\xef\xbb\xbf")
                if not line:
                    continue
                if line[:1] != b"{":
                    return False
                if type(_loads_or_none(line)) is dict:
                    return True
                looked_at += 1
                if looked_at == 2:
                    return False
        except (OSError, EOFError) as e:
            raise SourceError(f"{path}: read failed: {e}") from e
    return False


def _loads_or_none(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def _mtime_date(path: Path) -> str:
    return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).date().isoformat()
