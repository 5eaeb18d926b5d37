/* The control room (/dashboard/): the SLA countdowns tick every second between htmx's polls,
   which swap the panels inside #control-room for fresh ones (charts drawn again). Texts come from the server in the
   page's language (data-left / data-late); no inline code (CSP). */
(function () {
  "use strict";

  function two(n) { return n < 10 ? "0" + n : String(n); }

  function span(ms) {
    var seconds = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" : "") + two(m) + ":" + two(s);
  }

  function tick() {
    var room = document.getElementById("control-room");
    if (!room) return;
    var now = Date.now();
    room.querySelectorAll("time[data-countdown]").forEach(function (el) {
      // A paused clock stands still at its pause instant (tickets.sla.effective_now).
      var at = el.dataset.pausedAt ? Date.parse(el.dataset.pausedAt) : now;
      var left = Date.parse(el.getAttribute("datetime")) - at;
      var template = left >= 0 ? room.dataset.left : room.dataset.late;
      el.textContent = (template || "{time}").replace("{time}", span(left));
      el.classList.toggle("late", left < 0);
    });
  }

  // A poll must not close a chart's table someone opened.
  var opened = [];
  function isRoom(event) { return event.detail.elt && event.detail.elt.id === "control-room"; }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isRoom(event)) return;
    opened = Array.prototype.map.call(
      event.detail.elt.querySelectorAll("figure[data-chart] details[open]"),
      function (details) { return details.closest("figure").dataset.chart; });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!isRoom(event)) return;
    opened.forEach(function (chart) {
      var details = event.detail.elt.querySelector('figure[data-chart="' + chart + '"] details');
      if (details) details.open = true;
    });
  });

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  window.setInterval(tick, 1000);
})();
