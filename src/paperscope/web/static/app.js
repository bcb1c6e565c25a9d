// paperscope's script. Abstracts start collapsed to a few lines; "more" expands one. Math in
// titles and abstracts (<span class="math">, marked by the server) is typeset by KaTeX.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.more");
  if (!button) return;
  const abstract = button.previousElementSibling;
  const open = abstract.classList.toggle("collapsed") === false;
  button.setAttribute("aria-expanded", String(open));
  button.firstChild.textContent = open ? "less" : "more";  // the hidden rest names the abstract
});

document.addEventListener("DOMContentLoaded", () => {
  if (typeof katex === "undefined") return;  // no KaTeX: the TeX source stays readable
  for (const span of document.querySelectorAll("span.math")) {
    katex.render(span.textContent, span, { throwOnError: false });
  }
});
