"""The live arXiv API, fetched politely: paging, a delay between requests, retries.

:class:`ArxivApiClient` fetches Atom feeds page by page and yields their records lazily.
Parsing a feed is :func:`paperscope.sources.arxiv_api.parse_page`, and the typed errors
raised here (each carrying the request URL) are defined beside it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Literal

import httpx

from paperscope import __version__
from paperscope.models import PaperRecord, Rejected
from paperscope.sources.arxiv_api import (
    ArxivEmptyPageError,
    ArxivError,
    ArxivFeedError,
    ArxivHttpError,
    ArxivNetworkError,
    FeedPage,
    parse_page,
)
from paperscope.sources.http_client import PoliteClient
from paperscope.sources.http_retry import retry_after_seconds

__all__ = ["DEFAULT_BASE_URL", "ArxivApiClient"]

DEFAULT_BASE_URL = "https://export.arxiv.org/api/query"
# arXiv's limit for one request (https://info.arxiv.org/help/api/user-manual.html#paging).
MAX_PAGE_SIZE = 2000

log = logging.getLogger(__name__)

SortBy = Literal["relevance", "lastUpdatedDate", "submittedDate"]
SortOrder = Literal["ascending", "descending"]
_SORT_BY = ("relevance", "lastUpdatedDate", "submittedDate")
_SORT_ORDER = ("ascending", "descending")


class ArxivApiClient(PoliteClient):
    """Fetches arXiv API feeds politely and yields their records lazily.

    Paging lives here, spacing and retries in :class:`PoliteClient`; parsing is
    :func:`parse_page`. Use it as a context manager (or call :meth:`close`) so its one
    HTTP connection is released.
    """

    _error_type = ArxivError
    _network_error = ArxivNetworkError

    base_url: str
    """The query endpoint."""
    page_size: int
    """Entries asked for per request (arXiv allows up to 2000)."""
    delay_seconds: float
    """Least time between the end of one request and the start of the next. arXiv's
    terms of use ask for no more than one request every three seconds, on one connection
    (https://info.arxiv.org/help/api/tou.html)."""
    num_retries: int
    """Further tries of a request after a timeout, a failed connection, HTTP 429 or 5xx,
    a blank body, or a spuriously empty page; waits grow exponentially from delay_seconds."""
    timeout: float
    """Seconds to wait for connecting and for each read."""
    max_backoff_seconds: float
    """Cap on the exponential wait between tries."""
    max_retry_after_seconds: float
    """A Retry-After longer than this is not waited out: the request fails at once."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        page_size: int = 100,
        delay_seconds: float = 3.0,
        num_retries: int = 3,
        timeout: float = 30.0,
        max_backoff_seconds: float = 120.0,
        max_retry_after_seconds: float = 600.0,
        user_agent: str = f"paperscope/{__version__}",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, not {page_size}")
        if delay_seconds < 0 or num_retries < 0 or timeout <= 0:
            raise ValueError("delay_seconds and num_retries must be ≥ 0, timeout > 0")
        super().__init__(
            num_retries=num_retries,
            max_backoff_seconds=max_backoff_seconds,
            max_retry_after_seconds=max_retry_after_seconds,
            timeout=timeout,
            headers={"User-Agent": user_agent},
            sleep=sleep,
            clock=clock,
            transport=transport,
        )
        self.base_url = base_url
        self.page_size = page_size
        self.delay_seconds = delay_seconds

    def _interval_seconds(self) -> float:
        return self.delay_seconds

    def _first_backoff_seconds(self) -> float:
        return self.delay_seconds

    def search(
        self,
        search_query: str,
        max_results: int | None = None,
        sort_by: SortBy = "submittedDate",
        sort_order: SortOrder = "descending",
    ) -> Iterator[PaperRecord | Rejected]:
        """Yield the records matching ``search_query``, page by page, up to ``max_results``."""
        if not search_query.strip():
            raise ValueError("empty search query")
        if sort_by not in _SORT_BY or sort_order not in _SORT_ORDER:
            raise ValueError(f"sort_by must be one of {_SORT_BY}, sort_order one of {_SORT_ORDER}")
        params = {"search_query": search_query, "sortBy": sort_by, "sortOrder": sort_order}
        return self._paginate(params, max_results)

    def fetch_ids(self, id_list: list[str]) -> Iterator[PaperRecord | Rejected]:
        """Yield the records of the given arXiv ids (``2101.00016``, ``hep-th/9108002v2``).

        arXiv judges the ids: an id it cannot parse raises ArxivApiError, one it does not
        know is silently absent from the results.
        """
        ids = [i.strip() for i in id_list if i.strip()]
        for first in range(0, len(ids), self.page_size):
            chunk = ids[first : first + self.page_size]
            yield from self._paginate({"id_list": ",".join(chunk)}, None)

    # -- paging ------------------------------------------------------------------------

    def _paginate(
        self, params: dict[str, str], max_results: int | None
    ) -> Iterator[PaperRecord | Rejected]:
        start = 0
        yielded = 0
        total: int | None = None
        # Pages can overlap when new papers arrive mid-harvest; yield each version once.
        seen: set[tuple[str, int | None]] = set()
        while max_results is None or yielded < max_results:
            size = (
                self.page_size
                if max_results is None
                else min(self.page_size, max_results - yielded)
            )
            page = self._fetch({**params, "start": str(start), "max_results": str(size)}, total)
            if total is None:
                total = page.total or 0
            if not page.records:
                return
            for record in page.records:
                if isinstance(record, PaperRecord):
                    key = (record.arxiv_id or "", record.arxiv_version)
                    if key in seen:
                        log.info(
                            "%s: %s repeated from an earlier page, skipped", record.origin, key[0]
                        )
                        continue
                    seen.add(key)
                yield record
                yielded += 1
                if max_results is not None and yielded >= max_results:
                    return
            start += len(page.records)
            if start >= total:
                return

    def _fetch(self, params: dict[str, str], known_total: int | None) -> FeedPage:
        return self._with_retries(self._get_page, params, known_total)

    def _get_page(self, params: dict[str, str], known_total: int | None) -> FeedPage:
        url = str(httpx.URL(self.base_url, params=params))
        response = self._send("GET", url, self.base_url, params=params)
        status = response.status_code
        if status not in (200, 400):
            raise ArxivHttpError(url, status, retry_after_seconds(response.headers))
        try:
            page = parse_page(response.content, url)  # raises ArxivApiError for 400 feeds
        except ArxivFeedError:
            if status == 400:
                raise ArxivHttpError(url, status) from None
            raise
        if status == 400:
            raise ArxivHttpError(url, status)
        total = page.total if known_total is None else known_total
        start = int(params["start"])
        if not page.records and total and start < total:
            raise ArxivEmptyPageError(url, start, total)
        return page
