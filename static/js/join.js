// The QR code on a login slip opens /join/#code=XXXX-XXXX-XXXX: a fragment never reaches the server, so the
// code stays out of access logs. Fill the code field from it and drop it from the address bar and history.
(function () {
  "use strict";
  var match = /(?:^#|&)code=([^&]*)/.exec(window.location.hash);
  if (!match) return;
  var field = document.querySelector('form input[name="code"]');
  var code = "";
  try {
    code = decodeURIComponent(match[1].replace(/\+/g, " "));
  } catch (e) {
    return;
  }
  if (field && !field.value) field.value = code.slice(0, field.maxLength > 0 ? field.maxLength : 40);
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
