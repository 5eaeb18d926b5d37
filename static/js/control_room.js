/* The control room (/dashboard/): the SLA countdowns tick every second between htmx's polls,
   which swap the panels (#control-room) for fresh ones. Texts come from the server in the
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
      if (el.hasAttribute("data-paused") && el.textContent) return;
      var left = Date.parse(el.getAttribute("datetime")) - now;
      var template = left >= 0 ? room.dataset.left : room.dataset.late;
      el.textContent = (template || "{time}").replace("{time}", span(left));
      el.classList.toggle("late", left < 0);
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  window.setInterval(tick, 1000);
})();
