(function () {
  "use strict";
  var days = Array.prototype.slice.call(document.querySelectorAll(".dw-day"));
  // A wide screen shows the whole week at once, as a paper diary's spread does.
  if (window.matchMedia("(min-width: 1000px)").matches) days.forEach(function (d) { d.open = true; });
  window.addEventListener("beforeprint", function () {
    days.forEach(function (d) { d.dataset.wasOpen = d.open ? "1" : ""; d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    days.forEach(function (d) { d.open = !!d.dataset.wasOpen; });
  });
  var focus = document.querySelector(".dw-day[data-focus]");
  if (focus && focus.getBoundingClientRect().top > window.innerHeight * 0.6) focus.scrollIntoView({block: "start"});
})();
