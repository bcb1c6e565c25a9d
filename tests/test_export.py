r"""Citation exports on real records, each read back by a real reader of its format.

BibTeX is parsed by bibtexparser and its LaTeX decoded by pylatexenc, RIS is parsed by
rispy, CSL-JSON is typeset by citeproc-py: what a reference manager or a LaTeX document
would see, not substrings of our own output.
"""

from __future__ import annotations

import re
from typing import Any

import bibtexparser
import orjson
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from conftest import FIXTURES, invoke
from paperscope import export
from paperscope.export import EXPORT_FORMATS, authors_incomplete, bibtex, citekey, csl_json, csl_json_text, ris
from paperscope.store import open_store

SNAPSHOT = str(FIXTURES / "arxiv" / "snapshot-sample.jsonl")
LISTINGS = str(FIXTURES / "embed" / "arxiv-cs-every60.jsonl.gz")
CONFERENCES = str(FIXTURES / "conferences" / "papers-slice.jsonl.gz")

PREPRINT = "arxiv:2503.11731"  # a cs.CV listing, 16 authors
MATH_TITLE = "arxiv:2212.11780"  # "... $\forall\exists$-sentences"
JOURNAL = "arxiv:2212.11861"  # journal-ref and DOI from the snapshot
PUBLISHED_PREPRINT = "arxiv:2112.04197"  # an arXiv id learnt from AAAI 2022's list, with DOI
CONFERENCE = "venue:emnlp2021/2021.emnlp-main.616"  # no arXiv id, a "#" in the title
SUFFIX = "doi:10.1145/2766973"  # "Kerry A. Seitz, Jr."
ONE_PART_NAME = "venue:iros2000/895227"  # an author named "Weihuo" only


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every paper of the arXiv snapshot, listings and conference fixtures, by key."""
    db_path = tmp_path_factory.mktemp("export") / "paperscope.db"
    for source, path in (("snapshot", SNAPSHOT), ("listings", LISTINGS), ("conferences", CONFERENCES)):
        invoke(db_path, "ingest", source, path)
    store = open_store(db_path)
    try:
        stored = [store.paper(row[0]) for row in store.table_rows("papers", "id")]
    finally:
        store.close()
    return {paper["key"]: paper for paper in stored}


# ---- readers -----------------------------------------------------------------------------

def _latex_decoder() -> LatexNodes2Text:
    # LaTeX-kernel text symbols that pylatexenc 2.11 lacks (it drops them) or prints as
    # another character (U+02C6 for \textasciicircum).
    context = get_default_latex_context_db()
    context.add_context_category("kernel-text-symbols", prepend=True, macros=[
        MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("textless", "<"), MacroTextSpec("textgreater", ">"),
        MacroTextSpec("textasciicircum", "^"),
    ])  # fmt: skip
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


DECODER = _latex_decoder()


def latex_to_text(tex: str) -> str:
    return DECODER.latex_to_text(tex)


def parse_bibtex(text: str) -> list[Any]:
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    assert not library.failed_blocks, library.failed_blocks
    return library.entries


def braces_balance_as_bibtex_counts(text: str) -> bool:
    """BibTeX itself counts every brace, "\\{" included, when it delimits a field."""
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def bibtex_names(entry: Any) -> list[tuple[str, ...]]:
    """(family, given, suffix) of an entry's authors, as BibTeX splits and LaTeX prints them."""
    return [
        tuple(latex_to_text(" ".join(tokens)) for tokens in (n.von + n.last, n.first, n.jr))
        for n in entry["author"]
    ]


def expected_names(paper: dict[str, Any]) -> list[tuple[str, ...]]:
    names = []
    for a in paper["authors"]:
        if a["position"] is None:
            continue
        if a["given"] and a["family"]:
            names.append((a["family"], a["given"], a["suffix"] or ""))
        else:  # one-part names are the family part, whole
            names.append((a["family"] or a["given"] or a["name"], "", ""))
    return names


