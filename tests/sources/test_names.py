"""Splitting person names, on names taken from real arXiv records.

Where a name comes from: "listings" is tests/fixtures/arxiv/daily-cs-sample.jsonl.gz,
"snapshot" is tests/fixtures/arxiv/snapshot-sample.jsonl, "arXiv tests" is arXiv's own
author-parser tests (arXiv/arxiv-browse, tests/test_author_affil.py; the same cases are in
arXiv/arxiv-base, arxiv/util/tests/test_authors.py).
"""

import pytest

from paperscope.names import NameParts, is_group_name, split_name


@pytest.mark.parametrize(
    ("raw", "given", "family", "suffix"),
    [
        # Plain and hyphenated (snapshot 2212.11867, 2212.11862).
        ("Marcus Michelen", "Marcus", "Michelen", None),
        ("Xuan-Truong Vu", "Xuan-Truong", "Vu", None),
        ("Adrián Pérez-Salinas", "Adrián", "Pérez-Salinas", None),
        # Initials, spaced and glued (snapshot 2212.11899; arXiv 0906.5132 "V.P.Mineev").
        ("Charles L. H. Hull", "Charles L. H.", "Hull", None),
        ("J. R. R. Tolkien", "J. R. R.", "Tolkien", None),
        ("J.R.R. Tolkien", "J.R.R.", "Tolkien", None),
        ("V.P.Mineev", "V.P.", "Mineev", None),
        # Particles (listings 2503.12042, 2504.00719, 2505.10144, 2506.11151, 2505.00369).
        ("Anton van den Hengel", "Anton", "van den Hengel", None),
        ("Axel von Arnim", "Axel", "von Arnim", None),
        ("Fernando de la Torre", "Fernando", "de la Torre", None),
        ("Carlos de la Torre-Ortiz", "Carlos", "de la Torre-Ortiz", None),
        ("A. F. W. van der Steeg", "A. F. W.", "van der Steeg", None),
        ("Eva Martín del Pico", "Eva Martín", "del Pico", None),
        ("Lucas Pereira de Gouveia", "Lucas Pereira", "de Gouveia", None),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven", None),
        # Capitalised particles inside a name (snapshot 2212.11899, 2212.11889; listings).
        ("Valentin J. M. Le Gouellec", "Valentin J. M.", "Le Gouellec", None),
        ("G. Del Zanna", "G.", "Del Zanna", None),
        ("Luc Van Gool", "Luc", "Van Gool", None),
        ("Giulia De Masi", "Giulia", "De Masi", None),
        # ...but not where they are the given or the family name itself.
        ("Le Song", "Le", "Song", None),
        ("Quoc V. Le", "Quoc V.", "Le", None),
        # A particle before an initial is part of a given name (listings 2507.01744).
        ("Maria del C. Valdés Hernández", "Maria del C. Valdés", "Hernández", None),
        # Suffixes (listings 2505.23666, 2504.00348; arXiv tests).
        ("Robert W. Heath Jr.", "Robert W.", "Heath", "Jr."),
        ("Guillermo Francia III", "Guillermo", "Francia", "III"),
        ("Simeon Warner Jr", "Simeon", "Warner", "Jr"),
        ("Fred Bloggs, Jr", "Fred", "Bloggs", "Jr"),
        # "Jr" inside a hyphenated given name is no suffix (arXiv tests, "Anatoly Zlotnik and Jr-Shin Li").
        ("Jr-Shin Li", "Jr-Shin", "Li", None),
        # Apostrophes and accents as given (listings 2503.11742; snapshot 2212.11874).
        ("Moreno D'Incà", "Moreno", "D'Incà", None),
        ("Andrea D'Amico", "Andrea", "D'Amico", None),
        # One word: a family name only (listings 2504.00698, 2511.08168).
        ("Aakanksha", None, "Aakanksha", None),
        ("nuigurumi", None, "nuigurumi", None),
        # arXiv's own list of particles, and where they count: only after a given name
        # (arXiv/arxiv-base arxiv/util/tests/test_authors.py, test_parse_author_affil_basic2).
        ("John Von Neumann", "John", "Von Neumann", None),
        ("Herbert Van de Sompel", "Herbert", "Van de Sompel", None),
        ("Fred del Norte", "Fred", "del Norte", None),
        ("del Norte", "del", "Norte", None),
        ("Ali Vaziri Astaneh", "Ali", "Vaziri Astaneh", None),
        # "Mac" is on that list too (shared/data daily-cs listings, 2511.08512).
        ("Oisin Mac Aodha", "Oisin", "Mac Aodha", None),
    ],
)
def test_given_family_order(raw: str, given: str | None, family: str, suffix: str | None) -> None:
    assert split_name(raw) == NameParts(given, family, suffix)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tolkien, J. R. R.", NameParts("J. R. R.", "Tolkien")),
        ("van Beethoven, Ludwig", NameParts("Ludwig", "van Beethoven")),
        # The forms bibliographies use for suffixes.
        ("Heath, Robert W., Jr.", NameParts("Robert W.", "Heath", "Jr.")),
        ("Heath, Jr., Robert W.", NameParts("Robert W.", "Heath", "Jr.")),
        # arXiv's own [family, given] of snapshot 2212.11809, written inverted.
        ("Hassen, Alan Kai", NameParts("Alan Kai", "Hassen")),
    ],
)
def test_family_comma_given_order(raw: str, expected: NameParts) -> None:
    assert split_name(raw) == expected


def test_whitespace_and_line_wraps_are_collapsed() -> None:
    # snapshot 2212.11862: "Vedran\n  Dunjko" is wrapped in the author line.
    assert split_name("  Vedran\n  Dunjko ") == NameParts("Vedran", "Dunjko")
    assert split_name("   ") == NameParts(None, None)


@pytest.mark.parametrize(
    ("raw", "family"),
    [
        ("Team Cohere", "Team Cohere"),  # listings 2504.00698
        ("Kwai Keye Team", "Kwai Keye Team"),  # listings 2507.01949
        ("ATLAS Collaboration", "ATLAS Collaboration"),  # OAI fixture 1409.3433
        ("The DELPHI Collaboration", "DELPHI Collaboration"),  # arXiv tests
    ],
)
def test_groups_have_no_given_name(raw: str, family: str) -> None:
    assert is_group_name(raw)
    assert split_name(raw) == NameParts(None, family)


def test_people_are_not_groups() -> None:
    assert not is_group_name("Hugo Touvron")
    assert not is_group_name("Teamir Groupe")  # the words must stand alone
