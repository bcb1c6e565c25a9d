"""Property-based fuzzing (hypothesis): parsers and lookups never crash on any input.

Every test is derandomized, so a run is repeatable in CI: the same examples every time,
and a failure found once is found again. The examples cover arbitrary Unicode (lone
surrogates, control characters, NULs, digits of other scripts), huge numbers,
100,000-character strings, and targeted shapes built from real arXiv ids and author lines.

- ids: every parser returns or raises InvalidIdentifier, nothing else; normal forms are
  fixed points; every valid id generated is accepted, however it is wrapped.
- names: name splitting, folding, author lines and name keys never raise.
- CLI: `paper`, `researcher`, `search` and the `researchers` corrections, on a real
  database, exit 0 or 1 (2 only for click's usage errors) with at most one short
  ``error:`` line and never a traceback.
"""

from __future__ import annotations

import shutil
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, copy_database, invoke
from paperscope.cli import main
from paperscope.ids import (
    CATEGORIES,
    ArxivId,
    InvalidIdentifier,
    arxiv_id_from_doi,
    category_short_code,
    is_lookup_text,
    is_row_id,
    normalize_arxiv_id,
    normalize_category,
    normalize_doi,
    parse_arxiv_id,
)
from paperscope.models import Author
from paperscope.names import NameParts, fold_name, is_group_name, split_name
from paperscope.resolve.blocking import NameForm, block_key, name_form, name_variants_key, names_compatible
from paperscope.sources.arxiv_authors import parse_arxiv_authors, tex_to_unicode
from paperscope.store import open_store


