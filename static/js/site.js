// Ask before destructive actions: any form with data-confirm="question" needs a yes first.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// The menu button folds the navigation on a phone (the stylesheet hides it while the button says
// "collapsed"); the button stays hidden without script, so the navigation is then always open.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  if (!toggle) return;
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true"));
  });
});
// A table wider than its frame scrolls inside it (.table-wrap): the frame then takes the keyboard focus,
// so that the arrow keys scroll it as well (WCAG 2.1.1).
function focusScrollingTables() {
  for (const frame of document.querySelectorAll(".table-wrap")) {
    if (frame.scrollWidth > frame.clientWidth) frame.tabIndex = 0;
    else frame.removeAttribute("tabindex");
  }
}
document.addEventListener("DOMContentLoaded", focusScrollingTables);
window.addEventListener("resize", focusScrollingTables);
