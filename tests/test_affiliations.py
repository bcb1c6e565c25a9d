"""Institution tags, on affiliation strings copied from the real conference corpus.

Unless noted, strings are from ../shared/data/conferences/papers.jsonl.gz (Paper Copilot
paperlists); the comment gives venue, year and paper id.
"""

import pytest

from paperscope.affiliations import (
    institution_tag,
    institution_tags,
    load_rules,
    normalize_affiliation,
    paper_affiliation_tags,
    parse_rules,
)

# The spellings the brief lists, and the tags the seed pages use.
BRIEF_EXAMPLES = [
    ("Department of Computer Science, Stanford University, CA", "stanford"),
    ("Google DeepMind", "deepmind"),
    ("DeepMind", "deepmind"),
    ("Google Research", "google"),
    ("Google Brain", "google"),
    ("Tsinghua University, Beijing", "tsinghua"),
    ("Carnegie Mellon University", "cmu"),
    ("UC Berkeley", "berkeley"),
    ("University of California, Berkeley", "berkeley"),
    ("Massachusetts Institute of Technology", "mit"),
    ("Microsoft Research Asia", "microsoft"),
    ("Meta AI (FAIR)", "meta"),
    ("ETH Zürich", "eth"),
    ("Peking University", "pku"),
    ("Princeton University", "princeton"),
]


@pytest.mark.parametrize(("text", "tag"), BRIEF_EXAMPLES)
def test_brief_examples(text: str, tag: str) -> None:
    assert institution_tag(text) == tag


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        # aistats 2020 b1e5e791ba
        ("Department of Electrical Engineering and Computer Sciences, UC Berkeley", "berkeley"),
        # 3dv 2025 O9GMl5UJbe: same system, other campus
        ("University of California, Los Angeles", "ucla"),
        # aistats 2003 c630bb8488: a national lab named after the town, not the campus
        ("Lawrence Berkeley National Laboratory", "lbnl"),
        # aistats 2010 6a2120da82
        ("Robotics Institute, Carnegie Mellon University, Pittsburgh, PA, USA", "cmu"),
        # 3dv 2025 0CNSbBa85A (OpenReview's domain-style name)
        ("ETHZ - ETH Zurich", "eth"),
        # 3dv 2025 HEjv660F3j: contains "university of hong kong" (HKU) and CUHK
        ("The Chinese University of Hong Kong, Shenzhen", "cuhk-sz"),
        # 3dv 2025 RaKmcdvHnG
        ("Meta Facebook", "meta"),
        # aaai 2022 10663: curly apostrophe
        ("Huawei Noah’s Ark Lab", "huawei"),
        # aaai 2022 03309: curly apostrophe splits "Xi’an"
        ("Xi’an Jiaotong University", "xjtu"),
        # aaai 2022 03617
        ("S-Lab, Nanyang Technological University", "ntu"),
        # aaai 2022 01801: "University of China" is part of the name
        ("Gaoling School of Artificial Intelligence, Renmin University of China", "ruc"),
        # cvpr 2014 b88b35e081 and aaai 2022 03335: accents split off by PDF extraction
        ("Technische Universit ¨at M ¨unchen", "tum"),
        ("Universit ´e de Montr ´eal", "umontreal"),
        # iros 2022 9982285: the institution named first wins over rule order
        ("Adobe Research (Work done while at Google Research)", "adobe"),
        # cvpr 2024 (no id): "&" joins two institutions in one string
        ("Imperial College London & Huawei UKRD", "imperial"),
    ],
)
def test_real_affiliation_strings(text: str, tag: str) -> None:
    assert institution_tag(text) == tag


@pytest.mark.parametrize(
    "text",
    [
        # 3dv 2025 0CNSbBa85A: ETH Zurich or EPFL, the string cannot say which
        "Swiss Federal Institute of Technology",
        # acmmm 2024 CNqFYr6PU8: not Wuhan University
        "Wuhan University of Science and Technology",
        # iros 2017 8206240: not Korea University
        "Korea University of Technology and Education (Koreatech), Cheonan-City, Rep. of Korea",
        # aaai 2022 08849: the federal University of London is not one institution
        "Royal Holloway, University of London",
        # siggraphasia 2018 (no id): Megvii's product, "++" is not a separator
        "Face++",
        "University of California",
        "Department of Computer Science",
        "",
    ],
)
def test_ambiguous_or_unknown_gets_no_tag(text: str) -> None:
    assert institution_tag(text) is None


