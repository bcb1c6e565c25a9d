// paperscope's script. Abstracts start collapsed to a few lines; "more" expands one. Math in
// titles and abstracts (<span class="math">, marked by the server) is typeset by KaTeX. The
// feed's filters apply as they change.
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

// A sort, category, "has code" or date picked with the pointer applies at once. Changed with
// the keyboard it waits for Enter (or "Apply"): arrow keys step a select through its options,
// and each step must not load a page. Without script the "Apply" button does it all.
let keyboardUsed = false;
document.addEventListener("keydown", () => { keyboardUsed = true; }, true);
document.addEventListener("pointerdown", () => { keyboardUsed = false; }, true);
const APPLIES = "form.filters :is(select, input[type=checkbox], input[type=date])";
document.addEventListener("change", (event) => {
  if (!keyboardUsed && event.target.matches(APPLIES)) event.target.form.requestSubmit();
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.matches(APPLIES)) return;
  event.preventDefault();
  event.target.form.requestSubmit();
});
