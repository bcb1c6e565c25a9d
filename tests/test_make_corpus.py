"""benchmarks/make_corpus.py: a synthetic snapshot with true person ids, from the repo's sample/.

The generator runs here on sample/ alone (a user's clone has no ../shared/data), so what
is checked is that its records are what paperscope reads and its truth matches them.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from paperscope.models import PaperRecord
from paperscope.sources.arxiv_snapshot import read

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
try:
    import make_corpus
finally:
    sys.path.pop(0)

N = 2000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """N records from the fallback a user's clone gets: no ../shared/data, so sample/."""
    out = tmp_path_factory.mktemp("corpus")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(make_corpus, "SHARED_DATA", out / "no-shared-data")
        make_corpus.write_corpus(N, out, seed=7)
    return out


def _truth(out: Path) -> list[dict[str, str]]:
    with gzip.open(out / "truth.csv.gz", "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_record_reads_through_the_snapshot_reader_with_unique_ids(corpus: Path) -> None:
    records = list(read(corpus / "snapshot.jsonl.gz"))
    assert len(records) == N
    assert [r for r in records if not isinstance(r, PaperRecord)] == []
    ids = [r.arxiv_id for r in records if isinstance(r, PaperRecord)]
    assert len(set(ids)) == N
    assert ids == sorted(ids, key=lambda i: (i[:4], int(i[5:])))  # in id order, month by month


def test_ids_agree_with_their_first_version_date(corpus: Path) -> None:
    for record in read(corpus / "snapshot.jsonl.gz"):
        assert isinstance(record, PaperRecord)
        assert record.arxiv_id is not None and record.first_date is not None
        assert record.arxiv_id[:4] == record.first_date[2:4] + record.first_date[5:7]
        assert record.latest_date is not None and record.latest_date >= record.first_date


def test_the_truth_names_every_mention_in_order(corpus: Path) -> None:
    by_paper: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _truth(corpus):
        by_paper[row["arxiv_id"]].append(row)
    for record in read(corpus / "snapshot.jsonl.gz"):
        assert isinstance(record, PaperRecord) and record.arxiv_id is not None
        rows = by_paper.pop(record.arxiv_id)
        assert [int(r["position"]) for r in rows] == list(range(len(record.authors)))
        assert [r["name"] for r in rows] == [a.raw for a in record.authors]
        assert len({r["person_id"] for r in rows}) == len(rows)  # nobody twice on one paper
    assert not by_paper


def test_a_name_is_shared_by_different_people_and_people_vary_their_name(corpus: Path) -> None:
    people_of: dict[str, set[str]] = defaultdict(set)
    names_of: dict[str, set[str]] = defaultdict(set)
    for row in _truth(corpus):
        people_of[row["name"]].add(row["person_id"])
        names_of[row["person_id"]].add(row["name"])
    assert max(len(people) for people in people_of.values()) >= 2
    assert max(len(names) for names in names_of.values()) >= 2


def test_persons_file_counts_every_mention(corpus: Path) -> None:
    with gzip.open(corpus / "persons.csv.gz", "rt", encoding="utf-8", newline="") as f:
        persons = list(csv.DictReader(f))
    mentions = _truth(corpus)
    assert sum(int(p["papers"]) for p in persons) == len(mentions)
    assert all(int(p["papers"]) >= 1 and p["first_year"] <= p["last_year"] for p in persons)


def test_the_same_seed_gives_the_same_files(corpus: Path, tmp_path: Path) -> None:
    make_corpus.write_corpus(N, tmp_path, seed=7, data=make_corpus.SAMPLE)
    for name in ("snapshot.jsonl.gz", "truth.csv.gz", "persons.csv.gz"):
        assert (tmp_path / name).read_bytes() == (corpus / name).read_bytes(), name


def test_volumes_follow_arxiv_growth_and_fit_the_id_scheme() -> None:
    volumes = make_corpus.monthly_volumes(3_000_000)
    assert sum(count for _, _, count in volumes) == 3_000_000
    assert all(count <= 9999 for year, _, count in volumes if year < 2015)
    first, last = volumes[0][2], volumes[-1][2]
    assert 4000 < first < 8000 and 20000 < last < 35000
    assert make_corpus.arxiv_id(2007, 4, 1) == "0704.0001"
    assert make_corpus.arxiv_id(2026, 6, 12345) == "2606.12345"


def test_name_forms() -> None:
    name = make_corpus.Name("Jun-Yan", "Q.", "Zhu", "")
    forms = {form: " ".join(p for p in make_corpus.written(name, form) if p) for form in (
        0, make_corpus.INITIALS, make_corpus.MIDDLE | make_corpus.INITIALS, make_corpus.SPACED,
        make_corpus.JOINED, make_corpus.MIDDLE)}
    assert list(forms.values()) == ["Jun-Yan Zhu", "J.-Y. Zhu", "J.-Y. Q. Zhu", "Jun Yan Zhu", "Junyan Zhu",
                                    "Jun-Yan Q. Zhu"]
    accented = make_corpus.Name("José", "", "Pérez-Müller", "")
    assert make_corpus.written(accented, make_corpus.FOLDED)[:2] == ("Jose", "Perez-Muller")
    assert make_corpus.tex("José Dragiša Łukasz") == "Jos\\'e Dragi\\v{s}a {\\L}ukasz"


def test_a_comma_joined_author_string_is_split() -> None:
    record = {"authors": ["Yukun Zhu, Ryan Kiros", "Yukun Zhu"]}
    assert make_corpus.conference_authors(record) == ["Yukun Zhu", "Ryan Kiros"]


def test_cli_prints_where_it_wrote_and_the_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["make_corpus.py", "300", "--out", str(tmp_path), "--data", str(ROOT / "sample")]
    monkeypatch.setattr(sys, "argv", argv)
    make_corpus.main()
    out = capsys.readouterr().out
    assert f"wrote {tmp_path}" in out and "records 300" in out and "papers per person" in out
    assert len(io.BytesIO(gzip.decompress((tmp_path / "snapshot.jsonl.gz").read_bytes())).readlines()) == 300
