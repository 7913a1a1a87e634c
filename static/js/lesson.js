// A topic proposed by the thematic plan fills the topic field (and links the plan's line) when clicked.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-plan-title]");
    if (!b) return;
    e.preventDefault();
    var form = b.form, input = form.querySelector("[name=text]");
    input.value = b.dataset.planTitle;
    form.querySelector("[name=plan_topic]").value = b.dataset.planId;
    input.focus();
  });
})();
