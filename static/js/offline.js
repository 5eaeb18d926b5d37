// The technician's app offline (README "The technician's app offline").
//
// With no signal, a job page's form is not lost: the post it would have been (fields,
// the photo as a Blob) is kept in IndexedDB with a key and the phone's clock, the page
// moves on as if it had gone (a queued check-in opens the work record, a queued work
// record opens the customer's sign-off), and a bar says how many changes wait. When the
// signal returns they are posted again, in the order they were made, each with its
// Idempotency-Key (a second send changes nothing) and its device time; the server's
// answer says applied, or why not (the job was reassigned or rescheduled meanwhile):
// those stay on the phone, shown, until the technician retries or discards them.
// Without IndexedDB or JavaScript the forms post as usual.
(function () {
  "use strict";
  var configEl = document.getElementById("offline-config");
  if (!configEl) return;
  var config = JSON.parse(configEl.textContent);
  var T = config.text;
  var bar = document.querySelector("[data-offline-bar]");
  var statusEl = bar.querySelector("[data-offline-status]");
  var itemsEl = bar.querySelector("[data-offline-items]");
  var sendButton = bar.querySelector("[data-offline-send]");
  var alertEl = document.querySelector("[data-offline-alert]");
  var conflictsEl = document.querySelector("[data-offline-conflicts]");
  var conflictList = conflictsEl.querySelector("[data-offline-conflict-list]");
  var page = document.querySelector(".job-page[data-job]");
  var jobId = page ? page.dataset.job : null;
  var PAGES = "aftersales-jobs";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.swUrl, { scope: config.scope }).catch(function () {});
    // A page that loaded while the worker was still installing is not yet its client:
    // ask the worker to take it over, so this very page works offline too.
    navigator.serviceWorker.ready.then(function (registration) {
      if (!navigator.serviceWorker.controller && registration.active) {
        registration.active.postMessage({ type: "claim" });
      }
    });
  }
  // Saved pages and photos hold customers' details: forgotten on signing out and when
  // another technician signs in on this phone. The worker owns its caches and forgets
  // them all (it finishes even as the page goes); without one, the pages' cache here.
  function forgetPages() {
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (worker) {
      worker.postMessage({ type: "forget-pages" });
      return Promise.resolve();
    }
    return window.caches ? caches.delete(PAGES) : Promise.resolve();
  }
  try {
    if (localStorage.getItem("aftersales-offline-user") !== String(config.user)) {
      forgetPages();
      localStorage.setItem("aftersales-offline-user", String(config.user));
    }
  } catch (e) { /* private mode: nothing saved anyway */ }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!/\/logout\/?$/.test(form.getAttribute("action") || "")) return;
    event.preventDefault();
    forgetPages().finally(function () { form.submit(); });
  });

  var dbp = window.idb && window.indexedDB ? window.idb.openDB("aftersales-offline", 1, {
    upgrade: function (db) { db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true }); }
  }).catch(function () { return null; }) : Promise.resolve(null);

  function all() {
    return dbp.then(function (db) { return db ? db.getAll("queue") : []; }).then(function (items) {
      return items.filter(function (item) { return item.user === config.user; });
    });
  }
  function put(item) { return dbp.then(function (db) { return db.put("queue", item); }); }
  function drop(item) { return dbp.then(function (db) { return db.delete("queue", item.seq); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function clock(iso) {
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function say(message) {
    alertEl.textContent = message || "";
    alertEl.hidden = !message;
    if (message) alertEl.scrollIntoView({ block: "nearest" });
  }
  function money(cents) { return "¥" + (cents / 100).toFixed(2); }

  // --- The bar, the conflicts and the page's stage ---------------------------------------
  function render(items) {
    var waiting = items.filter(function (i) { return i.status !== "conflict"; });
    var conflicts = items.filter(function (i) { return i.status === "conflict"; });
    var n = waiting.length;
    document.documentElement.dataset.offlineWaiting = String(items.length);
    var count = n === 1 ? T.waitingOne : T.waitingMany.replace("{n}", n);
    var text = navigator.onLine ? (n ? count : "") : T.offline + (n ? " " + count : "");
    statusEl.textContent = text;
    bar.hidden = !text;
    bar.classList.toggle("is-offline", !navigator.onLine);
    sendButton.hidden = !(n && navigator.onLine);
    itemsEl.innerHTML = "";
    waiting.filter(function (i) { return i.job === jobId; }).forEach(function (item) {
      var li = document.createElement("li");
      var held = conflicts.some(function (c) { return c.job === item.job && c.seq < item.seq; });
      li.textContent = (T.labels[item.kind] || item.kind) + ": " +
        (held ? T.held : T.queuedAt.replace("{time}", clock(item.deviceTime)));
      itemsEl.appendChild(li);
    });
    conflictList.innerHTML = "";
    conflicts.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "offline-conflict";
      li.innerHTML = "<p><strong></strong> <span class=\"muted\"></span></p><p class=\"error\"></p>" +
        "<div class=\"row\"><button type=\"button\" class=\"secondary small\" data-retry></button>" +
        "<button type=\"button\" class=\"secondary small\" data-discard></button></div>";
      li.querySelector("strong").textContent = (T.labels[item.kind] || item.kind) + " · " + (item.title || "");
      li.querySelector(".muted").textContent = T.madeAt.replace("{time}", clock(item.deviceTime));
      li.querySelector(".error").textContent = item.message || "";
      li.querySelector("[data-retry]").textContent = T.retry;
      li.querySelector("[data-discard]").textContent = T.discard;
      li.querySelector("[data-retry]").addEventListener("click", function () {
        item.status = "waiting";
        item.message = "";
        put(item).then(send);
      });
      li.querySelector("[data-discard]").addEventListener("click", function () {
        if (window.confirm(T.discardConfirm)) drop(item).then(refresh);
      });
      conflictList.appendChild(li);
    });
    conflictsEl.hidden = !conflicts.length;
    applyStage(items);
  }

  function refresh() { return all().then(render); }

  var NEXT = { check_in: ["dispatched", "on_site"], complete: ["on_site", "awaiting_confirmation"],
               sign: ["awaiting_confirmation", "closed"] };
  function applyStage(items) {
    if (!page) return;
    var stage = page.dataset.status;
    var mine = items.filter(function (i) { return i.job === jobId; });
    var summary = null;
    var stuck = false;  // a refused change, and every later one of the job, moves nothing
    mine.forEach(function (item) {
      if (item.status === "conflict") stuck = true;
      if (stuck) return;
      var step = NEXT[item.kind];
      if (step && step[0] === stage) stage = step[1];
      if (item.kind === "complete") summary = item.summary;
    });
    showPhotos(mine.filter(function (i) { return i.kind === "photo" && i.status !== "conflict"; }));
    var badge = document.querySelector(".job-head .badge");
    if (badge && T.status[stage]) {
      badge.textContent = T.status[stage];
      badge.className = "badge status-" + stage;
    }
    var sections = document.querySelectorAll("[data-stage]");
    var known = Array.prototype.some.call(sections, function (el) { return el.dataset.stage === stage; });
    if (stage === page.dataset.status && !known) return;
    if (known) {
      sections.forEach(function (el) { el.hidden = el.dataset.stage !== stage; });
    } else {
      // The sign-off page: the signature is kept, the form goes away.
      document.querySelectorAll("form[data-offline]").forEach(function (f) {
        (f.closest("section") || f).hidden = true;
      });
    }
    if (summary) fillSummary(summary);
  }

  function showPhotos(items) {
    var list = document.querySelector("[data-queued-photos]");
    if (!list) return;
    list.innerHTML = "";
    items.forEach(function (item) {
      item.entries.forEach(function (pair) {
        if (!(pair[1] instanceof Blob)) return;
        var li = document.createElement("li");
        var img = document.createElement("img");
        img.src = URL.createObjectURL(pair[1]);
        img.width = 96;
        img.height = 96;
        img.alt = T.labels.photo;
        var note = document.createElement("span");
        note.className = "muted";
        note.textContent = T.photoWaiting;
        li.appendChild(img);
        li.appendChild(note);
        list.appendChild(li);
      });
    });
    list.hidden = !list.children.length;
  }

  // --- The customer's summary of a work record kept on the phone -----------------------
  function summaryOf(form) {
    var fault = form.querySelector("[name=fault_code]");
    var option = fault && fault.selectedOptions && fault.selectedOptions[0];
    var lines = [];
    form.querySelectorAll("[data-part-line]").forEach(function (li) {
      var qty = parseInt(li.querySelector("[name=line_quantity]").value, 10) || 0;
      if (!qty) return;
      var charged = li.querySelector("[name=line_charged]").value === "charged";
      var cents = Math.round(parseFloat(li.dataset.price || "0") * 100);
      lines.push({ sku: li.dataset.sku, name: li.dataset.name, qty: qty, charged: charged,
                   cents: charged ? cents * qty : 0 });
    });
    var text = function (name) { var el = form.querySelector("[name=" + name + "]"); return el ? el.value : ""; };
    return { fault: option && option.value ? option.textContent : "", diagnosis: text("diagnosis"),
             workDone: text("work_done"), lines: lines };
  }
  function fillSummary(summary) {
    var root = document.getElementById("offline-sign");
    if (!root) return;
    var set = function (key, value) { root.querySelector("[data-summary=" + key + "]").textContent = value || "—"; };
    set("fault", summary.fault);
    set("diagnosis", summary.diagnosis);
    set("work_done", summary.workDone);
    var list = root.querySelector("[data-summary=lines]");
    list.innerHTML = "";
    var total = 0;
    summary.lines.forEach(function (line) {
      total += line.cents;
      var li = document.createElement("li");
      li.className = "sign-line";
      li.innerHTML = "<span class=\"sign-part\">" + escapeHtml(line.name) + " <span class=\"muted\">" +
        escapeHtml(line.sku) + " × " + line.qty + "</span></span><span class=\"sign-charge\"><span class=\"badge " +
        (line.charged ? "charged\">" + escapeHtml(T.charged) : "free\">" + escapeHtml(T.free)) + "</span> " +
        money(line.cents) + "</span>";
      list.appendChild(li);
    });
    if (!summary.lines.length) list.innerHTML = "<li class=\"muted\">" + escapeHtml(T.noParts) + "</li>";
    root.querySelector("[data-summary=total]").textContent = money(total);
    var warranty = root.querySelector("[data-summary=warranty]");
    if (!warranty.dataset.template) warranty.dataset.template = warranty.textContent;
    var until = new Date(Date.now() + Number(warranty.dataset.days) * 86400000);
    var iso = until.getFullYear() + "-" + ("0" + (until.getMonth() + 1)).slice(-2) + "-" + ("0" + until.getDate()).slice(-2);
    warranty.textContent = warranty.dataset.template.replace("__UNTIL__", iso);
  }

  // --- Queueing a form ------------------------------------------------------------------
  function entriesOf(form) {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File && !value.size) return;  // an empty file input
      out.push([name, value]);
    });
    return out;
  }
  function withSmallPhoto(form, entries) {
    var shrink = window.aftersalesJob && window.aftersalesJob.downscale;
    return Promise.all(entries.map(function (pair) {
      var file = pair[1];
      if (!(file instanceof File) || !shrink || !/^image\//.test(file.type)) return pair;
      return shrink(file, Number(form.dataset.downscale || 1600))
        .catch(function () { return file; })
        .then(function (small) { return [pair[0], small]; });
    }));
  }
  function windowAllows(form) {
    if (!page || !page.dataset.windowStart) return true;
    var box = form.querySelector("[name=outside_window_confirmed]");
    var tolerance = Number(page.dataset.windowTolerance || 0) * 60000;
    var now = Date.now();
    var outside = now < Date.parse(page.dataset.windowStart) - tolerance ||
      now > Date.parse(page.dataset.windowEnd) + tolerance;
    if (!outside || !box || box.checked) return true;
    form.querySelector("[data-window-confirm]").hidden = false;
    box.focus();
    say(T.confirmWindow);
    return false;
  }
  function signAllows(form) {
    var refused = form.querySelector("[name=accepted][value=no]");
    var comment = form.querySelector("[name=comment]");
    if (refused && refused.checked && comment && !comment.value.trim()) {
      comment.focus();
      say(form.dataset.commentRequired || comment.closest(".field").querySelector("label").textContent);
      return false;
    }
    return true;
  }

  function queue(form, kind) {
    var entries = entriesOf(form);
    if (kind === "photo" && !entries.some(function (p) { return p[1] instanceof File; })) {
      form.querySelector("input[type=file]").focus();
      return Promise.resolve(null);
    }
    var title = document.querySelector(".job-head .num");
    return (kind === "photo" ? withSmallPhoto(form, entries) : Promise.resolve(entries)).then(function (ready) {
      var item = { key: uuid(), user: config.user, job: jobId, kind: kind, title: title ? title.textContent : "",
                   url: form.getAttribute("action"), entries: ready, deviceTime: new Date().toISOString(),
                   status: "waiting", message: "", summary: kind === "complete" ? summaryOf(form) : null };
      return dbp.then(function (db) { return db.add("queue", item); }).then(function (seq) {
        item.seq = seq;
        try { localStorage.removeItem("job-draft:" + window.location.pathname); } catch (e) { /* none */ }
        if (kind === "photo") form.reset();
        return item;
      });
    });
  }

  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine || (form.method || "").toLowerCase() !== "post") return;
    if (/\/logout\/?$/.test(form.getAttribute("action") || "")) return;
    event.preventDefault();
    event.stopPropagation();
    var submitter = event.submitter;
    if (submitter && submitter.name === "add_part") { addLine(submitter); return; }
    if (submitter && submitter.name === "part_search") { filterVan(); return; }
    var kind = form.dataset.offline;
    if (!kind) { say(T.needsSignal); return; }
    if (kind === "check_in" && !windowAllows(form)) return;
    if (kind === "sign" && !signAllows(form)) return;
    dbp.then(function (db) {
      if (!db) { say(T.needsSignal); return null; }
      say("");
      return queue(form, kind);
    }).then(function (item) {
      if (!item) return;
      window.scrollTo(0, 0);
      return refresh();
    });
  }, true);

  // --- Parts from the van with no signal: search the list shown, build the line here ----
  function filterVan() {
    var input = document.getElementById("id_part_q");
    var query = (input && input.value || "").trim().toLowerCase();
    document.querySelectorAll("[data-van-part]").forEach(function (li) {
      li.hidden = query !== "" && li.dataset.vanPart.indexOf(query) === -1;
    });
  }
  function addLine(button) {
    var picked = document.getElementById("picked-parts");
    var id = button.dataset.addPart;
    var existing = picked.querySelector('[data-part-line="' + id + '"]');
    if (existing) {
      var qty = existing.querySelector("input[type=number]");
      qty.value = String(Math.min(Number(qty.max) || Infinity, (parseInt(qty.value, 10) || 0) + 1));
      qty.focus();
      return;
    }
    var template = document.getElementById("part-line-template").innerHTML;
    var html = template.replace(/__ID__/g, escapeHtml(id)).replace(/__SKU__/g, escapeHtml(button.dataset.sku))
      .replace(/__NAME__/g, escapeHtml(button.dataset.name)).replace(/__N__/g, escapeHtml(button.dataset.available))
      .replace(/__PRICE__/g, escapeHtml(button.dataset.price));
    picked.insertAdjacentHTML("beforeend", html);
    var line = picked.lastElementChild;
    var forced = button.hasAttribute("data-forced");
    var select = line.querySelector("[name=line_charged]");
    if (forced) line.querySelector("option[value=free]").remove();
    select.value = forced ? "charged" : "free";
    line.querySelectorAll("[data-step][hidden]").forEach(function (b) { b.hidden = false; });
    line.querySelector("input[type=number]").focus();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (navigator.onLine || event.defaultPrevented) return;
    event.preventDefault();
    var elt = event.detail.elt;
    if (elt && elt.dataset && elt.dataset.addPart) addLine(elt);
    else filterVan();
  });
  document.addEventListener("input", function (event) {
    if (!navigator.onLine && event.target.id === "id_part_q") filterVan();
  });

  // --- Sending ----------------------------------------------------------------------------
  var sending = false;
  function post(item, csrf) {
    var body = new FormData();
    item.entries.forEach(function (pair) {
      var value = pair[0] === "csrfmiddlewaretoken" ? csrf : pair[1];
      if (value instanceof Blob) body.append(pair[0], value, value.name || "photo.jpg");
      else body.append(pair[0], value);
    });
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Idempotency-Key": item.key, "X-Device-Time": item.deviceTime,
                 "X-Offline-Replay": "1", Accept: "application/json" }
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server");
      return response.json().catch(function () { return { outcome: "invalid", message: "" }; });
    });
  }
  function chainVersion(items, done, version) {
    // The next change of the same job was made on the page as it stood before this one.
    var later = items.filter(function (i) { return i.job === done.job && i.seq > done.seq; });
    return Promise.all(later.map(function (item) {
      var changed = false;
      item.entries.forEach(function (pair) { if (pair[0] === "version") { pair[1] = String(version); changed = true; } });
      return changed ? put(item) : null;
    }));
  }
  function send() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    var sentHere = false;
    return all().then(function (items) {
      if (!items.some(function (i) { return i.status !== "conflict"; })) return null;
      statusEl.textContent = T.sending;
      return fetch(config.syncUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("application/json") !== 0) throw new Error("signed-out");
          return response.json();
        }).then(function (state) {
          if (state.user !== config.user) throw new Error("signed-out");
          var blocked = {};
          return items.reduce(function (previous, item) {
            return previous.then(function () {
              if (item.status === "conflict") { blocked[item.job] = true; return null; }
              if (blocked[item.job]) return null;
              return post(item, state.csrf).then(function (answer) {
                if (answer.outcome === "applied" || answer.outcome === "duplicate") {
                  if (item.job === jobId) sentHere = true;
                  return drop(item).then(function () {
                    return answer.version != null ? chainVersion(items, item, answer.version) : null;
                  });
                }
                if (answer.outcome === "signed_out") throw new Error("signed-out");
                item.status = "conflict";
                item.message = answer.message || "";
                blocked[item.job] = true;
                return put(item);
              });
            });
          }, Promise.resolve());
        });
    }).catch(function (error) {
      if (error && error.message === "signed-out") say(T.signedOut);
    }).then(function () {
      sending = false;
      return all();
    }).then(function (items) {
      render(items);
      if (sentHere && !items.some(function (i) { return i.job === jobId && i.status !== "conflict"; })) {
        window.location.reload();
      }
    });
  }
  sendButton.addEventListener("click", send);
  window.addEventListener("online", function () { refresh().then(send); });
  window.addEventListener("offline", refresh);
  window.setInterval(function () { if (navigator.onLine) send(); }, 30000);

  // --- Saving the day's and upcoming jobs ahead, on the job list ---------------------------
  function saveAhead() {
    var urls = Array.prototype.map.call(document.querySelectorAll("[data-offline-url]"), function (el) {
      return el.dataset.offlineUrl;
    });
    if (!urls.length || !window.caches || !navigator.onLine) return;
    caches.open(PAGES).then(function (cache) {
      return urls.reduce(function (previous, url) {
        return previous.then(function () {
          return fetch(url, { credentials: "same-origin" }).then(function (response) {
            if (response.ok && !response.redirected) return cache.put(url, response);
            return null;
          }).catch(function () { return null; });
        });
      }, Promise.resolve());
    }).then(function () { document.documentElement.dataset.offlineSaved = String(urls.length); });
  }

  refresh().then(function () { if (navigator.onLine) return send(); }).then(saveAhead);
})();
