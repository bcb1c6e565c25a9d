"""Author-name disambiguation benchmarks: readers, the standard scores, one evaluation loop.

Each benchmark is read into *name sets*: the mentions of one ambiguous name with their
gold person labels. Every set is resolved on its own by the resolver the store uses
(:func:`paperscope.resolve.resolve`), and the scores pool all sets:

* B³ (Bagga & Baldwin 1998): for each mention, precision is the share of its predicted
  cluster that is truly its person, recall the share of its true person that its
  predicted cluster holds; both are averaged over all mentions of all sets, and F1 is
  their harmonic mean.
* Pairwise: precision is the share of predicted same-person pairs that are true, recall
  the share of true pairs that are predicted, counting the pairs of every set together.

Three layouts are read: ``name-xml`` (one XML file per name, as DBLP-Qian and AMiner
distribute them), ``s2and`` (signatures.json + clusters.json, optionally papers.json) and
``lagos-and`` (the LAGOS-AND ORCID-gold quality sample).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import html
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from paperscope.resolve import Mention, resolve
from paperscope.resolve.blocking import name_form, names_compatible
from paperscope.resolve.cluster import MODEL, Model

__all__ = [
    "READERS",
    "Benchmark",
    "NameSet",
    "b3_scores",
    "evaluate",
    "pairwise_scores",
    "read_lagos_and",
    "read_name_xml",
    "read_s2and",
    "split_of",
]


@dataclass(slots=True)
class NameSet:
    """The mentions of one ambiguous name and their gold person labels."""

    name: str
    mentions: list[Mention]
    gold: list[object]


@dataclass(slots=True)
class Benchmark:
    """What a reader got from a benchmark, and what it could not read (never dropped silently)."""

    sets: list[NameSet]
    unread: list[str] = field(default_factory=list)  # "file: what was lost and why"
    empty: list[str] = field(default_factory=list)   # names that hold no publication at all


# --- name-xml -----------------------------------------------------------------------------------

# The files are XML in name only: some hold a raw "&" or "<" in a title, and names are
# written with HTML entities escaped once more ("Gonz&amp;aacute;lez"). An XML parser in
# recover mode silently drops what it cannot place, so each <publication> is cut out with
# a regular expression instead, and every one that lacks a label is reported. Tags are
# matched whatever their case and attributes, and a CDATA section is read as its text:
# other benchmarks of this layout may be written by other tools.
_PUBLICATION = re.compile(r"<publication\b[^>]*>(.*?)</publication\s*>", re.DOTALL | re.IGNORECASE)
_OPENED = re.compile(r"<publication\b[^>]*>", re.IGNORECASE)
_FIELD = re.compile(r"<(\w+)\b[^>]*>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)
_FULL_NAME = re.compile(r"<FullName\b[^>]*>(.*?)</FullName\s*>", re.DOTALL | re.IGNORECASE)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
# Where the venue and the author's organisation may be found, first present wins.
_VENUE_TAGS = ("jconf", "venue", "journal", "booktitle")
_ORGANIZATION_TAGS = ("organization", "org", "affiliation")


def _text(raw: str) -> str:
    raw = _CDATA.sub(lambda m: html.escape(m[1], quote=False), raw)
    # Unescape twice: "&amp;aacute;" → "&aacute;" → "á".
    return " ".join(html.unescape(html.unescape(raw)).split())


def _decode(data: bytes) -> str:
    """A file's text: UTF-8 (with or without a byte-order mark), else Windows-1252/Latin-1.

    A file in a legacy encoding keeps its accented names ("González") rather than
    replacement characters; UTF-16 is recognised by its byte-order mark.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _first(fields: dict[str, str], tags: tuple[str, ...]) -> str:
    return next((fields[t] for t in tags if fields.get(t)), "")


