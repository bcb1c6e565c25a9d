"""arXiv author lines, parsed the way arXiv parses them, on real author lines.

Sources of the lines:
- the 25 records of tests/fixtures/arxiv/snapshot-sample.jsonl, whose ``authors_parsed``
  is arXiv's own split of the same line (the oracle for names);
- arXiv's own author-parser tests (arXiv/arxiv-browse, tests/test_author_affil.py, and
  the later copy in arXiv/arxiv-base, arxiv/util/tests/test_authors.py), for particles,
  suffixes, numbered affiliations and collaborations, which the samples lack;
- records of the recorded OAI-PMH and Atom responses in ../shared/data/fixtures/, where
  arXiv gives the parsed authors of a line; the line is rebuilt from them as the comment
  says.
"""

import json
import re
from pathlib import Path

import pytest

from paperscope.models import Author
from paperscope.sources.arxiv_authors import parse_arxiv_authors, tex_to_unicode

SNAPSHOT = Path(__file__).parent.parent / "fixtures" / "arxiv" / "snapshot-sample.jsonl"
RECORDS = [json.loads(line) for line in SNAPSHOT.read_text("utf-8").splitlines()]
# The QUaD author line of arXiv's tests ("parse_author_affil (mind-blowing)").
QUAD = (
    "QUaD collaboration: S. Gupta (1), P. Ade (1), J. Bock (2,3), M. Bowden "
    "(1,4), M. L. Brown (5), G. Cahill (6), P. G. Castro (7,8), S. Church (4), T. "
    "Culverhouse (9), R. B. Friedman (9), K. Ganga (10), W. K. Gear (1), J. "
    "Hinderks (5,11), J. Kovac (3), A. E. Lange (4), E. Leitch (2,3), S. J. "
    "Melhuish (12), Y. Memari (7), J. A. Murphy (6), A. Orlando (1,3), C. "
    "O'Sullivan (6), L. Piccirillo (12), C. Pryke (9), N. Rajguru (1,13), B. "
    "Rusholme (4,14), R. Schwarz (9), A. N. Taylor (7), K. L. Thompson (4), A. H. "
    "Turner (1), E. Y. S. Wu (4), M. Zemcov (1,2,3) ((1) Cardiff University, (2) "
    "JPL, (3) Caltech, (4) Stanford University, (5) University of Cambridge, (6) "
    "National University of Ireland Maynooth, (7) University of Edinburgh, (8) "
    "Universidade Tecnica de Lisboa, (9) University of Chicago, (10) Laboratoire "
    "APC/CNRS, (11) NASA Goddard, (12) University of Manchester, (13) UCL, (14) "
    "IPAC) "
)


def _people(authors: list[Author]) -> list[tuple[str | None, str | None, list[str]]]:
    return [(a.given, a.family, a.affiliations) for a in authors]


@pytest.mark.parametrize("record", RECORDS, ids=[r["id"] for r in RECORDS])
def test_names_match_arxivs_own_split(record: dict) -> None:
    """Every snapshot author line gives the people arXiv's authors_parsed lists, in order."""
    authors = parse_arxiv_authors(record["authors"])
    expected = [
        " ".join(p for p in (given, family, suffix) if p)
        for family, given, suffix in record["authors_parsed"]
    ]
    assert [a.raw for a in authors] == expected
    assert [a.position for a in authors] == list(range(len(expected)))
    for author, (family, _given, _suffix) in zip(authors, record["authors_parsed"], strict=True):
        if author.raw == "Valentin J. M. Le Gouellec":
            # arXiv's split keeps "Le" with the given names; the particle belongs to the family.
            assert (author.given, author.family) == ("Valentin J. M.", "Le Gouellec")
        else:
            assert author.family == family


