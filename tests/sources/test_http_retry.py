"""Retry-After, read from real header values.

The values are in the forms RFC 9110 gives (§10.2.3 Retry-After, §5.6.7 HTTP-date, whose
examples these are) and as servers send them; headers are ``httpx.Headers``, as a client
has them.
"""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from paperscope.sources.http_retry import retry_after_seconds

# RFC 9110's example HTTP-date, and the same moment two minutes earlier as a Date header.
UNTIL = "Fri, 31 Dec 1999 23:59:59 GMT"
SENT = "Fri, 31 Dec 1999 23:57:59 GMT"


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers({name.replace("_", "-"): value for name, value in values.items()})


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), ("0", 0.0), (" 7 ", 7.0), ("1.5", 1.5), ("-5", 0.0), ("3600", 3600.0)],
)
def test_delay_seconds(value: str, seconds: float) -> None:
    assert retry_after_seconds(headers(Retry_After=value)) == seconds


def test_http_date_is_measured_against_the_servers_date_header() -> None:
    assert retry_after_seconds(headers(Retry_After=UNTIL, Date=SENT)) == 120.0
    # As a response carries them: header names in any case.
    response = httpx.Response(429, headers=[("retry-after", UNTIL), ("date", SENT)])
    assert retry_after_seconds(response.headers) == 120.0


@pytest.mark.parametrize(
    "until",
    [
        "Friday, 31-Dec-99 23:59:59 GMT",  # RFC 850, obsolete but still to be read
        "Fri Dec 31 23:59:59 1999",  # asctime: no zone, and HTTP dates are UTC
        "Fri, 31 Dec 1999 23:59:59 -0000",  # RFC 5322's zone-less UTC
        "Sat, 01 Jan 2000 00:59:59 +0100",
    ],
)
def test_other_date_forms_and_zones(until: str) -> None:
    assert retry_after_seconds(headers(Retry_After=until, Date=SENT)) == 120.0


def test_a_date_already_past_is_no_wait() -> None:
    assert retry_after_seconds(headers(Retry_After=SENT, Date=UNTIL)) == 0.0


def test_without_a_readable_date_header_the_local_clock_is_used() -> None:
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    for date_headers in ({}, {"Date": "yesterday"}):
        seconds = retry_after_seconds(headers(Retry_After=in_a_minute, **date_headers))
        assert seconds is not None and 55.0 <= seconds <= 60.0


def test_date_header_can_be_ignored() -> None:
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    ignored = headers(Retry_After=in_a_minute, Date=SENT)
    seconds = retry_after_seconds(ignored, use_date_header=False)
    assert seconds is not None and 55.0 <= seconds <= 60.0
    assert retry_after_seconds(headers(Retry_After=UNTIL, Date=SENT), use_date_header=False) == 0.0


@pytest.mark.parametrize("value", ["", "   ", "soon", "Fri, 31 Dec 1999", "2 minutes"])
def test_missing_blank_or_unreadable_is_none(value: str) -> None:
    assert retry_after_seconds(headers(Retry_After=value, Date=SENT)) is None
    assert retry_after_seconds(headers(Date=SENT)) is None


def test_a_date_header_without_a_zone_is_read_as_utc() -> None:
    # asctime form (RFC 9110 allows it) for Date, IMF-fixdate for Retry-After.
    headers = {"Retry-After": "Fri, 31 Dec 1999 23:59:59 GMT", "Date": "Fri Dec 31 23:58:59 1999"}
    assert retry_after_seconds(headers) == 60.0