def read_name_xml(directory: Path) -> Benchmark:
    """One name set per ``*.xml`` file: FullName, then publications with a gold ``label``.

    The files are those of ``directory``, else those found in its subdirectories.
    """
    bench = Benchmark([])
    for path in sorted(directory.glob("*.xml")) or sorted(directory.rglob("*.xml")):
        raw = _decode(path.read_bytes())
        full = _FULL_NAME.search(raw)
        if full is None:
            bench.unread.append(f"{path.name}: no <FullName>; file skipped")
            continue
        name = _text(full[1])
        opened = len(_OPENED.findall(raw))
        bodies = _PUBLICATION.findall(raw)
        mentions: list[Mention] = []
        gold: list[object] = []
        for index, body in enumerate(bodies):
            fields = {tag.lower(): _text(value) for tag, value in _FIELD.findall(body)}
            if not fields.get("label"):
                bench.unread.append(f"{path.name}: publication {index + 1} has no <label>")
                continue
            organization = _first(fields, _ORGANIZATION_TAGS)
            year = fields.get("year", "")
            mentions.append(Mention(
                key=(path.stem, index),
                name=name,
                coauthors=_coauthors(name, fields.get("authors", "").split(",")),
                title=fields.get("title", ""),
                abstract=fields.get("abstract", ""),
                venue=_first(fields, _VENUE_TAGS),
                year=int(year) if year.isdigit() and int(year) > 0 else None,
                affiliations=[organization] if organization and organization != "null" else [],
                paper=(path.stem, index),
            ))
            gold.append(fields["label"])
        lost = opened - len(bodies)
        if lost:
            bench.unread.append(f"{path.name}: {lost} <publication> without a closing tag")
        if mentions:
            bench.sets.append(NameSet(name, mentions, gold))
        elif not opened:
            bench.empty.append(path.name)
    return bench


def _coauthors(name: str, authors: Iterable[str]) -> list[str]:
    """The other authors: the list without one occurrence of the focal name, if it is there.

    Some benchmarks of this layout list the focal author among the authors, others not.
    """
    others = [a.strip() for a in authors if a.strip()]
    focal = name_form(name)
    for i, author in enumerate(others):
        form = name_form(author)
        if focal is not None and form is not None and names_compatible(focal, form):
            return others[:i] + others[i + 1:]
    return others


# --- s2and --------------------------------------------------------------------------------------


def read_s2and(directory: Path) -> Benchmark:
    """S2AND: signatures.json + clusters.json, with papers.json when the set has it.

    One name set per S2AND block. Without papers.json (the qian set here) a signature has
    only its name, position and affiliations.
    """
    signatures = orjson.loads((directory / "signatures.json").read_bytes())
    clusters = orjson.loads((directory / "clusters.json").read_bytes())
    papers_path = directory / "papers.json"
    papers = orjson.loads(papers_path.read_bytes()) if papers_path.exists() else {}
    bench = Benchmark([])
    gold_of = {sid: cid for cid, c in clusters.items() for sid in c["signature_ids"]}
    by_block: dict[str, NameSet] = {}
    for sid, signature in signatures.items():
        if sid not in gold_of:
            bench.unread.append(f"signatures.json: {sid} is in no gold cluster; left out")
            continue
        info = signature["author_info"]
        name = " ".join(p for p in (info.get("first"), info.get("middle"), info.get("last"),
                                    info.get("suffix")) if p)
        paper = papers.get(str(signature["paper_id"]), {})
        position = info.get("position")
        coauthors = [a.get("author_name", "") for a in paper.get("authors", [])
                     if a.get("position") != position]
        mention = Mention(
            key=sid,
            name=name,
            coauthors=[c for c in coauthors if c],
            title=paper.get("title") or "",
            abstract=paper.get("abstract") or "",
            venue=paper.get("venue") or paper.get("journal_name") or "",
            year=paper.get("year") or None,
            affiliations=[a for a in info.get("affiliations") or [] if a],
            paper=signature["paper_id"],
        )
        block = info.get("block") or name
        name_set = by_block.setdefault(block, NameSet(block, [], []))
        name_set.mentions.append(mention)
        name_set.gold.append(gold_of[sid])
    bench.sets = list(by_block.values())
    return bench


# --- lagos-and ----------------------------------------------------------------------------------

LAGOS_QUALITY = Path("lagos_quality") / "dataset_quality_testing_by_block.csv"