def test_latex_accents_and_line_wraps() -> None:
    # 2212.11862: \' and \v{s}, and a line wrap inside a name.
    line = "Adri\\'an P\\'erez-Salinas, Radoica Dra\\v{s}ki\\'c, Jordi Tura, Vedran\n  Dunjko"
    authors = parse_arxiv_authors(line)
    assert [a.raw for a in authors] == [
        "Adrián Pérez-Salinas",
        "Radoica Draškić",
        "Jordi Tura",
        "Vedran Dunjko",
    ]
    assert authors[1].family == "Draškić"
    # 2212.11813: a braced special letter; 2212.11899: \" .
    assert parse_arxiv_authors("Piotr Nowakowski, Przemys{\\l}aw Rokita")[1].given == "Przemysław"
    assert parse_arxiv_authors('Ana\\"elle J. Maury')[0].given == "Anaëlle J."


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ('M\\"uller', "Müller"),
        ("{\\'e}", "é"),
        ("\\'{e}", "é"),
        ("Dra\\v{s}ki\\'c", "Draškić"),
        ("Fran\\c{c}ois", "François"),
        ("\\'{\\i}", "í"),
        ("Bj{\\o}rn", "Bjørn"),
        ("Gro\\ss", "Groß"),
        ("Erd\\H{o}s", "Erdős"),
        ("Dunjko", "Dunjko"),
    ],
)
def test_tex_to_unicode(tex: str, text: str) -> None:
    assert tex_to_unicode(tex) == text


@pytest.mark.parametrize(
    ("line", "names"),
    [
        # "and" between two (2212.11780), ", ... and" (2212.11808), "and" throughout (2212.11850).
        ("Olga Kharlampovich and Rizos Sklinos", ["Olga Kharlampovich", "Rizos Sklinos"]),
        (
            "Jesus Guerrero, Gongbo Liang and Izzat Alsmadi",
            ["Jesus Guerrero", "Gongbo Liang", "Izzat Alsmadi"],
        ),
        (
            'Steffen Wendzel and Tobias Schmidbauer and Sebastian Zillien and\n  J\\"org Keller',
            ["Steffen Wendzel", "Tobias Schmidbauer", "Sebastian Zillien", "Jörg Keller"],
        ),
        # The Oxford comma: arXiv's test for 1110.4366 has "A, B and C"; the same with ", and".
        (
            "Matthew Everitt, Robert M. Heath, and Viv Kendon",
            ["Matthew Everitt", "Robert M. Heath", "Viv Kendon"],
        ),
        # A suffix cut off at its comma is put back (arXiv tests).
        (
            "John Von Neumann, Herbert Van de Sompel, Fred Bloggs, Jr, et al",
            ["John Von Neumann", "Herbert Van de Sompel", "Fred Bloggs, Jr"],
        ),
        # "Anatoly Zlotnik and Jr-Shin Li": "Jr-Shin" is a given name (arXiv tests).
        ("Anatoly Zlotnik and Jr-Shin Li", ["Anatoly Zlotnik", "Jr-Shin Li"]),
        ("Filip Zamfirov", ["Filip Zamfirov"]),  # 2212.11774
        ("", []),
        ("  \n ", []),
    ],
)
def test_separators(line: str, names: list[str]) -> None:
    assert [a.raw for a in parse_arxiv_authors(line)] == names


def test_suffix_after_comma_is_parsed() -> None:
    bloggs = parse_arxiv_authors("Herbert Van de Sompel, Fred Bloggs, Jr")[1]
    assert (bloggs.given, bloggs.family, bloggs.suffix) == ("Fred", "Bloggs", "Jr")


def test_collaboration_first_and_et_al_dropped() -> None:
    # arXiv tests: "The DELPHI Collaboration, J. Abdallah, et al".
    authors = parse_arxiv_authors("The DELPHI Collaboration, J. Abdallah, et al")
    assert [(a.raw, a.given, a.family, a.position) for a in authors] == [
        ("The DELPHI Collaboration", None, "DELPHI Collaboration", 0),
        ("J. Abdallah", "J.", "Abdallah", 1),
    ]
    assert [a.raw for a in parse_arxiv_authors("J. Abdallah et al.")] == ["J. Abdallah"]


