/* The quality-audit report: a Print button (shown only when JavaScript runs; the browser's
   own print command works as well), and the tables behind the charts opened for paper.
   No inline code: CSP. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-table").forEach(function (details) { details.open = true; });
  });
})();
