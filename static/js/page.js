// Behaviours every page may use, declared with data attributes instead of inline handlers (the CSP forbids
// those): <select data-navigate> opens the URL of the chosen option; <button data-print> prints the page.
// Delegated from the document, so content htmx swaps in works too.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var select = e.target.closest("select[data-navigate]");
    if (select && select.value) window.location.href = select.value;
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
  });
})();
