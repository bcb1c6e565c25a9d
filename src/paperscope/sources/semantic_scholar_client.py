"""The live Semantic Scholar Graph API, asked politely: batches, spacing, retries.

:class:`SemanticScholarClient` posts paper ids in batches and fetches authors
(https://api.semanticscholar.org/api-docs/graph). Parsing S2's objects is
:mod:`paperscope.sources.semantic_scholar`, and the typed errors raised here (each
carrying the request URL) are defined beside it.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from paperscope import __version__
from paperscope.models import AuthorProfile, Origin, Rejected, WorkRecord
from paperscope.sources.http_client import PoliteClient
from paperscope.sources.http_retry import retry_after_seconds
from paperscope.sources.semantic_scholar import (
    SOURCE,
    SemanticScholarError,
    SemanticScholarHttpError,
    SemanticScholarNetworkError,
    SemanticScholarNotFoundError,
    SemanticScholarResponseError,
    _excerpt,
    _Reject,
    parse_author,
    parse_paper,
)

__all__ = [
    "AUTHOR_FIELDS",
    "DEFAULT_BASE_URL",
    "MAX_BATCH_SIZE",
    "PAPER_FIELDS",
    "SemanticScholarClient",
]

DEFAULT_BASE_URL = "https://api.semanticscholar.org/graph/v1"
# S2's limit for one POST /paper/batch (https://api.semanticscholar.org/api-docs/graph).
MAX_BATCH_SIZE = 500
PAPER_FIELDS = (
    "paperId,externalIds,title,year,venue,citationCount,influentialCitationCount,"
    "fieldsOfStudy,s2FieldsOfStudy,authors"
)
"""What :meth:`SemanticScholarClient.papers_batch` asks for unless told otherwise. References
are left out: 500 papers' reference lists make responses large; add ``references`` to get them."""
AUTHOR_FIELDS = "authorId,externalIds,name,affiliations,paperCount,citationCount,hIndex,papers"

log = logging.getLogger(__name__)


