"""arXiv ids, DOIs and categories, on identifiers as they appear in the real fixtures."""

import pytest

from paperscope.ids import (
    ArxivId,
    InvalidIdentifier,
    arxiv_id_from_doi,
    category_short_code,
    full_categories_for_code,
    normalize_arxiv_id,
    normalize_category,
    normalize_doi,
    parse_arxiv_id,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2101.00016", ArxivId("2101.00016")),
        ("2101.00016v2", ArxivId("2101.00016", 2)),
        ("0808.0539", ArxivId("0808.0539")),  # four-digit era
        ("hep-th/9108002", ArxivId("hep-th/9108002")),
        ("math.GT/0309136", ArxivId("math/0309136", None, "GT")),
        ("quant-ph/0201082v1", ArxivId("quant-ph/0201082", 1)),
        ("astro-ph/0601001", ArxivId("astro-ph/0601001")),
        ("arXiv:2104.12255v1", ArxivId("2104.12255", 1)),
        ("http://arxiv.org/abs/1605.08386v1", ArxivId("1605.08386", 1)),
        ("https://arxiv.org/pdf/2503.11731v3.pdf", ArxivId("2503.11731", 3)),
        ("oai:arXiv.org:1501.00001", ArxivId("1501.00001")),
        ("  2212.11867 ", ArxivId("2212.11867")),
    ],
)
def test_parse_arxiv_id(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


def test_versioned_id_prints_with_version() -> None:
    assert str(parse_arxiv_id("2101.00016v2")) == "2101.00016v2"
    assert parse_arxiv_id("math.GT/0309136").is_old_style


@pytest.mark.parametrize(
    "text",
    ["abc", "0000.0000", "2113.00016", "1412.10016", "1501.000016", "foo/0309136", "2101.00016v0", ""],
)
def test_malformed_arxiv_ids_are_rejected_with_the_value(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_arxiv_id(text)
    assert repr(text.strip()) in str(info.value)


# arXiv's own expectations: arXiv/arxiv-browse tests/test_identifier.py (test_identifier_fields,
# test_good_identifiers) and arXiv/arxiv-base arxiv/identifier/test_arxiv_identifier.py.
ARXIV_GOOD = {
    "0803.1924": "0803.1924",
    "hep-th/0701051v4": "hep-th/0701051",
    "1201.0001": "1201.0001",
    "hep-th/9901001": "hep-th/9901001",
    "/hep-th/0702050": "hep-th/0702050",
    "/hep-th/0702050v1": "hep-th/0702050",
    "/0708.1234": "0708.1234",
    "/0708.1234v1": "0708.1234",
    "hep-th//9901001": "hep-th/9901001",
    "hep-th///9901001": "hep-th/9901001",
    "arxiv:hep-th/9901001": "hep-th/9901001",
    "hep-th/9901001/extra": "hep-th/9901001",
    "hep-th/9901001/ExTrA": "hep-th/9901001",
    "HEP-TH/9901001/extra": "hep-th/9901001",
    "HEP-TH/9901001/ExTrA": "hep-th/9901001",
    "0704.0001": "0704.0001",
    "physics/0303098": "physics/0303098",
    "physics/0303098/": "physics/0303098",
    "physics/0303098/static/icon.png": "physics/0303098",
}
# arxiv-browse tests/test_identifier.py, test_bad_identifiers. (Its tuple lacks two commas,
# so "0800.0001" + "quant-ph/9409000" and "0612.1234" + "0703.1234" run there glued; the
# comments beside them say each is bad, and each is listed alone here.)
ARXIV_BAD = [
    "BAD_ID", "hep-th/990100", "hep-th/99010011", "0703.123", "0703.123456", "", "/", "0713.0001",
    "0800.0001",
    # ids ending 000 or .0000+ are not valid
    "quant-ph/9409000", "0704.0000",
    # other bad ids with different lengths of numbers
    "quant-ph/940900", "quant-ph/94090000", "quant-ph/94091", "quant-ph/940912", "quant-ph/94091234",
    "0707.000", "0707.00000", "0707.1", "0707.12", "0707.123", "0707.123456",
    # double numbers
    "0705.35950705.3595v1/", "arxiv:0705.35950705.3595v1/",
    # non-numeric version
    "0707.2096va", "0707.2096va/",
    # pre-new-id
    "0612.1234", "0703.1234",
]  # fmt: skip


@pytest.mark.parametrize(("text", "canonical"), ARXIV_GOOD.items())
def test_every_id_arxiv_accepts_is_accepted(text: str, canonical: str) -> None:
    assert parse_arxiv_id(text).id == canonical
    assert normalize_arxiv_id(text) == canonical


def test_version_of_an_id_arxiv_accepts() -> None:
    assert parse_arxiv_id("hep-th/0701051v4") == ArxivId("hep-th/0701051", 4)
    assert parse_arxiv_id("/0708.1234v1") == ArxivId("0708.1234", 1)


@pytest.mark.parametrize("text", ARXIV_BAD)
def test_every_id_arxiv_refuses_is_refused(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_arxiv_id(text)
    with pytest.raises(InvalidIdentifier):
        normalize_arxiv_id(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The spellings a user types that arXiv's clean-up takes (identifier.py SUBSTITUTIONS).
        ("/2101.00016", ArxivId("2101.00016")),
        ("arXiv:2101.00016v2/", ArxivId("2101.00016", 2)),
        ("2101.00016/anything", ArxivId("2101.00016")),
        ("2101.00016#abstract", ArxivId("2101.00016")),
        ("2101.00016V2", ArxivId("2101.00016", 2)),  # all before the first slash is lower-cased
        ("MATH/0309136", ArxivId("math/0309136")),
        ("math//0309136", ArxivId("math/0309136")),
        ("MATH.GT/0309136v2", ArxivId("math/0309136", 2, "GT")),  # the class as the taxonomy has it
        ("hepth/9901001", ArxivId("hep-th/9901001")),  # the lost dash put back
        ("condmat/0601001", ArxivId("cond-mat/0601001")),
        ("hep--th/9901001", ArxivId("hep-th/9901001")),
        ("hep-th/9108001.ps.gz", ArxivId("hep-th/9108001")),
        # arXiv pads the sequence number to its era's width (identifier.py _parse_new_id).
        ("1501.0001", ArxivId("1501.00001")),
        ("1412.00016", ArxivId("1412.0016")),
    ],
)
def test_spellings_arxiv_cleans_up(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0612.1234", "new-style ids start in 0704"),
        ("0704.0000", "sequence numbers start at 1"),
        ("math/0309000", "sequence numbers start at 001"),
        # arXiv's bounds for old ids (identifier.py): 1991 to March 2007.
        ("hep-th/0704001", "old-style ids run from 1991 to 0703"),
        ("hep-th/9012001", "old-style ids run from 1991 to 0703"),
        ("0713.0001", "month 13 out of range"),
        ("1412.12345", "5-digit number in 1412"),
        ("2101.00016v01", "versions are v1, v2"),
        ("foo/0309136", "unknown archive"),
    ],
)
def test_an_impossible_id_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason) as info:
        parse_arxiv_id(text)
    assert repr(text) in str(info.value)


