"""A synthetic arXiv-scale corpus with known people: N snapshot records plus who wrote each.

    python benchmarks/make_corpus.py N [--out DIR] [--seed S] [--data ../shared/data]

Writes, into DIR:
- ``snapshot.jsonl.gz``: N records in the arXiv bulk-snapshot shape (Kaggle's
  arxiv-metadata-oai-snapshot), in id order, new-style ids 0704.xxxx … 2606.xxxxx whose
  monthly volume follows arXiv's own growth (≈5k a month in 2007 to ≈25k in 2026 at
  N=3M; scaled with N);
- ``truth.csv.gz``: one row per author mention, ``arxiv_id,position,name,person_id``; the
  name is the Unicode name of ``authors_parsed`` (what a reader sees), the person id is
  the true person;
- ``persons.csv.gz``: one row per person: id, full name, papers, first and last year, topic.

Text is real: titles, abstracts and categories of the conference corpus (records with an
abstract), the arXiv cs daily listings and the snapshot sample. There are about 99k such
records in ../shared/data (9k in the repo's sample/, used when ../shared is absent), so
at larger N every record is reused (cycled, each copy its own id and its own authors).

The people are what this corpus is for; they are built to have the shape of arXiv's
author-resolution problem:
- **names**: family and given names come from the conference corpus, weighted by how many
  different people carry each name there (papers of one name string that share no co-author
  count as different people). A person's family name is drawn by that weight, the given
  name from the given names seen with that family, or, for a family seen rarely, from those
  of families that share given names with it: "Wei Wang" stays common (556 people write
  it at N=3M, 3,976 "Y. Wang") and "Roland Siegwart" rare (5). Middle names and middle
  initials follow each family's real rate.
- **spellings**: each person has one usual form of their name (full, initials only "W.
  Wang", with or without the middle part, accents kept or dropped, "Jun-Yan" / "Jun Yan" /
  "Junyan") and uses another form on about one paper in ten.
- **labs**: papers come from labs. A lab has a lead (its PI), a home topic and a second one
  (a cluster of real records: one arXiv category and a title word shared by its records), a
  Pareto-distributed output and a career of a decade or so. Its members stay for a few
  years, are the lead's frequent co-authors, and leave: some to lead a lab of their own,
  some to join another lab. A paper's authors are members, now and then a one-off
  co-author or someone from one of the lab's two partner labs, and the lead last. Papers
  per person come out long-tailed: most people have one or two, leads of big labs hundreds.

Deterministic for a given --seed (and data). Streams: records are written as they are made;
only the people (a few hundred bytes each) stay in memory.

Limits: a record's text is not dated (a 2008 id may carry a 2024 abstract); nearly all of it
is computer science (the conference corpus and cs listings; 25 snapshot records add some
math and physics); there are no DOIs; names are never written family-first ("Zhang Wei")
and carry no affiliations; a person's labs stay within one primary category.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

# The parts live in benchmarks/corpus/; run as a script, this folder is on the path already.
BENCHMARKS = Path(__file__).resolve().parent
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

from corpus import writer  # noqa: E402
from corpus.names import FOLDED, INITIALS, JOINED, MIDDLE, SPACED, Name, tex, written  # noqa: E402
from corpus.real import conference_authors  # noqa: E402
from corpus.records import arxiv_id, monthly_volumes  # noqa: E402
from corpus.writer import Summary  # noqa: E402

__all__ = [
    "FOLDED", "INITIALS", "JOINED", "MIDDLE", "SAMPLE", "SHARED_DATA", "SPACED", "Name", "Summary", "arxiv_id",
    "conference_authors", "main", "monthly_volumes", "tex", "write_corpus", "written",
]  # fmt: skip

ROOT = BENCHMARKS.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "sample"


def write_corpus(
    n: int, out: Path, seed: int = 0, data: Path | None = None, progress: Callable[[str], None] | None = None
) -> Summary:
    """Write N records, their truth and their people into out/; return the figures.

    The real records come from data, else ../shared/data, else the repo's sample/.
    """
    return writer.write_corpus(n, out, seed, data or (SHARED_DATA if SHARED_DATA.exists() else SAMPLE), progress)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=int, help="how many records (N)")
    parser.add_argument("--out", type=Path, help="folder to write into (default benchmarks/out/corpus-N)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, help="real records: ../shared/data, else the repo's sample/")
    args = parser.parse_args()
    out = args.out or ROOT / "benchmarks" / "out" / f"corpus-{args.records}"
    summary = write_corpus(args.records, out, args.seed, args.data,
                           progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"wrote {out}/snapshot.jsonl.gz, truth.csv.gz, persons.csv.gz")
    print(f"records {summary.records:,}  mentions {summary.mentions:,}  persons {summary.persons:,}  "
          f"real records {summary.real_records:,} in {summary.topics:,} topics "
          f"(each used {summary.records / summary.real_records:.1f}× on average)")
    print("names shared by the most persons: "
          + ", ".join(f"{name} {count:,}" for name, count in summary.top_names))
    print("papers per person: " + ", ".join(f"{k} {v:,.3g}" for k, v in summary.papers_per_person.items()))
    print(f"{summary.seconds:.1f} s")


if __name__ == "__main__":
    main()
