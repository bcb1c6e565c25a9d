r"""Citation exports of one paper: BibTeX, RIS and CSL-JSON.

Each function takes the dict of :meth:`Store.paper` (the JSON contract). The three
formats agree on what they cite:

- **The published version where one is known.** A venue makes the paper a conference
  paper, else a journal reference makes it a journal article, else it is a preprint. The
  arXiv id is given whenever there is one (BibTeX's ``eprint`` fields are read in any entry
  type by biblatex and by natbib-era styles).
- **The listed authors, in order.** Authors a source names only behind "et al." (position
  null) have no known place in the list: they are left out. A list known to be incomplete
  (such authors, or a page that showed only the first names and "et al.", its claim
  ``authors_truncated``) is marked so in every format: BibTeX's list ends with ``and
  others``, which styles print as "et al."; RIS and CSL-JSON carry a note saying so (neither
  has a field for it).
- **The date** is the first version's (arXiv v1) when it falls in the paper's year, else
  the year alone: a venue paper's year is the venue's.
- **The cite key** ``zeng2025industrial`` (also CSL-JSON's ``id``): the first author's
  family name folded to ASCII letters, the year, the first significant title word.

BibTeX text (title, names, venue) is plain text with inline math: every character TeX
gives a meaning to is escaped, so the .bib typesets the stored title, except ``$…$`` spans
(pandoc's rule for what is math: no space inside the dollars, no digit after the closing
one), kept verbatim but for ``%``, ``&`` and ``#`` so that formulas render. TeX's
ligatures are left to TeX: arXiv titles are TeX source, where "--" means an en dash.
Braces become ``\textbraceleft{}``, not ``\{``: BibTeX counts ``\{`` when it balances a
field's braces, so a lone one would break the entry. The title sits in a second pair of
braces so that styles keep its casing ("NeRF", "LiDAR") instead of lower-casing it.
Non-ASCII stays UTF-8 (biber reads it, BibTeX with inputenc too).

RIS lines are ``TAG  - value`` ending in CRLF, as the RIS specification and Zotero write
them; each value is one line (runs of whitespace, newlines included, become one space).
CSL-JSON strings are the stored plain text; the citation processor escapes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson

from paperscope.names import fold_name
from paperscope.sources.seed_pages import SOURCE as PAGE_SOURCE
from paperscope.tex import MATH as _MATH  # inline math as pandoc reads it

__all__ = ["EXPORT_FORMATS", "ExportFormat", "authors_incomplete", "bibtex", "citekey", "csl_json", "csl_json_text",
           "ris"]

Paper = dict[str, Any]

ARXIV_ABS = "https://arxiv.org/abs/"
# arXiv's own DataCite DOIs name the preprint; a publisher's DOI is preferred over them.
_ARXIV_DOI_PREFIX = "10.48550/"


# ---- what every format shares ------------------------------------------------------------

def _kind(paper: Paper) -> str:
    """The publication cited: "proceedings", "journal" or "preprint"."""
    if paper.get("venue"):
        return "proceedings"
    if paper.get("journal_ref"):
        return "journal"
    return "preprint"


def _listed_authors(paper: Paper) -> list[dict[str, Any]]:
    return [a for a in paper.get("authors") or [] if a.get("position") is not None]


def authors_incomplete(paper: Paper) -> bool:
    """Whether the paper's author list is known to be cut short: authors named only behind
    "et al.", or a page that listed the first few and "et al." (claim ``authors_truncated``).

    Both come from researcher pages only, and hold while a page is the paper's only source:
    a full record merged in since (arXiv, a venue; ``works complete``) replaced the list."""
    cut = (any(a.get("position") is None for a in paper.get("authors") or [])
           or any(c.get("field") == "authors_truncated" for c in paper.get("claims") or []))
    return cut and all(p.get("source") == PAGE_SOURCE for p in paper.get("provenance") or [])


def _incomplete_note(paper: Paper) -> str | None:
    """What RIS and CSL-JSON say of a list cut short (neither has a field for "et al.")."""
    n = len(_listed_authors(paper))
    if not n or not authors_incomplete(paper):
        return None
    return f"Author list incomplete: the source names only the first {n} author{'s' * (n != 1)}."


def _doi(paper: Paper) -> str | None:
    dois = sorted(paper.get("dois") or [], key=lambda d: d.lower().startswith(_ARXIV_DOI_PREFIX))
    return dois[0] if dois else None


def _url(paper: Paper) -> str | None:
    """The paper's page: arXiv's abstract page, else the DOI's, else OpenReview's forum."""
    if paper.get("arxiv_id"):
        return ARXIV_ABS + paper["arxiv_id"]
    if doi := _doi(paper):
        return "https://doi.org/" + doi
    if openreview := (paper.get("identifiers") or {}).get("openreview"):
        return "https://openreview.net/forum?id=" + openreview[0]
    return None


_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def _date_parts(paper: Paper) -> list[int]:
    """[year, month, day] of the first version when it is in the paper's year, else [year]."""
    year = paper.get("year")
    if match := _ISO_DATE.fullmatch(paper.get("first_date") or ""):
        parts = [int(p) for p in match.groups() if p]
        if year is None or parts[0] == year:
            return parts
    return [year] if year else []


