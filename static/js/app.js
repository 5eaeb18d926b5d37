/* Aftersales pages: small progressive enhancements; every form also works without them. */
(function () {
  "use strict";

  // After a refused submit, bring the first error into view (phones show one field at a time).
  var firstError = document.querySelector("main .has-error") ||
    document.querySelector("main .error[role=alert]");
  if (firstError) {
    var field = firstError.querySelector("input:not([type=hidden]), select, textarea");
    firstError.scrollIntoView({ block: "center" });
    if (field) field.focus({ preventScroll: true });
  }

  // The language switcher submits as soon as a language is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The ticket list: "select all on this page", the number selected, and no background
  // refresh while rows are selected (a poll swaps the rows, which would clear the ticks).
  var bulk = document.querySelector("form[data-bulk]");
  function bulkRows() { return document.querySelectorAll("input[data-bulk-row]"); }
  function bulkSelected() { return document.querySelector("input[data-bulk-row]:checked"); }
  function bulkUpdate() {
    if (!bulk) return;
    var all = bulk.querySelector("[data-select-all]");
    var counter = bulk.querySelector("[data-selected-count]");
    var rows = bulkRows(), checked = 0;
    rows.forEach(function (row) { if (row.checked) checked += 1; });
    if (all) {
      all.checked = rows.length > 0 && checked === rows.length;
      all.indeterminate = checked > 0 && checked < rows.length;
    }
    if (counter) counter.textContent = checked ? counter.dataset.template.replace("{count}", checked) : "";
  }
  if (bulk) {
    var selectAll = bulk.querySelector("[data-select-all]");
    var selectAllBox = bulk.querySelector("[data-select-all-box]");
    if (selectAllBox) selectAllBox.hidden = false;
    if (selectAll) {
      selectAll.addEventListener("change", function () {
        bulkRows().forEach(function (row) { row.checked = selectAll.checked; });
        bulkUpdate();
      });
    }
    document.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("input[data-bulk-row]")) bulkUpdate();
    });
    bulkUpdate();
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.hasAttribute("data-poll") && bulkSelected()) event.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    // A poll answered by the sign-in page (the idle session ended): show it whole.
    var elt = event.detail.elt, xhr = event.detail.xhr;
    if (elt && elt.hasAttribute("data-poll") && xhr && xhr.responseURL &&
        new URL(xhr.responseURL).pathname !== new URL(elt.getAttribute("hx-get"), window.location.href).pathname) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });
  document.addEventListener("htmx:afterSwap", bulkUpdate);

  // Check-in: attach the technician's position when they agreed to share it.
  function locateThenSubmit(form, event) {
    var box = form.querySelector("[data-geolocate]");
    if (!box) return false;
    var share = box.querySelector("input[type=checkbox]");
    var lat = form.querySelector("[name=latitude]");
    var lng = form.querySelector("[name=longitude]");
    if (!share || !share.checked || !navigator.geolocation || lat.value) return false;
    event.preventDefault();
    var status = box.querySelector(".geo-status");
    if (status) status.textContent = box.dataset.msgLocating || "…";
    var done = false;
    function submit() { if (!done) { done = true; form.submit(); } }
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      submit();
    }, submit, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    // Never let a silent permission prompt hold the check-in up.
    setTimeout(submit, 10000);
    return true;
  }

  // Uploads: a file over the limit is refused here, before it travels over a phone's
  // connection; the server refuses it too (with the same message) when scripts are off.
  function tooLarge(input) {
    var file = input.files && input.files[0];
    return Boolean(file && file.size > Number(input.dataset.maxBytes));
  }
  function sayTooLarge(input) {
    var field = input.closest(".field") || input.parentNode;
    var old = field.querySelector("[data-size-error]");
    if (old) old.remove();
    field.classList.toggle("has-error", tooLarge(input));
    if (!tooLarge(input)) return false;
    var message = document.createElement("p");
    message.className = "error";
    message.setAttribute("role", "alert");
    message.setAttribute("data-size-error", "");
    message.textContent = input.dataset.msgTooLarge;
    field.appendChild(message);
    return true;
  }
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () { sayTooLarge(input); });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var big = [].slice.call(form.querySelectorAll("input[type=file][data-max-bytes]"))
      .filter(sayTooLarge);
    if (big.length) {
      event.preventDefault();
      big[0].focus();
      return;
    }
    locateThenSubmit(form, event);
    if (form.hasAttribute("data-once")) {
      // One click, one post: a double tap on a slow phone must not submit twice.
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = true;
        b.classList.add("busy");
      });
    }
  });
  // Back/forward cache restores a page with disabled buttons: re-enable them.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once] button[type=submit]").forEach(function (b) {
      b.disabled = false;
      b.classList.remove("busy");
    });
  });

  // Signature pad: draw with a finger, pen or mouse; posts a PNG data URL.
  document.querySelectorAll("[data-signature-pad]").forEach(function (root) {
    var canvas = root.querySelector("canvas");
    var input = root.querySelector("[data-signature-input]");
    var ctx = canvas.getContext("2d");
    var last = null;

    function pen() {
      ctx.lineWidth = Math.max(2, canvas.width / 200);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#10233f";
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) * (canvas.width / rect.width),
        y: (event.clientY - rect.top) * (canvas.height / rect.height)
      };
    }
    function save() { input.value = canvas.toDataURL("image/png"); }

    pen();
    if (input.value) {  // a re-rendered form keeps the signature already drawn
      var image = new Image();
      image.onload = function () { ctx.drawImage(image, 0, 0, canvas.width, canvas.height); };
      image.src = input.value;
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });
    function end() { if (last) { last = null; save(); } }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    root.querySelector("[data-signature-clear]").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
    });
  });
})();
