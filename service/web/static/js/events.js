// Event pages; everything works without this file (no inline script anywhere: CSP).
// - A "Print" button for the grid, shown only when this script runs (the browser's own print does the same).
// - A confirmation before a button that undoes work ([data-ask], e.g. stopping the scheduler), listened to on the
//   document so that it also holds for buttons htmx swaps in after the page has loaded.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-ask]") : null;
  if (button && !window.confirm(button.dataset.ask)) event.preventDefault();
});
