"""Semantic Scholar client, run against a replay of recorded responses.

Nothing real is contacted. The client talks to a threaded HTTP server on 127.0.0.1 that
answers with the response bodies recorded in tests/fixtures/semanticscholar/cassettes and
injects faults; sleeping is recorded on a fake clock, so spacing and backoff are checked
without being waited out.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from local_http import FakeClock, LocalServer, ReplyHandler, gaps, serving
from semantic_scholar_recorded import cassette, works

from paperscope.models import Rejected, WorkRecord
from paperscope.sources import semantic_scholar_client
from paperscope.sources.semantic_scholar import (
    SemanticScholarHttpError,
    SemanticScholarNotFoundError,
)
from paperscope.sources.semantic_scholar_client import PAPER_FIELDS, SemanticScholarClient


def test_public_names_exist() -> None:
    assert sorted(semantic_scholar_client.__all__) == sorted(set(semantic_scholar_client.__all__))
    assert all(hasattr(semantic_scholar_client, name) for name in semantic_scholar_client.__all__)


BATCH = cassette("test_get_papers_not_found_warning")[0]
API_KEY = "F@k3K3y"  # the fake key S2 answered 403 to in test_debug.yaml


@dataclass
class Fault:
    status: int = 0  # 0: hang past the client's timeout
    body: bytes = b'{"message": "Too Many Requests"}'
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    at: float
    method: str
    path: str
    params: dict[str, str]
    ids: list[str]
    api_key: str | None
    content_type: str | None
    outcome: str


class ReplayServer(LocalServer):
    """Answers POST /paper/batch and GET /author/… from the recordings; faults go first.

    A batch whose fields and ids match a recording gets that recording's body; any other
    batch is assembled item by item from the recorded papers, null for ids never recorded.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.batches = {(e.fields, tuple(e.ids)): e for e in [*cassette("test_get_papers"), BATCH]}
        self.papers = dict(zip(BATCH.ids, json.loads(BATCH.body), strict=True))
        self.authors = {
            urlsplit(e.url).path: e
            for e in cassette("test_get_author") + cassette("test_not_found")
        }
        self.faults: list[Fault] = []
        self.hits: list[Hit] = []
        super().__init__(self._handler(), "/graph/v1")

    def _handler(self) -> type[ReplyHandler]:
        server = self

        class Handler(ReplyHandler):
            def do_GET(self) -> None:
                self.answer([])

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.answer(json.loads(self.rfile.read(length))["ids"])

            def answer(self, ids: list[str]) -> None:
                split = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(split.query).items()}
                fault = server.faults.pop(0) if server.faults else None
                outcome = "ok" if fault is None else str(fault.status or "hang")
                server.hits.append(
                    Hit(server.clock.now, self.command, split.path, params, ids,
                        self.headers.get("x-api-key"), self.headers.get("Content-Type"), outcome)
                )  # fmt: skip
                if fault is not None and fault.status == 0:
                    server.release.wait(1.0)
                    with contextlib.suppress(OSError):  # the client gave up long ago
                        self.reply(500, b"{}")
                elif fault is not None:
                    self.reply(fault.status, fault.body, fault.headers)
                elif self.command == "POST":
                    self.reply_batch(params.get("fields", ""), ids)
                else:
                    recorded = server.authors[split.path]
                    self.reply(recorded.status, recorded.body, {"Date": recorded.date})

            def reply_batch(self, fields: str, ids: list[str]) -> None:
                recorded = server.batches.get((fields, tuple(ids)))
                if recorded is not None:
                    self.reply(recorded.status, recorded.body, {"Date": recorded.date})
                else:
                    body = json.dumps([server.papers.get(i) for i in ids]).encode()
                    self.reply(200, body, {"Date": BATCH.date})

        return Handler

    def gaps(self) -> list[float]:
        return gaps(h.at for h in self.hits)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[ReplayServer]:
    with serving(ReplayServer(clock)) as replay:
        yield replay


