"""Metric definitions on hand-made inputs whose answers can be worked out on paper."""

from datetime import date

import pytest

from paperscope.metrics import (
    SOURCE_PREFERENCE,
    PaperFacts,
    citations_per_year,
    compute_metrics,
    g_index,
    h_index,
    i10_index,
    latest_observation,
    m_quotient,
    per_year,
)

AS_OF = date(2025, 6, 30)


# --- indices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "h"),
    [
        ([], 0),
        ([0, 0, 0], 0),
        ([1], 1),
        ([5], 1),
        ([3, 0, 6, 1, 5], 3),  # Hirsch's example: 6, 5, 3 ≥ 3; the 4th has 1
        ([4, 4, 4, 4], 4),  # ties at the threshold
        ([10, 8, 5, 4, 3], 4),
        ([25, 8, 5, 3, 3], 3),
        ([100, 100], 2),  # h cannot exceed the number of papers
    ],
)
def test_h_index(counts: list[int], h: int) -> None:
    assert h_index(counts) == h
    assert h_index(iter(counts)) == h  # any iterable, consumed once


@pytest.mark.parametrize(
    ("counts", "g"),
    [
        ([], 0),
        ([0, 0], 0),
        ([1], 1),
        ([10, 8, 5, 4, 3], 5),  # 30 ≥ 25 over all five
        ([25, 8, 5, 3, 3], 5),  # 44 ≥ 25; uncapped Egghe would give 6 (44 ≥ 36)
        ([100], 1),  # capped at the number of papers
        ([3, 3, 3], 3),  # 9 ≥ 9: equality counts
        ([4, 0, 0, 0], 2),  # 4 ≥ 4 at g=2; 4 < 9 at g=3
    ],
)
def test_g_index_capped_at_paper_count(counts: list[int], g: int) -> None:
    assert g_index(counts) == g
    assert g_index(counts) >= h_index(counts)


def test_i10_index() -> None:
    assert i10_index([]) == 0
    assert i10_index([9, 10, 11, 0]) == 2


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="-1 is negative"):
        h_index([3, -1])


def test_m_quotient_counts_first_year_as_one() -> None:
    assert m_quotient(10, 2020, 2024) == 2.0  # 2020..2024 = 5 years
    assert m_quotient(3, 2025, 2025) == 3.0  # the first year is year 1
    assert m_quotient(3, None, 2025) is None
    assert m_quotient(3, 2026, 2025) is None


# --- per-year series -----------------------------------------------------------------------


def test_per_year_sorted_and_unknown_left_out() -> None:
    assert per_year([2023, None, 2021, 2023]) == {2021: 1, 2023: 2}
    assert list(per_year([2023, 2021])) == [2021, 2023]
    assert per_year([]) == {}


def test_citations_per_year_sums_papers_and_cuts_after_year() -> None:
    yearly = [{2023: 8, 2024: 21}, {2024: 4, 2026: 9}]
    assert citations_per_year(yearly) == {2023: 8, 2024: 25, 2026: 9}
    assert citations_per_year(yearly, until_year=2025) == {2023: 8, 2024: 25}


# --- observations as of a date -----------------------------------------------------------


def test_latest_observation_picks_newest_on_or_before_as_of() -> None:
    observations = [
        (10, "openalex", "2025-01-01"),
        (12, "openalex", "2025-06-30"),  # on as_of: counts
        (20, "openalex", "2025-07-01"),  # after as_of: ignored
        (99, "google-scholar", "2025-06-29"),  # another source
    ]
    assert latest_observation(observations, "openalex", AS_OF) == (12, "2025-06-30")
    assert latest_observation(observations, "openalex", date(2025, 3, 1)) == (10, "2025-01-01")
    assert latest_observation(observations, "openalex", date(2024, 12, 31)) is None
    assert latest_observation(observations, "semantic-scholar", AS_OF) is None
    assert latest_observation([], "openalex", AS_OF) is None


