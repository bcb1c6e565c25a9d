"""Benchmark readers, the B³ and pairwise scores, and ``paperscope eval disambiguation``."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from paperscope.cli_eval import eval_group
from paperscope.evaluation.disambiguation import (
    Benchmark,
    b3_scores,
    pairwise_scores,
    read_lagos_and,
    read_name_xml,
    read_s2and,
    split_of,
)

FIXTURES = Path(__file__).parent / "fixtures" / "disambiguation"


# --- readers ------------------------------------------------------------------------------------


def test_name_xml_reads_entities_and_control_characters(tmp_path: Path) -> None:
    bench = read_name_xml(FIXTURES / "qian-dblp")
    by_name = {s.name: s for s in bench.sets}
    assert bench.unread == []
    # "Gonz&amp;aacute;lez" in the file: an HTML entity escaped twice.
    gonzalez = by_name["Alberto González"]
    assert len(gonzalez.mentions) == 2
    assert gonzalez.mentions[0].coauthors == ["éric piel", "hans-gerhard groß"]
    assert '"screeners"' in gonzalez.mentions[1].abstract  # &quot;
    # A strict XML parser stops at this file's form feed; every publication is read.
    muller = by_name["Wolfgang Müller"]
    raw = next((FIXTURES / "qian-dblp").glob("Wolfgang_M*")).read_text()
    assert len(muller.mentions) == raw.count("<publication>") == 113


def test_name_xml_survives_raw_ampersand_and_bracket_and_reports_losses(tmp_path: Path) -> None:
    (tmp_path / "Jane_Doe.xml").write_text(
        "<person><FullName>Jane Doe</FullName>"
        "<publication><title>Search & rank for a < b</title><year>2001</year>"
        "<authors>Jane Doe,John Roe</authors><jconf>SIGIR</jconf><label>1</label>"
        "<organization>MIT</organization></publication>"
        "<publication><title>No label here</title><year>2002</year></publication>"
        "<publication><title>Cut off</title><label>2</label>"
        "</person>"
    )
    bench = read_name_xml(tmp_path)
    (jane,) = bench.sets
    (mention,) = jane.mentions
    assert mention.title == "Search & rank for a < b"
    assert mention.coauthors == ["John Roe"]  # the focal name is not a co-author
    assert mention.affiliations == ["MIT"] and mention.year == 2001
    assert len(bench.unread) == 2


def _as_letter(entity: re.Match[str]) -> str:
    """A doubly escaped letter ("&amp;aacute;") as the letter; anything else as it was."""
    letter = html.unescape(f"&{entity[1]};")
    return letter if len(letter) == 1 and letter.isalpha() else entity[0]


def _rewrite_as_another_tool_would(text: str) -> str:
    """A real qian-dblp file as another benchmark of the layout might write it: tags in
    another case with attributes, titles in CDATA, the venue as <venue>, CRLF line ends,
    names with their accents as characters rather than doubly escaped entities."""
    text = re.sub(r"&amp;(\w+);", _as_letter, text)
    count = itertools.count()
    text = re.sub(r"<publication>", lambda _: f'<Publication id="{next(count)}">', text)
    text = text.replace("</publication>", "</Publication >").replace("FullName>", "FULLNAME>")
    # CDATA holds text without XML's escaping: the title escaped once less.
    text = re.sub(r"<title>(.*?)</title>", lambda m: f"<Title lang='en'><![CDATA[{html.unescape(m[1])}]]></Title>",
                  text, flags=re.DOTALL)
    text = text.replace("<jconf>", "<venue>").replace("</jconf>", "</venue>")
    return text.replace("\n", "\r\n")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_name_xml_reads_the_layout_however_the_file_is_written(tmp_path: Path, encoding: str) -> None:
    for path in (FIXTURES / "qian-dblp").glob("*.xml"):
        text = _rewrite_as_another_tool_would(path.read_text("utf-8"))
        (tmp_path / path.name).write_bytes(text.encode(encoding, errors="xmlcharrefreplace"))
    original, rewritten = read_name_xml(FIXTURES / "qian-dblp"), read_name_xml(tmp_path)
    assert rewritten.unread == [] and len(rewritten.sets) == len(original.sets) == 12

    def seen(bench: Benchmark) -> list[tuple[object, ...]]:
        return [(s.name, s.gold, [(m.title, m.coauthors, m.venue, m.year, m.affiliations, m.abstract)
                                  for m in s.mentions]) for s in bench.sets]

    assert seen(rewritten) == seen(original)
    gonzalez = next(s for s in rewritten.sets if s.name == "Alberto González")
    assert gonzalez.mentions[0].venue == "Automated Software Engineering"


def test_s2and_and_lagos_readers() -> None:
    s2and = read_s2and(FIXTURES / "s2and-qian")
    assert [s.name for s in s2and.sets] == ["a sattar", "a jain", "a marcus"]
    assert sum(len(s.mentions) for s in s2and.sets) == 23
    lagos = read_lagos_and(FIXTURES / "lagos-and")
    assert len(lagos.sets) == 3 and sum(len(s.mentions) for s in lagos.sets) == 60
    first = lagos.sets[0].mentions[0]
    assert first.name == "Abhijit Das" and "Abhijit Das" not in first.coauthors
    assert first.paper == "10.3390/pharmacy6010006"


def test_split_is_stable_and_about_70_30() -> None:
    assert split_of("Wolfgang Müller") == "validation"
    parts = [split_of(f"name {i}") for i in range(1000)]
    assert 650 < parts.count("train") < 750


# --- scores -------------------------------------------------------------------------------------


def test_b3_by_hand() -> None:
    # gold  a a a b b;  predicted  1 1 2 2 2
    # precision per mention: m0 2/2, m1 2/2, m2 1/3, m3 2/3, m4 2/3  → sum 11/3
    # recall per mention:    m0 2/3, m1 2/3, m2 1/3, m3 2/2, m4 2/2  → sum 11/3
    p, r, n = b3_scores([(list("aaabb"), [1, 1, 2, 2, 2])])
    assert n == 5
    assert p == pytest.approx(11 / 3) and r == pytest.approx(11 / 3)
    # Pooled over two names: the second is perfect (2 mentions, 1 + 1 each).
    p, r, n = b3_scores([(list("aaabb"), [1, 1, 2, 2, 2]), (list("xx"), [7, 7])])
    assert (p / n, r / n) == pytest.approx(((11 / 3 + 2) / 7, (11 / 3 + 2) / 7))


def test_pairwise_by_hand() -> None:
    # gold pairs: (0,1) (0,2) (1,2) (3,4) = 4; predicted: (0,1) (2,3) (2,4) (3,4) = 4;
    # both: (0,1) (3,4) = 2  → precision 2/4, recall 2/4.
    assert pairwise_scores([(list("aaabb"), [1, 1, 2, 2, 2])]) == (2, 4, 4)
    # All singletons predicted: no predicted pair at all.
    assert pairwise_scores([(list("aab"), [0, 1, 2])]) == (0, 0, 1)


# --- the command --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "input_format", "names"),
    [("qian-dblp", "name-xml", 12), ("s2and-qian", "s2and", 3), ("lagos-and", "lagos-and", 3)],
)
def test_cli_prints_the_scores_as_json(folder: str, input_format: str, names: int) -> None:
    result = CliRunner().invoke(
        eval_group,
        ["disambiguation", str(FIXTURES / folder), "--input-format", input_format, "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    scores = orjson.loads(result.stdout)
    assert scores["names"] == names
    for key in ("papers", "pairwise_f1", "b3_precision", "b3_recall", "b3_f1"):
        assert key in scores
    assert 0.0 <= scores["b3_f1"] <= 1.0


def test_cli_limit_names_and_text() -> None:
    result = CliRunner().invoke(
        eval_group, ["disambiguation", str(FIXTURES / "qian-dblp"), "--limit-names", "2"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("2 names")


def test_the_cli_names_every_reader() -> None:
    from paperscope.cli_eval import INPUT_FORMATS
    from paperscope.evaluation.disambiguation import READERS

    assert sorted(READERS) == sorted(INPUT_FORMATS)


def test_name_xml_files_in_a_subdirectory_are_found(tmp_path: Path) -> None:
    (tmp_path / "xml").mkdir()
    for path in (FIXTURES / "qian-dblp").glob("*.xml"):
        (tmp_path / "xml" / path.name).write_bytes(path.read_bytes())
    assert len(read_name_xml(tmp_path).sets) == len(read_name_xml(FIXTURES / "qian-dblp").sets) == 12


@pytest.mark.parametrize(
    ("folder", "input_format", "says"),
    [
        ("", "name-xml", "no name with labelled publications read as name-xml"),
        ("qian-dblp", "s2and", "cannot be read as s2and: [Errno 2]"),
        ("qian-dblp", "lagos-and", "cannot be read as lagos-and"),
    ],
)
def test_cli_says_when_nothing_could_be_read(tmp_path: Path, folder: str, input_format: str, says: str) -> None:
    # A wrong folder or --input-format is an error naming the folder, never a score of 0 or 1.
    directory = FIXTURES / folder if folder else tmp_path
    result = CliRunner().invoke(
        eval_group, ["disambiguation", str(directory), "--input-format", input_format, "--format", "json"],
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert f"Error: {directory}: " in result.stderr and says in result.stderr
    assert "Traceback" not in result.output
