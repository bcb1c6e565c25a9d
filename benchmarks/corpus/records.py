"""One snapshot record: its id and dates on arXiv's calendar, and the record itself."""

from __future__ import annotations

import calendar
import random
import time

from .names import tex
from .real import RealRecord, wrap_title

# --- the calendar ---------------------------------------------------------------------
FIRST_MONTH, LAST_MONTH = (2007, 4), (2026, 6)  # new-style ids begin with 0704
# New submissions a month, by year: arXiv's monthly submission statistics, rounded (2026 a
# projection). Only the shape matters: the volumes are scaled so that they sum to N.
ARXIV_MONTHLY = {
    2007: 5300, 2008: 5500, 2009: 5800, 2010: 6300, 2011: 6900, 2012: 7300, 2013: 7900,
    2014: 8400, 2015: 8800, 2016: 9400, 2017: 10300, 2018: 11700, 2019: 12900, 2020: 14900,
    2021: 15100, 2022: 15500, 2023: 17300, 2024: 20000, 2025: 23000, 2026: 25000,
}  # fmt: skip
FIVE_DIGITS_FROM = 2015  # ids are YYMM.NNNN before 1501, YYMM.NNNNN from then on
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def months() -> list[tuple[int, int]]:
    (year, month), last = FIRST_MONTH, LAST_MONTH
    out = []
    while (year, month) <= last:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def monthly_volumes(n: int) -> list[tuple[int, int, int]]:
    """(year, month, records) for every month: arXiv's growth, scaled to sum to n.

    Months before 2015 hold at most 9,999 (four-digit ids); what would not fit goes to
    later months. Largest remainders keep the sum exact.
    """
    calendar_months = months()
    shape = []
    for year, month in calendar_months:
        now, later = ARXIV_MONTHLY[year], ARXIV_MONTHLY.get(year + 1, ARXIV_MONTHLY[year])
        shape.append(now + (later - now) * (month - 1) / 12)
    capacity = [9999 if year < FIVE_DIGITS_FROM else 99999 for year, _ in calendar_months]
    if n > sum(capacity):
        raise SystemExit(f"N={n:,} is more than the ids of {len(calendar_months)} months can hold")
    counts = [0] * len(calendar_months)
    left, open_months = n, list(range(len(calendar_months)))
    while left:
        total = sum(shape[i] for i in open_months)
        share = {i: left * shape[i] / total for i in open_months}
        by_remainder = sorted(open_months, key=lambda i: share[i] - int(share[i]), reverse=True)
        extra = left - sum(int(s) for s in share.values())
        for rank, i in enumerate(by_remainder):
            add = min(int(share[i]) + (rank < extra), capacity[i] - counts[i])
            counts[i] += add
            left -= add
        open_months = [i for i in open_months if counts[i] < capacity[i]]
    return [(year, month, count) for (year, month), count in zip(calendar_months, counts, strict=True)]


def arxiv_id(year: int, month: int, number: int) -> str:
    digits = 5 if year >= FIVE_DIGITS_FROM else 4
    return f"{year % 100:02d}{month:02d}.{number:0{digits}d}"


def rfc2822(moment: float) -> str:
    """ "Mon, 2 Apr 2007 19:18:42 GMT" for a POSIX time."""
    t = time.gmtime(moment)
    return (f"{_DAYS[t.tm_wday]}, {t.tm_mday} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")


def submission_times(year: int, month: int, count: int, rng: random.Random) -> list[float]:
    """count sorted moments of one month (ids are numbered in the order of submission)."""
    start = _epoch(year, month)
    end = _epoch(year + 1, 1) if month == 12 else _epoch(year, month + 1)
    return sorted(start + rng.random() * (end - start) for _ in range(count))


def corpus_end() -> float:
    """The moment the corpus ends: the start of the month after LAST_MONTH."""
    last_year, last_month = LAST_MONTH
    return _epoch(last_year + 1, 1) if last_month == 12 else _epoch(last_year, last_month + 1)


def _epoch(year: int, month: int) -> float:
    return float(calendar.timegm((year, month, 1, 0, 0, 0)))


# --- records --------------------------------------------------------------------------
LICENSES = (
    ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", 50), ("http://creativecommons.org/licenses/by/4.0/", 35),
    ("http://creativecommons.org/licenses/by-nc-sa/4.0/", 5), ("http://creativecommons.org/licenses/by-nc-nd/4.0/", 4),
    ("http://creativecommons.org/licenses/by-sa/4.0/", 3), ("http://creativecommons.org/publicdomain/zero/1.0/", 3),
)  # fmt: skip


def versions(created: float, until: float, rng: random.Random) -> list[float]:
    """v1 and, for a third of the papers, later versions (never after the corpus ends)."""
    moments = [created]
    while len(moments) < 5 and rng.random() < (0.35 if len(moments) == 1 else 0.3):
        later = moments[-1] + rng.expovariate(1 / 60) * 86400 + 3600
        if later >= until:
            break
        moments.append(later)
    return moments


def comments_for(real: RealRecord, year: int, rng: random.Random) -> str | None:
    if real.venue is None:
        return real.comments
    r = rng.random()
    if r < 0.35:
        return f"{rng.randint(4, 30)} pages, {rng.randint(1, 12)} figures"
    if r < 0.55:
        return f"Accepted at {real.venue} {year + (rng.random() < 0.5)}"
    return None


def snapshot_record(
    paper_id: str, real: RealRecord, names: list[tuple[str, str, str]], moments: list[float], rng: random.Random
) -> dict:
    year = time.gmtime(moments[0]).tm_year
    line = [tex(" ".join(part for part in name if part)) for name in names]
    authors = line[0] if len(line) == 1 else ", ".join(line[:-1]) + " and " + line[-1]
    journal_ref = f"{real.venue} {year}" if real.venue and rng.random() < 0.1 else None
    return {
        "id": paper_id,
        "submitter": " ".join(part for part in names[0] if part),
        "authors": wrap_title(authors),
        "title": real.title,
        "comments": comments_for(real, year, rng),
        "journal-ref": journal_ref,
        "doi": None,  # a real DOI on every reused copy would make them one paper
        "report-no": None,
        "categories": real.categories,
        "license": rng.choices([u for u, _ in LICENSES], [w for _, w in LICENSES])[0],
        "abstract": real.abstract,
        "versions": [{"version": f"v{i}", "created": rfc2822(m)} for i, m in enumerate(moments, 1)],
        "update_date": time.strftime("%Y-%m-%d", time.gmtime(moments[-1])),
        "authors_parsed": [[family, given, suffix] for given, family, suffix in names],
    }
