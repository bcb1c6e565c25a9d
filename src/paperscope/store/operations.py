"""What running a deployment safely needs from the store: published artifacts and stage locks.

**Artifacts** are files kept beside the database (the nearest-neighbour index). A writer
builds a new generation in a folder of its own and then publishes its number here in one
commit; a reader opens the generation published, which no one writes again. A process
killed while writing leaves the previous generation published and whole.

**Stage locks**: a stage that must not run twice at once (resolve, score) holds a row
naming its process, host and command. A second run is refused with that name. On SQLite,
a lock whose process is gone (killed, on this host) is taken over. On PostgreSQL the row
only names the holder: the lock itself is a session advisory lock, which the server
releases when the holder's connection ends, whichever host it ran on.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from paperscope.errors import StageBusy
from paperscope.store.db import Database
from paperscope.store.errors import is_engine_error

__all__ = ["ArtifactStore", "LockHolder", "StageLocks"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ArtifactStore:
    """Which generation of each artifact is the published one."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def current(self, name: str) -> int | None:
        """The published generation of an artifact, or None if none was ever published."""
        row = self.db.execute("SELECT generation FROM artifacts WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    def publish(self, name: str, generation: int) -> None:
        """Make ``generation`` the one readers open (its files must be complete on disk)."""
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO artifacts (name, generation, updated) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET generation = excluded.generation,"
                " updated = excluded.updated",
                (name, generation, _now()),
            )


@dataclass(frozen=True, slots=True)
class LockHolder:
    stage: str
    pid: int
    host: str
    command: str
    since: str

    def describe(self) -> str:
        return f"process {self.pid} on {self.host} since {self.since}: `{self.command}`"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class StageLocks:
    """Locks of the stages that must not overlap, held in the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._depth: dict[str, int] = {}

    def holder(self, stage: str) -> LockHolder | None:
        row = self.db.execute(
            "SELECT stage, pid, host, command, since FROM stage_locks WHERE stage = ?", (stage,)
        ).fetchone()
        return LockHolder(*row) if row else None

    @contextmanager
    def hold(self, stage: str, command: str) -> Iterator[None]:
        """Hold the stage's lock while the block runs; StageBusy naming the holder if another
        live process has it. Re-entrant within one process (a correction runs resolve)."""
        if self.db.dialect == "postgresql":
            with self._advisory(stage, command):
                yield
            return
        me = (os.getpid(), socket.gethostname())
        with self.db.transaction():
            held = self.holder(stage)
            if held is not None and (held.pid, held.host) == me:
                mine = False  # taken further up this process: that holder releases it
            elif held is not None and (held.host != me[1] or _alive(held.pid)):
                raise StageBusy(f"{stage} is already running ({held.describe()})",
                                "wait for it, or stop it")
            else:  # free, or held by a process of this host that is gone
                self.db.execute(
                    "INSERT INTO stage_locks (stage, pid, host, command, since) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (stage) DO UPDATE SET pid = excluded.pid, host = excluded.host,"
                    " command = excluded.command, since = excluded.since",
                    (stage, me[0], me[1], command, _now()),
                )
                mine = True
        try:
            yield
        finally:
            if mine:
                try:
                    with self.db.transaction():
                        self.db.execute(
                            "DELETE FROM stage_locks WHERE stage = ? AND pid = ? AND host = ?", (stage, *me)
                        )
                except Exception as exc:
                    if not is_engine_error(exc):
                        raise
                    pass  # a full disk, say: the lock then names a process that is gone
                    # and the next run takes it over; the error that ended the stage stands

    @contextmanager
    def _advisory(self, stage: str, command: str) -> Iterator[None]:
        """PostgreSQL: a session advisory lock per stage (re-entrant in one session, released
        by the server if this process dies), and the row that names who holds it."""
        key = int.from_bytes(hashlib.blake2b(f"paperscope:{stage}".encode(), digest_size=8).digest(), "big",
                             signed=True)
        depth = self._depth.get(stage, 0)
        if depth == 0:
            (got,) = self.db.execute("SELECT pg_try_advisory_lock(?)", (key,)).fetchone()
            if not got:
                held = self.holder(stage)
                who = held.describe() if held else "another process"
                raise StageBusy(f"{stage} is already running ({who})", "wait for it, or stop it")
            with self.db.transaction():
                self.db.execute(
                    "INSERT INTO stage_locks (stage, pid, host, command, since) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (stage) DO UPDATE SET pid = excluded.pid, host = excluded.host,"
                    " command = excluded.command, since = excluded.since",
                    (stage, os.getpid(), socket.gethostname(), command, _now()),
                )
        self._depth[stage] = depth + 1
        try:
            yield
        finally:
            self._depth[stage] = depth
            if depth == 0:
                try:
                    with self.db.transaction():
                        self.db.execute("DELETE FROM stage_locks WHERE stage = ? AND pid = ?", (stage, os.getpid()))
                finally:
                    self.db.execute("SELECT pg_advisory_unlock(?)", (key,))