def test_the_fast_path_keeps_the_rules() -> None:
    # _is_bare_new_id takes bulk ids without the patterns: the same ids must fail there.
    for text in ("0612.1234", "0703.9999", "0704.0000", "1501.00000", "2113.00016"):
        with pytest.raises(InvalidIdentifier):
            normalize_arxiv_id(text)
    assert normalize_arxiv_id("0704.0001") == "0704.0001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1145/3597926.3598112", "10.1145/3597926.3598112"),
        ("https://doi.org/10.1109/ICSTW55395.2022.00035", "10.1109/icstw55395.2022.00035"),
        ("doi:10.1109/ICSTW58534.2023.00023.", "10.1109/icstw58534.2023.00023"),
        ("http://dx.doi.org/10.48550/arXiv.2101.00016", "10.48550/arxiv.2101.00016"),
    ],
)
def test_normalize_doi(text: str, expected: str) -> None:
    assert normalize_doi(text) == expected


def test_bad_doi_is_an_error() -> None:
    with pytest.raises(InvalidIdentifier):
        normalize_doi("not-a-doi")


def test_arxiv_doi_yields_the_arxiv_id() -> None:
    assert arxiv_id_from_doi("10.48550/arXiv.2101.00016") == ArxivId("2101.00016")
    assert arxiv_id_from_doi("10.1145/3597926.3598112") is None


def test_categories_keep_full_codes_and_short_codes_are_ambiguous() -> None:
    assert normalize_category("CS.lg") == "cs.LG"
    assert normalize_category("cond-mat.STAT-MECH") == "cond-mat.stat-mech"
    assert normalize_category("hep-th") == "hep-th"
    assert category_short_code("cs.LG") == "LG"
    assert category_short_code("stat.ML") == "ML"
    assert category_short_code("hep-th") == "hep-th"
    # "LO" on a page could be logic in CS or mathematical logic: never guess.
    assert full_categories_for_code("LO") == ["cs.LO", "math.LO"]
    assert full_categories_for_code("LG") == ["cs.LG"]
    assert full_categories_for_code("ML") == ["stat.ML"]
