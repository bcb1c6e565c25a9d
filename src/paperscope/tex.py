"""TeX and PDF debris in titles and abstracts: what pages and text output show.

arXiv titles and abstracts are TeX source, and conference corpora carry what PDF
extraction left ("specifi(cid:173) cally", "ﬁ" ligatures). The stored text is kept as it
came; what is shown is cleaned on the way out:

- :func:`repair` (the web app, which typesets the math that remains with a vendored KaTeX):
  PDF extraction debris repaired — ``(cid:173)`` (a soft hyphen) and soft hyphens joined
  back into their word, other ``(cid:NNN)`` codes dropped, ligature characters spelt out —
  and formatting commands outside math reduced to their content (``\\textbf{x}`` → x,
  ``\\emph``, ``\\textit``, ``\\url``, ``\\href{url}{text}`` → "text (url)", ``\\footnote{x}`` → " (x)");
  citation commands (``\\cite``, ``\\citet``, ``\\citep``…) are dropped, since their content
  is a bibliography key no reader can use. Inline math (``$…$``, as pandoc reads it) is
  left for the page to typeset.
- :func:`debris` (the researcher profile's seed layout, which shows TeX as the seed pages
  do): the PDF debris repaired, nothing else.
- :func:`plain` (CLI text and Markdown): :func:`repair`, then each math span written as
  readable text by pylatexenc (``$\\alpha$-divergence`` → α-divergence, ``$N$`` → N).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from markupsafe import Markup, escape

__all__ = ["MATH", "debris", "math_html", "plain", "repair"]

# Inline math as pandoc reads it: "$" then a non-space, a non-space (not a backslash, not
# "$") before the closing "$", and no digit right after it ("costs $5 and $10" is no math).
MATH = re.compile(r"\$(?=\S)[^$]*?[^\s\\$]\$(?!\d)")

# (cid:173) is a soft hyphen: "specifi(cid:173) cally" was "specifically" across a line.
_SOFT_HYPHEN = re.compile(r"(?:\(cid:173\)|\u00ad)\s*")
_CID = re.compile(r"\(cid:\d+\)")
_LIGATURES = re.compile("[\ufb00-\ufb06]")  # ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ
# Commands whose one argument is their content; \href's second argument is its text.
_CONTENT = ("textbf", "textit", "emph", "texttt", "textsc", "textrm", "textsf", "textup", "textsl",
            "textmd", "underline", "url", "footnote", "mbox", "text")
# A command, its star and optional [arguments], up to its first {argument}.
_COMMAND = re.compile(r"\\(?P<name>[A-Za-z]+)\*?(?:\s*\[[^\]]*\])*\s*(?=\{)")
_CITE = re.compile(r"cite[a-z]*|nocite")


def _argument(text: str, start: int) -> int | None:
    """The index just past the balanced {…} group that opens at ``start``; None if unclosed."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _commands(text: str) -> str:
    """Formatting commands reduced to their content, citations dropped (outside math)."""
    out: list[str] = []
    pos = 0
    while (m := _COMMAND.search(text, pos)) is not None:
        name, open_at = m["name"], m.end()
        end = _argument(text, open_at)
        if end is None or not (name in _CONTENT or name == "href" or _CITE.fullmatch(name)):
            out.append(text[pos:open_at])
            pos = open_at
            continue
        out.append(text[pos : m.start()])
        content = text[open_at + 1 : end - 1]
        if name == "href" and end < len(text) and text[end] == "{":
            second = _argument(text, end)
            if second is not None:  # the link's text, then where it leads
                url, label = content, text[end + 1 : second - 1]
                content, end = (label if label == url else f"{label} ({url})"), second
        if name == "footnote":  # "text\footnote{note}." → "text (note)."
            content = f" ({content})"
        if _CITE.fullmatch(name):
            content = ""
            if out and out[-1].endswith((" ", "~")):  # "as shown by~\cite{x}." → "as shown by."
                out[-1] = out[-1].rstrip(" ~")
        out.append(_commands(content))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def debris(text: str | None) -> str | None:
    """The text with PDF extraction debris repaired, and nothing else changed (the seed
    layout's text, which shows TeX as the seed pages do); None stays None."""
    if not text:
        return text
    if "(cid:" in text or "\u00ad" in text:
        text = _CID.sub("", _SOFT_HYPHEN.sub("", text))
    if any("\ufb00" <= ch <= "\ufb06" for ch in text):
        text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text


def repair(text: str | None) -> str | None:
    """The text as a page shows it (math left for the page to typeset); None stays None."""
    text = debris(text)
    if not text or "\\" not in text:
        return text
    out: list[str] = []
    end = 0
    for math in MATH.finditer(text):
        out += [_commands(text[end : math.start()]), math.group()]
        end = math.end()
    out.append(_commands(text[end:]))
    return "".join(out)


@cache
def _latex_to_text() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def plain(text: str | None) -> str | None:
    """The text as plain-text output shows it: repaired, and its math written as text."""
    text = repair(text)
    if not text or "$" not in text:
        return text
    return MATH.sub(lambda m: _math_text(m.group()), text)


def _math_text(math: str) -> str:
    try:
        return str(_latex_to_text().latex_to_text(math)).strip() or math
    except Exception:  # noqa: BLE001 — pylatexenc on malformed TeX: show the source as it is
        return math


def math_html(text: str | None) -> Markup:
    """The repaired text as HTML for a page: escaped, each math span in a
    ``<span class="math">`` holding its TeX (without the dollars), which the page's script
    typesets with KaTeX; without script the TeX shows as it is."""
    text = repair(text) or ""
    out: list[str] = []
    end = 0
    for math in MATH.finditer(text):
        out += [str(escape(text[end : math.start()])), f'<span class="math">{escape(math.group()[1:-1])}</span>']
        end = math.end()
    out.append(str(escape(text[end:])))
    return Markup("".join(out))  # noqa: S704 — every part above is escaped
