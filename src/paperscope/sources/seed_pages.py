"""Seed researcher pages: the text of a scholarfeed-style profile, read into records.

A page (see ``tests/fixtures/seeds/``) has an optional header, then a block per paper::

    Zixin Wen                         name (absent on some pages)

    LG                                primary category, short code (may be absent)
    h-index56                         figures, kept as claims, commas dropped:
    13papers                          h-index, papers, citations ("2,601citations"),
    440citations                      novelty %, AI score
    Novelty60%
    AI Score59

    13 Papers

    87.0LGMar 13Code                  [score] code date [Code]; no year: the page's year
    Feynman: Knowledge-Infused …      title

    Zixin Wen, Yifu Cai, Kyle Lee et al. · princeton     ≤ 3 names [et al.] [· tag]

    Visual design is an …             abstract

A compact variant has no blank lines and glues the title to its authors
(``…Language ModelsXiaozhi Wang, Kaiyue Wen et al. · tsinghua``), see
:func:`~paperscope.sources.seed_page_authors.split_title_authors`. A third lists only
``Abstract:…`` lines: untitled, they cannot be papers, so they are matched to the papers
of the pages read with them (:func:`~paperscope.sources.seed_page_abstracts.match_abstracts`)
and the unmatched ones are rejected.

A seed paper has no arXiv id or DOI. It is keyed by its normalized title,
``other_ids={"title": text.title_key(title)}``, so one paper on two pages is one record;
merging it with the arXiv record of the same title is left to the resolver.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

from paperscope.ids import full_categories_for_code
from paperscope.models import Author, Claim, Origin, PaperRecord, Rejected, ResearcherPage
from paperscope.names import split_name
from paperscope.sources.jsonlines import SourceError
from paperscope.sources.seed_page_abstracts import ABSTRACT_LABEL, match_abstracts
from paperscope.sources.seed_page_authors import (
    name_key,
    parse_author_line,
    plain_name,
    split_title_authors,
)
from paperscope.text import find_code_urls, title_key

__all__ = ["SOURCE", "read", "read_dir"]

SOURCE = "seed-page"
Record = PaperRecord | ResearcherPage | Rejected

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_BADGE = re.compile(
    r"(?P<score>\d{1,3}(?:\.\d+)?)?"
    r"(?P<code>[A-Za-z][A-Za-z-]*?)"
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? (?P<day>\d{1,2})"
    r"(?:, (?P<year>\d{4}))?"
    r"(?P<code_badge> ?Code)?"
)
_FIGURES = [
    (re.compile(r"h-index\s*(\d[\d,]*)"), "h_index"),
    (re.compile(r"(\d[\d,]*)\s*papers"), "papers"),
    (re.compile(r"(\d[\d,]*)\s*citations"), "citations"),
    (re.compile(r"Novelty\s*(\d+(?:\.\d+)?)\s*%"), "novelty_pct"),
    (re.compile(r"AI Score\s*(\d+(?:\.\d+)?)"), "ai_score"),
    (re.compile(r"(\d[\d,]*) Papers"), "papers_heading"),
]

Line = tuple[int, str]  # (line number, stripped text)


@dataclass(slots=True)
class _Page:
    """One page as read: what it says; the researcher's name may still be unknown."""

    path: Path
    as_of: date
    name: str | None = None
    name_inferred: bool = False
    claims: list[Claim] = field(default_factory=list)
    blocks: list[PaperRecord | Rejected] = field(default_factory=list)  # block N at [N-1]
    abstracts: list[tuple[int, int, str]] = field(default_factory=list)  # block, line, text
    rejected: list[Rejected] = field(default_factory=list)  # lines outside any block

    @property
    def papers(self) -> list[PaperRecord]:
        return [b for b in self.blocks if isinstance(b, PaperRecord)]


@dataclass(slots=True)
class _Block:
    head: list[Line]  # spaced: [date, title]; compact: [date, title+authors, abstract]
    compact: bool = False
    rest: list[list[Line]] = field(default_factory=list)  # spaced: [authors], [abstract]…


# --- public API ---------------------------------------------------------------------------


