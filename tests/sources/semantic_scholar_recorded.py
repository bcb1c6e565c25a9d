"""The recorded Semantic Scholar exchanges (tests/fixtures/semanticscholar), shared by the
parser's tests and the client's replay server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from paperscope.models import WorkRecord

FIXTURES = Path(__file__).parent.parent / "fixtures" / "semanticscholar"


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    request_body: str
    status: int
    body: bytes
    date: str

    @property
    def fields(self) -> str:
        return parse_qs(urlsplit(self.url).query)["fields"][0]

    @property
    def ids(self) -> list[str]:
        return list(json.loads(self.request_body)["ids"])


def cassette(name: str) -> list[Exchange]:
    """The exchanges of a VCR cassette (both layouts vcrpy has written)."""
    data = yaml.safe_load((FIXTURES / "cassettes" / f"{name}.yaml").read_text(encoding="utf-8"))
    exchanges = []
    for step in data["interactions"]:
        request, response = step["request"], step["response"]
        body = response["body"]["string"] if "body" in response else response["content"]
        status = response["status"]["code"] if "status" in response else response["status_code"]
        exchanges.append(
            Exchange(
                request["method"],
                request["uri"],
                request["body"] or "",
                status,
                body.encode("utf-8"),
                response["headers"]["Date"][0],
            )
        )
    return exchanges


def works(records: list[Any]) -> list[WorkRecord]:
    assert all(isinstance(r, WorkRecord) for r in records), [str(r) for r in records]
    return list(records)
