// The "Print" button of the recovery codes page (no inline script under the CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