def read(path: Path, as_of: date | None = None) -> Iterator[Record]:
    """Yield the page's papers and rejected blocks, then its :class:`ResearcherPage`.

    ``as_of`` is the date the page was seen, which gives the year of dates printed
    without one; default: the file's modification date. An abstract-only page is
    matched against the other ``*.txt`` pages of its directory.
    """
    page = _parse(path, as_of)
    others = []
    if page.abstracts:
        others = [
            _parse(p, as_of) for p in _page_files(path.parent) if p.resolve() != path.resolve()
        ]
    yield from _emit(page, others)


def read_dir(directory: Path, as_of: date | None = None) -> Iterator[Record]:
    """Yield the records of every ``*.txt`` page in the directory, files sorted by name."""
    pages = [_parse(p, as_of) for p in _page_files(directory)]
    for page in pages:
        yield from _emit(page, [p for p in pages if p is not page])


# --- reading one page ----------------------------------------------------------------------


def _page_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.txt") if p.is_file())


def _parse(path: Path, as_of: date | None) -> _Page:
    try:
        text = path.read_text(encoding="utf-8-sig")
        if as_of is None:
            as_of = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"{path}: cannot read page: {e}") from e
    page = _Page(path, as_of)
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    filled = [line for line in lines if line[1]]
    if not filled:
        page.rejected.append(_reject(page, "line 1", "empty page: no header, papers or abstracts"))
    elif ABSTRACT_LABEL.match(filled[0][1]):
        for block, (lineno, s) in enumerate(filled, start=1):
            if ABSTRACT_LABEL.match(s) and ABSTRACT_LABEL.sub("", s, count=1):
                page.abstracts.append((block, lineno, ABSTRACT_LABEL.sub("", s, count=1)))
            else:
                reason = "expected an 'Abstract:' line on an abstract-only page"
                page.rejected.append(_reject(page, f"block {block}, line {lineno}", reason, s))
    else:
        body = _parse_header(page, lines)
        _parse_blocks(page, body)
        if page.name is None:
            page.name = _most_named(page.papers, listed_only=True)
            page.name_inferred = page.name is not None
    return page


def _parse_header(page: _Page, lines: list[Line]) -> list[Line]:
    """Read the header into page.name and page.claims; return the lines after it.

    Header lines: the figures, the primary category code, a name line followed by one
    of those, and the "N Papers" heading, which ends the header. Any other line starts
    the body (a page without a header, or a first block whose date line is garbled).
    """
    filled = [i for i, (_, s) in enumerate(lines) if s]
    heading = None
    end = len(lines)
    for pos, idx in enumerate(filled):
        s = lines[idx][1]
        kind = _header_line(s)
        if kind is None and pos == 0 and _is_name_line(s, lines, filled):
            page.name = s
            continue
        if kind is None or kind[0] == "date":
            end = idx
            break
        if kind[0] == "papers_heading":
            heading, end = kind[1], idx + 1
            break
        page.claims.append(
            Claim("researcher", kind[0], kind[1], page.path.name, page.as_of.isoformat())
        )
    stated = next((c.value for c in page.claims if c.field == "papers"), None)
    if heading is not None and heading != stated:
        # Kept only where it adds something: no "Npapers" figure, or a different one.
        field_ = "papers" if stated is None else "papers_heading"
        page.claims.append(
            Claim("researcher", field_, heading, page.path.name, page.as_of.isoformat())
        )
    return lines[end:]


def _is_name_line(s: str, lines: list[Line], filled: list[int]) -> bool:
    """A short line without digits, followed by a header line."""
    words = s.split()
    return (
        1 <= len(words) <= 6
        and s[0].isupper()
        and not any(c.isdigit() for c in s)
        and len(filled) > 1
        and _header_line(lines[filled[1]][1]) is not None
    )


def _header_line(s: str) -> tuple[str, str] | None:
    """(field, value) of a header line; ("date", s) for a paper's date line; else None."""
    if _BADGE.fullmatch(s):
        return "date", s
    for pattern, field_ in _FIGURES:
        m = pattern.fullmatch(s)
        if m:
            return field_, m[1].replace(",", "")
    if full_categories_for_code(s):
        return "primary_category_code", s
    return None


