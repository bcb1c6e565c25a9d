"""Shared fixtures: paths to the real recorded data, a CLI runner on a temp database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from paperscope.cli import main
from paperscope.store import SqliteStore, open_store

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).parent.parent / "sample"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "paperscope.db"


def invoke(db_path: Path, *args: str, expect_exit: int = 0) -> Result:
    """Run a paperscope command on a database in-process; fail loudly on an exception."""
    result = CliRunner().invoke(main, ["--db", str(db_path), *args], catch_exceptions=False)
    assert result.exit_code == expect_exit, result.output
    return result


@pytest.fixture
def cli(db_path: Path) -> Callable[..., Result]:
    """Run a paperscope command on the test's database."""

    def run(*args: str, expect_exit: int = 0) -> Result:
        return invoke(db_path, *args, expect_exit=expect_exit)

    return run


@pytest.fixture
def cli_json(cli: Callable[..., Result]) -> Callable[..., object]:
    def run(*args: str) -> object:
        return orjson.loads(cli(*args, "--format", "json").stdout)

    return run


@pytest.fixture
def store(db_path: Path) -> SqliteStore:
    s = open_store(db_path)
    yield s  # type: ignore[misc]
    s.close()


def content(db_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """A database's contents, minus bookkeeping that differs between runs (run ids)."""
    s = open_store(db_path)
    try:
        return {
            "papers": [r[:-2] for r in s.table_rows("papers", "id")],  # minus created/updated run
            "paper_ids": list(s.table_rows("paper_ids", "scheme, value")),
            "versions": list(s.table_rows("versions", "paper_id, version")),
            "authorships": [r[1:] for r in s.table_rows("authorships", "paper_id, position, raw_name")],
            "code_links": list(s.table_rows("code_links", "paper_id, url")),
            "citations": [r[:4] for r in s.table_rows("citation_counts", "paper_id, source, as_of")],
            "claims": [r[1:6] for r in s.table_rows("claims", "subject, field, source")],
            "provenance": [r[:4] for r in s.table_rows("provenance", "paper_id, source, record_id")],
            "rejects": [r[2:6] for r in s.table_rows("rejects", "source, file, position, reason")],
        }
    finally:
        s.close()