def test_latest_observation_same_day_keeps_larger_and_accepts_timestamps() -> None:
    observations = [(7, "openalex", "2025-05-01T10:00:00Z"), (9, "openalex", "2025-05-01")]
    assert latest_observation(observations, "openalex", AS_OF) == (9, "2025-05-01")


def test_latest_observation_names_a_bad_date() -> None:
    with pytest.raises(ValueError, match="openalex observation: 'June 2025'"):
        latest_observation([(1, "openalex", "June 2025")], "openalex", AS_OF)


# --- a researcher's figures ----------------------------------------------------------------


def paper(
    paper_id: str,
    when: str | None,
    *citations: tuple[int, str, str],
    category: str | None = "cs.LG",
    coauthors: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> PaperFacts:
    return PaperFacts(
        paper_id=paper_id,
        year=int(when[:4]) if when else None,
        date=when,
        primary_category=category,
        citations=list(citations),
        coauthors=list(coauthors),
        affiliation_tags=list(tags),
    )


def test_empty_input() -> None:
    m = compute_metrics([], AS_OF)
    assert m.papers == 0
    assert m.by_source == {}
    assert m.primary_source is None and m.primary is None
    assert m.first_year is None and m.last_year is None and m.m_quotient is None
    assert m.papers_per_year == {} and m.primary_category is None
    assert m.top_affiliation_tags == [] and m.top_coauthors == []
    assert m.as_of == "2025-06-30"


def test_no_citations_at_all() -> None:
    m = compute_metrics([paper("a", "2021-03-01"), paper("b", "2023-05-01")], AS_OF)
    assert m.papers == 2
    assert m.by_source == {} and m.primary_source is None and m.m_quotient is None
    assert (m.first_year, m.last_year) == (2021, 2023)
    assert m.papers_per_year == {2021: 1, 2023: 1}


def test_sources_are_never_summed() -> None:
    papers = [
        paper("a", "2020-01-10", (40, "openalex", "2025-05-01"), (55, "google-scholar", "2025-06-01")),
        paper("b", "2022-02-02", (3, "openalex", "2025-05-01"), (0, "google-scholar", "2025-06-01")),
    ]
    m = compute_metrics(papers, AS_OF)
    assert m.by_source["openalex"].citations == 43
    assert m.by_source["google-scholar"].citations == 55
    assert m.by_source["openalex"].h_index == 2
    assert m.by_source["google-scholar"].h_index == 1
    assert m.by_source["google-scholar"].g_index == 2  # 55 ≥ 4
    assert m.by_source["openalex"].as_of == "2025-05-01"
    # Equal coverage: the preference order decides.
    assert m.primary_source == "openalex" == SOURCE_PREFERENCE[0]
    assert m.primary is m.by_source["openalex"]
    assert m.m_quotient == pytest.approx(2 / 6)  # h 2 over 2020..2025


def test_primary_source_is_the_one_covering_most_papers() -> None:
    papers = [
        paper("a", "2020-01-10", (40, "openalex", "2025-05-01"), (55, "google-scholar", "2025-06-01")),
        paper("b", "2022-02-02", (3, "google-scholar", "2025-06-01")),
    ]
    m = compute_metrics(papers, AS_OF)
    assert m.by_source["openalex"].coverage == 1
    assert m.by_source["google-scholar"].coverage == 2
    assert m.primary_source == "google-scholar"


def test_unknown_sources_rank_after_preferred_then_by_name() -> None:
    papers = [paper("a", "2020-01-10", (1, "zeta", "2025-01-01"), (1, "crossref", "2025-01-01"))]
    assert compute_metrics(papers, AS_OF).primary_source == "crossref"
    papers = [paper("a", "2020-01-10", (1, "zeta", "2025-01-01"), (1, "google-scholar", "2025-01-01"))]
    assert compute_metrics(papers, AS_OF).primary_source == "google-scholar"


def test_papers_and_observations_after_as_of_are_left_out() -> None:
    papers = [
        paper("old", "2019-04-01", (10, "openalex", "2025-01-01"), (50, "openalex", "2025-12-01")),
        paper("on-the-day", "2025-06-30", (1, "openalex", "2025-06-30")),
        paper("later", "2025-07-01", (100, "openalex", "2025-07-02"), category="cs.CV"),
        paper("only-future-counts", "2024-01-01", (5, "semantic-scholar", "2026-01-01")),
    ]
    m = compute_metrics(papers, AS_OF)
    assert m.papers == 3
    assert m.last_year == 2025
    assert set(m.by_source) == {"openalex"}  # S2 was only observed after as_of
    oa = m.by_source["openalex"]
    assert (oa.citations, oa.coverage, oa.as_of) == (11, 2, "2025-06-30")
    assert m.primary_category == "cs.LG"
    # The same papers a year later see the newer counts.
    later = compute_metrics(papers, date(2026, 6, 30))
    assert later.papers == 4
    assert later.by_source["openalex"].citations == 151


def test_paper_without_date_or_year_is_kept() -> None:
    m = compute_metrics([paper("undated", None, (3, "openalex", "2025-01-01"))], AS_OF)
    assert m.papers == 1
    assert m.first_year is None and m.m_quotient is None
    assert m.papers_per_year == {}
    assert m.by_source["openalex"].citations == 3


def test_year_without_date_places_the_paper() -> None:
    undated = PaperFacts("y", year=2026, date=None, primary_category=None)
    assert compute_metrics([undated], AS_OF).papers == 0
    assert compute_metrics([undated], date(2026, 1, 1)).papers == 1


def test_primary_category_tie_goes_to_most_recent_paper() -> None:
    papers = [
        paper("a", "2021-01-01", category="cs.LG"),
        paper("b", "2024-01-01", category="cs.CL"),
        paper("c", "2022-01-01", category="cs.LG"),
        paper("d", "2023-01-01", category="cs.CL"),
        paper("e", "2024-05-01", category=None),
    ]
    assert compute_metrics(papers, AS_OF).primary_category == "cs.CL"
    papers.append(paper("f", "2020-01-01", category="cs.LG"))  # no longer a tie
    assert compute_metrics(papers, AS_OF).primary_category == "cs.LG"


def test_top_tags_and_coauthors_count_papers() -> None:
    papers = [
        paper("a", "2021-01-01", coauthors=("Yu Huang", "Aarti Singh"), tags=("cmu", "cmu", "princeton")),
        paper("b", "2022-01-01", coauthors=("Yu Huang", "Yu Huang"), tags=("princeton",)),
        paper("c", "2023-01-01", coauthors=("Yuanzhi Li", "Yu Huang"), tags=("cmu",)),
        paper("d", "2099-01-01", coauthors=("Aarti Singh",), tags=("princeton",)),  # after as_of
    ]
    m = compute_metrics(papers, AS_OF, top_n=2)
    assert m.top_affiliation_tags == [("cmu", 2), ("princeton", 2)]  # ties by name
    assert m.top_coauthors == [("Yu Huang", 3), ("Aarti Singh", 1)]


def test_citations_per_year_per_source() -> None:
    a = paper("a", "2022-01-01", (29, "openalex", "2025-05-01"))
    a.citations_by_year = {"openalex": {2023: 8, 2024: 21}, "semantic-scholar": {2024: 30}}
    b = paper("b", "2023-01-01", (4, "openalex", "2025-05-01"))
    b.citations_by_year = {"openalex": {2024: 4, 2026: 1}}
    m = compute_metrics([a, b], AS_OF)
    assert m.by_source["openalex"].citations_per_year == {2023: 8, 2024: 25}


def test_duplicate_paper_is_refused() -> None:
    with pytest.raises(ValueError, match="paper a is listed twice"):
        compute_metrics([paper("a", "2021-01-01"), paper("a", "2021-01-01")], AS_OF)
