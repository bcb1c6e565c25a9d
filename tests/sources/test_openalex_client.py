"""The OpenAlex client, run against a local fake API serving real objects.

The objects are real OpenAlex JSON (tests/fixtures/openalex/README.md). No recorded list
responses exist, so the fake server builds list pages around those real objects: only the
envelope (``meta``, ``next_cursor``, the choice and order of ``results``) is made here.
Sleeping is recorded on a fake clock, so retries are checked without being waited out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import orjson
import pytest
from local_http import FakeClock, LocalServer, ReplyHandler, serving
from openalex_recorded import AUTHOR, OLDER_WORK, WORK, arxiv_copy

from paperscope.ids import InvalidIdentifier
from paperscope.models import Rejected, WorkRecord
from paperscope.sources import openalex_client
from paperscope.sources.openalex import OpenAlexHttpError, OpenAlexKeyMissingError
from paperscope.sources.openalex_client import OpenAlexClient

KEY = "test-key-123"


def test_public_names_exist() -> None:
    assert sorted(openalex_client.__all__) == sorted(set(openalex_client.__all__))
    assert all(hasattr(openalex_client, name) for name in openalex_client.__all__)


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Hit:
    path: str
    params: dict[str, str]
    outcome: str
    date: str  # the Date header the server sent

    @property
    def dois(self) -> list[str]:
        return self.params["filter"].removeprefix("doi:").split("|")


class FakeOpenAlex(LocalServer):
    """Answers /works?filter=doi:…, /works/doi:…, /authors/… with real objects.

    Works are found by DOI in a catalogue of real work objects. List pages are cut from
    the matches per ``per_page`` and ``cursor`` as OpenAlex does: a ``next_cursor`` while
    a page has results, then an empty page with ``next_cursor: null``. Queued faults are
    served first, one per request.
    """

    def __init__(self, works: list[dict[str, Any]]) -> None:
        self.catalogue = {w["doi"].removeprefix("https://doi.org/").lower(): w for w in works}
        self.authors = {"A5023888391": AUTHOR, "orcid:0000-0001-6187-6610": AUTHOR}
        self.report_count = True
        self.faults: list[Fault] = []
        self.hits: list[Hit] = []
        super().__init__(self._handler())

    def page(self, params: dict[str, str]) -> dict[str, Any]:
        wanted = params["filter"].removeprefix("doi:").split("|")
        matches = [self.catalogue[d] for d in wanted if d in self.catalogue]
        per_page = int(params["per_page"])
        cursor = params["cursor"]
        offset = 0 if cursor == "*" else int(cursor.removeprefix("o"))
        results = matches[offset : offset + per_page]
        meta = {
            "count": len(matches) if self.report_count else None,
            "db_response_time_ms": 12,
            "page": None,
            "per_page": per_page,
            "next_cursor": f"o{offset + per_page}" if results else None,
            "groups_count": None,
        }
        return {"meta": meta, "results": results, "group_by": []}

    def _handler(self) -> type[ReplyHandler]:
        server = self

        class Handler(ReplyHandler):
            timeout = None

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                path = unquote(url.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fault = server.faults.pop(0) if server.faults else None
                date = self.date_time_string()
                server.hits.append(Hit(path, params, str(fault.status) if fault else "ok", date))
                if fault:
                    return self.reply(fault.status, fault.body, {"Date": date, **fault.headers})
                if path == "/works":
                    return self.reply(200, orjson.dumps(server.page(params)), {"Date": date})
                entity = (
                    server.catalogue.get(path.removeprefix("/works/doi:"))
                    if path.startswith("/works/doi:")
                    else server.authors.get(path.removeprefix("/authors/"))
                )
                if entity is None:
                    return self.reply(404, b'{"error": "Not found"}', {"Date": date})
                self.reply(200, orjson.dumps(entity), {"Date": date})

        return Handler


# Real DOIs of the catalogue, and made-up ones OpenAlex "does not know".
PEERJ = "10.7717/peerj.4375"
PRL = "10.1103/physrevlett.118.091101"
UNKNOWN = [f"10.9999/unknown.{i}" for i in range(118)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server() -> Iterator[FakeOpenAlex]:
    with serving(FakeOpenAlex([WORK, OLDER_WORK, arxiv_copy()])) as fake:
        yield fake


def make_client(server: FakeOpenAlex, clock: FakeClock, **options: Any) -> OpenAlexClient:
    settings: dict[str, Any] = {"timeout": 2.0, **options}
    return OpenAlexClient(
        settings.pop("api_key", KEY),
        base_url=server.url,
        sleep=clock.sleep,
        clock=clock.monotonic,
        **settings,
    )


def works(records: list[WorkRecord | Rejected]) -> list[WorkRecord]:
    assert all(isinstance(r, WorkRecord) for r in records), records
    return [r for r in records if isinstance(r, WorkRecord)]


def as_date(http_date: str) -> str:
    return datetime.strptime(http_date, "%a, %d %b %Y %H:%M:%S GMT").date().isoformat()


def test_120_ids_go_in_three_or_filters_of_at_most_50(
    server: FakeOpenAlex, clock: FakeClock
) -> None:
    # Two real DOIs, spelt as users do, among 118 unknown ones.
    dois = [*UNKNOWN[:30], PEERJ.upper(), *UNKNOWN[30:79], f"https://doi.org/{PRL}", *UNKNOWN[79:]]
    assert len(dois) == 120
    with make_client(server, clock) as client:
        found = works(list(client.works_by_ids(dois, [])))
    expected = [*UNKNOWN[:30], PEERJ, *UNKNOWN[30:79], PRL, *UNKNOWN[79:]]
    assert [h.params["filter"] for h in server.hits] == [
        "doi:" + "|".join(expected[:50]),
        "doi:" + "|".join(expected[50:100]),
        "doi:" + "|".join(expected[100:]),
    ]
    assert [len(h.dois) for h in server.hits] == [50, 50, 20]
    assert {(h.path, h.params["per_page"], h.params["cursor"]) for h in server.hits} == {
        ("/works", "100", "*")
    }
    assert all(h.params["api_key"] == KEY for h in server.hits)
    assert [(w.source_id, w.dois) for w in found] == [
        ("W2741809807", [PEERJ]), ("W2755950973", [PRL]),
    ]  # fmt: skip
    assert found[0].as_of == as_date(server.hits[0].date)  # observed the day it was served
    assert found[0].origin.position == "result 1"
    origin_url = httpx.URL(found[0].origin.file)  # the request, re-playable, key left out
    assert origin_url.params["filter"] == "doi:" + "|".join(expected[:50])
    assert "api_key" not in origin_url.params and KEY not in found[0].origin.file
    assert clock.sleeps == [0.1, 0.1]  # the politeness delay before each later request


def test_arxiv_ids_are_looked_up_by_their_datacite_doi(
    server: FakeOpenAlex, clock: FakeClock
) -> None:
    with make_client(server, clock) as client:
        found = works(list(client.works_by_ids([PEERJ, f"doi:{PEERJ}"], ["arXiv:1706.01812v2"])))
    assert [h.params["filter"] for h in server.hits] == [
        f"doi:{PEERJ}|10.48550/arxiv.1706.01812"  # the repeated DOI asked once
    ]
    assert [(w.source_id, w.arxiv_id) for w in found] == [
        ("W2741809807", None), ("W4999999999", "1706.01812"),
    ]  # fmt: skip


def test_bad_ids_and_a_missing_key_fail_before_any_request(
    server: FakeOpenAlex, clock: FakeClock
) -> None:
    with make_client(server, clock) as client, pytest.raises(InvalidIdentifier):
        client.works_by_ids(["not a doi"], [])
    with make_client(server, clock) as client, pytest.raises(InvalidIdentifier):
        client.works_by_ids([], ["1713.00001"])
    for missing in (None, "", "  "):
        with make_client(server, clock, api_key=missing) as client:
            with pytest.raises(OpenAlexKeyMissingError, match="API key"):
                client.works_by_ids([PEERJ], [])
            with pytest.raises(OpenAlexKeyMissingError, match=r"openalex\.org/settings/api"):
                client.author("A5023888391")
    assert server.hits == []


def test_cursor_paging_follows_next_cursor(server: FakeOpenAlex, clock: FakeClock) -> None:
    ids = [PEERJ, PRL, "10.48550/arxiv.1706.01812"]
    with make_client(server, clock, per_page=1) as client:
        found = works(list(client.works_by_ids(ids, [])))
    assert [w.source_id for w in found] == ["W2741809807", "W2755950973", "W4999999999"]
    assert [h.params["cursor"] for h in server.hits] == ["*", "o1", "o2"]  # count met: done
    assert {h.params["per_page"] for h in server.hits} == {"1"}
    # Without a count, paging goes on until OpenAlex's empty last page, next_cursor null.
    server.hits.clear()
    server.report_count = False
    with make_client(server, clock, per_page=2) as client:
        assert len(works(list(client.works_by_ids(ids, [])))) == 3
    assert [h.params["cursor"] for h in server.hits] == ["*", "o2", "o4"]


def test_429_with_retry_after_is_waited_out(server: FakeOpenAlex, clock: FakeClock) -> None:
    server.faults.append(Fault(429, {"Retry-After": "7"}, b'{"error": "Rate limit exceeded"}'))
    with make_client(server, clock) as client:
        found = works(list(client.works_by_ids([PEERJ], [])))
    assert [w.source_id for w in found] == ["W2741809807"]
    assert [h.outcome for h in server.hits] == ["429", "ok"]
    assert server.hits[0].params == server.hits[1].params  # the same request again
    assert clock.sleeps == [7.0]  # Retry-After beats the 1 s backoff


def test_503s_are_retried_with_exponential_backoff(server: FakeOpenAlex, clock: FakeClock) -> None:
    server.faults += [Fault(503), Fault(503), Fault(200, body=b'{"meta": {"cou')]
    with make_client(server, clock) as client:
        found = works(list(client.works_by_ids([PRL], [])))
    assert [w.source_id for w in found] == ["W2755950973"]
    assert [h.outcome for h in server.hits] == ["503", "503", "200", "ok"]  # 200: cut-off body
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_retries_exhausted_raise_an_http_error_with_the_url(
    server: FakeOpenAlex, clock: FakeClock
) -> None:
    server.faults += [Fault(503)] * 3
    with (
        make_client(server, clock, num_retries=2) as client,
        pytest.raises(OpenAlexHttpError) as raised,
    ):
        list(client.works_by_ids([PRL], []))
    assert raised.value.status_code == 503 and len(server.hits) == 3
    assert "/works?filter=doi" in raised.value.url and KEY not in str(raised.value)


def test_a_rejected_key_is_not_retried(server: FakeOpenAlex, clock: FakeClock) -> None:
    server.faults.append(Fault(401, body=b'{"error": "Invalid API key"}'))
    with make_client(server, clock) as client, pytest.raises(OpenAlexHttpError) as raised:
        list(client.works_by_ids([PRL], []))
    assert raised.value.status_code == 401 and len(server.hits) == 1
    assert "Invalid API key" in str(raised.value) and "is the API key valid?" in str(raised.value)


def test_budget_stops_cleanly_and_says_so(server: FakeOpenAlex, clock: FakeClock) -> None:
    dois = [PEERJ, *UNKNOWN[:49], PRL, *UNKNOWN[49:118]]
    with make_client(server, clock, budget=2) as client:
        found = works(list(client.works_by_ids(dois, [])))  # no exception
        assert client.stopped == (
            "OpenAlex request budget of 2 spent: stopped with 20 of 120 ids not looked up"
        )
        assert client.requests_made == 2
    assert [w.source_id for w in found] == ["W2741809807", "W2755950973"]
    assert len(server.hits) == 2


def test_retries_count_against_the_budget(server: FakeOpenAlex, clock: FakeClock) -> None:
    server.faults += [Fault(503), Fault(503)]
    with make_client(server, clock, budget=2) as client:
        assert list(client.works_by_ids([PEERJ], [])) == []
        assert client.stopped is not None and "1 of 1 ids" in client.stopped
    assert [h.outcome for h in server.hits] == ["503", "503"]


def test_a_bad_result_is_rejected_and_the_rest_kept(server: FakeOpenAlex, clock: FakeClock) -> None:
    page = {"meta": {"count": 2, "next_cursor": "x"},
            "results": [WORK, {**OLDER_WORK, "publication_year": "2017"}]}  # fmt: skip
    server.faults.append(Fault(200, body=orjson.dumps(page)))
    with make_client(server, clock) as client:
        records = list(client.works_by_ids([PEERJ, PRL], []))
    assert isinstance(records[0], WorkRecord) and isinstance(records[1], Rejected)
    assert records[1].origin.position == "result 2"
    assert records[1].reason == "publication_year is '2017', not an integer"
    assert len(server.hits) == 1


def test_a_doi_that_breaks_the_filter_syntax_is_asked_alone(
    server: FakeOpenAlex, clock: FakeClock
) -> None:
    odd = "10.1000/a,b|c"
    with make_client(server, clock) as client:
        assert works(list(client.works_by_ids([PEERJ, odd], [])))[0].source_id == "W2741809807"
    assert [(h.path, h.params.get("filter")) for h in server.hits] == [
        ("/works", f"doi:{PEERJ}"),
        (f"/works/doi:{odd}", None),  # 404: not found, nothing yielded
    ]
    assert server.hits[1].params["api_key"] == KEY


def test_author_by_id_or_orcid(server: FakeOpenAlex, clock: FakeClock) -> None:
    with make_client(server, clock) as client:
        by_id = client.author("https://openalex.org/A5023888391")
        by_orcid = client.author("https://orcid.org/0000-0001-6187-6610")
        with pytest.raises(OpenAlexHttpError) as raised:
            client.author("A1")
    assert (by_id.source_id, by_id.h_index, by_id.i10_index) == ("A5023888391", 17, 20)
    assert by_orcid.source_id == "A5023888391"
    assert by_id.as_of == as_date(server.hits[0].date)
    assert [h.path for h in server.hits] == [
        "/authors/A5023888391", "/authors/orcid:0000-0001-6187-6610", "/authors/A1",
    ]  # fmt: skip
    assert raised.value.status_code == 404


def test_timeouts_are_retried_through_an_injected_transport(clock: FakeClock) -> None:
    calls = itertools.count()
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if next(calls) == 0:
            raise httpx.ReadTimeout("slow", request=request)
        body = {"meta": {"count": 1, "next_cursor": "n"}, "results": [WORK]}
        return httpx.Response(200, content=orjson.dumps(body))

    transport = httpx.MockTransport(answer)
    before = datetime.now(UTC).date().isoformat()
    with OpenAlexClient(KEY, transport=transport, sleep=clock.sleep, clock=clock.monotonic) as c:
        found = works(list(c.works_by_ids([PEERJ], [])))
    assert [w.source_id for w in found] == ["W2741809807"]
    assert len(seen) == 2 and seen[0].host == "api.openalex.org" and seen[0].path == "/works"
    assert seen[0].params["api_key"] == KEY and seen[0].params["filter"] == f"doi:{PEERJ}"
    assert clock.sleeps == [1.0]
    # No Date header: observed today.
    assert found[0].as_of in {before, datetime.now(UTC).date().isoformat()}
