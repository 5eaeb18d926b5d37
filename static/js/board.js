/* The dispatch board (templates/tickets/dispatch_board.html): draws the technicians' timeline
   with @event-calendar from the JSON the server wrote into the page, lets a supervisor drag a
   waiting ticket onto a technician's slot (dispatch) or a booked job elsewhere (reschedule),
   and posts each move to the same endpoint as the keyboard form. A refused move changes
   nothing and its reasons are shown above the board. No inline code or style: CSP. */
(function () {
  "use strict";

  var state = { ec: null, data: null, dragged: null, ranks: {} };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The calendar hands out local Date objects for the wall-clock times it was given.
  function wallClock(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function show(ok, title, reasons) {
    var box = document.getElementById("board-message");
    box.textContent = "";
    box.className = "board-message " + (ok ? "ok" : "refused");
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = title;
    p.appendChild(strong);
    box.appendChild(p);
    if (reasons && reasons.length) {
      var list = document.createElement("ul");
      reasons.forEach(function (reason) {
        var item = document.createElement("li");
        item.textContent = reason;
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }

  function book(fields) {
    var body = new URLSearchParams(fields);
    return fetch(state.data.bookUrl + "?" + state.data.query, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: body
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: response.statusText, reasons: [] };
      });
    }).then(function (answer) {
      show(answer.ok, answer.message, answer.reasons);
      return answer;
    });
  }

  function resourceTitles() {
    return state.data.resources.map(function (resource) {
      var rank = state.ranks[resource.id];
      return { id: resource.id, title: rank ? rank + ". " + resource.title : resource.title };
    });
  }

  // The ranking in the side panel numbers the technicians' rows on the timeline too.
  function readRanks() {
    state.ranks = {};
    document.querySelectorAll("#board-panel [data-ranking] [data-technician]").forEach(function (li) {
      state.ranks[li.getAttribute("data-technician")] = li.getAttribute("data-rank");
    });
    if (state.ec) { state.ec.setOption("resources", resourceTitles()); }
  }

  function dropTicket(card, clientX, clientY) {
    var info = state.ec.dateFromPoint(clientX, clientY);
    if (!info || !info.resource || !info.date) { return; }
    var start = info.date;
    var end = new Date(start.getTime() + state.data.window * 60000);
    book({
      ticket: card.getAttribute("data-ticket"),
      version: card.getAttribute("data-version"),
      technician: info.resource.id,
      appointment_start: wallClock(start),
      appointment_end: wallClock(end)
    }).then(function (answer) {
      if (!answer.ok) { return; }
      state.ec.addEvent(answer.event);
      bookingTable();
      card.remove();
      var panel = document.querySelector("#board-panel .board-book input[name=ticket]");
      if (panel && panel.value === card.getAttribute("data-ticket") && window.htmx) {
        window.htmx.ajax("GET", state.data.candidatesUrl + "?" + state.data.query, "#board-panel");
      }
    });
  }

  function moveJob(info) {
    var event = info.event;
    var technician = info.newResource ? info.newResource.id : event.resourceIds[0];
    book({
      ticket: event.extendedProps.ticket,
      version: event.extendedProps.version,
      technician: technician,
      appointment_start: wallClock(event.start),
      appointment_end: wallClock(event.end)
    }).then(function (answer) {
      if (!answer.ok) {
        info.revert();
        return;
      }
      state.ec.removeEventById(event.id);
      state.ec.addEvent(answer.event);
      bookingTable();
    }, function () { info.revert(); });
  }

  // @event-calendar marks its grid up as an ARIA table whose rows, cells and row headers
  // do not nest as ARIA requires, which misleads a screen reader. The timeline is a picture
  // for the mouse: its roles are taken off, and the same bookings are the table below it.
  var ROLE_ATTRIBUTES = ["role", "aria-colindex", "aria-rowindex"];

  function plainGrid(root) {
    ROLE_ATTRIBUTES.forEach(function (name) {
      if (root.hasAttribute && root.hasAttribute(name)) { root.removeAttribute(name); }
      root.querySelectorAll("[" + name + "]").forEach(function (el) { el.removeAttribute(name); });
    });
    var main = root.querySelector(".ec-main");
    if (main && !main.hasAttribute("tabindex")) {
      // The timeline scrolls sideways: reachable by keyboard, and named.
      main.setAttribute("tabindex", "0");
      main.setAttribute("aria-label", root.getAttribute("data-label-timeline") || "");
    }
  }

  function bookingTable() {
    var body = document.querySelector("#board-table tbody");
    if (!body) { return; }
    var names = {};
    state.data.resources.forEach(function (r) { names[r.id] = r.title; });
    body.textContent = "";
    state.ec.getEvents().filter(function (e) { return e.display !== "background"; })
      .sort(function (a, b) { return a.start - b.start; })
      .forEach(function (e) {
        var row = document.createElement("tr");
        [names[e.resourceIds[0]] || "", e.title, wallClock(e.start).replace("T", " "),
          wallClock(e.end).slice(11)].forEach(function (text, i) {
          var cell = document.createElement(i === 0 ? "th" : "td");
          if (i === 0) { cell.setAttribute("scope", "row"); }
          cell.textContent = text;
          row.appendChild(cell);
        });
        body.appendChild(row);
      });
    document.getElementById("board-table").hidden = false;
  }

  function init() {
    var el = document.getElementById("board-calendar");
    var source = document.getElementById("board-data");
    if (!el || !source || typeof EventCalendar === "undefined") { return; }
    state.data = JSON.parse(source.textContent);
    var week = state.data.view === "resourceTimelineWeek";
    state.ec = EventCalendar.create(el, {
      view: state.data.view,
      date: state.data.date,
      locale: document.documentElement.lang || "en",
      firstDay: 1,
      headerToolbar: { start: "", center: "", end: "" },
      resources: resourceTitles(),
      events: state.data.events,
      slotMinTime: "07:00",
      slotMaxTime: "21:00",
      slotDuration: week ? "02:00" : "01:00",
      slotWidth: week ? 56 : 80,
      height: "auto",
      slotLabelFormat: week ? { hour: "2-digit", hour12: false } : { hour: "2-digit", minute: "2-digit", hour12: false },
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      editable: false,
      eventDidMount: function (info) { info.el.title = info.event.title; },
      // The window is where the job sits; its text says which job it is and its status
      // (a week's two-hour slots are narrow: the number alone).
      eventContent: function (info) {
        var props = info.event.extendedProps;
        var text = week ? (props.number || info.event.title) : info.event.title;
        return { domNodes: [document.createTextNode(text)] };
      },
      selectable: false,
      eventDrop: moveJob,
      eventResize: moveJob
    });
    plainGrid(el);
    new MutationObserver(function () { plainGrid(el); }).observe(el, {
      subtree: true, childList: true, attributes: true, attributeFilter: ROLE_ATTRIBUTES
    });
    bookingTable();
    el.addEventListener("dragover", function (e) {
      if (state.dragged) { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }
    });
    el.addEventListener("drop", function (e) {
      if (!state.dragged) { return; }
      e.preventDefault();
      var card = state.dragged;
      state.dragged = null;
      dropTicket(card, e.clientX, e.clientY);
    });
    document.addEventListener("dragstart", function (e) {
      var card = e.target.closest && e.target.closest(".board-ticket");
      if (!card) { return; }
      state.dragged = card;
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.getAttribute("data-number"));
    });
    document.addEventListener("click", function (e) {
      var pick = e.target.closest && e.target.closest("[data-pick]");
      if (!pick) { return; }
      document.querySelectorAll(".board-ticket.picked").forEach(function (li) { li.classList.remove("picked"); });
      pick.closest(".board-ticket").classList.add("picked");
    });
    document.addEventListener("dragend", function () { state.dragged = null; });
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.target && e.target.id === "board-panel") { readRanks(); }
    });
    readRanks();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
