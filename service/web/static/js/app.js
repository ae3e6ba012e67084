// ccimatch web app: everything works without this file; it only adds conveniences (no inline script, CSP).
document.addEventListener("DOMContentLoaded", () => {
  // a confirmation for buttons that undo work (e.g. stopping the scheduler), declared in HTML
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
});
