"""Where a batch stage's partitions run: ``local`` or ``dask``.

A batch stage (resolve's clustering, score's embedding and AI Score) is a pure function
over one partition plus one writer step in the calling process. The function and its
partition are all a worker gets: it opens what it reads itself (a read-only store by URL,
a model by name), through :func:`worker_store` and :func:`worker_cache`, once per worker
process. Nothing relies on a process inherited by ``fork``.

- ``local`` (the default): this process, plus a pool of processes started by ``spawn``
  when a stage has enough to share out and ``workers`` > 1.
- ``dask``: a Dask ``LocalCluster`` of ``workers`` processes (one thread each) started
  for the command; ``dask://host:8786`` joins a running scheduler (``dask scheduler`` /
  ``dask worker``, dask-jobqueue, dask-kubernetes). Its workers read the database by its
  URL: a PostgreSQL one, or a SQLite file they can see (the same machine).

Results come back in the order the partitions were given, whatever finished first, so a
stage's answer does not depend on the engine or the number of workers.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

from paperscope.errors import PaperscopeError

__all__ = ["ENGINE_ENV", "WORKERS_ENV", "Engine", "EngineError", "open_engine", "shared_url", "worker_cache",
           "worker_store"]

ENGINE_ENV = "PAPERSCOPE_ENGINE"
WORKERS_ENV = "PAPERSCOPE_WORKERS"
# Partitions sent ahead per worker: enough to keep each busy, few enough to bound memory.
_IN_FLIGHT_PER_WORKER = 2

T = TypeVar("T")
R = TypeVar("R")


class EngineError(PaperscopeError):
    """An engine that cannot be used as asked; the message says why."""


class Engine(Protocol):
    """Runs a function over partitions; results in the partitions' order."""

    name: str
    workers: int

    def shares(self, enough: bool) -> bool:
        """Whether partitions go to workers (else the stage runs them itself, on its own
        store). ``enough``: the stage has enough work to pay for sending it out."""
        ...

    def map(self, fn: Callable[[T], R], partitions: Iterable[T]) -> Iterator[R]:
        """``fn`` of each partition, run by the workers; results in the partitions' order."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def open_engine(spec: str | None = None, workers: int | None = None, *, db_url: str | None = None) -> Engine:
    """The engine a command asked for (``--engine``, else ``$PAPERSCOPE_ENGINE``, else local)
    with ``workers`` processes (else ``$PAPERSCOPE_WORKERS``, else the cores, at most 4)."""
    spec = (spec or os.environ.get(ENGINE_ENV) or "local").strip()
    if workers is None and os.environ.get(WORKERS_ENV):
        try:
            workers = int(os.environ[WORKERS_ENV])
        except ValueError:
            raise EngineError(f"${WORKERS_ENV} must be a number of workers, not {os.environ[WORKERS_ENV]!r}") from None
    if workers is not None and workers < 1:
        raise EngineError(f"workers must be at least 1, not {workers}")
    if spec == "local":
        return LocalEngine(workers or _default_workers())
    if spec == "dask" or spec.startswith("dask://"):
        address = spec.removeprefix("dask://") if spec.startswith("dask://") else None
        if address and db_url is not None and not db_url.startswith(("postgres://", "postgresql://")):
            raise EngineError(f"a Dask scheduler at {address} needs a PostgreSQL database: its workers"
                              " cannot be assumed to see this machine's SQLite file")
        return DaskEngine(address, workers or _default_workers())
    raise EngineError(f"unknown engine {spec!r}: local, dask, or dask://host:port")


class LocalEngine:
    """This process, and a spawn-started process pool when there is enough to share."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def shares(self, enough: bool) -> bool:
        return enough and self.workers > 1

    def map(self, fn: Callable[[T], R], partitions: Iterable[T]) -> Iterator[R]:
        if self._pool is None:
            import multiprocessing

            from paperscope.pipeline.children import die_with_parent

            # Started afresh (spawn), each ends with this process however it ends (kill -9).
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=die_with_parent, initargs=(os.getpid(),))
        pool = self._pool
        return _in_order(lambda p: pool.submit(fn, p), partitions, self.workers)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskEngine:
    """A Dask cluster: a LocalCluster of this machine's processes, or a scheduler's."""

    name = "dask"

    def __init__(self, address: str | None, workers: int) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise EngineError("the dask engine needs the `distributed` package:"
                              " pip install 'paperscope[dask]'") from None
        self._cluster = None
        if address:
            self.client = Client(address)
            self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
            self.workers = workers

    def shares(self, enough: bool) -> bool:
        return True  # the cluster was started for this: every stage uses it, whatever the size

    def map(self, fn: Callable[[T], R], partitions: Iterable[T]) -> Iterator[R]:
        return _in_order(lambda p: self.client.submit(fn, p, pure=False), partitions, self.workers)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _in_order(submit: Callable[[Any], Any], partitions: Iterable[Any], workers: int) -> Iterator[Any]:
    """Submit partitions a few per worker ahead, and yield their results in order."""
    pending: deque[Any] = deque()  # concurrent.futures or Dask futures: both have .result()
    ahead = max(1, workers * _IN_FLIGHT_PER_WORKER)
    for partition in partitions:
        pending.append(submit(partition))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


# --- what a worker opens once -----------------------------------------------------------------

_CACHE: dict[tuple[str, str], Any] = {}


def worker_cache(kind: str, key: str, make: Callable[[], T]) -> T:
    """``make()`` once per worker process for this (kind, key): a model, a connection."""
    found = _CACHE.get((kind, key))
    if found is None:
        found = _CACHE[(kind, key)] = make()
    return found


def worker_store(url: str) -> Any:
    """A read-only store of this database, opened once per worker process."""
    from paperscope.store import open_store

    return worker_cache("store", url, lambda: open_store(url, read_only=True))


def shared_url(url: str) -> str:
    """The database as a worker names it: a SQLite path made absolute (a worker need not
    start where the command did), a PostgreSQL URL as it is."""
    return url if url.startswith(("postgres://", "postgresql://")) else os.path.abspath(url)
