"""What running a deployment safely needs from the store: published artifacts and stage locks.

**Artifacts** are files kept beside the database (the nearest-neighbour index). A writer
builds a new generation in a folder of its own and then publishes its number here in one
commit; a reader opens the generation published, which no one writes again. A process
killed while writing leaves the previous generation published and whole.

**Stage locks**: a stage that must not run twice at once (resolve, score) holds a row
naming its process, host and command. A second run is refused with that name. A lock
whose process is gone (killed, on this host) is taken over.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from paperscope.errors import StageBusy
from paperscope.store.transactions import write_transaction

__all__ = ["ArtifactStore", "LockHolder", "StageLocks"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ArtifactStore:
    """Which generation of each artifact is the published one."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def current(self, name: str) -> int | None:
        """The published generation of an artifact, or None if none was ever published."""
        row = self.conn.execute("SELECT generation FROM artifacts WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    def publish(self, name: str, generation: int) -> None:
        """Make ``generation`` the one readers open (its files must be complete on disk)."""
        with write_transaction(self.conn):
            self.conn.execute(
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

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def holder(self, stage: str) -> LockHolder | None:
        row = self.conn.execute(
            "SELECT stage, pid, host, command, since FROM stage_locks WHERE stage = ?", (stage,)
        ).fetchone()
        return LockHolder(*row) if row else None

    @contextmanager
    def hold(self, stage: str, command: str) -> Iterator[None]:
        """Hold the stage's lock while the block runs; StageBusy naming the holder if another
        live process has it. Re-entrant within one process (a correction runs resolve)."""
        me = (os.getpid(), socket.gethostname())
        with write_transaction(self.conn):
            held = self.holder(stage)
            if held is not None and (held.pid, held.host) == me:
                mine = False  # taken further up this process: that holder releases it
            elif held is not None and (held.host != me[1] or _alive(held.pid)):
                raise StageBusy(f"{stage} is already running ({held.describe()})",
                                "wait for it, or stop it")
            else:  # free, or held by a process of this host that is gone
                self.conn.execute(
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
                    with write_transaction(self.conn):
                        self.conn.execute(
                            "DELETE FROM stage_locks WHERE stage = ? AND pid = ? AND host = ?", (stage, *me)
                        )
                except sqlite3.Error:
                    pass  # a full disk, say: the lock then names a process that is gone
                    # and the next run takes it over; the error that ended the stage stands