def _one_line(text: str) -> str:
    return " ".join(text.split())


_TEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_STOPWORDS = frozenset(
    "a an the and or of on in at to for from by with via as into onto over towards toward".split()
)


def citekey(paper: Paper) -> str:
    """The cite key: first author's family name, year, first significant title word.

    ASCII letters only in the name ("Sandström" → "sandstrom"), lower-case; "anon" when
    there is no author, or no Latin letter in the first author's name.
    """
    listed = _listed_authors(paper)
    family = (listed[0].get("family") or listed[0].get("name") or "") if listed else ""
    name = re.sub(r"[^a-z]", "", fold_name(family))
    title = _TEX_COMMAND.sub(" ", _MATH.sub(" ", paper.get("title") or ""))
    words = (re.sub(r"[^a-z0-9]", "", w) for w in fold_name(title).split())
    word = next((w for w in words if re.search("[a-z]", w) and w not in _STOPWORDS), "")
    return f"{name or 'anon'}{paper.get('year') or ''}{word}"


# ---- BibTeX ------------------------------------------------------------------------------

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    # "<" and ">" print as "¡" and "¿" in TeX's default (OT1) font encoding.
    "<": r"\textless{}", ">": r"\textgreater{}",
}  # fmt: skip
_TEXT_SPECIAL = re.compile("|".join(map(re.escape, _TEXT_ESCAPES)))
# In math, these still end the field's line (%) or break alignment (&, #) unless escaped.
_MATH_SPECIAL = re.compile(r"(?<!\\)[%&#]")


def _escape_text(text: str) -> str:
    return _TEXT_SPECIAL.sub(lambda m: _TEXT_ESCAPES[m.group()], text)


def _balanced(tex: str) -> bool:
    """Whether braces balance as BibTeX counts them (escaped ones included)."""
    depth = 0
    for ch in tex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _latex(text: str) -> str:
    """Plain text with inline math, as LaTeX: specials escaped, math spans kept."""
    text = _one_line(text)
    out: list[str] = []
    end = 0
    for math in _MATH.finditer(text):
        if _balanced(math.group()):
            out.append(_escape_text(text[end : math.start()]))
            out.append(_MATH_SPECIAL.sub(r"\\\g<0>", math.group()))
            end = math.end()
    out.append(_escape_text(text[end:]))
    return "".join(out)


# BibTeX splits an author list on " and " and a name on commas, wherever they stand.
_SPLITS_NAME = re.compile(r",|(?:^|\s)and(?:\s|$)", re.IGNORECASE)


def _name_part(part: str) -> str:
    tex = _latex(part)
    return "{" + tex + "}" if _SPLITS_NAME.search(part) else tex


def _bibtex_name(author: dict[str, Any]) -> str:
    """"Family, Given" (or "Family, Suffix, Given"); a one-part name is braced whole, so a
    group such as "the ATLAS Collaboration" is not read as given and family names."""
    given, family, suffix = author.get("given"), author.get("family"), author.get("suffix")
    if given and family:
        parts = [family, suffix, given] if suffix else [family, given]
        return ", ".join(_name_part(p) for p in parts)
    return "{" + _latex(family or given or author["name"]) + "}"


def _verbatim(value: str) -> str:
    """A DOI or URL as a field value: one line, braces and backslashes percent-encoded."""
    return _one_line(value).replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


_BIBTEX_TYPES = {"proceedings": "inproceedings", "journal": "article", "preprint": "misc"}


