// Event pages; everything works without this file (no inline script anywhere: CSP).
// - A "Print" button for the grid, shown only when this script runs (the browser's own print does the same).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