def test_for_the_collaboration() -> None:
    # OAI fixture (sample_arxiv_response_listrecords_physics.xml), 1309.3322: arXiv split the
    # line "A. G. Knospe, for the ALICE Collaboration" into keyname "Collaboration",
    # forenames "for the ALICE". The collaboration is a group, not a person named so.
    authors = parse_arxiv_authors("A. G. Knospe, for the ALICE Collaboration")
    assert [(a.raw, a.given, a.family) for a in authors] == [
        ("A. G. Knospe", "A. G.", "Knospe"),
        ("the ALICE Collaboration", None, "ALICE Collaboration"),
    ]
    # The same statement in parentheses, a form other author lines use (names of 1501.03554).
    authors = parse_arxiv_authors("Matteo Cerruti (for the VERITAS Collaboration)")
    assert [(a.raw, a.family, a.affiliations, a.position) for a in authors] == [
        ("Matteo Cerruti", "Cerruti", [], 0),
        ("the VERITAS Collaboration", "VERITAS Collaboration", [], 1),
    ]


def test_parenthesised_affiliations() -> None:
    # astro-ph/0601001, whose Atom entry (recorded_id_astro-ph_0601001_*.xml) lists these
    # four authors with these affiliations, written as arXiv's author line has them.
    line = (
        "Andrew Gould (Ohio State), Susan Dorsher (Ohio State), B. Scott Gaudi (CfA),\n"
        "  Andrzej Udalski (Warsaw University Observatory)"
    )
    assert _people(parse_arxiv_authors(line)) == [
        ("Andrew", "Gould", ["Ohio State"]),
        ("Susan", "Dorsher", ["Ohio State"]),
        ("B. Scott", "Gaudi", ["CfA"]),
        ("Andrzej", "Udalski", ["Warsaw University Observatory"]),
    ]
    assert parse_arxiv_authors(line)[0].raw == "Andrew Gould"


def test_affiliation_holds_for_the_names_before_it() -> None:
    # arXiv tests: "a.b.first, c.d.second (affil)" gives both the affiliation.
    authors = parse_arxiv_authors("a.b.first, c.d.second (affil)")
    assert _people(authors) == [("a.b.", "first", ["affil"]), ("c.d.", "second", ["affil"])]
    # ...and the lists are separate objects, so editing one leaves the other alone.
    assert authors[0].affiliations is not authors[1].affiliations


def test_numbered_affiliations_and_collaboration_with_colon() -> None:
    line = QUAD
    authors = parse_arxiv_authors(line)
    assert len(authors) == 32
    assert (authors[0].raw, authors[0].given, authors[0].family, authors[0].affiliations) == (
        "QUaD collaboration",
        None,
        "QUaD collaboration",
        [],
    )
    by_family = {a.family: a for a in authors}
    assert by_family["Gupta"].affiliations == ["Cardiff University"]
    assert by_family["Bock"].affiliations == ["JPL", "Caltech"]
    assert by_family["Castro"].affiliations == ["University of Edinburgh", "Universidade Tecnica de Lisboa"]
    assert by_family["O'Sullivan"].given == "C."
    assert by_family["Rusholme"].affiliations == ["Stanford University", "IPAC"]
    assert by_family["Zemcov"].affiliations == ["Cardiff University", "JPL", "Caltech"]
    assert (by_family["Wu"].given, by_family["Wu"].position) == ("E. Y. S.", 30)


def test_numbered_affiliations_glued_and_with_and() -> None:
    # arXiv tests: "sum won(1,2)((1)lab a,(2)lab b)" and "Smith B(1 and 2)" style marks.
    assert _people(parse_arxiv_authors("sum won(1,2)((1)lab a,(2)lab b)")) == [
        ("sum", "won", ["lab a", "lab b"])
    ]
    assert _people(parse_arxiv_authors("sum won (1 and 2) ((1) lab a, (2) lab b)")) == [
        ("sum", "won", ["lab a", "lab b"])
    ]
    # A parenthesis in an affiliation's own name stays in it.
    assert parse_arxiv_authors("sum won (1) ((1) INFN (Sezione di Roma).)")[0].affiliations == [
        "INFN (Sezione di Roma)"
    ]


def test_affiliation_with_commas_is_one_affiliation() -> None:
    # arXiv tests: "sum won (lab a, lab b)" is one affiliation, as arXiv reads it.
    assert parse_arxiv_authors("sum won (lab a, lab b)")[0].affiliations == ["lab a, lab b"]


