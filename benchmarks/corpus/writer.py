"""The corpus month by month, and the three files it is written to."""

from __future__ import annotations

import csv
import gzip
import io
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from .names import MIDDLE, NameModel, mention_form, written
from .people import LAB_PAPERS_PER_MONTH, P_HOME_TOPIC, P_SECOND_TOPIC, Lab, People
from .real import MAX_AUTHORS, Topics, load_real
from .records import arxiv_id, corpus_end, monthly_volumes, snapshot_record, submission_times, versions


@dataclass
class Summary:
    records: int = 0
    mentions: int = 0
    real_records: int = 0
    topics: int = 0
    persons: int = 0
    top_names: list[tuple[str, int]] = field(default_factory=list)
    papers_per_person: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


class Corpus:
    """The real records, the people and the labs, and the papers they write month by month."""

    def __init__(self, data: Path, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - seeded synthetic data, not cryptography
        self.lab_picks = np.random.default_rng(seed)
        real, author_lists = load_real(data, self.rng)
        self.topics = Topics(real, self.rng)
        self.people = People(NameModel(author_lists), self.topics, self.rng)
        self.labs: list[Lab] = []
        self.until = corpus_end()

    def month(self, index: int, year: int, month: int, count: int) -> Iterator[tuple[dict, list[tuple]]]:
        """The month's records in id order, each with its truth rows."""
        self._open_labs(index, count)
        if not count:
            return
        cum = np.cumsum([lab.weight for lab in self.labs])
        picks = np.searchsorted(cum, self.lab_picks.random(count) * cum[-1], side="right").tolist()
        moments = submission_times(year, month, count, self.rng)
        for number, (moment, pick) in enumerate(zip(moments, picks, strict=True), 1):
            yield self.paper(self.labs[pick], arxiv_id(year, month, number), moment, index, year)

    def _open_labs(self, index: int, count: int) -> None:
        """Close the labs whose time is up; found new ones until there are enough for the month."""
        for lab in self.labs:
            if lab.end <= index:
                self.people.close(lab)
        self.labs = [lab for lab in self.labs if lab.end > index]
        while len(self.labs) < math.ceil(count / LAB_PAPERS_PER_MONTH):
            self.labs.append(self.people.found_lab(index, started_before=index == 0))

    def paper(self, lab: Lab, paper_id: str, moment: float, index: int, year: int) -> tuple[dict, list[tuple]]:
        """One paper of the lab: a real record's text, the lab's people, their names as written."""
        rng, people = self.rng, self.people
        r = rng.random()
        topic = lab.topic if r < P_HOME_TOPIC else lab.second_topic
        real = self.topics.draw(topic, anywhere_in_category=r >= P_HOME_TOPIC + P_SECOND_TOPIC)
        size = real.n_authors or min(MAX_AUTHORS, 1 + int(rng.expovariate(1 / 3)))
        names, truth = [], []
        for position, person in enumerate(people.authors(lab, size, index)):
            people.credit(person, year)
            name = people.names[person]
            form = mention_form(name, people.forms[person], rng)
            people.forms_used[person] |= 1 << form
            given, family, suffix = written(name, form)
            names.append((given, family, suffix))
            truth.append((paper_id, position, f"{given} {family} {suffix}" if suffix else f"{given} {family}", person))
        return snapshot_record(paper_id, real, names, versions(moment, self.until, rng), rng), truth


def _gzip_writer(path: Path) -> gzip.GzipFile:
    # mtime=0: the same seed gives the same bytes.
    return gzip.GzipFile(path, "wb", compresslevel=3, mtime=0)


def write_corpus(
    n: int, out: Path, seed: int, data: Path, progress: Callable[[str], None] | None = None
) -> Summary:
    """Write N records, their truth and their people into out/ from the real records in data;
    return the figures."""
    started = time.perf_counter()
    corpus = Corpus(data, seed)
    summary = Summary(real_records=len(corpus.topics.records), topics=len(corpus.topics.pools))
    out.mkdir(parents=True, exist_ok=True)
    with _gzip_writer(out / "snapshot.jsonl.gz") as snapshot, _gzip_writer(out / "truth.csv.gz") as truth_file:
        truth_text = io.TextIOWrapper(truth_file, encoding="utf-8", newline="")
        truth = csv.writer(truth_text)
        truth.writerow(["arxiv_id", "position", "name", "person_id"])
        for index, (year, month, count) in enumerate(monthly_volumes(n)):
            lines = []
            for record, rows in corpus.month(index, year, month, count):
                lines.append(orjson.dumps(record))
                truth.writerows(rows)
                summary.mentions += len(rows)
            snapshot.write(b"".join(line + b"\n" for line in lines))  # a month at a time
            summary.records += count
            if progress and month == 12:
                progress(f"{year}: {summary.records:,} records, {len(corpus.people.names):,} persons, "
                         f"{time.perf_counter() - started:.0f} s")
        truth_text.flush()
        truth_text.detach()
    write_persons(out / "persons.csv.gz", corpus.people)
    summarise(summary, corpus.people)
    summary.seconds = time.perf_counter() - started
    return summary


def write_persons(path: Path, people: People) -> None:
    with _gzip_writer(path) as f, io.TextIOWrapper(f, encoding="utf-8", newline="") as text:
        rows = csv.writer(text)
        rows.writerow(["person_id", "name", "papers", "first_year", "last_year", "topic"])
        for person, name in enumerate(people.names):
            given, family, suffix = written(name, MIDDLE)
            rows.writerow([person, " ".join(p for p in (given, family, suffix) if p), people.papers[person],
                           people.first_year[person], people.last_year[person],
                           people.topics.names[people.topic[person]]])


def summarise(summary: Summary, people: People) -> None:
    """Persons, the names written for the most different people, and papers per person."""
    summary.persons = len(people.names)
    shared: Counter[str] = Counter()
    for name, used in zip(people.names, people.forms_used, strict=True):
        spellings = (" ".join(p for p in written(name, form) if p) for form in range(32) if used >> form & 1)
        shared.update(dict.fromkeys(spellings, 1))
    summary.top_names = shared.most_common(5)
    papers = np.frombuffer(people.papers, dtype=np.uint32)
    summary.papers_per_person = {
        "mean": float(papers.mean()), "one paper": float((papers == 1).mean()),
        **{f"p{q:g}": float(np.percentile(papers, q)) for q in (50, 90, 99, 99.9)}, "max": float(papers.max()),
    }
