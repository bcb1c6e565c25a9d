"""Lists of a few thousand items from any iterable: what a stage reads or writes at a time.

(``itertools.batched`` from Python 3.12 on; paperscope supports 3.11.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["batched"]

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """The items in lists of ``size`` (the last one shorter), read as they are asked for."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
