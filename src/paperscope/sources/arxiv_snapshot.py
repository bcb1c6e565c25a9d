"""The arXiv bulk metadata snapshot (JSON lines, as Kaggle's arxiv-metadata-oai-snapshot).

One object a line: ``id``, ``submitter``, ``authors`` (arXiv's author line), ``title``,
``comments``, ``journal-ref``, ``doi``, ``report-no``, ``categories`` (space-separated),
``license``, ``abstract``, ``versions`` ([{version: "v1", created: RFC 2822 date}]),
``update_date`` and ``authors_parsed`` ([[family, given, suffix, affiliation…], …], arXiv's
own split of the author line, already in Unicode). Unknown fields are ignored.

This reader is the hot path of a whole-snapshot ingest (millions of lines), so the work
per line is kept small: no name parser on ``authors_parsed``, dates cut by hand, and the
checks written as plain ``type() is`` tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from paperscope.ids import InvalidIdentifier, normalize_arxiv_id, normalize_category, normalize_doi
from paperscope.models import Author, Origin, PaperRecord, Rejected, Version
from paperscope.sources.arxiv_authors import parse_arxiv_authors
from paperscope.sources.jsonlines import InvalidRecord, parse_json_lines
from paperscope.text import clean_abstract, clean_title, find_code_urls

__all__ = ["SOURCE", "parse_record", "read", "rfc2822_to_iso"]

SOURCE = "arxiv-snapshot"

_MONTHS = {
    "Jan": "01", "Feb": "02", "Mar": "03", "Apr": "04", "May": "05", "Jun": "06",
    "Jul": "07", "Aug": "08", "Sep": "09", "Oct": "10", "Nov": "11", "Dec": "12",
}  # fmt: skip
_OPTIONAL_TEXT = ("abstract", "comments", "journal-ref", "license", "doi", "categories")
_TEXT = frozenset((str, type(None)))


def read(path: Path) -> Iterator[PaperRecord | Rejected]:
    """Yield a PaperRecord for every snapshot line of the file, Rejected for the others."""
    return parse_json_lines(path, SOURCE, parse_record)


def parse_record(obj: dict[str, Any], origin: Origin) -> PaperRecord:
    """One snapshot object as a PaperRecord; raise ValueError naming the field at fault."""
    get = obj.get
    raw_id = get("id")
    if type(raw_id) is not str:
        raise InvalidRecord('missing "id"' if raw_id is None else _wrong_type("id", raw_id, "a string"))
    try:
        arxiv_id = normalize_arxiv_id(raw_id)
    except InvalidIdentifier as e:
        raise InvalidRecord(f'malformed "id" {raw_id!r}: {e}') from None

    raw_title = get("title")
    if type(raw_title) is not str:
        if raw_title is None:
            raise InvalidRecord('missing "title"')
        raise InvalidRecord(_wrong_type("title", raw_title, "a string"))
    title = clean_title(raw_title)
    if not title:
        raise InvalidRecord('empty "title"')

    raw_abstract = get("abstract")
    comments = get("comments")
    journal_ref = get("journal-ref")
    license_url = get("license")
    doi_field = get("doi")
    categories_field = get("categories")
    # One combined test for the common case; the slow path finds the field to name.
    if (
        type(raw_abstract) not in _TEXT
        or type(comments) not in _TEXT
        or type(journal_ref) not in _TEXT
        or type(license_url) not in _TEXT
        or type(doi_field) not in _TEXT
        or type(categories_field) not in _TEXT
    ):
        for name in _OPTIONAL_TEXT:
            if type(obj.get(name)) not in _TEXT:
                raise InvalidRecord(_wrong_type(name, obj[name], "a string"))

    record = PaperRecord(
        SOURCE,
        origin,
        title,
        abstract=(clean_abstract(raw_abstract) or None) if raw_abstract else None,
        arxiv_id=arxiv_id,
        comments=(clean_title(comments) or None) if comments else None,
        journal_ref=(clean_title(journal_ref) or None) if journal_ref else None,
        license=(license_url.strip() or None) if license_url else None,
        # Before cleaning: find_code_urls mends URLs that a hard wrap cut in two.
        code_urls=find_code_urls(raw_abstract, comments),
    )
    if categories_field:
        categories = [normalize_category(c) for c in categories_field.split()]
        if categories:
            record.categories = categories
            record.primary_category = categories[0]
    if doi_field:
        record.dois = _dois(doi_field)
    versions = get("versions")
    if versions:
        _add_versions(record, versions)
    elif versions is not None and type(versions) is not list:
        raise InvalidRecord(_wrong_type("versions", versions, "a list"))

    authors_parsed = get("authors_parsed")
    if authors_parsed is not None:
        record.authors = _authors_from_parsed(authors_parsed)
    else:
        authors = get("authors")
        if type(authors) is str:
            record.authors = parse_arxiv_authors(authors)
        elif authors is not None:
            raise InvalidRecord(_wrong_type("authors", authors, "a string"))
    return record


def _add_versions(record: PaperRecord, versions: Any) -> None:
    if type(versions) is not list:
        raise InvalidRecord(_wrong_type("versions", versions, "a list"))
    found = []
    for i, entry in enumerate(versions):
        if type(entry) is not dict:
            raise InvalidRecord(_wrong_type(f"versions[{i}]", entry, "an object"))
        label = entry.get("version")
        if type(label) is not str or label[:1] != "v" or not label[1:].isdigit():
            raise InvalidRecord(f'"versions[{i}].version" {label!r} is not like "v1"')
        created = entry.get("created")
        found.append(Version(int(label[1:]), rfc2822_to_iso(created) if type(created) is str else None))
    record.versions = found
    first, last = found[0], found[-1]
    record.arxiv_version = last.version
    if first.submitted:
        record.first_date = first.submitted[:10]
        record.year = int(first.submitted[:4])
    if last.submitted:
        record.latest_date = last.submitted[:10]


def rfc2822_to_iso(text: str) -> str | None:
    """'Thu, 22 Dec 2022 17:01:56 GMT' → '2022-12-22T17:01:56Z'; None if not a date.

    arXiv writes every date this one way, so it is cut by hand; anything else goes to
    the standard library's parser.
    """
    parts = text.split()
    if len(parts) == 6 and parts[5] == "GMT":
        day, month, year, clock = parts[1], _MONTHS.get(parts[2]), parts[3], parts[4]
        if (
            month
            and day.isdigit()
            and len(day) <= 2
            and len(year) == 4
            and year.isdigit()
            and len(clock) == 8
            and clock[2] == ":" == clock[5]
        ):
            return f"{year}-{month}-{day.zfill(2)}T{clock}Z"
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dois(field: str) -> list[str]:
    """Every valid DOI in the field (several may be separated by spaces); bad ones dropped."""
    found: list[str] = []
    for part in field.split():
        try:
            doi = normalize_doi(part)
        except InvalidIdentifier:
            continue
        if doi not in found:
            found.append(doi)
    return found


def _authors_from_parsed(authors_parsed: Any) -> list[Author]:
    """Authors from arXiv's [family, given, suffix, affiliation…] lists."""
    if type(authors_parsed) is not list:
        raise InvalidRecord(_wrong_type("authors_parsed", authors_parsed, "a list"))
    authors: list[Author] = []
    append = authors.append
    for entry in authors_parsed:
        if type(entry) is not list or len(entry) != 3:
            family, given, suffix, affiliations = _unusual_entry(entry)
        else:
            family, given, suffix = entry
            affiliations = []
            if type(family) is not str or type(given) is not str or type(suffix) is not str:
                raise InvalidRecord(f'"authors_parsed" entry {entry!r:.80} is not a list of strings')
        if given:
            raw = f"{given} {family} {suffix}" if suffix else f"{given} {family}"
        elif family:
            raw = f"{family} {suffix}" if suffix else family
        else:
            continue  # nobody: an empty entry
        append(Author(raw, given or None, family or None, suffix or None, affiliations, len(authors)))
    return authors


def _unusual_entry(entry: Any) -> tuple[str, str, str, list[str]]:
    """An authors_parsed entry that is not [family, given, suffix]: affiliations, or short."""
    if type(entry) is not list or not all(type(p) is str for p in entry):
        raise InvalidRecord(f'"authors_parsed" entry {entry!r:.80} is not a list of strings')
    padded = [*entry, "", "", ""]
    return padded[0], padded[1], padded[2], entry[3:]


def _wrong_type(field: str, value: Any, expected: str) -> str:
    return f'"{field}" is {_kind(value)}, expected {expected}'


def _kind(value: Any) -> str:
    return {
        dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
        bool: "a boolean", type(None): "null",
    }.get(type(value), type(value).__name__)  # fmt: skip