class SemanticScholarClient(PoliteClient):
    """Asks the S2 Graph API politely: one request at a time, spaced, retried with backoff.

    Use it as a context manager (or call :meth:`close`) to release its HTTP connection.
    """

    _error_type = SemanticScholarError
    _network_error = SemanticScholarNetworkError

    base_url: str
    """The Graph API root, without a trailing slash."""
    min_interval_seconds: float
    """Least time between the end of one request and the start of the next. S2 allows an
    API key 1 request per second across all endpoints, and keyless callers share one pool
    (https://www.semanticscholar.org/product/api); 1.0 keeps within either."""
    batch_size: int
    """Ids sent per POST /paper/batch (S2 allows up to 500)."""
    num_retries: int
    """Further tries after a timeout, a failed connection, HTTP 429 or 5xx."""
    backoff_seconds: float
    """The first wait before a retry; it doubles with each further try (S2 asks for
    exponential backoff on 429), and a longer Retry-After wins."""
    max_backoff_seconds: float
    """Cap on the exponential wait."""
    max_retry_after_seconds: float
    """A Retry-After longer than this is not waited out: the request fails at once."""
    timeout: float
    """Seconds to wait for connecting and for each read."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        min_interval_seconds: float = 1.0,
        batch_size: int = MAX_BATCH_SIZE,
        num_retries: int = 5,
        backoff_seconds: float = 2.0,
        max_backoff_seconds: float = 120.0,
        max_retry_after_seconds: float = 600.0,
        timeout: float = 60.0,
        user_agent: str = f"paperscope/{__version__}",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH_SIZE}, not {batch_size}")
        if min_interval_seconds < 0 or num_retries < 0 or backoff_seconds < 0 or timeout <= 0:
            raise ValueError("intervals and num_retries must be ≥ 0, timeout > 0")
        headers = {"User-Agent": user_agent}
        if api_key:  # kept in the client's headers only: never in a URL, an error or a log
            headers["x-api-key"] = api_key
        super().__init__(
            num_retries=num_retries,
            max_backoff_seconds=max_backoff_seconds,
            max_retry_after_seconds=max_retry_after_seconds,
            timeout=timeout,
            headers=headers,
            sleep=sleep,
            clock=clock,
            transport=transport,
        )
        self.base_url = base_url.rstrip("/")
        self.min_interval_seconds = min_interval_seconds
        self.batch_size = batch_size
        self.backoff_seconds = backoff_seconds

    def _interval_seconds(self) -> float:
        return self.min_interval_seconds

    def _first_backoff_seconds(self) -> float:
        return self.backoff_seconds

    def papers_batch(
        self, ids: Iterable[str], fields: str | Sequence[str] = PAPER_FIELDS
    ) -> Iterator[WorkRecord | Rejected]:
        """Yield a WorkRecord for each paper id S2 knows, a Rejected ("not found: …") for each other.

        Ids are S2's: ``ARXIV:2106.15928``, ``DOI:10.1093/mind/lix.236.433``, ``CorpusId:470667``
        or a paperId. Blank and repeated ids are dropped; the rest go ``batch_size`` a request,
        in order, and each record's origin names the id it answers.
        """
        wanted = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
        params = {"fields": fields if isinstance(fields, str) else ",".join(fields)}
        url = str(httpx.URL(f"{self.base_url}/paper/batch", params=params))
        for batch, first in enumerate(range(0, len(wanted), self.batch_size), start=1):
            chunk = wanted[first : first + self.batch_size]
            response = self._request("POST", "/paper/batch", params, {"ids": chunk})
            found = _json(response, url)
            if type(found) is not list or len(found) != len(chunk):
                got = f"{len(found)} items" if type(found) is list else type(found).__name__
                raise SemanticScholarResponseError(
                    f"{url}: expected a list of {len(chunk)} papers, got {got}", url
                )
            as_of = _response_date(response)
            for i, (requested, obj) in enumerate(zip(chunk, found, strict=True), start=1):
                origin = Origin(url, f"batch {batch} item {i} ({requested})")
                if obj is None:
                    log.info("%s: not found", origin)
                    yield Rejected(SOURCE, origin, f"not found: {requested}")
                elif type(obj) is not dict:
                    reason = f"not a JSON object but {type(obj).__name__}"
                    yield Rejected(SOURCE, origin, reason, _excerpt(obj))
                else:
                    try:
                        yield parse_paper(obj, origin, as_of)
                    except _Reject as e:
                        yield Rejected(SOURCE, origin, str(e), _excerpt(obj))

    def author(self, author_id: str, fields: str | Sequence[str] = AUTHOR_FIELDS) -> AuthorProfile:
        """S2's profile of one author; SemanticScholarNotFoundError if it has none by that id."""
        if not author_id.strip():
            raise ValueError("empty author id")
        path = f"/author/{quote(author_id.strip(), safe='')}"
        params = {"fields": fields if isinstance(fields, str) else ",".join(fields)}
        url = str(httpx.URL(f"{self.base_url}{path}", params=params))
        response = self._request("GET", path, params, None)
        obj = _json(response, url)
        if type(obj) is not dict:
            raise SemanticScholarResponseError(f"{url}: expected an author object", url)
        try:
            return parse_author(obj, Origin(url, "response"), _response_date(response))
        except _Reject as e:
            raise SemanticScholarResponseError(f"{url}: {e}", url) from None

    def match_title(self, title: str, fields: str | Sequence[str] = PAPER_FIELDS) -> WorkRecord | None:
        """The paper S2 matches to a title (``/paper/search/match``: its best match, or
        none, which S2 answers with 404)."""
        if not title.strip():
            raise ValueError("empty title")
        path = "/paper/search/match"
        params = {"query": " ".join(title.split()), "fields": fields if isinstance(fields, str) else ",".join(fields)}
        url = str(httpx.URL(f"{self.base_url}{path}", params=params))
        try:
            response = self._request("GET", path, params, None)
        except SemanticScholarNotFoundError:
            return None
        obj = _json(response, url)
        found = obj.get("data") if type(obj) is dict else None
        if type(found) is not list:
            raise SemanticScholarResponseError(f"{url}: expected {{'data': [papers]}}", url)
        if not found or type(found[0]) is not dict:
            return None
        try:
            return parse_paper(found[0], Origin(url, "match 1"), _response_date(response))
        except _Reject as e:
            raise SemanticScholarResponseError(f"{url}: {e}", url) from None

    # -- one request, spaced and retried ---------------------------------------------------

    def _request(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None
    ) -> httpx.Response:
        return self._with_retries(self._send_once, method, path, params, body)

    def _send_once(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None
    ) -> httpx.Response:
        url = str(httpx.URL(f"{self.base_url}{path}", params=params))
        response = self._send(
            method,
            url,
            f"{self.base_url}{path}",
            params=params,
            content=orjson.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json"} if body is not None else None,
        )
        status = response.status_code
        if status != 200:
            error_class = (
                SemanticScholarNotFoundError if status == 404 else SemanticScholarHttpError
            )
            raise error_class(
                url, status, _error_message(response), retry_after_seconds(response.headers)
            )
        return response


def _json(response: httpx.Response, url: str) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as e:
        raise SemanticScholarResponseError(f"{url}: body is not JSON: {e}", url) from None


def _error_message(response: httpx.Response) -> str:
    """S2's explanation of an error: ``{"error": …}``, ``{"message": …}``, else the body's start."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.content[:200].decode("utf-8", "replace").strip()
    if type(body) is dict:
        for key in ("error", "message"):
            if type(body.get(key)) is str:
                return str(body[key])
    return _excerpt(body)


def _response_date(response: httpx.Response) -> str:
    """The day S2 answered (its Date header), else today (UTC): the figures' as-of date."""
    if date_header := response.headers.get("Date"):
        with contextlib.suppress(TypeError, ValueError):
            return email.utils.parsedate_to_datetime(date_header).date().isoformat()
    return datetime.now(UTC).date().isoformat()
