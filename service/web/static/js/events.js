// Event pages: a "Print" button for the grid (shown only when this script runs; without it, the browser's own
// print command does the same). No inline script anywhere (CSP).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
