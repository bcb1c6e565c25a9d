// paperscope: the only script. Abstracts start collapsed to a few lines; "more" expands one.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.more");
  if (!button) return;
  const abstract = button.previousElementSibling;
  const open = abstract.classList.toggle("collapsed") === false;
  button.setAttribute("aria-expanded", String(open));
  button.textContent = open ? "less" : "more";
});