def _parse_blocks(page: _Page, lines: list[Line]) -> None:
    """Cut the body into paper blocks and read each into page.blocks.

    Spaced page: a two-line paragraph [date, title] opens a block and the one-line
    paragraphs after it are [authors] [abstract…]. The two-line shape marks the block,
    not the date, so a garbled date line costs its own block only. Compact page: one
    run of lines, three per block [date, title+authors, abstract].
    """
    paragraphs: list[list[Line]] = []
    for lineno, s in lines:
        if s:
            if not paragraphs or paragraphs[-1][-1][0] != lineno - 1:
                paragraphs.append([])
            paragraphs[-1].append((lineno, s))
    blocks: list[_Block] = []
    for para in paragraphs:
        if len(para) > 2:
            blocks.extend(_Block(chunk, compact=True) for chunk in _compact_chunks(page, para))
        elif len(para) == 2 or _BADGE.fullmatch(para[0][1]):
            blocks.append(_Block(para))
        elif blocks and not blocks[-1].compact:
            blocks[-1].rest.append(para)
        else:
            page.rejected.append(
                _reject(page, f"line {para[0][0]}", "text outside any paper block", para[0][1])
            )

    known = _names_seen(blocks)
    for number, block in enumerate(blocks, start=1):
        page.blocks.append(
            _compact_paper(page, number, block, known)
            if block.compact
            else _paper(
                page,
                number,
                block.head[0],
                title=block.head[1] if len(block.head) > 1 else None,
                authors=block.rest[0][0] if block.rest else None,
                abstract=[line for para in block.rest[1:] for line in para],
            )
        )


def _compact_paper(
    page: _Page, number: int, block: _Block, known: list[str]
) -> PaperRecord | Rejected:
    date_line, (lineno, glued), abstract = block.head
    split = split_title_authors(glued, known)
    if split is None:
        reason = "cannot tell the title from the author list in the glued line"
        return _reject(page, f"block {number}, line {lineno}", reason, glued)
    title, authors = split
    return _paper(page, number, date_line, (lineno, title), (lineno, authors), [abstract])


def _compact_chunks(page: _Page, para: list[Line]) -> Iterator[list[Line]]:
    """Cut a run of lines into 3-line blocks at the date lines.

    A run of 3·k lines between two date lines is k blocks whose later date lines are
    garbled: it is cut every three lines and those blocks are rejected on their date.
    """
    bounds = sorted({0, len(para), *(i for i, (_, s) in enumerate(para) if _BADGE.fullmatch(s))})
    for a, b in pairwise(bounds):
        run = para[a:b]
        if len(run) % 3:
            reason = (
                f"expected blocks of 3 lines (date, title and authors, abstract), found {len(run)}"
            )
            page.rejected.append(
                _reject(page, f"lines {run[0][0]}-{run[-1][0]}", reason, run[0][1])
            )
            continue
        yield from (run[k : k + 3] for k in range(0, len(run), 3))


def _names_seen(blocks: list[_Block]) -> list[str]:
    """Names no title/author split can change: those of the spaced author lines, and
    all but the first of a glued line."""
    names: list[str] = []
    for block in blocks:
        line = block.head[1][1] if block.compact else (block.rest[0][0][1] if block.rest else "")
        parsed = parse_author_line(line)
        if parsed:
            names.extend(n for n in parsed[0][block.compact :] if plain_name(n))
    return names


def _paper(
    page: _Page,
    number: int,
    date_line: Line,
    title: Line | None,
    authors: Line | None,
    abstract: list[Line],
) -> PaperRecord | Rejected:
    """One paper block as a record, or a Rejected naming the line that does not read."""
    where = f"block {number}, line {date_line[0]}"
    m = _BADGE.fullmatch(date_line[1])
    if not m:
        return _reject(
            page, where, "unreadable date line (expected e.g. '87.0LGMar 13Code')", date_line[1]
        )
    year = int(m["year"]) if m["year"] else page.as_of.year
    try:
        first = date(year, _MONTHS[m["month"]], int(m["day"]))
    except ValueError:
        return _reject(page, where, f"no such date: {date_line[1]!r}", date_line[1])
    if not m["year"] and first > page.as_of:
        # A page lists no paper from its future: as_of is later than the page was
        # (a copied file's mtime), so the year without a number is the one before.
        first = first.replace(year=year - 1)
    if title is None:
        return _reject(page, where, "date line without a title", date_line[1])
    if authors is None:
        return _reject(page, f"block {number}, line {title[0]}", "no author line", title[1])
    parsed = parse_author_line(authors[1])
    if parsed is None:
        return _reject(
            page, f"block {number}, line {authors[0]}", "unreadable author line", authors[1]
        )
    names, truncated, tag = parsed
    abstract_text = ABSTRACT_LABEL.sub("", " ".join(s for _, s in abstract), count=1) or None
    categories = full_categories_for_code(m["code"])
    record = PaperRecord(
        source=SOURCE,
        origin=Origin(str(page.path), where),
        title=title[1],
        abstract=abstract_text,
        other_ids={"title": title_key(title[1])},
        category_code=m["code"],
        first_date=first.isoformat(),
        year=first.year,
        authors=[_author(n, i) for i, n in enumerate(names)],
    )
    if len(categories) == 1:  # "LO" is cs.LO or math.LO: then only the code is kept
        record.categories = categories
        record.primary_category = categories[0]
    claims = {
        "score": m["score"],
        "code_badge": None,
        "affiliation_tag": tag,
        "authors_truncated": "true" if truncated else None,
    }
    if m["code_badge"]:
        record.code_urls = find_code_urls(abstract_text)
        claims["code_badge"] = None if record.code_urls else "true"
    record.claims = [
        Claim("paper", field_, value, page.path.name, page.as_of.isoformat())
        for field_, value in claims.items()
        if value
    ]
    return record


