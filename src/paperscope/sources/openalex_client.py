"""The live OpenAlex API, fetched politely: DOI filters, cursor paging, a budget, retries.

:class:`OpenAlexClient` looks works up by DOI (arXiv papers by their DataCite DOI) and
authors by id or ORCID. Parsing the objects is :mod:`paperscope.sources.openalex`
(:func:`~paperscope.sources.openalex.parse_work`,
:func:`~paperscope.sources.openalex.parse_author`), and the typed errors raised here
(each carrying the request URL, API key removed) are defined beside them. A record's
``as_of`` is the response's ``Date`` header (UTC), else today.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from paperscope import __version__
from paperscope.ids import normalize_doi, parse_arxiv_id
from paperscope.models import AuthorProfile, Origin, Rejected, WorkRecord
from paperscope.sources.http_client import PoliteClient
from paperscope.sources.http_retry import retry_after_seconds
from paperscope.sources.openalex import (
    SOURCE,
    OpenAlexBudgetExhausted,
    OpenAlexError,
    OpenAlexHttpError,
    OpenAlexKeyMissingError,
    OpenAlexNetworkError,
    OpenAlexResponseError,
    _is_int,
    _orcid,
    _work_or_rejected,
    parse_author,
    short_id,
)

__all__ = ["DEFAULT_BASE_URL", "OpenAlexClient"]

DEFAULT_BASE_URL = "https://api.openalex.org"
# OpenAlex's limits (https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities):
# up to 50 values OR-ed in one filter, up to 200 results a page.
MAX_IDS_PER_FILTER = 50
MAX_PER_PAGE = 200

log = logging.getLogger(__name__)

# DOIs that cannot go into an OR filter: "," separates filters and "|" separates values.
_FILTER_SYNTAX = re.compile(r"[,|]")


class OpenAlexClient(PoliteClient):
    """Fetches works and authors from the OpenAlex API politely; works come lazily.

    Works are looked up by DOI, 50 to a request (an OR filter), arXiv papers by their
    DataCite DOI ``10.48550/arxiv.<id>``; pages follow OpenAlex's cursor. Use it as a
    context manager (or call :meth:`close`) so its HTTP connection is released.
    """

    _error_type = OpenAlexError
    _network_error = OpenAlexNetworkError

    base_url: str
    """The API root."""
    per_page: int
    """Results asked for per page (OpenAlex allows up to 200; a list request costs the
    same whatever its size, so fewer, fuller pages go further)."""
    budget: int | None
    """Most HTTP requests this client makes, retries included; None: no limit. When it is
    spent :meth:`works_by_ids` stops cleanly and says so in :attr:`stopped`."""
    delay_seconds: float
    """Least time between requests. OpenAlex allows 100 requests a second; we ask for
    far fewer (https://docs.openalex.org/how-to-use-the-api/rate-limits-and-authentication)."""
    num_retries: int
    """Further tries after a timeout, a failed connection, HTTP 429 or 5xx, or a blank
    or cut-off body; waits grow exponentially from backoff_seconds."""
    backoff_seconds: float
    """Wait before the first retry; doubled for each further one, up to max_backoff_seconds."""
    max_backoff_seconds: float
    """Cap on the exponential wait between tries."""
    max_retry_after_seconds: float
    """A Retry-After longer than this (a spent daily allowance) is not waited out."""
    timeout: float
    """Seconds to wait for connecting and for each read."""
    requests_made: int
    """HTTP requests made so far, retries included."""
    stopped: str | None
    """Why the last :meth:`works_by_ids` stopped early (its budget spent), else None."""

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        per_page: int = 100,
        budget: int | None = None,
        delay_seconds: float = 0.1,
        num_retries: int = 4,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        max_retry_after_seconds: float = 300.0,
        timeout: float = 30.0,
        user_agent: str = f"paperscope/{__version__}",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, not {per_page}")
        if budget is not None and budget < 1:
            raise ValueError(f"budget must be ≥ 1 request, not {budget}")
        if delay_seconds < 0 or num_retries < 0 or timeout <= 0:
            raise ValueError("delay_seconds and num_retries must be ≥ 0, timeout > 0")
        super().__init__(
            num_retries=num_retries,
            max_backoff_seconds=max_backoff_seconds,
            max_retry_after_seconds=max_retry_after_seconds,
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            sleep=sleep,
            clock=clock,
            transport=transport,
            one_connection=False,
        )
        self._api_key = api_key.strip() if api_key else None
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page
        self.budget = budget
        self.delay_seconds = delay_seconds
        self.backoff_seconds = backoff_seconds
        self.requests_made = 0
        self.stopped = None

    def _interval_seconds(self) -> float:
        return self.delay_seconds

    def _first_backoff_seconds(self) -> float:
        return self.backoff_seconds

    def works_by_ids(
        self, dois: list[str], arxiv_ids: list[str]
    ) -> Iterator[WorkRecord | Rejected]:
        """Yield OpenAlex's record of each work with one of these DOIs or arXiv ids.

        Ids are checked at once (InvalidIdentifier) and so is the API key
        (OpenAlexKeyMissingError). Unknown ids are silently absent: match the records'
        ``dois``/``arxiv_id`` to see which were found. An arXiv paper OpenAlex merged into
        its journal version carries the journal DOI and is found only by that DOI.
        """
        self._require_key(f"{self.base_url}/works")
        wanted = list(dict.fromkeys([normalize_doi(d) for d in dois] + [
            f"10.48550/arxiv.{parse_arxiv_id(a).id}" for a in arxiv_ids
        ]))  # fmt: skip
        self.stopped = None
        return self._works(wanted)

    def author(self, author_id: str) -> AuthorProfile:
        """The profile of an author by OpenAlex id ("A5023888391", its URL) or ORCID."""
        orcid = _orcid(author_id)
        key = f"orcid:{orcid}" if orcid else short_id(author_id, "A")
        body, url, as_of = self._get_json(f"/authors/{key}", {})
        return parse_author(body, Origin(url, "document"), as_of)

    # -- works -------------------------------------------------------------------------

    def _works(self, dois: list[str]) -> Iterator[WorkRecord | Rejected]:
        filterable = [d for d in dois if not _FILTER_SYNTAX.search(d)]
        batches = [
            filterable[i : i + MAX_IDS_PER_FILTER]
            for i in range(0, len(filterable), MAX_IDS_PER_FILTER)
        ]
        singles = [d for d in dois if _FILTER_SYNTAX.search(d)]
        done = 0
        try:
            for batch in batches:
                yield from self._paginate({"filter": "doi:" + "|".join(batch)})
                done += len(batch)
            for doi in singles:
                yield from self._work_by_doi(doi)
                done += 1
        except OpenAlexBudgetExhausted:
            self.stopped = (
                f"OpenAlex request budget of {self.budget} spent: stopped with "
                f"{len(dois) - done} of {len(dois)} ids not looked up"
            )
            log.warning("%s", self.stopped)

    def _paginate(self, params: dict[str, str]) -> Iterator[WorkRecord | Rejected]:
        cursor: object = "*"
        received = 0
        while isinstance(cursor, str) and cursor:
            query = {**params, "per_page": str(self.per_page), "cursor": cursor}
            body, url, as_of = self._get_json("/works", query)
            results, meta = body.get("results"), body.get("meta")
            if not isinstance(results, list) or not isinstance(meta, dict):
                raise OpenAlexResponseError(f'{url}: no "results" list and "meta" object', url)
            for i, obj in enumerate(results, start=1):
                origin = Origin(url, f"result {i}")
                if isinstance(obj, dict):
                    yield _work_or_rejected(obj, origin, as_of)
                else:
                    yield Rejected(SOURCE, origin, f"not a JSON object but {type(obj).__name__}")
            received += len(results)
            count = meta.get("count")
            # OpenAlex ends with an empty page; skip asking for it when the count is met.
            if not results or (_is_int(count) and received >= count):
                return
            cursor = meta.get("next_cursor")

    def _work_by_doi(self, doi: str) -> Iterator[WorkRecord | Rejected]:
        try:
            body, url, as_of = self._get_json(f"/works/doi:{quote(doi, safe='/')}", {})
        except OpenAlexHttpError as e:
            if e.status_code == 404:
                return
            raise
        yield _work_or_rejected(body, Origin(url, "document"), as_of)

    # -- requests ----------------------------------------------------------------------

    def _require_key(self, url: str) -> None:
        if not self._api_key:
            raise OpenAlexKeyMissingError(url)

    def _get_json(self, path: str, params: dict[str, str]) -> tuple[dict[str, Any], str, str]:
        """(body, URL without the key, observation date) of one GET, with retries."""
        url = str(httpx.URL(self.base_url + path, params=params))
        self._require_key(url)
        return self._with_retries(self._get_once, url, path, params)

    def _get_once(
        self, url: str, path: str, params: dict[str, str]
    ) -> tuple[dict[str, Any], str, str]:
        if self.budget is not None and self.requests_made >= self.budget:
            raise OpenAlexBudgetExhausted(f"{url}: request budget of {self.budget} spent", url)
        self.requests_made += 1
        response = self._send(
            "GET", url, self.base_url + path, params={**params, "api_key": self._api_key or ""}
        )
        if response.status_code != 200:
            raise OpenAlexHttpError(
                url,
                response.status_code,
                retry_after_seconds(response.headers),
                _error_detail(response),
            )
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as e:
            raise OpenAlexResponseError(f"{url}: not JSON: {e}", url, retryable=True) from e
        if not isinstance(body, dict):
            raise OpenAlexResponseError(f"{url}: a JSON {type(body).__name__}, not an object", url)
        return body, url, _response_date(response)


def _response_date(response: httpx.Response) -> str:
    """The UTC date the server answered (its Date header), else today's."""
    if sent := response.headers.get("Date"):
        with contextlib.suppress(TypeError, ValueError):
            return email.utils.parsedate_to_datetime(sent).astimezone(UTC).date().isoformat()
    return datetime.now(UTC).date().isoformat()


def _error_detail(response: httpx.Response) -> str:
    """OpenAlex's own words on an error ({"error": …, "message": …}), shortened."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(body, dict):
        return ""
    said = [str(body[k]) for k in ("error", "message") if body.get(k)]
    return " — ".join(said)[:300]
