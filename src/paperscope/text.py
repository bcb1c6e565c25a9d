"""Titles, abstracts and the code links inside them.

Text is kept as a reader expects it: arXiv's hard line wraps are undone, paragraphs are
kept, LaTeX and any HTML stay verbatim (escaping is the renderer's job).
"""

from __future__ import annotations

import re

__all__ = ["canonical_code_url", "clean_abstract", "clean_title", "find_code_urls", "title_key"]

# In arXiv metadata a paragraph starts on a line indented by whitespace; other line
# breaks are hard wraps at ~80 columns.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]+(?=\S)|\n\s*\n")


def clean_title(text: str) -> str:
    """Collapse line wraps and runs of whitespace in a title (and drop NUL: see clean_abstract)."""
    return " ".join(text.replace("\x00", "").split() if "\x00" in text else text.split())


_NOT_WORD = re.compile(r"[\W_]+")
# In ASCII text _NOT_WORD matches all but letters and digits: a bytes.translate table
# that makes those spaces (used on ASCII only).
_ASCII_NOT_WORD_TO_SPACE = bytes(c if chr(c).isalnum() else ord(" ") for c in range(256))


def title_key(title: str) -> str:
    """A title reduced for matching: casefolded, punctuation and LaTeX markup dropped.

    "What Matters In The Structured Pruning of Generative Language Models?" and
    "What matters in the structured pruning of generative language models" share a key.
    """
    folded = title.casefold()
    if folded.isascii():
        # The same result in a quarter of the time (every stored paper's title comes
        # here): bytes.translate is one pass in C, where the regular expression makes a
        # match of every gap between words.
        return " ".join(folded.encode().translate(_ASCII_NOT_WORD_TO_SPACE).decode().split())
    return _NOT_WORD.sub(" ", folded).strip()


# The ASCII characters that str.split() takes for whitespace, besides " " and "\n".
_OTHER_ASCII_WHITESPACE = "\t\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _collapse_whitespace(text: str) -> str:
    """The text with each run of whitespace made one space, and none at either end."""
    # Same result as " ".join(text.split()), which builds a string per word: fine for a
    # title, slow for an abstract. arXiv text is mostly words apart from its hard wraps:
    # in ASCII text, once the wraps are spaces, no double space and no other whitespace
    # character proves there is nothing else to collapse. Three times faster on an
    # abstract.
    joined = text.replace("\n", " ").strip(" ")
    if (
        joined.isascii()
        and "  " not in joined
        and not any(c in joined for c in _OTHER_ASCII_WHITESPACE)
    ):
        return joined
    return " ".join(text.split())


def clean_abstract(text: str) -> str:
    """Undo hard wraps, keep paragraphs (joined by a blank line), trim. NUL is dropped: it is
    no character of any text, and PostgreSQL's text cannot hold it."""
    s = (text.replace("\x00", "") if "\x00" in text else text).strip()
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [_collapse_whitespace(p) for p in _PARAGRAPH_BREAK.split(s)]
    return "\n\n".join(p for p in paragraphs if p)


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'{}|\\^`]+", re.IGNORECASE)
# Hosts where a repository or model/dataset page is the paper's code.
_REPO = re.compile(
    r"^(?:https?://)?(?:www\.)?(?P<host>github\.com|gitlab\.com|bitbucket\.org|huggingface\.co|"
    r"codeberg\.org)/(?P<path>[^?#]*)",
    re.IGNORECASE,
)
# Project pages: <user>.github.io sites and similar static hosts.
_PROJECT_PAGE = re.compile(r"^(?:https?://)?[\w-]+\.(?:github\.io|gitlab\.io)(?:/|$)", re.IGNORECASE)
_TRAILING = ".,;:)]}>'\"”’"


def canonical_code_url(url: str) -> str | None:
    """The canonical form of a code link, or None if the URL is not one.

    ``https://github.com/Richard-coder-Nai/disentanglement-lib-necessity.git`` becomes
    ``https://github.com/Richard-coder-Nai/disentanglement-lib-necessity``; a bare
    ``github.com`` or a user page without a repository is not a code link.
    """
    u = url.rstrip(_TRAILING)
    # "(https://github.com/a/b)" style wrappers leave an unbalanced "(" inside.
    if u.count("(") < u.count(")"):
        u = u[: u.rfind(")")]
    m = _REPO.match(u)
    if m:
        host = m["host"].lower()
        parts = [p for p in m["path"].split("/") if p]
        if host == "huggingface.co":
            if parts[:1] in (["datasets"], ["spaces"]) and len(parts) >= 3:
                parts = parts[:3]
            elif len(parts) >= 2 and parts[0] not in ("papers", "blog", "docs"):
                parts = parts[:2]
            else:
                return None
        else:
            if len(parts) < 2:
                return None
            parts = parts[:2]
            if parts[1].endswith(".git"):
                parts[1] = parts[1][:-4]
        return f"https://{host}/" + "/".join(parts)
    if _PROJECT_PAGE.match(u):
        _scheme, _, rest = u.partition("://") if "://" in u else ("https", "", u)
        host, slash, path = rest.partition("/")
        return f"https://{host.lower()}{slash}{path}".rstrip("/")
    return None


def find_code_urls(*texts: str | None) -> list[str]:
    """Code links (GitHub, GitLab, Hugging Face, project pages) in the texts, first seen first."""
    found: list[str] = []
    for text in texts:
        if not text or ("http" not in text and "www." not in text and ".io" not in text):
            continue
        # Undo hard wraps that split a URL ("https://github.com/\nfoo/bar").
        joined = re.sub(r"(?<=[/\-_.])\n\s*", "", text)
        for m in _URL.finditer(joined):
            url = canonical_code_url(m.group(0))
            if url and url not in found:
                found.append(url)
        for m in re.finditer(r"(?<![\w/.])[\w-]+\.github\.io(?:/[^\s<>\"']*)?", joined):
            url = canonical_code_url(m.group(0))
            if url and url not in found and not any(f.endswith(url[8:]) for f in found):
                found.append(url)
    return found