def fuzz(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Repeatable settings: the same examples on every run, no example database on disk."""
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# An error message (an InvalidIdentifier's, the CLI's line after "error: ") is at most ~300
# characters: an input it echoes is shortened, never whole.
MAX_ERROR_LINE = 310


# --- strategies ----------------------------------------------------------------------------
# Every code point, lone surrogates included (a command line with invalid UTF-8 reaches
# Python as surrogates).
any_char = st.characters(exclude_categories=())
any_text = st.text(alphabet=any_char)
# Digits that are not ASCII digits, yet str.isdigit() or \d takes them: "²", "٣", "३".
other_digits = st.text(alphabet="0123456789²³¹⁰⁴٠١٢٣٤٥٦٧٨٩०१२३४५६७८९０１２３", min_size=1)
huge_numbers = st.one_of(
    st.integers(min_value=10**17, max_value=10**40),
    st.integers(max_value=-1),
    st.integers(min_value=-(10**40), max_value=10**40),
).map(str)
# Long strings are built by repetition: drawing 100,000 characters one by one is slow.
long_text = st.builds(
    lambda piece, n: (piece * (n // max(len(piece), 1) + 1))[:n],
    st.text(alphabet=any_char, min_size=1, max_size=8),
    st.sampled_from([2_001, 4_301, 100_000]),
)
control_text = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1)
with_nul = st.builds(lambda a, b: f"{a}\x00{b}", any_text, any_text)
dashed = any_text.map(lambda s: "-" + s)

# arXiv ids as they are, then as people paste them.
_PREFIXES = ["", "arXiv:", "arxiv:", "ARXIV:", "oai:arXiv.org:", "https://arxiv.org/abs/",
             "http://arxiv.org/abs/", "https://www.arxiv.org/abs/", "http://export.arxiv.org/abs/",
             "https://arxiv.org/pdf/", "https://arxiv.org/html/"]  # fmt: skip
# Each archive (current and historical) with the two-letter subject classes an old id may carry.
_ARCHIVE_CLASSES: dict[str, list[str]] = {}
for _category in sorted(CATEGORIES):
    _archive, _, _class = _category.partition(".")
    _ARCHIVE_CLASSES.setdefault(_archive, [])
    if len(_class) == 2 and _class.isalpha():
        _ARCHIVE_CLASSES[_archive].append(_class)


@st.composite
def new_ids(draw: st.DrawFn) -> tuple[str, str, int | None]:
    """A valid new-style id: (its text, canonical id, version)."""
    yymm = f"{draw(st.integers(7, 99)):02d}{draw(st.integers(1, 12)):02d}"
    if yymm < "0704":
        yymm = "0704"
    digits = 5 if yymm >= "1501" else 4
    num = f"{draw(st.integers(1, 10**digits - 1)):0{digits}d}"
    version = draw(st.none() | st.integers(1, 999))
    text = f"{yymm}.{num}" + ("" if version is None else f"v{version}")
    return text, f"{yymm}.{num}", version


@st.composite
def old_ids(draw: st.DrawFn) -> tuple[str, str, int | None]:
    """A valid old-style id, as archive(.SC)?/YYMMNNN: (its text, canonical id, version)."""
    archive = draw(st.sampled_from(sorted(_ARCHIVE_CLASSES)))
    classes = _ARCHIVE_CLASSES[archive]
    sc = draw(st.none() | st.sampled_from(classes)) if classes else None
    yymm = f"{draw(st.integers(91, 107)) % 100:02d}{draw(st.integers(1, 12)):02d}"
    if "0703" < yymm < "9101":  # the scheme ended in March 2007
        yymm = "0703"
    num = f"{yymm}{draw(st.integers(1, 999)):03d}"  # sequence numbers start at 001
    version = draw(st.none() | st.integers(1, 999))
    text = archive + (f".{sc}" if sc else "") + f"/{num}" + ("" if version is None else f"v{version}")
    return text, f"{archive}/{num}", version


valid_ids = st.one_of(new_ids(), old_ids())


@st.composite
def wrapped_ids(draw: st.DrawFn) -> tuple[str, str, int | None]:
    """A valid id with a prefix, a .pdf and whitespace around it, as pasted."""
    text, canonical, version = draw(valid_ids)
    prefix = draw(st.sampled_from(_PREFIXES))
    pdf = draw(st.sampled_from(["", ".pdf", ".PDF"]))
    space = st.text(alphabet=" \t\n\u00a0\u2003", max_size=3)
    return f"{draw(space)}{prefix}{text}{pdf}{draw(space)}", canonical, version


@st.composite
def mangled_ids(draw: st.DrawFn) -> str:
    """An id-like string: a valid one with its case flipped, slashes, dots, digits and
    junk put in, cut or doubled — mostly invalid, and the parser must say so calmly."""
    text = draw(wrapped_ids())[0]
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["case", "insert", "delete", "double", "cut"]))
        i = draw(st.integers(0, len(text)))
        if op == "case":
            text = "".join(c.swapcase() if draw(st.booleans()) else c for c in text)
        elif op == "insert":
            junk = draw(st.sampled_from(["/", "//", ".", "v", "v0", "0", "9" * 30, "²", "٣", " ", "\x00",
                                         "\ud800", "arXiv:", "-", ".pdf", "v" + "9" * 5000]))
            text = text[:i] + junk + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + 1 :]
        elif op == "double":
            text = text[:i] + text[i:] * 2
        else:
            text = text[:i]
    return text


id_like = st.one_of(
    any_text, other_digits, huge_numbers, long_text, control_text, with_nul, mangled_ids(),
    st.builds(lambda a, b: f"10.{a}/{b}", other_digits, any_text),  # DOI-shaped
    st.builds(lambda a: f"10.48550/arXiv.{a}", mangled_ids()),  # arXiv DOI-shaped
    st.sampled_from(sorted(CATEGORIES)).map(lambda c: c.swapcase()),
)

# The inputs that crashed once; they stay in every run.
FOUND = ["²", "99999999999999999999999999", "9" * 60_000, "\ud800", "0704.0000", "/cs/0112017",
         "CS/0112017", "arXiv:2101.00016//v2/", "2101.00016v" + "9" * 5000, "٢١٠١.٠٠٠١٦",
         "10.٤٥٦٧/x", "ǽ"]  # fmt: skip


def found_cases(*names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Each found case as an explicit example, given to each of these arguments."""

    def add(test: Callable[..., None]) -> Callable[..., None]:
        for case in reversed(FOUND):
            test = example(**{name: (case, case) if name == "pair" else case for name in names})(test)
        return test

    return add


# --- ids -----------------------------------------------------------------------------------
def _calmly(parse: Callable[[str], object], text: str) -> object:
    """parse(text), or InvalidIdentifier (as the value); any other exception fails."""
    try:
        return parse(text)
    except InvalidIdentifier as e:
        assert len(str(e)) <= MAX_ERROR_LINE, "the message echoes the input shortened"
        return e


@fuzz(1500)
@found_cases("text")
@given(text=id_like)
def test_id_parsers_return_or_raise_invalid_identifier(text: str) -> None:
    parsed = _calmly(parse_arxiv_id, text)
    normalized = _calmly(normalize_arxiv_id, text)
    if isinstance(parsed, ArxivId):
        # The fast path agrees with the general one, and the canonical form is ASCII.
        assert normalized == parsed.id
        assert parsed.id.isascii() and parsed.id == parsed.id.strip()
        again = parse_arxiv_id(str(parsed))
        assert (again.id, again.version) == (parsed.id, parsed.version)
        assert normalize_arxiv_id(parsed.id) == parsed.id
        assert parse_arxiv_id(parsed.id) == ArxivId(parsed.id)
    else:
        assert isinstance(normalized, InvalidIdentifier)

    doi = _calmly(normalize_doi, text)
    from_doi = _calmly(arxiv_id_from_doi, text)
    if isinstance(doi, str):
        assert normalize_doi(doi) == doi
        assert doi.encode("utf-8")
        assert from_doi is None or isinstance(from_doi, ArxivId)
    else:
        assert isinstance(from_doi, InvalidIdentifier)

    category = normalize_category(text)
    assert isinstance(category, str)
    assert normalize_category(category) == category
    assert isinstance(category_short_code(text), str)
    assert isinstance(is_row_id(text), bool)
    assert isinstance(is_lookup_text(text), bool)
    if is_row_id(text):
        assert 0 <= int(text) < 2**63


@fuzz(600)
@given(wrapped_ids())
def test_every_valid_arxiv_id_is_accepted(case: tuple[str, str, int | None]) -> None:
    text, canonical, version = case
    parsed = parse_arxiv_id(text)
    assert (parsed.id, parsed.version) == (canonical, version)
    assert normalize_arxiv_id(text) == canonical
    assert arxiv_id_from_doi(f"10.48550/arXiv.{canonical}") == ArxivId(canonical)
    assert normalize_doi(f"https://doi.org/10.48550/arXiv.{canonical}") == f"10.48550/arxiv.{canonical}".lower()


@fuzz(300)
@given(st.sampled_from(sorted(CATEGORIES)), st.sampled_from([str.upper, str.lower, str.swapcase, str]),
       st.sampled_from(["", " ", "\t"]))
def test_known_categories_normalize_to_themselves(category: str, case: Callable[[str], str], pad: str) -> None:
    assert normalize_category(f"{pad}{case(category)}{pad}") == category
    assert category_short_code(category) == (category.split(".", 1)[1] if "." in category else category)


# --- names ---------------------------------------------------------------------------------
# Author lines built from the pieces real ones are made of.
_NAME_PIECES = [
    "Smith", "J.", "J.R.R.Tolkien", "A.-M.", "Zixin", "Wén", "Rui-Jie", "van", "der", "de", "la", "Le",
    "Jr.", "Jr", "III", "IV", "V", ",", ", ", " and ", " & ", ";", ":", "(", ")", "((1) MIT, (2) ETH)",
    "(1)", "(1,2)", "(1 and 2)", "(MIT)", "the", "ATLAS", "Collaboration", "Team", "for the", "on behalf of",
    "et al.", "et al", '\\"u', "\\'e", "\\'{e}", "{\\l}", "\\l", "\\ss", "\\o{}", "\\v{s}", "\\c c",
    "\\'\\i", "{", "}", "\\", "~", "\\&", "  ", "\n", "-", ".", "ß", "Ø", "ǽ", "İ", "ﬁ", "²", "\ud800",
    "\x00", "_",
]  # fmt: skip
name_like = st.one_of(
    any_text,
    long_text,
    control_text,
    st.lists(st.sampled_from(_NAME_PIECES) | st.text(max_size=4), max_size=25).map(" ".join),
    st.lists(st.sampled_from(_NAME_PIECES), max_size=40).map("".join),
)


def _clean(value: str | None) -> bool:
    """None, or a non-empty string with no whitespace around it."""
    return value is None or (isinstance(value, str) and value != "" and value == value.strip())


@fuzz(1200)
@found_cases("text")
@example(text="Ǽ. Ǿ")
@example(text="\\'\\i")
@example(text="(" * 5000 + "Smith" + ")" * 5000)
@given(text=name_like)
def test_names_never_raise(text: str) -> None:
    parts = split_name(text)
    assert isinstance(parts, NameParts)
    assert all(_clean(v) for v in (parts.given, parts.family, parts.suffix)), parts
    if text.split():
        assert parts.family is not None or text.replace(",", "").split() == []
    assert isinstance(is_group_name(text), bool)

    folded = fold_name(text)
    assert isinstance(folded, str)
    assert fold_name(folded) == folded  # a folded name is folded
    assert folded == " ".join(folded.split())

    unicode = tex_to_unicode(text)
    assert isinstance(unicode, str)

    authors = parse_arxiv_authors(text)
    assert all(isinstance(a, Author) for a in authors)
    assert [a.position for a in authors] == list(range(len(authors)))
    for a in authors:
        assert isinstance(a.raw, str) and a.raw.strip()
        assert all(_clean(v) for v in (a.given, a.family, a.suffix)), a
        assert all(isinstance(aff, str) for aff in a.affiliations)

    form = name_form(text)
    key = block_key(text)
    variants = name_variants_key(text)
    assert form is None or isinstance(form, NameForm)
    assert (key is None) == (form is None)
    assert key is None or (isinstance(key, str) and key == key.strip() and key)
    assert variants is None or (isinstance(variants, str) and variants.count(" ") == 1)
    if form is not None:
        assert form.family and " " not in form.family
        assert names_compatible(form, form)


@fuzz(800)
@given(name_like, name_like)
def test_name_compatibility_is_symmetric(a: str, b: str) -> None:
    fa, fb = name_form(a), name_form(b)
    if fa is not None and fb is not None:
        assert names_compatible(fa, fb) == names_compatible(fb, fa)


# --- CLI lookups ---------------------------------------------------------------------------
# Ids, keys and names stored in the fuzzed database (filled by the fuzz_db fixture): the
# lookups that find something, and near misses of them.
_STORED: dict[str, list[str]] = {"paper": [], "researcher": []}
# (researcher, a paper of theirs), each as an id or as a name or key: splits that succeed.
_AUTHORED: list[tuple[str, str]] = []
authored = st.deferred(lambda: st.sampled_from(_AUTHORED))
_NEAR_MISSES: list[Callable[[str], str]] = [
    str, str.upper, str.lower, str.swapcase, lambda s: f"  {s}\t", lambda s: s + "\ud800", lambda s: s + "\x00",
    lambda s: s[:-1], lambda s: s + "v2", lambda s: s + "v" + "9" * 30, lambda s: "arXiv:" + s,
    lambda s: "https://doi.org/" + s, lambda s: s * 2, lambda s: (s + " ") * 5_000, lambda s: "-" + s,
    lambda s: s.replace("e", "é"), lambda s: " ".join(reversed(s.split())), lambda s: s[: len(s) // 2] + "*",
]  # fmt: skip


def near_stored(kind: str) -> st.SearchStrategy[str]:
    """A paper's or researcher's id, key or name as stored, or a near miss of one."""
    stored = st.deferred(lambda: st.sampled_from(_STORED[kind]))
    changed = st.builds(lambda value, change: change(value), stored, st.sampled_from(_NEAR_MISSES))
    return st.one_of(stored, changed)


hostile = st.one_of(
    any_text,
    other_digits,
    huge_numbers,
    st.integers(-2, 2_000).map(str),
    long_text,
    control_text,
    with_nul,
    dashed,
    mangled_ids(),
    st.sampled_from(["0", "1", "-1", "00000000000000000001", str(10**30), str(2**63), str(2**63 - 1),
                     "orcid:0000-0002-1825-0097", "page:000_a0a0c56183404ee7.txt", "Smith", "a", "Wen",
                     "%", "_", "*", "\"", "'", "(", "NEAR", "AND", "OR", "NOT", "\\", "title:", "arxiv:"]),
)  # fmt: skip


def lookup_of(kind: str) -> st.SearchStrategy[str]:
    """Half hostile text, half what is stored (nested one_of()s would be flattened into
    one, where the stored values were 2 branches of 12)."""
    return st.booleans().flatmap(lambda near: near_stored(kind) if near else hostile)


paper_lookup = lookup_of("paper")
researcher_lookup = lookup_of("researcher")


@pytest.fixture(scope="module")
def fuzz_db(web_db: Path) -> Path:
    """The web app's database (seeds, listings, conference papers; resolved and scored)
    with its search index built, so that no lookup prints the index's refresh line."""
    invoke(web_db, "search", "transformer")
    store = open_store(web_db)
    try:
        conn = store.db
        if store.backend == "sqlite":  # copies of the file are taken without its WAL
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _STORED["paper"][:] = sorted(
            {v for (v,) in conn.execute("SELECT value FROM paper_ids WHERE scheme != 'title'")}
            | {v for (v,) in conn.execute("SELECT key FROM papers")}
            | {str(v) for (v,) in conn.execute("SELECT id FROM papers")}
        )
        _STORED["researcher"][:] = sorted(
            {str(v) for (v,) in conn.execute("SELECT id FROM researchers")}
            | {v for (v,) in conn.execute("SELECT name FROM researchers")}
            | {f"{scheme}:{v}" for scheme, v in conn.execute("SELECT scheme, value FROM researcher_ids")}
            | {f"orcid:{v}" for (v,) in conn.execute("SELECT orcid FROM researchers WHERE orcid IS NOT NULL")}
        )
        _AUTHORED[:] = conn.execute(
            "SELECT CAST(r.id AS TEXT), CAST(p.id AS TEXT) FROM researcher_mentions m"
            " JOIN researchers r ON r.id = m.researcher_id JOIN papers p ON p.id = m.paper_id"
            " UNION SELECT r.name, p.key FROM researcher_mentions m"
            " JOIN researchers r ON r.id = m.researcher_id JOIN papers p ON p.id = m.paper_id"
            " ORDER BY 1, 2"
        ).fetchall()
    finally:
        store.close()
    assert len(_STORED["paper"]) > 500 and len(_STORED["researcher"]) > 1000 and _AUTHORED
    return web_db


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-writes")


@contextmanager
def copy_of(db: Path, scratch: Path) -> Iterator[Path]:
    """A fresh copy of the database for one example of a command that writes."""
    for leftover in scratch.glob("copy.db*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    yield copy_database(db, scratch)


def run_cli(db: Path, *args: str) -> Result:
    """Run paperscope in-process and check the never-crash contract of a lookup."""
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    what = f"paperscope {' '.join(map(ascii, args))[:300]}"
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"{what}: unhandled {exc!r}"
    assert result.exit_code in (0, 1, 2), f"{what}: exit {result.exit_code}"
    assert "Traceback" not in result.output, f"{what}: {result.output[-2000:]}"
    stderr = result.stderr
    if "internal error" in stderr:
        # An exception the CLI caught but no code meant: a crash all the same. Run it again
        # with --debug for the traceback.
        again = CliRunner().invoke(main, ["--db", str(db), "--debug", *args])
        raise AssertionError(f"{what}: {stderr[:300]}\n{again.stderr[-3000:]}")
    lines = stderr.splitlines()
    if result.exit_code == 2:
        # click's usage errors: its own "Usage: … Error: …" lines, each short.
        assert "Error:" in stderr, f"{what}: exit 2 without a usage error: {stderr[:500]!r}"
        assert all(len(line) <= MAX_ERROR_LINE for line in lines), f"{what}: {stderr[:500]!r}"
    else:
        assert len(lines) <= 1, f"{what}: {len(lines)} lines on stderr: {stderr[:500]!r}"
        assert len(stderr.rstrip("\n")) <= MAX_ERROR_LINE, (
            f"{what}: {len(stderr):,} characters on stderr: {stderr[:400]!r}"
        )
        if lines:
            assert lines[0].startswith("error:"), f"{what}: {stderr[:300]!r}"
        assert (result.exit_code == 1) == bool(lines), f"{what}: exit {result.exit_code}, stderr {stderr[:300]!r}"
    return result


@fuzz(400)
@found_cases("x")
@given(x=paper_lookup)
def test_paper_lookup_never_crashes(fuzz_db: Path, x: str) -> None:
    run_cli(fuzz_db, "paper", "--", x)
    run_cli(fuzz_db, "paper", "--format", "json", "--", x)


@fuzz(400)
@found_cases("x")
@given(x=researcher_lookup)
def test_researcher_lookup_never_crashes(fuzz_db: Path, x: str) -> None:
    run_cli(fuzz_db, "researcher", "--as-of", AS_OF.isoformat(), "--", x)


@fuzz(300)
@found_cases("x")
@given(x=st.one_of(paper_lookup, researcher_lookup))
def test_search_never_crashes(fuzz_db: Path, x: str) -> None:
    run_cli(fuzz_db, "search", "--", x)


@fuzz(100)
@found_cases("pair")
@given(pair=st.tuples(researcher_lookup, paper_lookup) | authored)
def test_researchers_split_never_crashes(fuzz_db: Path, scratch: Path, pair: tuple[str, str]) -> None:
    x, y = pair
    with copy_of(fuzz_db, scratch) as db:
        run_cli(db, "researchers", "split", "--paper", y, "--", x)


@fuzz(100)
@found_cases("x", "y")
@given(x=researcher_lookup, y=researcher_lookup)
def test_researchers_merge_never_crashes(fuzz_db: Path, scratch: Path, x: str, y: str) -> None:
    with copy_of(fuzz_db, scratch) as db:
        run_cli(db, "researchers", "merge", "--", x, y)


_orcid = st.one_of(
    researcher_lookup,
    st.sampled_from(["0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-009X"]),
    st.sampled_from(["0000-0002-1825-0097", "0000-0001-5109-3700"]),
    st.text(alphabet=string.digits + "-X", min_size=16, max_size=19),
)


@fuzz(100)
@found_cases("x", "orcid")
@given(x=researcher_lookup, orcid=_orcid)
def test_researchers_claim_never_crashes(fuzz_db: Path, scratch: Path, x: str, orcid: str) -> None:
    with copy_of(fuzz_db, scratch) as db:
        run_cli(db, "researchers", "claim", "--", x, orcid)

