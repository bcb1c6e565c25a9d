"""arXiv daily listings as JSON lines (the daily-arXiv-ai-enhanced crawl of /list/…/new).

One object a line: ``id``, ``title``, ``authors`` (a list of names), ``categories`` (a
list), ``primary_category``, ``comment``, ``abstract``, ``listing_date`` (the day the
paper was announced), ``arxiv_yymm`` and ``abs_url``. Unknown fields are ignored.

Dates: a listing says when a paper was announced, not when each version was submitted.
The listing date is the record's ``latest_date``. It is also its ``first_date`` when the
listing falls in the id's own month or the next (a new submission is announced within
days); a paper listed later than that is a replacement or cross-list whose first date
the listing does not tell, so ``first_date`` stays unknown. The year is the id's: an
arXiv id carries the month of its first version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from paperscope.ids import InvalidIdentifier, normalize_category, parse_arxiv_id
from paperscope.models import Author, Origin, PaperRecord, Rejected
from paperscope.names import split_name
from paperscope.sources.jsonlines import InvalidRecord, parse_json_lines
from paperscope.text import clean_abstract, clean_title, find_code_urls

__all__ = ["SOURCE", "parse_record", "read"]

SOURCE = "arxiv-listing"

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# The YYMM an id was issued in: "2503.11731" → 25, 03; "hep-th/9108002" → 91, 08.
_ID_MONTH = re.compile(r"(?:^|/)(\d{2})(\d{2})")


def read(path: Path) -> Iterator[PaperRecord | Rejected]:
    """Yield a PaperRecord for every listing line of the file, Rejected for the others."""
    return parse_json_lines(path, SOURCE, parse_record)


def parse_record(obj: dict[str, Any], origin: Origin) -> PaperRecord:
    """One listing object as a PaperRecord; raise ValueError naming the field at fault."""
    raw_id = _text(obj, "id")
    if raw_id is None:
        raise InvalidRecord('missing "id"')
    try:
        parsed_id = parse_arxiv_id(raw_id)
    except InvalidIdentifier as e:
        raise InvalidRecord(f'malformed "id" {raw_id!r}: {e}') from None

    raw_title = _text(obj, "title")
    if raw_title is None:
        raise InvalidRecord('missing "title"')
    title = clean_title(raw_title)
    if not title:
        raise InvalidRecord('empty "title"')

    raw_abstract = _text(obj, "abstract")
    comment = _text(obj, "comment")
    listing_date = _text(obj, "listing_date")
    if listing_date is not None:
        listing_date = listing_date.strip()
        if not _DATE.fullmatch(listing_date):
            raise InvalidRecord(f'"listing_date" {listing_date!r} is not a YYYY-MM-DD date')

    categories = [normalize_category(c) for c in _text_list(obj, "categories") if c.strip()]
    primary = _text(obj, "primary_category")
    primary = normalize_category(primary) if primary and primary.strip() else None

    id_year, id_month = _id_month(parsed_id.id)
    return PaperRecord(
        SOURCE,
        origin,
        title,
        abstract=(clean_abstract(raw_abstract) or None) if raw_abstract else None,
        arxiv_id=parsed_id.id,
        arxiv_version=parsed_id.version,
        categories=categories,
        primary_category=primary or (categories[0] if categories else None),
        first_date=_first_date(listing_date, id_year, id_month),
        latest_date=listing_date,
        year=id_year or (int(listing_date[:4]) if listing_date else None),
        comments=(clean_title(comment) or None) if comment else None,
        code_urls=find_code_urls(raw_abstract, comment),
        authors=_authors(_text_list(obj, "authors")),
    )


def _authors(names: list[str]) -> list[Author]:
    authors: list[Author] = []
    for raw_name in names:
        raw = " ".join(raw_name.split())
        if not any(ch.isalpha() for ch in raw):
            continue  # the crawl sometimes splits a line at a colon: "KT", ":", …
        parts = split_name(raw)
        authors.append(Author(raw, parts.given, parts.family, parts.suffix, [], len(authors)))
    return authors


def _id_month(arxiv_id: str) -> tuple[int | None, int | None]:
    m = _ID_MONTH.search(arxiv_id)
    if not m:
        return None, None
    yy = int(m[1])
    # Old-style ids start in 1991; new-style ones in 2007 (0704).
    return (1900 + yy if yy >= 91 else 2000 + yy), int(m[2])


def _first_date(listing_date: str | None, year: int | None, month: int | None) -> str | None:
    if listing_date is None or year is None or month is None:
        return None
    listed = int(listing_date[:4]) * 12 + int(listing_date[5:7])
    return listing_date if 0 <= listed - (year * 12 + month) <= 1 else None


def _text(obj: dict[str, Any], field: str) -> str | None:
    value = obj.get(field)
    if value is None or type(value) is str:
        return value
    raise InvalidRecord(f'"{field}" is {_kind(value)}, expected a string')


def _text_list(obj: dict[str, Any], field: str) -> list[str]:
    value = obj.get(field)
    if value is None:
        return []
    if type(value) is not list or not all(type(v) is str for v in value):
        raise InvalidRecord(f'"{field}" is {_kind(value)}, expected a list of strings')
    return value


def _kind(value: Any) -> str:
    if type(value) is list:
        return "a list" if all(type(v) is str for v in value) else "a list with non-strings"
    return _KINDS.get(type(value), type(value).__name__)


_KINDS = {dict: "an object", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