def test_generic_fallback_tags_one_word_universities() -> None:
    # icml 2019 4009: Freiburg is not in the table; the comma part "University of Freiburg" is.
    assert institution_tag("Department of Computer Science, University of Freiburg, Germany") == "freiburg"
    assert institution_tag("Örebro University") == "orebro"
    # Words shared by many universities name none.
    assert institution_tag("Southern University") is None
    assert institution_tag("University of Nevada, Reno") is None


def test_plus_separates_institutions() -> None:
    # 3dv 2025 05T81ScPFb
    assert institution_tags("University of Oxford+Google") == ["oxford", "google"]
    assert institution_tag("University of Oxford+Google") == "oxford"
    assert institution_tags("Stanford University; Google Research; Stanford") == ["stanford", "google"]


def test_paper_tags_are_distinct_in_author_order() -> None:
    # 3dv 2025 05T81ScPFb (Flash3D), the authors' affiliations in order.
    affiliations = [
        ["University of Oxford", "Google"],
        ["Independent Researcher"],
        ["University of Oxford"],
        ["Australian National University"],
        [],
        ["University of Oxford", "Meta"],
    ]
    assert paper_affiliation_tags(affiliations) == ["oxford", "google", "anu", "meta"]
    assert paper_affiliation_tags([]) == []


def test_normalization() -> None:
    assert normalize_affiliation("  Texas A&M Univ., College Station ") == (
        "texas a and m university college station"
    )
    assert normalize_affiliation("ETH Zürich") == "eth zurich"


def test_table_loads_and_every_tag_is_short_lowercase() -> None:
    rules = load_rules()
    assert len(rules) > 300
    for rule in rules:
        assert rule.tag == "-" or (rule.tag == rule.tag.lower() and " " not in rule.tag), rule


def test_bad_table_line_names_the_line() -> None:
    with pytest.raises(ValueError, match=r"t\.tsv line 2: bad pattern"):
        list(parse_rules(["# comment", "(unclosed\ttag"], "t.tsv"))
    with pytest.raises(ValueError, match=r"t\.tsv line 1: expected"):
        list(parse_rules(["no tab here"], "t.tsv"))


def test_the_word_prefilter_never_changes_a_tag() -> None:
    """Rules whose patterns are plain words are skipped when the name lacks their first word;
    every affiliation of the conference fixture gets the tag a search by every rule gives."""
    import gzip
    import json
    import re

    from conftest import FIXTURES
    from paperscope.affiliations import _tag_one, tag_by_every_rule

    texts = set()
    with gzip.open(FIXTURES / "conferences" / "papers-slice.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for field in (record.get("affiliations") or []) + (record.get("aff_unique_norm") or "").split(";"):
                texts.update(part for part in re.split(r"\+", field) if part.strip())
    assert len(texts) > 100
    assert sum(r.needs is not None for r in load_rules()) > len(load_rules()) // 2  # the filter is used
    assert all(r.needs is not None or r.contains is not None for r in load_rules())
    for text in sorted(texts):
        assert _tag_one(text) == tag_by_every_rule(text), text


def test_the_text_a_pattern_needs_leaves_out_what_is_optional_grouped_or_quantified() -> None:
    from paperscope.affiliations import _required_literals, _without_lookarounds

    assert _required_literals(r"\b(google )?deepmind\b") == ("deepmind",)
    assert _required_literals(r"\bludwig maximilians?\b|\blmu munich\b") == ("ludwig maximilian", "lmu munich")
    assert _required_literals(r"\bj ?p ?morgan\b") == ("morgan",)
    assert _required_literals(r"\bjd\.com\b") == ("com",)
    assert _required_literals(r"\bab{2,3}cd\b|[xyz]+w") == ("cd", "w")
    assert _required_literals(r"\bx\b|(a|b)") is None  # an alternative with no literal: always searched
    assert _without_lookarounds(r"\byale university\b(?! of (?!china\b))|^yale$") == r"\byale university\b|^yale$"
