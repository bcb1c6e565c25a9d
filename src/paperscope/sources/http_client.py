"""What the live API clients share: one HTTP connection, spaced requests, retries.

:class:`PoliteClient` is the base of the arXiv API, OpenAlex and Semantic Scholar clients.
It owns the ``httpx.Client``, waits out the least interval between requests, retries a
source's retryable errors with exponential backoff (a longer ``Retry-After`` wins, one
longer than ``max_retry_after_seconds`` fails at once) and turns timeouts and failed
connections into the source's own network error, carrying the URL. What a request
means, and its documented settings, stay in each client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from paperscope.sources.jsonlines import SourceError

__all__ = ["PoliteClient"]

T = TypeVar("T")


class PoliteClient:
    """A client that asks one server politely: spaced requests, retries with backoff.

    Subclasses name their errors (:attr:`_error_type`, :attr:`_network_error`) and say
    which of their settings are the spacing and the first backoff. Use one as a context
    manager (or call :meth:`close`) so its HTTP connection is released.
    """

    _error_type: ClassVar[type[SourceError]]
    """The source's errors: only these are retried, and only when ``retryable``."""
    _network_error: ClassVar[type[SourceError]]
    """Built as ``(message, url)`` for a timeout or a failed connection."""

    num_retries: int
    max_backoff_seconds: float
    max_retry_after_seconds: float
    timeout: float

    def __init__(
        self,
        *,
        num_retries: int,
        max_backoff_seconds: float,
        max_retry_after_seconds: float,
        timeout: float,
        headers: Mapping[str, str],
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        transport: httpx.BaseTransport | None,
        one_connection: bool = True,
    ) -> None:
        self.num_retries = num_retries
        self.max_backoff_seconds = max_backoff_seconds
        self.max_retry_after_seconds = max_retry_after_seconds
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._last_request_end: float | None = None
        self._log = logging.getLogger(type(self).__module__)
        limits = (
            httpx.Limits(max_connections=1, max_keepalive_connections=1)
            if one_connection
            else httpx.Limits()
        )
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers=dict(headers),
            limits=limits,
            follow_redirects=True,  # a moved or merged entity redirects to its new address
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _interval_seconds(self) -> float:
        """Least time between the end of one request and the start of the next."""
        raise NotImplementedError

    def _first_backoff_seconds(self) -> float:
        """The wait before the first retry; it doubles for each further one."""
        raise NotImplementedError

    def _with_retries(self, attempt: Callable[..., T], *args: Any) -> T:
        """``attempt(*args)``, tried again on the source's retryable errors."""
        retrying = Retrying(
            stop=stop_after_attempt(self.num_retries + 1),
            wait=self._wait_before_retry,
            retry=retry_if_exception(self._should_retry),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(attempt, *args)

    def _send(self, method: str, url: str, target: str, **request: Any) -> httpx.Response:
        """One request to ``target`` after waiting our turn; ``url`` names it in errors."""
        self._wait_for_turn()
        try:
            return self._http.request(method, target, **request)
        except httpx.TimeoutException as e:
            raise self._network_error(f"{url}: timed out ({type(e).__name__})", url) from e
        except httpx.TransportError as e:
            raise self._network_error(f"{url}: {type(e).__name__}: {e}", url) from e
        finally:
            self._last_request_end = self._clock()

    def _should_retry(self, error: BaseException) -> bool:
        if not isinstance(error, self._error_type) or not getattr(error, "retryable", False):
            return False
        retry_after = getattr(error, "retry_after", None)
        return retry_after is None or retry_after <= self.max_retry_after_seconds

    def _wait_before_retry(self, state: RetryCallState) -> float:
        backoff = min(
            self._first_backoff_seconds() * 2.0 ** (state.attempt_number - 1),
            self.max_backoff_seconds,
        )
        error = state.outcome.exception() if state.outcome else None
        retry_after: float | None = getattr(error, "retry_after", None)
        return max(backoff, retry_after or 0.0)

    def _wait_for_turn(self) -> None:
        if self._last_request_end is None:
            return
        remaining = self._interval_seconds() - (self._clock() - self._last_request_end)
        if remaining > 0:
            self._sleep(remaining)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        self._log.warning(
            "%s; try %d failed, retrying in %.1f s", error, state.attempt_number, wait
        )