def read_lagos_and(directory: Path) -> Benchmark:
    """LAGOS-AND's quality sample: one name set per full-name block, gold person = ORCID.

    The repository's other gold sets (Vishnyakova's and Song's MEDLINE pairs) give only
    PMIDs and names, with nothing for a resolver to compare, so they are not read.
    """
    path = directory / LAGOS_QUALITY if (directory / LAGOS_QUALITY).exists() else directory
    bench = Benchmark([])
    by_block: dict[str, NameSet] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                authors = ast.literal_eval(row["coauthor"]) if row["coauthor"] else []
            except (ValueError, SyntaxError):
                bench.unread.append(f"{path.name} line {line}: co-author list unreadable; kept without")
                authors = []
            year = row.get("pub_year", "")
            mention = Mention(
                key=line,
                name=row["author_name"],
                coauthors=_coauthors(row["author_name"], authors),
                title=row.get("OriginalTitle") or "",
                year=int(year) if year.isdigit() else None,
                affiliations=[row["author_affiliation"]] if row.get("author_affiliation") else [],
                paper=row.get("doi") or None,
            )
            block = row["block_fullname"]
            name_set = by_block.setdefault(block, NameSet(block, [], []))
            name_set.mentions.append(mention)
            name_set.gold.append(row["author_group_orcid"])
    bench.sets = list(by_block.values())
    return bench


READERS: dict[str, Callable[[Path], Benchmark]] = {
    "name-xml": read_name_xml,
    "s2and": read_s2and,
    "lagos-and": read_lagos_and,
}


# --- scores -------------------------------------------------------------------------------------


def b3_scores(pairs: Iterable[tuple[Sequence[object], Sequence[object]]]) -> tuple[float, float, int]:
    """Sums of per-mention B³ precision and recall over (gold, predicted) label lists, and n."""
    precision = recall = 0.0
    n = 0
    for gold, pred in pairs:
        both = Counter(zip(gold, pred, strict=True))
        gold_size, pred_size = Counter(gold), Counter(pred)
        for (g, p), overlap in both.items():
            # Each of the `overlap` mentions in this cell scores the same.
            precision += overlap * overlap / pred_size[p]
            recall += overlap * overlap / gold_size[g]
        n += len(gold)
    return precision, recall, n


def pairwise_scores(pairs: Iterable[tuple[Sequence[object], Sequence[object]]]) -> tuple[int, int, int]:
    """(true pairs predicted, pairs predicted, true pairs) over (gold, predicted) label lists."""
    hits = predicted = true = 0
    for gold, pred in pairs:
        hits += sum(_pairs(c) for c in Counter(zip(gold, pred, strict=True)).values())
        predicted += sum(_pairs(c) for c in Counter(pred).values())
        true += sum(_pairs(c) for c in Counter(gold).values())
    return hits, predicted, true


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


# --- the evaluation -----------------------------------------------------------------------------


def split_of(name: str) -> str:
    """"train" or "validation" (70 / 30) by a hash of the set's name: stable, label-blind."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return "train" if int.from_bytes(digest) % 100 < 70 else "validation"


def evaluate(sets: Sequence[NameSet], *, model: Model = MODEL) -> dict[str, object]:
    """Resolve every name set on its own and score the answers against the gold labels."""
    started = time.perf_counter()
    answers = []
    largest = (0, 0.0, "")
    for name_set in sets:
        t0 = time.perf_counter()
        predicted = resolve(name_set.mentions, model=model)
        spent = time.perf_counter() - t0
        largest = max(largest, (len(name_set.mentions), spent, name_set.name))
        answers.append((name_set.gold, predicted))
    seconds = time.perf_counter() - started
    b3_p, b3_r, n = b3_scores(answers)
    hits, predicted_pairs, true_pairs = pairwise_scores(answers)
    b3_p, b3_r = (b3_p / n, b3_r / n) if n else (0.0, 0.0)
    pw_p = hits / predicted_pairs if predicted_pairs else 1.0
    pw_r = hits / true_pairs if true_pairs else 1.0
    return {
        "names": len(sets),
        "papers": n,
        "people_gold": sum(len(set(s.gold)) for s in sets),
        "people_predicted": sum(len(set(p)) for _, p in answers),
        "pairwise_precision": round(pw_p, 4),
        "pairwise_recall": round(pw_r, 4),
        "pairwise_f1": round(_f1(pw_p, pw_r), 4),
        "b3_precision": round(b3_p, 4),
        "b3_recall": round(b3_r, 4),
        "b3_f1": round(_f1(b3_p, b3_r), 4),
        "seconds": round(seconds, 2),
        "largest_name": {"name": largest[2], "papers": largest[0], "seconds": round(largest[1], 3)},
    }
