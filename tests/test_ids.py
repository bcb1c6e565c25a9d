"""arXiv ids, DOIs and categories, on identifiers as they appear in the real fixtures."""

import pytest

from paperscope.ids import (
    ArxivId,
    InvalidIdentifier,
    arxiv_id_from_doi,
    category_short_code,
    full_categories_for_code,
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
    ["abc", "0000.0000", "2113.00016", "1412.00016", "1501.0001", "foo/0309136", "2101.00016v0", ""],
)
def test_malformed_arxiv_ids_are_rejected_with_the_value(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        parse_arxiv_id(text)
    assert repr(text.strip()) in str(info.value)


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
