"""Real OpenAlex objects (tests/fixtures/openalex), shared by the parser's tests and the
client's fake API."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openalex"


def load(name: str) -> dict[str, Any]:
    obj: dict[str, Any] = orjson.loads((FIXTURES / name).read_bytes())
    return obj


WORK = load("W2741809807.json")  # "The state of OA", PeerJ 2018
OLDER_WORK = load("W-api-response.json")  # GW170104, an older object (host_venue, no ORCIDs)
AUTHOR = load("A5023888391.json")  # Jason Priem
AUTHOR_OLDER = load("A-api-response.json")  # last_known_institution (singular), no summary_stats
DELETED_AUTHOR = load("A5317838346.json")
TOPIC = load("T11636.json")


def arxiv_copy(doi: str = "https://doi.org/10.48550/arxiv.1706.01812") -> dict[str, Any]:
    """An edited copy of the real work, standing in for an arXiv paper (none is recorded)."""
    work = copy.deepcopy(OLDER_WORK)
    work["id"] = "https://openalex.org/W4999999999"
    work["doi"] = doi
    return work
