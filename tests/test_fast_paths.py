"""The shortcuts the ingest hot path takes give exactly what the plain code gives."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from paperscope.ids import InvalidIdentifier, normalize_arxiv_id, parse_arxiv_id
from paperscope.models import Rejected
from paperscope.sources.jsonlines import iter_json_objects
from paperscope.text import clean_abstract, title_key

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]+(?=\S)|\n\s*\n")
_NOT_WORD = re.compile(r"[\W_]+")


def _plain_clean_abstract(text: str) -> str:
    s = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(s))
    return "\n\n".join(p for p in paragraphs if p)


def _random_texts(alphabet: list[str], n: int = 20_000) -> list[str]:
    rng = random.Random(1)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(n)]


def test_clean_abstract_is_the_plain_split_and_join() -> None:
    alphabet = ["a", "b", " ", "  ", "\n", "\n  ", "\t", "\r", "\r\n", "\x0b", "\x0c", "\x1c",
                "\x1f", "\x85", "\xa0", "\u2009", "\u2028", "é", "\x00"]  # fmt: skip
    for text in _random_texts(alphabet):
        assert clean_abstract(text) == _plain_clean_abstract(text), repr(text)


def test_title_key_is_the_plain_regular_expression() -> None:
    alphabet = [chr(c) for c in range(128)] + ["é", "ß", "Σ", "\u0301", "٣", "İ", "K", "\xa0"]
    for text in _random_texts(alphabet):
        assert title_key(text) == _NOT_WORD.sub(" ", text.casefold()).strip(), repr(text)


@pytest.mark.parametrize(
    "text",
    ["2101.00016", "2101.0016", "1412.1234", "1501.1234", "1413.00001", "2113.00001",
     "2100.00001", "2101.00016v2", " 2101.00016", "2101.٠٠٠١٦", "math/0309136", "2101-00016",
     "0612.1234", "0703.9999", "0704.0001", "0704.0000", "1501.00000", "1412.00016"],
)  # fmt: skip
def test_normalize_arxiv_id_is_parse_arxiv_id(text: str) -> None:
    try:
        expected: str | type[Exception] = parse_arxiv_id(text).id
    except InvalidIdentifier:
        expected = InvalidIdentifier
    if expected is InvalidIdentifier:
        with pytest.raises(InvalidIdentifier):
            normalize_arxiv_id(text)
    else:
        assert normalize_arxiv_id(text) == expected


def test_json_lines_tolerate_whitespace_around_an_object(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\n  \t\n\x0c{"a": 2}\x0c\n {"a": 3} \n[1]\n{bad\n')
    items = list(iter_json_objects(path, "test"))
    assert [obj for item in items if not isinstance(item, Rejected) for obj in [item[1]]] == [
        {"a": 1}, {"a": 2}, {"a": 3},
    ]
    rejects = [item for item in items if isinstance(item, Rejected)]
    assert [(r.origin.position, r.excerpt) for r in rejects] == [("line 6", "[1]"), ("line 7", "{bad")]
    assert rejects[0].reason == "not a JSON object but list"
    assert rejects[1].reason.startswith("not JSON: ")
