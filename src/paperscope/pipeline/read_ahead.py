"""Reading a source in a second process while this one stores what was read.

A bulk ingest has two halves of about the same cost: reading the input into records and
the records into rows (Python), and writing the rows (the database). One process does them in
turn; with a second core, a child process reads and prepares batch n + 1 while the
parent writes batch n: an arXiv snapshot ingest takes about a quarter less time.

The child sends each batch as one message, as many records as the store writes in one
transaction: the parent asks for the next batch just as it finishes writing one, and
the child has it ready. The pipe holds no more than that, so a child that runs ahead
waits, and a parent that dies (even by kill -9) breaks the pipe and ends the child.
Nothing changes for the database: the parent alone writes, batch by batch, as without
a child.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from paperscope.models import PaperRecord, Record, Rejected
from paperscope.pipeline.children import die_with_parent
from paperscope.sources.jsonlines import SourceError
from paperscope.store.rows import PaperRows, paper_rows

__all__ = ["can_read_ahead", "read_ahead"]

Reader = Callable[[str], Iterator[Record]]


def can_read_ahead() -> bool:
    """Whether a second process can help: a second core, and Linux's fork() to start it.

    Fork, because the reader may be any callable (a lambda), which could not be sent to a
    process started afresh; Linux, where forking a process that has threads (the progress
    bar's) is safe for a child that only runs Python code. Elsewhere files are read in
    this process.
    """
    return (os.cpu_count() or 1) > 1 and sys.platform.startswith("linux")


def read_ahead(reader: Reader, path: str, batch_size: int) -> Iterator[Record | PaperRows]:
    """Yield what ``reader(path)`` yields, read by a child process; paper records as PaperRows.

    ``batch_size`` is the store's: every batch_size-th paper record or reject ends a message.
    The reader's exceptions (SourceError…) are raised here, as if it ran in this process.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_read_in_child,
        args=(reader, path, batch_size, sender, receiver, os.getpid()),
        name=f"paperscope read {path}",
        daemon=True,
    )
    child.start()
    sender.close()  # the child's end: held by the child alone, so its exit reads as EOF
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                child.join()
                raise RuntimeError(
                    f"{path}: the process reading it ended unexpectedly (exit code {child.exitcode})"
                ) from None
            if kind == "records":
                # The rows follow as bytes of their own: see _Batch.send.
                # Bytes our own child process marshalled.
                yield from map(PaperRows._make, marshal.loads(receiver.recv_bytes()))  # noqa: S302
                yield from payload
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()  # this side stopped early: its records are not wanted
        child.join()


def _read_in_child(
    reader: Reader, path: str, batch_size: int, sender: Connection, receiver: Connection, parent: int
) -> None:
    """The child's work: read, turn paper records into rows, send batch by batch."""
    die_with_parent(parent)
    # The parent's end, inherited by fork. Closed, so that the parent's death breaks the
    # pipe here.
    receiver.close()
    # As in the parent's ingest (see pipeline/ingest.py): records hold no cycles.
    gc.set_threshold(200_000, *gc.get_threshold()[1:])
    try:
        _send_batches(reader, path, batch_size, sender)
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the parent is gone, or got the same Ctrl-C and reports it
    finally:
        sender.close()


def _send_batches(reader: Reader, path: str, batch_size: int, sender: Connection) -> None:
    batch = _Batch()
    try:
        for record in reader(path):
            batch.add(record)
            if batch.counted >= batch_size:
                batch.send(sender)
                batch = _Batch()
    except Exception as e:  # noqa: BLE001 - handed to the parent, which raises it
        e.add_note(f"(raised while reading {path} in a child process)\n{traceback.format_exc()}")
        batch.send(sender)  # what was read before the error, as a reader in-process gives it
        sender.send(("error", _picklable(e)))
        return
    batch.send(sender)
    sender.send(("done", None))


def _picklable(e: Exception) -> Exception:
    """``e`` if it survives the trip to the parent (pickled *and* unpickled: an exception
    whose ``__init__`` takes more than its message pickles but fails to load); else a
    SourceError for a source's error, a RuntimeError for anything else, with its message."""
    try:
        pickle.loads(pickle.dumps(e))  # noqa: S301 - a round trip of our own object
    except Exception:  # noqa: BLE001 - any exception that cannot cross to the parent
        kind = SourceError if isinstance(e, SourceError) else RuntimeError
        return kind(str(e) if kind is SourceError else f"{type(e).__name__}: {e}\n{e.__notes__[-1]}")
    return e


class _Batch:
    """What the child sends at a time: paper records as rows, and the other records."""

    def __init__(self) -> None:
        self.rows: list[tuple[object, ...]] = []
        self.others: list[Record] = []
        self.counted = 0  # paper records and rejects: what the parent's batches count

    def add(self, record: Record) -> None:
        if type(record) is PaperRecord:
            self.rows.append(tuple(paper_rows(record)))
            self.counted += 1
        else:
            self.others.append(record)
            self.counted += type(record) is Rejected

    def send(self, sender: Connection) -> None:
        sender.send(("records", self.others))
        # The rows are plain tuples of strings and numbers, which marshal (version 2:
        # without back-references) writes three times faster than pickle, whose memo
        # of every object costs more than the rest. Both ends run the same Python.
        sender.send_bytes(marshal.dumps(self.rows, 2))
