"""arXiv sources end to end: lookups by any id, versions, merging, a killed ingest resumed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, content, invoke, new_database, query

SNAPSHOT = str(FIXTURES / "arxiv" / "snapshot-sample.jsonl")
LISTINGS = str(FIXTURES / "arxiv" / "daily-cs-sample.jsonl.gz")
ARXIV_RAW = str(FIXTURES / "arxiv-oai-pmh" / "arxivraw_listrecords.xml")
OAI_CS = str(FIXTURES / "arxiv-oai-pmh" / "sample_arxiv_response_listrecords_cs.xml")
ATOM_OLD_STYLE = FIXTURES / "arxiv-api-atom" / "recorded_json"


@pytest.mark.parametrize(
    "identifier",
    ["2212.11861", "2212.11861v1", "arXiv:2212.11861", "https://arxiv.org/abs/2212.11861v1",
     "10.1088/1674-1137/ac600c", "https://doi.org/10.1088/1674-1137/AC600C",
     "10.48550/arXiv.2212.11861"],
)
def test_a_paper_is_found_by_any_of_its_ids(cli, cli_json, identifier: str) -> None:
    cli("ingest", "snapshot", SNAPSHOT)
    paper = cli_json("paper", identifier)
    assert paper["arxiv_id"] == "2212.11861"
    assert paper["title"].startswith("Radiative decays of the charmed mesons")
    for field in ("title", "abstract", "authors", "categories", "primary_category", "versions",
                  "code_urls", "citations"):
        assert field in paper
    assert paper["dois"] == ["10.1088/1674-1137/ac600c"]
    assert paper["journal_ref"] == "Chinese Physics C46, (2022) 073106"


def test_paper_text_format_names_the_paper(cli) -> None:
    cli("ingest", "snapshot", SNAPSHOT)
    text = cli("paper", "2212.11867", "--format", "text").stdout
    assert text.splitlines()[0] == (
        "Zeros of a growing number of derivatives of random polynomials with independent roots"
    )
    assert "Marcus Michelen, Xuan-Truong Vu" in text
    assert "categories: math.PR math.CA math.CV (primary math.PR)" in text


def test_snapshot_and_oai_records_of_one_paper_merge(cli, cli_json) -> None:
    cli("ingest", "snapshot", SNAPSHOT)
    before = cli_json("stats")["papers"]
    cli("ingest", "oai", ARXIV_RAW)
    stats = cli_json("stats")
    # Three of the four arXivRaw records are snapshot papers: one new paper only.
    assert stats["papers"] == before + 1
    paper = cli_json("paper", "2212.11899")
    assert {p["source"] for p in paper["provenance"]} == {"arxiv-snapshot", "arxiv-oai"}
    assert [v["version"] for v in paper["versions"]] == [1, 2]
    assert len({a["position"] for a in paper["authors"]}) == len(paper["authors"])


def _older_version(tmp_path: Path) -> Path:
    """The real record of 2212.11899 as it stood at v1 (its v2 removed), retitled so that
    which version's metadata the store kept can be seen."""
    lines = Path(SNAPSHOT).read_text("utf-8").splitlines()
    record = next(json.loads(line) for line in lines if json.loads(line)["id"] == "2212.11899")
    record["versions"] = record["versions"][:1]
    record["title"] = "v1 title of 2212.11899"
    path = tmp_path / "v1.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_a_newer_version_updates_the_paper_and_an_older_one_does_not(tmp_path: Path, db_path: Path) -> None:
    v1 = str(_older_version(tmp_path))
    invoke(db_path, "ingest", "snapshot", v1)
    paper = json.loads(invoke(db_path, "paper", "2212.11899", "--format", "json").stdout)
    assert paper["title"] == "v1 title of 2212.11899"
    assert [v["version"] for v in paper["versions"]] == [1]
    invoke(db_path, "ingest", "snapshot", SNAPSHOT)  # holds v2
    paper = json.loads(invoke(db_path, "paper", "2212.11899", "--format", "json").stdout)
    assert paper["title"].startswith("Physical conditions for dust grain alignment")
    assert [v["version"] for v in paper["versions"]] == [1, 2]
    invoke(db_path, "ingest", "snapshot", v1)  # the old version again: changes nothing
    again = json.loads(invoke(db_path, "paper", "2212.11899", "--format", "json").stdout)
    assert again["title"] == paper["title"] and again["versions"] == paper["versions"]