def make_client(server: ReplayServer, clock: FakeClock, **options: Any) -> SemanticScholarClient:
    settings: dict[str, Any] = {"timeout": 2.0, **options}
    return SemanticScholarClient(
        base_url=server.url, sleep=clock.sleep, clock=clock.monotonic, **settings
    )


def test_papers_batch_posts_the_ids_and_reports_the_ones_not_found(
    server: ReplayServer, clock: FakeClock
) -> None:
    with make_client(server, clock) as client:
        records = list(client.papers_batch(BATCH.ids, fields=BATCH.fields))
    (hit,) = server.hits
    assert (hit.method, hit.path, hit.ids) == ("POST", "/graph/v1/paper/batch", BATCH.ids)
    assert hit.params == {"fields": BATCH.fields}
    assert hit.api_key is None  # no key given: no header at all
    assert hit.content_type == "application/json"
    missing, *found = records
    assert isinstance(missing, Rejected)
    assert missing.reason == "not found: CorpusId:211530585"
    assert missing.origin.position == "batch 1 item 1 (CorpusId:211530585)"
    papers = works(found)
    assert [w.cited_by_count for w in papers] == [10670, 2185, 0]
    assert papers[1].dois == ["10.2139/ssrn.2250500"]
    assert papers[1].origin.position == "batch 1 item 3 (10.2139/ssrn.2250500)"
    assert papers[0].origin.file.startswith(server.url + "/paper/batch?fields=abstract")
    assert {w.as_of for w in papers} == {"2024-12-08"}  # the response's Date header
    assert clock.sleeps == []


def test_api_key_is_sent_as_a_header_and_a_rejected_key_fails_typed(
    server: ReplayServer, clock: FakeClock
) -> None:
    (forbidden,) = cassette("test_debug")
    assert forbidden.status == 403
    server.faults.append(Fault(forbidden.status, forbidden.body))
    with make_client(server, clock, api_key=API_KEY) as client:
        with pytest.raises(SemanticScholarHttpError) as raised:
            list(client.papers_batch(forbidden.ids))
        assert (raised.value.status_code, raised.value.message) == (403, "Forbidden")
        assert API_KEY not in str(raised.value)
        assert len(list(client.papers_batch(["CorpusId:470667"]))) == 1
    assert [h.api_key for h in server.hits] == [API_KEY, API_KEY]
    assert [h.outcome for h in server.hits] == ["403", "ok"]  # 403 is not retried
    assert server.hits[0].params["fields"] == PAPER_FIELDS


def test_requests_are_at_least_one_second_apart(server: ReplayServer, clock: FakeClock) -> None:
    with make_client(server, clock) as client:
        assert client.min_interval_seconds == 1.0
        list(client.papers_batch(BATCH.ids[:2]))
        list(client.papers_batch(BATCH.ids[2:]))
        turing = client.author("2262347", fields="name")
    assert turing.name == "A. Turing" and turing.source_id == "2262347"
    assert turing.as_of == "2024-12-08" and turing.h_index is None
    assert [h.path for h in server.hits][-1] == "/graph/v1/author/2262347"
    assert server.hits[-1].params == {"fields": "name"}
    assert server.gaps() == [1.0, 1.0]
    assert clock.sleeps == [1.0, 1.0]


def test_429_is_retried_with_backoff_and_retry_after_honoured(
    server: ReplayServer, clock: FakeClock
) -> None:
    server.faults += [Fault(429), Fault(429, headers={"Retry-After": "7"})]
    with make_client(server, clock) as client:
        records = list(client.papers_batch(BATCH.ids, fields=BATCH.fields))
    assert len(records) == 4
    assert [h.outcome for h in server.hits] == ["429", "429", "ok"]
    assert all(h.ids == BATCH.ids for h in server.hits)
    assert server.gaps() == [2.0, 7.0]  # backoff 2 s, then Retry-After 7 s over backoff 4 s