def as_typeset(title: str) -> str:
    """A stored title as LaTeX prints it: arXiv titles are TeX source, so "--" is an en dash."""
    for ligature, char in (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d")):
        title = title.replace(ligature, char)
    return title


def one_line(text: str) -> str:
    return " ".join(text.split())


# ---- BibTeX ------------------------------------------------------------------------------

def test_an_arxiv_preprint_is_arxivs_misc_entry(papers) -> None:
    paper = papers[PREPRINT]
    (entry,) = parse_bibtex(bibtex(paper))
    assert (entry.entry_type, entry.key) == ("misc", "zeng2025industrial")
    fields = {name: entry[name] for name in ("year", "eprint", "archivePrefix", "primaryClass", "url")}
    assert fields == {"year": "2025", "eprint": "2503.11731", "archivePrefix": "arXiv",
                      "primaryClass": "cs.CV", "url": "https://arxiv.org/abs/2503.11731"}
    assert latex_to_text(entry["title"]) == paper["title"]
    assert bibtex_names(entry) == expected_names(paper)
    assert len(entry["author"]) == 16 and "doi" not in entry.fields_dict
    assert "booktitle" not in entry.fields_dict


def test_every_fixture_paper_round_trips_through_a_bibtex_parser(papers) -> None:
    text = "\n".join(bibtex(p) for p in papers.values())
    entries = parse_bibtex(text)
    assert len(entries) == len(papers) > 250
    for paper, entry in zip(papers.values(), entries, strict=True):
        assert entry.key == citekey(paper)
        assert re.fullmatch(r"[a-z]+\d{4}[a-z0-9]*", entry.key), entry.key
        assert latex_to_text(entry["title"]) == as_typeset(paper["title"]), paper["key"]
        assert bibtex_names(entry) == expected_names(paper), paper["key"]
        assert entry["year"] == str(paper["year"])
        assert ("eprint" in entry.fields_dict) == bool(paper["arxiv_id"])
    assert braces_balance_as_bibtex_counts(text)


def test_a_title_keeps_its_casing_and_its_math(papers) -> None:
    text = bibtex(papers[MATH_TITLE])
    # Doubled braces keep "II" and the capitals from a style's lower-casing.
    assert "title = {{First-order sentences in random groups II: $\\forall\\exists$-sentences}}" in text
    assert "title = {{$Q$-Learners Can Provably" in bibtex(papers["venue:icml2025/site_7d514d66c5"])


# Real arXiv titles with characters TeX reads as commands (from the bundled sample), then
# what no real title in it had: a lone brace, HTML, dollars that are prices.
SPECIAL_TITLES = [
    "R&B: Domain Regrouping and Data Mixture Balancing for Efficient Foundation Model Training",
    "1%>100%: High-Efficiency Visual Adapter with Complex Linear Projection Optimization",
    "\\textsc{DiARC}: Distinguishing Positive and Negative Samples Helps Improving ARC-like"
    " Reasoning Ability of Large Language Models",
    "FA^{3}-CLIP: Frequency-Aware Cues Fusion and Attack-Agnostic Prompt Learning for Unified"
    " Face Attack Detection",
    "Humanoid Policy ~ Human Policy",
    "code_transformed: The Influence of Large Language Models on Code",
    "Why 1 + 1 < 1 in Visual Token Pruning: Beyond Naive Integration via Multi-Objective"
    " Balanced Covering",
    "Model Selection in Gaussian Graphical Models: High-Dimensional Consistency of"
    " \\boldmath$\\ell_1$-regularized MLE",
    "\\(X\\)-evolve: Solution space evolution powered by large language models",
    "#HowYouTagTweets: Learning User Hashtagging Preferences via Personalized Topic Attention",
    "A lone { brace, 100% <script>alert('x&y')</script> in Zürich – café",
    "Closing } first, then $x$ and {balanced} ones",
    "An open set $\\{x$ is not math, $\\{x\\}$ is",
    "From $5 to $10: Pricing at 99% Off",
]


@pytest.mark.parametrize("title", SPECIAL_TITLES)
def test_special_characters_in_a_title_survive_a_round_trip(papers, title: str) -> None:
    paper = papers[PREPRINT] | {"title": title}
    text = bibtex(paper) + bibtex(papers[CONFERENCE])
    assert braces_balance_as_bibtex_counts(text)
    entry, following = parse_bibtex(text)  # the next entry is not swallowed
    assert latex_to_text(entry["title"]) == title
    assert following.key == citekey(papers[CONFERENCE])
    assert not {"<", ">"} & set(text)  # OT1 fonts print them as "¡" and "¿"


def test_specials_inside_math_are_escaped_too(papers) -> None:
    # Unescaped, "%" would comment out the rest of the line and "&" stop LaTeX.
    text = bibtex(papers[PREPRINT] | {"title": "Top-$k$ at $50%$ and $a&b$, already $1\\%$"})
    assert "title = {{Top-$k$ at $50\\%$ and $a\\&b$, already $1\\%$}}" in text


def test_a_conference_paper_is_inproceedings_with_its_venue(papers) -> None:
    paper = papers[CONFERENCE]
    (entry,) = parse_bibtex(bibtex(paper))
    assert (entry.entry_type, entry.key) == ("inproceedings", "zhang2021howyoutagtweets")
    assert entry["booktitle"] == "EMNLP 2021" and entry["year"] == "2021"
    assert not {"eprint", "archivePrefix", "primaryClass"} & set(entry.fields_dict)
    assert latex_to_text(entry["title"]) == paper["title"]  # "#" escaped and back


def test_a_published_preprint_cites_its_venue_and_keeps_its_eprint(papers) -> None:
    (entry,) = parse_bibtex(bibtex(papers[PUBLISHED_PREPRINT]))
    assert (entry.entry_type, entry.key) == ("inproceedings", "bendavid2022fast")
    assert (entry["booktitle"], entry["doi"]) == ("AAAI 2022", "10.1609/aaai.v36i6.20553")
    assert (entry["eprint"], entry["archivePrefix"]) == ("2112.04197", "arXiv")
    assert "primaryClass" not in entry.fields_dict  # the conference list gives no category


def test_a_publishers_doi_is_preferred_to_arxivs_own(papers) -> None:
    paper = papers[PREPRINT] | {"dois": ["10.48550/arXiv.2503.11731", "10.5555/3618408.3619000"]}
    (entry,) = parse_bibtex(bibtex(paper))
    assert entry["doi"] == "10.5555/3618408.3619000"
    assert csl_json(paper | {"dois": paper["dois"][:1]})["DOI"] == "10.48550/arXiv.2503.11731"


def test_a_journal_reference_makes_an_article(papers) -> None:
    (entry,) = parse_bibtex(bibtex(papers[JOURNAL]))
    assert entry.entry_type == "article"
    assert entry["journal"] == "Chinese Physics C46, (2022) 073106"
    assert entry["doi"] == "10.1088/1674-1137/ac600c" and entry["eprint"] == "2212.11861"


def test_names_split_as_bibtex_reads_them(papers) -> None:
    (entry,) = parse_bibtex(bibtex(papers[SUFFIX]))
    assert ("Seitz", "Kerry A.", "Jr.") in bibtex_names(entry)
    (entry,) = parse_bibtex(bibtex(papers[ONE_PART_NAME]))
    assert bibtex_names(entry)[1] == ("Weihuo", "", "")
    group = {"name": "Kwai Keye Team", "given": None, "family": "Kwai Keye Team",
             "suffix": None, "affiliations": [], "position": 0}
    # Made up: an "and" inside a name part must not split the author list.
    firm = {"name": "Ann Smith and Jones", "given": "Ann", "family": "Smith and Jones",
            "suffix": None, "affiliations": [], "position": 1}
    (entry,) = parse_bibtex(bibtex(papers[PREPRINT] | {"authors": [group, firm]}))
    assert bibtex_names(entry) == [("Kwai Keye Team", "", ""), ("Smith and Jones", "Ann", "")]


PAGE_ONLY = [{"source": "seed-page", "record_id": "title:x", "origin": "004.txt", "run_id": 1}]


def test_authors_hidden_behind_et_al_end_the_list_with_others(papers) -> None:
    paper = papers[CONFERENCE]
    hidden = {"name": "Zixin Wen", "given": "Zixin", "family": "Wen", "suffix": None,
              "affiliations": [], "position": None}
    paper = paper | {"authors": [*paper["authors"], hidden], "provenance": PAGE_ONLY}
    (entry,) = parse_bibtex(bibtex(paper))
    assert entry["author"][-1].last == ["others"]
    assert len(entry["author"]) == len(expected_names(paper)) + 1
    assert len(rispy.loads(ris(paper))[0]["authors"]) == len(expected_names(paper))
    assert {"family": "Wen", "given": "Zixin"} not in csl_json(paper)["author"]


def test_a_list_a_page_cut_short_is_marked_incomplete_in_every_format(papers) -> None:
    paper = papers[CONFERENCE]
    assert not authors_incomplete(paper)
    assert "N1  -" not in ris(paper) and "note" not in csl_json(paper)
    cut = paper | {"claims": [*paper["claims"], {"field": "authors_truncated", "value": "true",
                                                 "source": "researcher:004.txt", "as_of": "2026-11-23"}],
                   "provenance": PAGE_ONLY}
    assert authors_incomplete(cut)
    (entry,) = parse_bibtex(bibtex(cut))
    assert entry["author"][-1].last == ["others"]
    n = len(expected_names(paper))
    note = f"Author list incomplete: the source names only the first {n} authors."
    record = rispy.loads(ris(cut))[0]
    assert len(record["authors"]) == n and record["notes"] == [note]
    assert csl_json(cut)["note"] == note


def test_a_full_record_merged_into_a_page_paper_makes_its_list_complete(papers) -> None:
    """The page's "et al." claim stays a claim; the list is the full record's once one is merged."""
    paper = papers[CONFERENCE]
    claim = {"field": "authors_truncated", "value": "true", "source": "researcher:004.txt", "as_of": "2026-11-23"}
    merged = paper | {"claims": [*paper["claims"], claim], "provenance": [*PAGE_ONLY, *paper["provenance"]]}
    assert paper["provenance"] and not authors_incomplete(merged)
    (entry,) = parse_bibtex(bibtex(merged))
    assert entry["author"][-1].last != ["others"]
    assert "note" not in csl_json(merged)


def test_cite_keys_fold_names_and_skip_math_and_small_words(papers) -> None:
    assert citekey(papers["venue:icml2025/site_7d514d66c5"]) == "bertrand2025learners"
    first = {"name": "Erik Sandström", "given": "Erik", "family": "Sandström", "suffix": None,
             "affiliations": [], "position": 0}
    paper = papers[PREPRINT] | {"authors": [first], "title": "On the $\\infty$ of Things", "year": 2024}
    assert citekey(paper) == "sandstrom2024things"
    assert citekey(paper | {"authors": [], "year": None, "title": "张"}) == "anon"


# ---- RIS ---------------------------------------------------------------------------------

def test_ris_records_parse_with_one_author_line_each(papers) -> None:
    text = "".join(ris(p) for p in papers.values())
    records = rispy.loads(text)
    assert len(records) == len(papers)
    for paper, record in zip(papers.values(), records, strict=True):
        assert record["type_of_reference"] == (
            "CPAPER" if paper["venue"] else "JOUR" if paper["journal_ref"] else "GEN")
        assert record["title"] == one_line(paper["title"])
        assert len(record.get("authors", [])) == len(expected_names(paper)), paper["key"]
        assert record["year"] == str(paper["year"])
    for record_text in text.split("ER  - \r\n")[:-1]:
        lines = record_text.split("\r\n")[:-1]
        assert lines[0].startswith("TY  - ")
        assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - \S.*", line) for line in lines)
    assert text.endswith("ER  - \r\n") and "\n" not in text.replace("\r\n", "")


def test_ris_of_an_arxiv_preprint(papers) -> None:
    paper = papers[PREPRINT]
    (record,) = rispy.loads(ris(paper))
    assert record["authors"][:2] == ["Zeng, Xianming", "Du, Sicong"]
    assert (record["date"], record["publisher"]) == ("2025/03/18", "arXiv")
    assert record["urls"] == ["https://arxiv.org/abs/2503.11731"]
    assert record["keywords"] == ["cs.CV", "cs.RO"]
    assert record["abstract"] == one_line(paper["abstract"])
    (record,) = rispy.loads(ris(papers[SUFFIX]))
    assert "Seitz, Kerry A., Jr." in record["authors"]


def test_a_newline_in_a_value_cannot_end_the_ris_record_early(papers) -> None:
    abstract = "First paragraph.\n\nER  - \nTY  - JOUR\nTI  - Injected"
    (record,) = rispy.loads(ris(papers[CONFERENCE] | {"abstract": abstract}))
    assert record["abstract"] == "First paragraph. ER - TY - JOUR TI - Injected"
    assert record["type_of_reference"] == "CPAPER"


def test_ris_of_a_conference_paper(papers) -> None:
    (record,) = rispy.loads(ris(papers[PUBLISHED_PREPRINT]))
    assert (record["type_of_reference"], record["secondary_title"]) == ("CPAPER", "AAAI 2022")
    assert record["doi"] == "10.1609/aaai.v36i6.20553" and "date" not in record


# ---- CSL-JSON ----------------------------------------------------------------------------

def assert_csl_item(item: dict[str, Any]) -> None:
    assert isinstance(item["id"], str) and item["id"]
    assert item["type"] in {"article", "paper-conference", "article-journal"}
    (parts,) = item["issued"]["date-parts"]
    assert 1 <= len(parts) <= 3 and all(type(p) is int for p in parts)
    for name in item["author"]:
        assert set(name) in ({"literal"}, {"family"}, {"family", "given"},
                             {"family", "given", "suffix"})
        assert all(isinstance(v, str) and v for v in name.values())
    assert all(v not in (None, "", []) for v in item.values())
    assert orjson.loads(orjson.dumps(item)) == item


def test_every_csl_item_has_the_csl_shape(papers) -> None:
    for paper in papers.values():
        item = csl_json(paper)
        assert_csl_item(item)
        assert item["id"] == citekey(paper)
        assert len(item["author"]) == len(expected_names(paper))


def test_csl_items_by_kind(papers) -> None:
    preprint = csl_json(papers[PREPRINT])
    assert (preprint["type"], preprint["publisher"]) == ("article", "arXiv")
    assert preprint["number"] == "arXiv:2503.11731"
    assert preprint["issued"] == {"date-parts": [[2025, 3, 18]]}
    assert preprint["author"][0] == {"family": "Zeng", "given": "Xianming"}
    conference = csl_json(papers[CONFERENCE])
    assert (conference["type"], conference["container-title"]) == ("paper-conference", "EMNLP 2021")
    assert "publisher" not in conference and "number" not in conference
    published = csl_json(papers[PUBLISHED_PREPRINT])
    assert published["DOI"] == "10.1609/aaai.v36i6.20553"
    assert published["issued"] == {"date-parts": [[2022]]}  # the venue's year, no arXiv date
    assert csl_json(papers[JOURNAL])["type"] == "article-journal"
    assert {"family": "Weihuo"} in csl_json(papers[ONE_PART_NAME])["author"]


def test_a_first_version_from_another_year_gives_the_venue_year_alone(papers) -> None:
    paper = papers[PUBLISHED_PREPRINT] | {"first_date": "2021-12-08"}
    assert csl_json(paper)["issued"] == {"date-parts": [[2022]]}
    assert "DA  - " not in ris(paper)


def test_a_csl_processor_typesets_the_items(papers) -> None:
    items = [csl_json(papers[key]) for key in (PREPRINT, PUBLISHED_PREPRINT, SUFFIX)]
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)  # bundled with citeproc-py
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    text = "\n".join(str(entry) for entry in bibliography.bibliography())
    assert "Zeng, X. et al. (2025) “Industrial-Grade Sensor Simulation via Gaussian Splatting" in text
    assert "Full-Stack Validation”. arXiv. Available at: https://arxiv.org/abs/2503.11731." in text
    assert "Ben-David, N. and Sabato, S. (2022) “A Fast Algorithm for PAC Combinatorial Pure" \
        " Exploration”, AAAI 2022. Available at: https://doi.org/10.1609/aaai.v36i6.20553." in text


# ---- the formats table -------------------------------------------------------------------

def test_export_formats_name_a_media_type_extension_and_renderer(papers) -> None:
    paper = papers[PREPRINT]
    assert set(EXPORT_FORMATS) == {"bibtex", "ris", "csl"}
    for fmt in EXPORT_FORMATS.values():
        body = fmt.render(paper)
        assert isinstance(body, str) and body.endswith("\n")
        assert re.fullmatch(r"application/[a-z.+-]+", fmt.media_type) and fmt.extension.startswith(".")
    assert orjson.loads(csl_json_text(paper)) == [csl_json(paper)]
    assert EXPORT_FORMATS["bibtex"].render is bibtex


def test_public_names_are_listed() -> None:
    assert all(hasattr(export, name) for name in export.__all__)
