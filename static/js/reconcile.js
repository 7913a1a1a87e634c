// The reason chosen for an absence is saved at once; the page's buttons are hidden when this runs (rc-js).
(function () {
  "use strict";
  document.documentElement.classList.add("rc-js");
  document.querySelectorAll("form.rc-form select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
