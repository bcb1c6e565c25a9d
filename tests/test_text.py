"""Titles, abstracts and code links, on text taken from the real arXiv records."""

from paperscope.text import canonical_code_url, clean_abstract, clean_title, find_code_urls

# From ../shared/data/arxiv/snapshot-sample-unarxive.jsonl (arXiv 2212.11867).
SNAPSHOT_TITLE = "Zeros of a growing number of derivatives of random polynomials with\n  independent roots"
SNAPSHOT_ABSTRACT = (
    "  Let $X_1,X_2,\\ldots$ be independent and identically distributed random\n"
    "variables in $\\mathbb{C}$ chosen from a probability measure $\\mu$ and define\n"
    "the random polynomial $$ P_n(z)=(z-X_1)\\ldots(z-X_n)\\,. $$ We show that for any\n"
)


def test_title_line_wraps_are_undone() -> None:
    assert clean_title(SNAPSHOT_TITLE) == (
        "Zeros of a growing number of derivatives of random polynomials with independent roots"
    )


def test_title_keeps_html_and_latex_verbatim() -> None:
    assert clean_title("  <script>alert(1)</script> $\\mathsf{NC}^1$\r\n") == (
        "<script>alert(1)</script> $\\mathsf{NC}^1$"
    )


def test_abstract_unwraps_and_keeps_latex() -> None:
    text = clean_abstract(SNAPSHOT_ABSTRACT)
    assert "\n" not in text
    assert text.startswith("Let $X_1,X_2,\\ldots$ be independent and identically distributed random variables")
    assert "$$ P_n(z)=(z-X_1)\\ldots(z-X_n)\\,. $$" in text


def test_abstract_paragraphs_survive() -> None:
    # arXiv marks a new paragraph by an indented line.
    text = clean_abstract("First paragraph\nwraps here.\n  Second paragraph\nalso wraps.\r\n")
    assert text == "First paragraph wraps here.\n\nSecond paragraph also wraps."


def test_code_urls_from_real_abstracts_and_comments() -> None:
    # Seed page 000 ("Revisiting Disentanglement…") and the daily listings.
    abstract = ("The source code is available at "
                "https://github.com/Richard-coder-Nai/disentanglement-lib-necessity.git.")
    assert find_code_urls(abstract) == ["https://github.com/Richard-coder-Nai/disentanglement-lib-necessity"]
    comment = "Project page: https://taco-group.github.io/DecAlign/ code: https://github.com/taco-group/DecAlign."
    assert find_code_urls(comment, "see https://taco-group.github.io/DecAlign") == [
        "https://taco-group.github.io/DecAlign",
        "https://github.com/taco-group/DecAlign",
    ]
    assert find_code_urls("data at https://huggingface.co/datasets/fatdove/Iris_Database") == [
        "https://huggingface.co/datasets/fatdove/Iris_Database"
    ]
    assert find_code_urls("https://www.github.com/sremedios/eclare.") == ["https://github.com/sremedios/eclare"]


def test_non_code_urls_are_ignored() -> None:
    assert find_code_urls("Our model is available here: http://ouro-llm.github.io.") == [
        "https://ouro-llm.github.io"
    ]
    assert find_code_urls("see https://arxiv.org/abs/2101.00016 and https://github.com/") == []
    assert canonical_code_url("https://huggingface.co/papers/2101.00016") is None
    assert find_code_urls(None, "") == []
