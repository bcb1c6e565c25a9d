"""TeX and PDF debris: what pages and text output show of titles and abstracts."""

from __future__ import annotations

import pytest

from paperscope.tex import debris, math_html, plain, repair


@pytest.mark.parametrize(("stored", "shown"), [
    # PDF extraction debris, as the conference corpus has it.
    ("specifi(cid:173) cally designed", "specifically designed"),
    ("a soft\u00adhyphen", "a softhyphen"),
    ("odd (cid:12)codes", "odd codes"),
    ("the \ufb01rst \ufb02ow", "the first flow"),
    # Formatting commands reduced to their content, nested too; citations dropped.
    (r"We propose \textbf{GraphX}, an \emph{\textit{efficient}} method",
     "We propose GraphX, an efficient method"),
    (r"as shown by~\citet{smith2020} and \cite[p.~3]{doe}.", "as shown by and."),
    (r"Code at \url{https://github.com/x/y}.", "Code at https://github.com/x/y."),
    (r"See \href{https://x.org}{our site}\footnote{Work done at X.}.",
     "See our site (https://x.org) (Work done at X.)."),
    # Math is left for the page; an unclosed group or unknown command as it stands.
    (r"Best-of-$N$ with $\textbf{L}$oad", r"Best-of-$N$ with $\textbf{L}$oad"),
    (r"\textbf{unclosed and \alpha", r"\textbf{unclosed and \alpha"),
    ("plain text", "plain text"),
])
def test_repair_shows_what_a_reader_should_see(stored: str, shown: str) -> None:
    assert repair(stored) == shown


def test_debris_alone_repairs_the_pdf_and_keeps_the_tex() -> None:
    """The seed layout shows TeX as the seed pages do: only PDF debris is repaired there."""
    assert debris(r"specifi(cid:173) cally \textbf{x} and $N$ ﬁles") == r"specifically \textbf{x} and $N$ files"
    assert debris(None) is None


def test_plain_writes_math_as_text_and_leaves_prices_alone() -> None:
    assert plain(r"Best-of-$N$ and $\alpha$-divergence in $O(n^2)$") == "Best-of-N and α-divergence in O(n^2)"
    assert plain("costs $5 and $10 a month") == "costs $5 and $10 a month"  # no math: pandoc's rule
    assert plain(r"$\textbf{L}$oad-$\textbf{b}$alancing") == "Load-balancing"
    assert plain(None) is None and plain("") == ""


def test_math_html_escapes_text_and_marks_math_for_the_page() -> None:
    html = str(math_html(r"<b>x</b> & $a<b$ \textbf{bold}"))
    assert html == '&lt;b&gt;x&lt;/b&gt; &amp; <span class="math">a&lt;b</span> bold'
    assert str(math_html(None)) == ""
