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

  // Each poll's answer carries the charts' figures as <script type="application/json">
  // (components/_chart.html), which htmx drops from swapped HTML (allowScriptTags: false).
  // Keep them from the raw answer and put them back after the swap, before htmx settles
  // and charts.js draws. A poll must not close a chart's table someone opened either.
  var specs = [], opened = [];
  function isRoom(event) { return event.detail.elt && event.detail.elt.id === "control-room"; }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!isRoom(event)) return;
    var answer = new DOMParser().parseFromString(event.detail.serverResponse || "", "text/html");
    specs = Array.prototype.map.call(
      answer.querySelectorAll("script[type='application/json'][id]"),
      function (script) { return { id: script.id, json: script.textContent }; });
    opened = Array.prototype.map.call(
      event.detail.elt.querySelectorAll("figure[data-chart] details[open]"),
      function (details) { return details.closest("figure").dataset.chart; });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!isRoom(event)) return;
    specs.forEach(function (spec) {
      var figure = event.detail.elt.querySelector('figure[data-chart="' + spec.id + '"]');
      if (!figure || document.getElementById(spec.id)) return;
      var data = document.createElement("script");
      data.type = "application/json";
      data.id = spec.id;
      data.textContent = spec.json;
      figure.appendChild(data);
    });
    opened.forEach(function (chart) {
      var details = event.detail.elt.querySelector('figure[data-chart="' + chart + '"] details');
      if (details) details.open = true;
    });
  });

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  window.setInterval(tick, 1000);
})();
