"""The recorded arXiv API exchanges (tests/fixtures/arxiv-api-atom), shared by the parser's
tests and the client's replay server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from paperscope.models import PaperRecord, Rejected

FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv-api-atom"
RECORDED = sorted((FIXTURES / "recorded_json").glob("*.json"))
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Exchange:
    url: str
    status: int
    body: bytes  # the bytes arXiv sent (see the fixtures' README on the latin-1 repair)

    @property
    def params(self) -> dict[str, str]:
        return {
            k: v[0] for k, v in parse_qs(urlsplit(self.url).query, keep_blank_values=True).items()
        }


def recorded(stem: str) -> Exchange:
    """The exchange named ``id_1605.08386`` or ``q_testing_s0_m10`` (file name less hash)."""
    (path,) = [p for p in RECORDED if stem in (p.stem.rsplit("_", 1)[0], p.stem.rsplit("_", 3)[0])]
    data = json.loads(path.read_text(encoding="utf-8"))
    return Exchange(data["url"], data["status_code"], data["body"].encode("latin-1"))


def papers(records: list[PaperRecord | Rejected]) -> list[PaperRecord]:
    assert all(isinstance(r, PaperRecord) for r in records), [str(r) for r in records]
    return [r for r in records if isinstance(r, PaperRecord)]
