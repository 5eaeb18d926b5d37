/* The quality-audit report: a Print button, shown only when JavaScript runs (the browser's
   own print command works as well; static/css/quality.css has the print styles).
   No inline code: CSP. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