def test_old_style_ids_from_the_api(tmp_path: Path, cli, cli_json) -> None:
    for name in ("id_astro-ph_0601001_s0_m100_3150dca9dc76.json",
                 "id_quant-ph_0201082v1_s0_m100_86989fe779ef.json"):
        recorded = json.loads((ATOM_OLD_STYLE / name).read_text("utf-8"))
        feed = tmp_path / f"{name}.xml"
        # arxiv.py stored the body decoded as Latin-1; encoding it back gives arXiv's bytes.
        feed.write_bytes(recorded["body"].encode("latin-1"))
        cli("ingest", "atom", str(feed))
    assert cli_json("paper", "astro-ph/0601001")["arxiv_id"] == "astro-ph/0601001"
    assert cli_json("paper", "quant-ph/0201082v1")["arxiv_id"] == "quant-ph/0201082"


def test_listings_and_oai_ingest(cli, cli_json) -> None:
    cli("ingest", "listings", LISTINGS)
    cli("ingest", "oai", OAI_CS)
    stats = cli_json("stats")
    assert stats["sources"]["arxiv-listing"]["papers"] > 150
    assert stats["sources"]["arxiv-oai"]["papers"] == 46
    newest = cli_json("papers", "--limit", "3")
    assert len(newest) == 3
    # A paper known only from a daily listing is dated by the listing (its latest date).
    dates = [p["first_date"] or p["latest_date"] for p in newest]
    assert None not in dates and dates == sorted(dates, reverse=True)


# --- a killed ingest ------------------------------------------------------------------
def _many_snapshot_records(path: Path, n: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    try:
        from ingest import build_records
    finally:
        sys.path.pop(0)
    build_records(n, path)


def _paper_count(db: Path | str) -> int:
    try:
        return int(query(db, "SELECT count(*) FROM papers")[0][0])
    except Exception:  # noqa: BLE001 - not created (or not migrated) yet
        return 0


def test_kill_9_mid_ingest_leaves_a_consistent_db_and_a_rerun_completes_it(backend: str, tmp_path: Path) -> None:
    data = tmp_path / "snapshot.jsonl"
    _many_snapshot_records(data, 30_000)
    exe = str(Path(sys.executable).parent / "paperscope")
    killed_db, clean_db = new_database(backend, tmp_path, "killed.db"), new_database(backend, tmp_path, "clean.db")

    proc = subprocess.Popen([exe, "--db", str(killed_db), "ingest", "snapshot", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _paper_count(killed_db) == 0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _paper_count(killed_db)
    assert 0 < partial < 30_000, "the kill should land mid-ingest"

    if backend == "sqlite":
        conn = sqlite3.connect(killed_db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    # Whole batches only: every stored paper has its authorships.
    assert query(killed_db, "SELECT count(*) FROM papers p WHERE NOT EXISTS"
                            " (SELECT 1 FROM authorships a WHERE a.paper_id = p.id)") == [(0,)]

    subprocess.run([exe, "--db", str(killed_db), "ingest", "snapshot", str(data)], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([exe, "--db", str(clean_db), "ingest", "snapshot", str(data)], check=True,
                   stdout=subprocess.DEVNULL)
    resumed, clean = content(killed_db), content(clean_db)
    assert len(clean["papers"]) == 30_000
    assert resumed == clean


def test_two_stored_papers_that_turn_out_to_be_one_keep_every_identifier(tmp_path: Path, cli_json, cli) -> None:
    """arXiv 2212.11861 first known by its arXiv id alone, then by its journal DOI alone
    (as a venue list would give it), then by a record holding both."""
    full = next(json.loads(line) for line in Path(SNAPSHOT).read_text("utf-8").splitlines()
                if json.loads(line)["id"] == "2212.11861")
    arxiv_only = dict(full, doi=None)
    arxiv_file = tmp_path / "arxiv-only.jsonl"
    arxiv_file.write_text(json.dumps(arxiv_only) + "\n", encoding="utf-8")
    venue_line = {"venue": "cpc", "year": 2022, "id": "ac600c", "title": full["title"],
                  "doi": full["doi"], "authors": ["Ruo-Yan Wang"]}
    venue_file = tmp_path / "venue.jsonl"
    venue_file.write_text(json.dumps(venue_line) + "\n", encoding="utf-8")
    cli("ingest", "snapshot", str(arxiv_file))
    cli("ingest", "conferences", str(venue_file))
    assert cli_json("stats")["papers"] == 2
    cli("ingest", "snapshot", SNAPSHOT)  # holds 2212.11861 with its DOI: the two are one
    paper = cli_json("paper", "2212.11861")
    assert cli_json("paper", "venue:cpc2022/ac600c")["id"] == paper["id"]
    assert set(paper["identifiers"]) >= {"arxiv", "doi", "venue"}
    assert {p["source"] for p in paper["provenance"]} == {"arxiv-snapshot", "conference"}