def bibtex(paper: Paper) -> str:
    """The paper as one BibTeX entry (arXiv's field layout for preprints), newline-ended."""
    kind = _kind(paper)
    names = [_bibtex_name(a) for a in _listed_authors(paper)]
    if names and authors_incomplete(paper):
        names.append("others")
    fields: dict[str, str | None] = {
        "title": "{" + _latex(paper["title"]) + "}" if paper.get("title") else None,
        "author": " and ".join(names),
        "booktitle": _latex(paper["venue"]) if kind == "proceedings" else None,
        "journal": _latex(paper["journal_ref"]) if kind == "journal" else None,
        "year": str(paper["year"]) if paper.get("year") else None,
        "doi": _verbatim(doi) if (doi := _doi(paper)) else None,
    }
    if arxiv_id := paper.get("arxiv_id"):
        fields |= {"eprint": _verbatim(arxiv_id), "archivePrefix": "arXiv",
                   "primaryClass": _verbatim(paper.get("primary_category") or "") or None}
    fields["url"] = _verbatim(url) if (url := _url(paper)) else None
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@{_BIBTEX_TYPES[kind]}{{{citekey(paper)},\n{body}\n}}\n"


# ---- RIS ---------------------------------------------------------------------------------

_RIS_TYPES = {"proceedings": "CPAPER", "journal": "JOUR", "preprint": "GEN"}


def _ris_name(author: dict[str, Any]) -> str:
    """"Family, Given[, Suffix]", RIS's order; a one-part name as it stands."""
    given, family, suffix = author.get("given"), author.get("family"), author.get("suffix")
    if given and family:
        return ", ".join(p for p in (family, given, suffix) if p)
    return family or given or author["name"]


def ris(paper: Paper) -> str:
    """The paper as one RIS record, from ``TY`` to ``ER``, CRLF line endings."""
    kind = _kind(paper)
    date = _date_parts(paper)
    tags: list[tuple[str, str | None]] = [("TY", _RIS_TYPES[kind]), ("TI", paper.get("title"))]
    tags += [("AU", _ris_name(a)) for a in _listed_authors(paper)]
    tags += [
        ("PY", str(date[0]) if date else None),
        ("DA", "/".join(f"{p:02d}" for p in date) if len(date) == 3 else None),
        ("T2", paper.get("venue") if kind == "proceedings" else paper.get("journal_ref")),
        ("PB", "arXiv" if kind == "preprint" and paper.get("arxiv_id") else None),
        ("AB", paper.get("abstract")),
        ("DO", _doi(paper)),
        ("UR", _url(paper)),
        ("N1", _incomplete_note(paper)),
    ]
    tags += [("KW", c) for c in paper.get("categories") or []]
    lines = [f"{tag}  - {_one_line(value)}\r\n" for tag, value in tags if value]
    return "".join(lines) + "ER  - \r\n"


# ---- CSL-JSON ----------------------------------------------------------------------------

_CSL_TYPES = {"proceedings": "paper-conference", "journal": "article-journal", "preprint": "article"}


def _csl_name(author: dict[str, Any]) -> dict[str, str]:
    given, family, suffix = author.get("given"), author.get("family"), author.get("suffix")
    if not family:
        return {"literal": given or author["name"]}
    name = {"family": family, "given": given, "suffix": suffix}
    return {part: value for part, value in name.items() if value}


def csl_json(paper: Paper) -> dict[str, Any]:
    """The paper as one CSL-JSON item (CSL 1.0.2; a preprint is an "article" whose
    publisher is arXiv and number its arXiv id, as Zotero writes them)."""
    kind = _kind(paper)
    item: dict[str, Any] = {"id": citekey(paper), "type": _CSL_TYPES[kind]}
    candidates: dict[str, Any] = {
        "title": paper.get("title"),
        "author": [_csl_name(a) for a in _listed_authors(paper)],
        "issued": {"date-parts": [date]} if (date := _date_parts(paper)) else None,
        "container-title": paper.get("venue") if kind == "proceedings" else paper.get("journal_ref"),
        "abstract": paper.get("abstract"),
        "DOI": _doi(paper),
        "URL": _url(paper),
        "note": _incomplete_note(paper),
    }
    if kind == "preprint" and paper.get("arxiv_id"):
        candidates |= {"publisher": "arXiv", "number": f"arXiv:{paper['arxiv_id']}"}
    return item | {k: v for k, v in candidates.items() if v}


def csl_json_text(paper: Paper) -> str:
    """A CSL-JSON file holding the paper: a list of one item, as pandoc and Zotero read it."""
    return orjson.dumps([csl_json(paper)], option=orjson.OPT_INDENT_2).decode() + "\n"


class ExportFormat(NamedTuple):
    """A download: its media type, file extension and the function writing its text."""

    media_type: str
    extension: str
    render: Callable[[Paper], str]


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "bibtex": ExportFormat("application/x-bibtex", ".bib", bibtex),
    "ris": ExportFormat("application/x-research-info-systems", ".ris", ris),
    "csl": ExportFormat("application/vnd.citationstyles.csl+json", ".json", csl_json_text),
}