def _author(raw: str, position: int | None) -> Author:
    parts = split_name(raw)
    return Author(
        raw=raw, given=parts.given, family=parts.family, suffix=parts.suffix, position=position
    )


def _reject(page: _Page, position: str, reason: str, excerpt: str = "") -> Rejected:
    return Rejected(SOURCE, Origin(str(page.path), position), reason, excerpt[:200])


# --- names ---------------------------------------------------------------------------------


def _most_named(papers: Iterable[PaperRecord], listed_only: bool = False) -> str | None:
    """The author on most of the papers (the first seen wins a tie), as first spelt."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for paper in papers:
        listed = (a.raw for a in paper.authors if a.position is not None or not listed_only)
        for key, raw in {name_key(raw): raw for raw in listed}.items():
            counts[key] += 1
            spelling.setdefault(key, raw)
    return spelling[counts.most_common(1)[0][0]] if counts else None


# --- from pages read to records ------------------------------------------------------------


def _emit(page: _Page, others: list[_Page]) -> Iterator[Record]:
    yield from page.rejected
    if page.abstracts:
        yield from _emit_abstract_page(page, others)
        return
    yield from _with_researcher(page)
    keys = list(dict.fromkeys(p.key for p in page.papers))
    origin = Origin(str(page.path), "line 1")
    yield ResearcherPage(
        SOURCE,
        origin,
        page.name,
        page.name_inferred,
        page.as_of.isoformat(),
        list(page.claims),
        keys,
    )


def _emit_abstract_page(page: _Page, others: list[_Page]) -> Iterator[Record]:
    """Bare abstracts: nothing new for those found on other pages, Rejected for the rest.

    The page's paper_keys are the papers its abstracts were found as, in its order;
    its name is the author most of those papers share.
    """
    pool = [
        (other.path.name, number, record)
        for other in others
        if not other.abstracts
        for number, record in enumerate(_with_researcher(other), start=1)
        if isinstance(record, PaperRecord)
    ]
    matches = match_abstracts(((b, t) for b, _, t in page.abstracts), pool, page.path.name)
    matched = {m.block for m in matches}
    for block, lineno, text in page.abstracts:
        if block not in matched:
            reason = "abstract without title or authors; matches no paper on the other pages"
            yield _reject(page, f"block {block}, line {lineno}", reason, text)
    by_key = {record.key: record for _, _, record in pool}
    keys = list(dict.fromkeys(m.paper_key for m in matches))
    name = _most_named(by_key[k] for k in keys)
    origin = Origin(str(page.path), "line 1")
    yield ResearcherPage(
        SOURCE, origin, name, name is not None, page.as_of.isoformat(), list(page.claims), keys
    )


def _with_researcher(page: _Page) -> list[PaperRecord | Rejected]:
    """The page's blocks, each "et al." list completed with the page's researcher.

    "A, B, C et al." on X's page means X is an author hidden by "et al.": X is added
    with position None. Idempotent: a researcher already listed is not added again.
    """
    if page.name is None:
        return page.blocks
    key = name_key(page.name)
    for paper in page.papers:
        truncated = any(c.field == "authors_truncated" for c in paper.claims)
        if truncated and all(name_key(a.raw) != key for a in paper.authors):
            paper.authors.append(_author(page.name, None))
    return page.blocks