def test_5xx_and_timeouts_are_retried_with_growing_waits(
    server: ReplayServer, clock: FakeClock
) -> None:
    server.faults += [Fault(500, b"Internal Server Error"), Fault(0), Fault(502, b"")]
    with make_client(server, clock, timeout=0.2) as client:
        assert len(list(client.papers_batch(BATCH.ids))) == 4
    assert [h.outcome for h in server.hits] == ["500", "hang", "502", "ok"]
    assert clock.sleeps[:3] == [2.0, 4.0, 8.0]


def test_retries_exhausted_raise_the_last_error(server: ReplayServer, clock: FakeClock) -> None:
    server.faults += [Fault(503, b"")] * 3
    with (
        make_client(server, clock, num_retries=2) as client,
        pytest.raises(SemanticScholarHttpError) as raised,
    ):
        list(client.papers_batch(BATCH.ids))
    assert raised.value.status_code == 503
    assert len(server.hits) == 3


def test_retry_after_beyond_the_limit_fails_at_once(server: ReplayServer, clock: FakeClock) -> None:
    server.faults.append(Fault(429, headers={"Retry-After": "3600"}))
    with (
        make_client(server, clock, max_retry_after_seconds=60) as client,
        pytest.raises(SemanticScholarHttpError) as raised,
    ):
        list(client.papers_batch(BATCH.ids))
    assert (raised.value.status_code, raised.value.retry_after) == (429, 3600.0)
    assert len(server.hits) == 1 and clock.sleeps == []


def test_400_raises_typed_with_the_url_and_s2s_message(
    server: ReplayServer, clock: FakeClock
) -> None:
    (bad,) = cassette("test_bad_query_parameters")
    assert (bad.status, bad.fields) == (400, "unknown")
    server.faults.append(Fault(bad.status, bad.body))
    with make_client(server, clock) as client, pytest.raises(SemanticScholarHttpError) as raised:
        list(client.papers_batch(BATCH.ids, fields=["unknown"]))
    error = raised.value
    assert error.status_code == 400 and not error.retryable
    assert error.url == f"{server.url}/paper/batch?fields=unknown"
    assert error.message == "Unrecognized or unsupported fields: [unknown]"
    assert str(error).startswith(error.url) and "HTTP 400" in str(error)
    assert len(server.hits) == 1


def test_more_than_500_ids_go_in_several_requests(server: ReplayServer, clock: FakeClock) -> None:
    ids = [f"CorpusId:{n}" for n in range(1, 1200)] + BATCH.ids[1:]  # 1202 ids
    ids.insert(3, ids[0])  # a repeat, asked once
    with make_client(server, clock) as client:
        records = list(client.papers_batch(ids))
    assert [len(h.ids) for h in server.hits] == [500, 500, 202]
    assert [i for h in server.hits for i in h.ids] == list(dict.fromkeys(ids))
    assert server.gaps() == [1.0, 1.0]
    found = [r for r in records if isinstance(r, WorkRecord)]
    assert len(records) == 1202 and len(found) == 3
    assert found[0].source_id == "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"
    assert found[0].origin.position == "batch 3 item 200 (CorpusId:470667)"


def test_batch_size_limits(server: ReplayServer, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match=r"1\.\.500"):
        SemanticScholarClient(batch_size=501)
    with make_client(server, clock, batch_size=2) as client:
        assert len(list(client.papers_batch([*BATCH.ids, "  ", ""]))) == 4
    assert [h.ids for h in server.hits] == [BATCH.ids[:2], BATCH.ids[2:]]


def test_author_not_found_raises_with_the_url(server: ReplayServer, clock: FakeClock) -> None:
    with (
        make_client(server, clock) as client,
        pytest.raises(SemanticScholarNotFoundError) as raised,
    ):
        client.author("0", fields="n,a,m,e")
    assert raised.value.status_code == 404
    assert raised.value.message == "Author with id 0 not found"
    assert raised.value.url == f"{server.url}/author/0?fields=n%2Ca%2Cm%2Ce"
    assert len(server.hits) == 1  # 404 is not retried
