"""Shared fixtures: paths to the real recorded data, a CLI runner on a temp database.

Every test that takes a database (``db_path``, ``cli``, ``store``, ``web_db`` …) runs on
both backends: SQLite (a file in the test's temporary folder) and PostgreSQL (a fresh
database cloned from a migrated template on the server of tests/pg_server.py:
``$PAPERSCOPE_TEST_PG_DSN``, else an embedded server started once per run). A test about
SQLite's file itself is marked ``sqlite_only`` and runs on SQLite alone.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import threading
from collections.abc import Callable
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
from click.testing import CliRunner, Result

import pg_server
from paperscope.cli import main
from paperscope.store import Store, open_store

BACKENDS = ("sqlite", "postgresql")
_MIGRATED = "paperscope_migrated"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test of the SQLite file itself (runs on SQLite alone)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes a database once per backend (module-scoped, so that a
    module's shared database is built once per backend)."""
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("backend", ["sqlite"] if only else list(BACKENDS), scope="module")


def new_database(backend: str, folder: Path, name: str = "paperscope.db") -> Path | str:
    """An empty database of that backend: a file path in ``folder``, or a PostgreSQL URL."""
    if backend == "sqlite":
        return folder / name
    if not _TEMPLATES:
        pg_server.template_database(_MIGRATED, lambda url: open_store(url).close())
        _TEMPLATES.append(_MIGRATED)
    url = pg_server.fresh_database(template=_MIGRATED)
    _CREATED.append(url)
    return url


def query(db: Path | str, sql: str, *args: object) -> list[tuple]:
    """Rows of one read-only query on a test database (either backend)."""
    with open_store(db, read_only=True) as store:
        return [tuple(row) for row in store.db.execute(sql, args)]


class Connection:
    """A test's own connection to its database, either backend: ``execute`` (``?``
    placeholders), autocommit; ``commit`` is there for code written against sqlite3."""

    def __init__(self, db: Path | str) -> None:
        self.store = open_store(db)
        self.execute = self.store.db.execute
        self.executemany = self.store.db.executemany

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(db: Path | str) -> Connection:
    return Connection(db)


def copy_database(db: Path | str, folder: Path, name: str = "copy.db") -> Path | str:
    """A copy of a test database (with its nearest-neighbour index), to change freely."""
    import shutil

    if isinstance(db, Path):
        import sqlite3

        with closing(sqlite3.connect(db)) as conn:  # what the WAL holds goes into the file first
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = folder / name
        shutil.copy(db, target)
        if Path(f"{db}.ann").is_dir():
            shutil.copytree(f"{db}.ann", f"{target}.ann")
        return target
    url = pg_server.clone_database(db)
    _CREATED.append(url)
    with open_store(db, read_only=True) as source, open_store(url, read_only=True) as copy:
        built, own = source.artifact_root(), copy.artifact_root()
    if built is not None and own is not None and built.is_dir():
        shutil.copytree(built, own)
    return url


_TEMPLATES: list[str] = []
_CREATED: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases(tmp_path_factory: pytest.TempPathFactory) -> object:
    # A PostgreSQL database's artifacts (the ANN index) go to a folder of this run's.
    import os

    os.environ["PAPERSCOPE_ARTIFACTS"] = str(tmp_path_factory.mktemp("artifacts"))
    yield
    for url in _CREATED:
        pg_server.drop_database(url)

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).parent.parent / "sample"
EMBED_FIXTURES = FIXTURES / "embed"


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """The real arXiv cs records of fixtures/embed (every 60th of a daily-listing crawl)."""
    with gzip.open(EMBED_FIXTURES / "arxiv-cs-every60.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


@pytest.fixture
def db_path(backend: str, tmp_path: Path) -> Path | str:
    """The test's database: a SQLite file path, or a PostgreSQL URL."""
    return new_database(backend, tmp_path)


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
def store(db_path: Path) -> Store:
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
            "authorships": list(s.table_rows("authorships", "paper_id, position")),
            "hidden_authorships": [r[1:] for r in s.table_rows("hidden_authorships", "paper_id, raw_name")],
            "code_links": list(s.table_rows("code_links", "paper_id, url")),
            "citations": [r[:4] for r in s.table_rows("citation_counts", "paper_id, source, as_of")],
            "claims": [r[1:6] for r in s.table_rows("claims", "subject, field, source")],
            "provenance": [r[:4] for r in s.table_rows("provenance", "paper_id, source, record_id")],
            "rejects": [r[2:6] for r in s.table_rows("rejects", "source, file, position, reason")],
        }
    finally:
        s.close()


class FakeServer:
    """An HTTP server on 127.0.0.1 answering GETs with `respond(query) -> (status, body)`;
    it records every query it was sent."""

    def __init__(self, respond: Callable[[dict[str, str]], tuple[int, bytes]]) -> None:
        self.respond = respond
        self.requests: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                fake.requests.append(query)
                status, body = fake.respond(query)
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


# --- the web app's database ----------------------------------------------------------------
AS_OF = dt.date(2026, 11, 23)
# One real listing record re-titled with markup: ingest stores it verbatim, pages must escape it.
HOSTILE_ID = "2512.99991"
HOSTILE_TITLE = "Escaping <script>alert(1)</script> in titles & names"
HOSTILE_ABSTRACT = 'We <img src=x onerror="alert(2)"> test </p><b>markup</b> in abstracts.'


def build_web_db(path: Path | str, tmp: Path) -> Path | str:
    """Seeds + listings + conference slice + one hostile record; resolved and scored."""
    with gzip.open(EMBED_FIXTURES / "arxiv-cs-every60.jsonl.gz", "rt", encoding="utf-8") as lines:
        record = json.loads(next(lines))
    record.update(id=HOSTILE_ID, title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT)
    hostile = tmp / "hostile.jsonl"
    hostile.write_text(json.dumps(record) + "\n", encoding="utf-8")
    invoke(path, "ingest", "seeds", str(FIXTURES / "seeds"), "--as-of", AS_OF.isoformat())
    invoke(path, "ingest", "listings", str(EMBED_FIXTURES / "arxiv-cs-every60.jsonl.gz"), str(hostile))
    invoke(path, "ingest", "conferences", str(FIXTURES / "conferences" / "papers-slice.jsonl.gz"))
    invoke(path, "resolve")
    invoke(path, "score")
    return path


@pytest.fixture(scope="module")
def web_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """A database for the web app's tests, built once per test module and backend."""
    tmp = tmp_path_factory.mktemp("web")
    return build_web_db(new_database(backend, tmp, "web.db"), tmp)
