"""Live ingest commands against fake arXiv servers on 127.0.0.1 replaying recorded responses."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FIXTURES, FakeServer, connect

OAI = FIXTURES / "arxiv-oai-pmh"
ATOM = FIXTURES / "arxiv-api-atom" / "recorded_json"
PHYSICS_PAGES = {
    None: (OAI / "listrecords_physics_page1.xml").read_bytes(),
    "6960524|51": (OAI / "listrecords_physics_page2.xml").read_bytes(),
    "6960524|101": (OAI / "listrecords_physics_page3.xml").read_bytes(),
}


def test_incremental_oai_harvest_resumes_from_the_last_stored_datestamp(db_path: Path, cli, cli_json) -> None:
    def respond(query: dict[str, str]) -> tuple[int, bytes]:
        return 200, PHYSICS_PAGES[query.get("resumptionToken")]

    with FakeServer(respond) as fake:
        first = cli("ingest", "oai", "--set", "physics", "--from", "2015-01-01",
                    "--base-url", fake.url, "--delay", "0")
        assert "stored 150 records" in first.stdout
        assert fake.requests[0] == {"verb": "ListRecords", "metadataPrefix": "arXivRaw",
                                    "set": "physics", "from": "2015-01-01"}
        assert [set(r) for r in fake.requests[1:]] == [{"verb", "resumptionToken"}] * 2
        conn = connect(db_path)
        cursor = conn.execute("SELECT cursor FROM harvest_state WHERE source = 'arxiv-oai'").fetchone()[0]
        conn.close()
        datestamps = list(PHYSICS_PAGES[None].decode().split("<datestamp>")[1:])
        assert cursor >= max(d.split("<", 1)[0] for d in datestamps)

        fake.requests.clear()
        second = cli("ingest", "oai", "--set", "physics", "--base-url", fake.url, "--delay", "0")
        assert f"resuming from the last stored datestamp {cursor}" in second.output
        assert fake.requests[0]["from"] == cursor[:10]
    assert cli_json("stats")["papers"] == 150  # the second harvest added no duplicate


def test_live_atom_search_stores_every_result(cli, cli_json) -> None:
    recorded = json.loads((ATOM / "q_testing_s0_m100_cfe7536492ca.json").read_text("utf-8"))
    body = recorded["body"].encode("latin-1")  # arxiv.py stored the bytes decoded as Latin-1

    with FakeServer(lambda query: (200, body)) as fake:
        result = cli("ingest", "atom", "--query", "testing", "--max", "100",
                     "--base-url", fake.url, "--delay", "0")
    assert fake.requests[0]["search_query"] == "testing"
    assert "stored 100 records" in result.stdout
    assert cli_json("stats")["sources"]["arxiv-atom"]["papers"] == 100


def test_an_api_error_feed_fails_the_command_with_arxivs_message(cli) -> None:
    recorded = json.loads((ATOM / "id_abc_s0_m100_b79c8dcf6bc3.json").read_text("utf-8"))
    with FakeServer(lambda query: (400, recorded["body"].encode("latin-1"))) as fake:
        result = cli("ingest", "atom", "--query", "abc", "--base-url", fake.url, "--delay", "0",
                     expect_exit=1)
    assert "arXiv API error" in result.output
