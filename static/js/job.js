// The technician's job page: quantity steppers, one line per part picked from the van,
// and photos downscaled on the phone before they travel. Without this file the page
// still works: the number fields take typing, "Add" posts the form back with the line
// added, and the photo goes up as taken (the server resizes it).
(function () {
  "use strict";

  function showSteppers(root) {
    root.querySelectorAll("[data-step][hidden]").forEach(function (b) { b.hidden = false; });
  }
  showSteppers(document);
  document.addEventListener("htmx:afterSwap", function (event) { showSteppers(event.target); });

  function step(input, by) {
    var max = input.max === "" ? Infinity : Number(input.max);
    var next = Math.min(max, Math.max(0, (parseInt(input.value, 10) || 0) + by));
    input.value = String(next);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-step]");
    if (!button) return;
    var input = button.parentElement.querySelector("input[type=number]");
    if (input) step(input, Number(button.dataset.step));
  });

  // A part already picked: one more of it rather than a second line.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = event.detail.elt;
    if (!button || !button.dataset || !button.dataset.addPart) return;
    var line = document.querySelector('[data-part-line="' + button.dataset.addPart + '"]');
    if (!line) return;
    event.preventDefault();
    var input = line.querySelector("input[type=number]");
    step(input, 1);
    input.focus();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "picked-parts") return;
    var lines = event.target.querySelectorAll("[data-part-line]");
    var last = lines[lines.length - 1];
    if (last) last.querySelector("input[type=number]").focus();
  });

  // The work record as a draft on the phone (localStorage): what was typed and picked is
  // saved as it is typed and put back when the page loads again (a photo taken halfway
  // reloads the page; so does a phone that drops the tab), until the form is sent or
  // queued (offline.js removes it then).
  var record = document.querySelector("form.work-record");
  var draftKey = "job-draft:" + window.location.pathname;
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  function saveDraft() {
    if (!record || !store) return;
    var picked = record.querySelector("#picked-parts");
    picked.querySelectorAll("input").forEach(function (el) { el.setAttribute("value", el.value); });
    picked.querySelectorAll("option").forEach(function (o) { o.toggleAttribute("selected", o.selected); });
    var values = [];
    [].forEach.call(record.elements, function (el) {
      if (!el.id || picked.contains(el) || el.name === "part_q") return;
      if (/^(hidden|submit|button|file)$/.test(el.type)) return;
      values.push([el.id, el.value, el.checked]);
    });
    store.setItem(draftKey, JSON.stringify({ picked: picked.innerHTML, values: values }));
  }
  function restoreDraft() {
    var saved = store && store.getItem(draftKey);
    if (!saved || !record) return;
    var draft = JSON.parse(saved);
    var picked = record.querySelector("#picked-parts");
    if (!picked.querySelector("[data-part-line]")) {
      picked.innerHTML = draft.picked;
      showSteppers(picked);
    }
    draft.values.forEach(function (row) {
      var el = document.getElementById(row[0]);
      if (!el) return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = row[2];
      else if (!el.value || el.tagName === "SELECT") el.value = row[1];
    });
  }
  restoreDraft();
  var pending = null;
  function saveSoon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(saveDraft, 300);
  }
  if (record) {
    record.addEventListener("input", saveSoon);
    record.addEventListener("change", saveSoon);
    record.addEventListener("click", function (event) { if (event.target.closest("[data-step]")) saveSoon(); });
    document.addEventListener("htmx:afterSwap", saveSoon);
    record.addEventListener("submit", function (event) {
      if (event.submitter && /^(add_part|part_search)$/.test(event.submitter.name)) return;
      window.clearTimeout(pending);
      if (store) store.removeItem(draftKey);
    });
  }

  // Photos: at most data-downscale pixels on the long side, as JPEG, before upload.
  function downscale(file, longest) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.type === "image/jpeg") return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(blob ? new File([blob], name, { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.85);
      });
    });
  }
  window.aftersalesJob = { downscale: downscale };
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-downscale]")) return;
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    saveDraft();
    if (!file || !/^image\//.test(file.type) || !window.createImageBitmap || !window.DataTransfer) return;
    // Ours first: app.js would weigh the photo as taken, before it is made smaller.
    event.preventDefault();
    event.stopPropagation();
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; b.classList.add("busy"); });
    downscale(file, Number(form.dataset.downscale)).catch(function () { return file; }).then(function (small) {
      var list = new DataTransfer();
      list.items.add(small);
      input.files = list.files;
      form.submit();
    });
  }, true);
})();
