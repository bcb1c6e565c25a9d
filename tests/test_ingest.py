"""End-to-end ingest through the CLI on the bundled real sample: merge, idempotency, rejects."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result

from conftest import FIXTURES, SAMPLE, content, invoke

CONFERENCES = str(SAMPLE / "conferences.jsonl.gz")
SEEDS = str(SAMPLE / "seeds")
SKILL_NEURONS = "Finding Skill Neurons in Pre-trained Transformer-based Language Models"


def test_conference_paper_and_seed_page_paper_merge_by_title(cli: Callable[..., Result], cli_json) -> None:
    cli("ingest", "conferences", CONFERENCES)
    cli("ingest", "seeds", SEEDS, "--as-of", "2026-11-23")
    paper = cli_json("paper", "venue:emnlp2022/2022.emnlp-main.765")
    assert paper["title"] == SKILL_NEURONS
    # Identifiers from both sources point at one paper.
    assert "title" in paper["identifiers"] and "venue" in paper["identifiers"]
    assert {p["source"] for p in paper["provenance"]} == {"conference", "seed-page"}
    # The conference record is more authoritative: its full author list wins over the
    # page's three names + "et al.".
    assert [a["name"] for a in paper["authors"]][:3] == ["Xiaozhi Wang", "Kaiyue Wen", "Zhengyan Zhang"]
    assert len(paper["authors"]) == 6
    # The seed page's date fills what the conference record lacks; its claims are kept apart.
    assert paper["first_date"] == "2022-11-14" and paper["venue"] == "EMNLP 2022"
    assert {"field": "affiliation_tag", "value": "tsinghua", "source": "002_19619317ec4bebf5.txt",
            "as_of": "2026-11-23"} in paper["claims"]
    # For people, the title match key is not an identifier worth listing.
    text = cli("paper", "venue:emnlp2022/2022.emnlp-main.765").stdout
    assert "\nids: venue emnlp2022/2022.emnlp-main.765\n" in text


def test_a_paper_known_only_from_a_page_says_so(cli: Callable[..., Result], cli_json) -> None:
    cli("ingest", "seeds", SEEDS, "--as-of", "2026-11-23")
    key = "title:finding skill neurons in pre trained transformer based language models"
    assert cli_json("paper", key)["identifiers"] == {"title": [key.removeprefix("title:")]}
    text = cli("paper", key).stdout
    assert "\nids: none (known by its title, from a researcher page)\n" in text


def test_merge_does_not_depend_on_order(tmp_path: Path, cli, cli_json) -> None:
    cli("ingest", "seeds", SEEDS, "--as-of", "2026-11-23")
    cli("ingest", "conferences", CONFERENCES)
    merged_seed_first = cli_json("stats")["papers"]
    paper = cli_json("paper", "venue:emnlp2022/2022.emnlp-main.765")
    assert paper["key"] == "venue:emnlp2022/2022.emnlp-main.765"  # the page's title key gave way
    assert len(paper["authors"]) == 6
    other = tmp_path / "other.db"
    invoke(other, "ingest", "conferences", CONFERENCES)
    invoke(other, "ingest", "seeds", SEEDS, "--as-of", "2026-11-23")
    assert orjson.loads(invoke(other, "stats", "--format", "json").stdout)["papers"] == merged_seed_first


def test_reingesting_the_same_input_changes_nothing(db_path: Path, cli, cli_json) -> None:
    cli("ingest", "conferences", CONFERENCES)
    cli("ingest", "seeds", SEEDS, "--as-of", "2026-11-23")
    first = content(db_path)
    stats = cli_json("stats")
    cli("ingest", "conferences", CONFERENCES)
    cli("ingest", "seeds", SEEDS, "--as-of", "2026-11-23")
    assert content(db_path) == first
    again = cli_json("stats")
    assert {k: again[k] for k in ("papers", "authorships", "rejected", "identifiers")} == {
        k: stats[k] for k in ("papers", "authorships", "rejected", "identifiers")
    }
    assert stats["papers"] > 1800 and stats["citation_observations"] > 1000


def test_bad_records_are_rejected_and_the_rest_is_stored(tmp_path: Path, cli, cli_json) -> None:
    with gzip.open(FIXTURES / "conferences" / "papers-slice.jsonl.gz", "rb") as f:
        good = f.read().splitlines()
    bad_lines = [
        b'{"venue": "iclr", "year": 2024, "id": "x1"',  # truncated JSON
        b'["a", "list"]',  # not an object
        b'{"venue": "iclr", "year": 2024, "id": "x2", "authors": []}',  # no title
        b'{"venue": "iclr", "year": 2024, "id": "x3", "title": "caf\xe9"}',  # Latin-1, not UTF-8
    ]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(good[:10] + bad_lines + good[10:20]) + b"\r\n")
    result = cli("ingest", "conferences", str(mixed))
    assert "rejected 4" in result.stdout
    rejects = cli_json("rejects")
    assert [(r["position"], r["file"]) for r in rejects] == [
        (f"line {n}", str(mixed)) for n in (11, 12, 13, 14)
    ]
    reasons = [r["reason"] for r in rejects]
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "not a JSON object but list"
    assert "title" in reasons[2]
    assert "UTF-8" in reasons[3]
    stats = cli_json("stats")
    assert stats["rejected"] == 4
    assert stats["sources"]["conference"]["papers"] == len(set(good[:20]))
    # The BOM on line 1 and the CRLF endings were not errors.
    first_title = cli_json("papers", "--limit", "1000")
    assert len(first_title) == stats["papers"]


def test_an_id_that_cannot_exist_is_rejected_with_the_reason(tmp_path: Path, cli, cli_json) -> None:
    # One real listing line, then the same record under ids arXiv's rules refuse: a new-style
    # id before 0704, sequence number 0 in either scheme, an old-style id after 0703.
    with gzip.open(FIXTURES / "arxiv" / "daily-cs-sample.jsonl.gz", "rb") as f:
        good = orjson.loads(f.readline())
    impossible = ["0612.1234", "0704.0000", "math/0309000", "hep-th/0704001"]
    listings = tmp_path / "listings.jsonl"
    listings.write_bytes(b"\n".join(orjson.dumps(good | {"id": i}) for i in [good["id"], *impossible]) + b"\n")
    assert "rejected 4" in cli("ingest", "listings", str(listings)).stdout
    assert cli_json("stats")["papers"] == 1
    reasons = {r["position"]: r["reason"] for r in cli_json("rejects")}
    assert list(reasons) == ["line 2", "line 3", "line 4", "line 5"]
    assert "'0612.1234'" in reasons["line 2"] and "new-style ids start in 0704" in reasons["line 2"]
    assert "sequence numbers start at 1" in reasons["line 3"]
    assert "sequence numbers start at 001" in reasons["line 4"]
    assert "old-style ids run from 1991 to 0703" in reasons["line 5"]
    # The text listing names each one too.
    text = cli("rejects").stdout
    assert all(i in text for i in impossible)


def test_unreadable_input_fails_the_command_but_keeps_the_good_files(tmp_path: Path, cli, cli_json) -> None:
    missing = tmp_path / "missing.jsonl"
    result = cli("ingest", "conferences", str(missing), CONFERENCES, expect_exit=1)
    assert str(missing) in result.output
    assert cli_json("stats")["papers"] > 1800


@pytest.mark.sqlite_only  # a PostgreSQL database is created by its server's owner, not by paperscope
def test_paper_not_found_is_an_error(cli, db_path: Path) -> None:
    missing = cli("paper", "2101.00016", expect_exit=1)  # a read command creates no database
    assert missing.output == f"error: no database there ({db_path})\n" and not db_path.exists()
    cli("migrate")
    result = cli("paper", "2101.00016", expect_exit=1)
    assert result.output == f"error: no paper with id '2101.00016' ({db_path})\n"


def test_researcher_pages_keep_who_they_are_about_and_what_they_claim(db_path: Path, cli) -> None:
    from paperscope.store import open_store

    cli("ingest", "seeds", SEEDS, "--as-of", "2026-11-23")
    store = open_store(db_path)
    try:
        pages = {p["page"]: p for p in store.researcher_pages()}
    finally:
        store.close()
    zixin = pages["000_a0a0c56183404ee7.txt"]
    assert (zixin["name"], zixin["name_inferred"], zixin["as_of"]) == ("Zixin Wen", False, "2026-11-23")
    assert zixin["claims"]["h_index"] == "56" and zixin["claims"]["citations"] == "440"
    assert len(zixin["papers"]) == 13
    assert (pages["003_39bbd0f104a05994.txt"]["name"], pages["003_39bbd0f104a05994.txt"]["name_inferred"]) == (
        "Difan Zou", True)
