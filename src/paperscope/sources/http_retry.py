"""HTTP ``Retry-After``, read: how long a server asks a client to wait before asking again.

Shared by the live clients (arXiv API and OAI-PMH, OpenAlex, Semantic Scholar). What to do
with the wait — honour it, cap it, or give up when it is too long — is each client's choice.
"""

from __future__ import annotations

import contextlib
import email.utils
from collections.abc import Mapping
from datetime import UTC, datetime

__all__ = ["retry_after_seconds"]


def retry_after_seconds(
    headers: Mapping[str, str], *, use_date_header: bool = True
) -> float | None:
    """Seconds the server asks us to wait (Retry-After as seconds or HTTP-date), else None.

    ``headers`` are a response's headers, looked up as ``Retry-After`` and ``Date`` (pass
    ``httpx.Headers``, which match either spelling). RFC 9110 §10.2.3 allows two forms:
    ``Retry-After: 120`` (seconds) and ``Retry-After: Fri, 31 Dec 1999 23:59:59 GMT``.
    A date is measured against the response's own ``Date`` header where it has a readable
    one (``use_date_header``), else against this machine's clock; a date without a zone is
    taken as UTC. Waits already over are 0.0; a missing, blank or unreadable header is None.
    """
    value = headers.get("Retry-After", "").strip()
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    try:
        until = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # Measured against the server's own Date header where there is one: no clock skew.
    now = datetime.now(UTC)
    if use_date_header and (date_header := headers.get("Date")):
        with contextlib.suppress(TypeError, ValueError):
            now = email.utils.parsedate_to_datetime(date_header)
    # HTTP dates are UTC; a date written without a zone ("-0000", asctime) means UTC too.
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (until - now).total_seconds())
