"""Seconds spent in each step of a batch stage, for its summary line: where a long run went."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["StepTimes"]


class StepTimes(dict[str, float]):
    """Step name → seconds, in the order the steps first ran; a step run again adds up."""

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - started

    def line(self) -> str:
        return "steps: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.items())
