// ccimatch web app: everything works without this file; it only adds conveniences (no inline script, CSP).
// A confirmation before a button that undoes work ([data-confirm], e.g. stopping the scheduler), listened to on
// the document so that it also holds for buttons htmx swaps in after the page has loaded.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