# --- arXiv's own expectations -----------------------------------------------------------
# Every parse_author_affil case of arXiv/arxiv-base arxiv/util/tests/test_authors.py, as
# [keyname, firstnames, suffix, *affiliations]. Two spellings differ by design and are
# mapped in _as_arxiv: arXiv puts a space after each dot of initials ("S.M." → "S. M."),
# paperscope keeps names as written; and a group's keyname is its name as written, which
# paperscope keeps as the raw name (its family name drops a leading "The").
ARXIV_CASES: list[tuple[str, list[list[str]]]] = [
    ("Simeon Warner", [["Warner", "Simeon", ""]]),
    ("Simeon Warner Jr", [["Warner", "Simeon", "Jr"]]),
    ("Simeon Warner Jr.", [["Warner", "Simeon", "Jr."]]),
    ("Simeon Warner Sr", [["Warner", "Simeon", "Sr"]]),
    ("Simeon Warner Sr.", [["Warner", "Simeon", "Sr."]]),
    ("SM Warner", [["Warner", "SM", ""]]),
    ("SM. Warner", [["Warner", "SM.", ""]]),
    ("S.M. Warner", [["Warner", "S. M.", ""]]),
    ("John Von Neumann", [["Von Neumann", "John", ""]]),
    ("Herbert Van de Sompel", [["Van de Sompel", "Herbert", ""]]),
    ("del Norte", [["Norte", "del", ""]]),
    ("Fred del Norte", [["del Norte", "Fred", ""]]),
    ("BELLE", [["BELLE", "", ""]]),
    ("BELLE Collaboration", [["BELLE Collaboration", "", ""]]),
    (
        "BELLE Collaboration: A Person, Nother Person",
        [["BELLE Collaboration", "", ""], ["Person", "A", ""], ["Person", "Nother", ""]],
    ),
    ("The DELPHI Collaboration, J. Abdallah, et al", [["The DELPHI Collaboration", "", ""], ["Abdallah", "J.", ""]]),
    ("Ali Vaziri Astaneh, Federico Fuentes", [["Vaziri Astaneh", "Ali", ""], ["Fuentes", "Federico", ""]]),
    ("sum won (lab a)", [["won", "sum", "", "lab a"]]),
    ("sum won (lab a; lab b)", [["won", "sum", "", "lab a; lab b"]]),
    ("sum won (lab a, lab b)", [["won", "sum", "", "lab a, lab b"]]),
    ("sum won (1,2) ( (1) lab a, (2) lab b)", [["won", "sum", "", "lab a", "lab b"]]),
    ("sum won(1,2)((1)lab a,(2)lab b)", [["won", "sum", "", "lab a", "lab b"]]),
    ("a.b.first, c.d.second (affil)", [["first", "a. b.", "", "affil"], ["second", "c. d.", "", "affil"]]),
    ("a.b.first (affil), c.d.second (affil)", [["first", "a. b.", "", "affil"], ["second", "c. d.", "", "affil"]]),
    (
        "a.b.first, c.d.second (1), e.f.third, g.h.forth (2,3) ((1) affil1, (2) affil2, (3) affil3)",
        [
            ["first", "a. b.", "", "affil1"],
            ["second", "c. d.", "", "affil1"],
            ["third", "e. f.", "", "affil2", "affil3"],
            ["forth", "g. h.", "", "affil2", "affil3"],
        ],
    ),
    (
        QUAD,
        [
            ["QUaD collaboration", "", ""],
            ["Gupta", "S.", "", "Cardiff University"],
            ["Ade", "P.", "", "Cardiff University"],
            ["Bock", "J.", "", "JPL", "Caltech"],
            ["Bowden", "M.", "", "Cardiff University", "Stanford University"],
            ["Brown", "M. L.", "", "University of Cambridge"],
            ["Cahill", "G.", "", "National University of Ireland Maynooth"],
            ["Castro", "P. G.", "", "University of Edinburgh", "Universidade Tecnica de Lisboa"],
            ["Church", "S.", "", "Stanford University"],
            ["Culverhouse", "T.", "", "University of Chicago"],
            ["Friedman", "R. B.", "", "University of Chicago"],
            ["Ganga", "K.", "", "Laboratoire APC/CNRS"],
            ["Gear", "W. K.", "", "Cardiff University"],
            ["Hinderks", "J.", "", "University of Cambridge", "NASA Goddard"],
            ["Kovac", "J.", "", "Caltech"],
            ["Lange", "A. E.", "", "Stanford University"],
            ["Leitch", "E.", "", "JPL", "Caltech"],
            ["Melhuish", "S. J.", "", "University of Manchester"],
            ["Memari", "Y.", "", "University of Edinburgh"],
            ["Murphy", "J. A.", "", "National University of Ireland Maynooth"],
            ["Orlando", "A.", "", "Cardiff University", "Caltech"],
            ["O'Sullivan", "C.", "", "National University of Ireland Maynooth"],
            ["Piccirillo", "L.", "", "University of Manchester"],
            ["Pryke", "C.", "", "University of Chicago"],
            ["Rajguru", "N.", "", "Cardiff University", "UCL"],
            ["Rusholme", "B.", "", "Stanford University", "IPAC"],
            ["Schwarz", "R.", "", "University of Chicago"],
            ["Taylor", "A. N.", "", "University of Edinburgh"],
            ["Thompson", "K. L.", "", "Stanford University"],
            ["Turner", "A. H.", "", "Cardiff University"],
            ["Wu", "E. Y. S.", "", "Stanford University"],
            ["Zemcov", "M.", "", "Cardiff University", "JPL", "Caltech"],
        ],
    ),
    (
        "Matthew Everitt, Robert M. Heath and Viv Kendon",
        [["Everitt", "Matthew", ""], ["Heath", "Robert M.", ""], ["Kendon", "Viv", ""]],
    ),
    # "look like bugs, but aren't": parentheses inside the parenthesis are no affiliation.
    ("sum won ((lab a), (lab b))", [["won", "sum", ""]]),
    ("sum won ((lab a) (lab b))", [["won", "sum", ""]]),
    ("Anatoly Zlotnik and Jr-Shin Li", [["Zlotnik", "Anatoly", ""], ["Li", "Jr-Shin", ""]]),
    # 2106.08865: numbered affiliations joined by "and", names by "and". In arXiv's test the
    # line is a plain Python string, so each \' in it is a bare apostrophe, as here.
    (
        "E. Trigueros P'aez (1 and 2) and R. H. Barb'a (3) and I. Negueruela (1) "
        "and J. Ma'iz Apell'aniz (2) and S. Sim'on-D'iaz (4 and 5) and G.Holgado (2) "
        "((1) Departamento de F'isica Aplicada - Universidad de Alicante, (2) "
        "Centro de Astrobiolog'ia - CSIC-INTA, (3) Departamento de Astronom'ia - Universidad "
        "de La Serena, (4) Instituto de Astrof'isica de Canarias, (5) Departamento "
        "de Astrof'isica - Universidad de La Laguna)",
        [
            ["P'aez", "E. Trigueros", "", "Departamento de F'isica Aplicada - Universidad de Alicante",
             "Centro de Astrobiolog'ia - CSIC-INTA"],
            ["Barb'a", "R. H.", "", "Departamento de Astronom'ia - Universidad de La Serena"],
            ["Negueruela", "I.", "", "Departamento de F'isica Aplicada - Universidad de Alicante"],
            ["Apell'aniz", "J. Ma'iz", "", "Centro de Astrobiolog'ia - CSIC-INTA"],
            ["Sim'on-D'iaz", "S.", "", "Instituto de Astrof'isica de Canarias",
             "Departamento de Astrof'isica - Universidad de La Laguna"],
            ["Holgado", "G.", "", "Centro de Astrobiolog'ia - CSIC-INTA"],
        ],
    ),
    ("", []),
]


def _as_arxiv(authors: list[Author]) -> list[list[str]]:
    """Our authors in the shape of arXiv's parse_author_affil, with its spacing of initials."""
    return [
        [
            a.raw if a.given is None else a.family or "",
            re.sub(r"\.(\S)", r". \1", a.given or ""),
            a.suffix or "",
            *a.affiliations,
        ]
        for a in authors
    ]


@pytest.mark.parametrize(("line", "expected"), ARXIV_CASES, ids=[line[:40] for line, _ in ARXIV_CASES])
def test_lines_split_as_arxivs_own_tests_split_them(line: str, expected: list[list[str]]) -> None:
    assert _as_arxiv(parse_arxiv_authors(line)) == expected
