/* The header search: an ARIA 1.2 combobox over the listbox that htmx fills as the agent
   types (templates/components/_global_search.html). ArrowDown/ArrowUp move through the
   results, Enter opens the highlighted one (or, with none, the results page), Escape
   closes the list; "/" focuses the search from anywhere that is not a field. Without this
   script the form still submits to the results page. */
(function () {
  "use strict";

  var form = document.querySelector("[data-global-search]");
  if (!form) return;
  var input = form.querySelector("[role=combobox]");
  var popup = document.getElementById("global-search-popup");
  var status = document.getElementById("global-search-status");
  var toggle = document.querySelector("[data-search-toggle]");
  var active = -1;

  function options() {
    return Array.prototype.slice.call(popup.querySelectorAll("[role=option]"));
  }

  // highlight(-1) clears; move(+1 / -1) steps through the options, wrapping around.
  function highlight(index) {
    var all = options();
    active = index >= 0 && index < all.length ? index : -1;
    all.forEach(function (option, i) {
      var on = i === active;
      option.setAttribute("aria-selected", on ? "true" : "false");
      option.classList.toggle("active", on);
      if (on) option.scrollIntoView({ block: "nearest" });
    });
    if (active >= 0) input.setAttribute("aria-activedescendant", all[active].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function move(delta, count) {
    if (active < 0) highlight(delta > 0 ? 0 : count - 1);
    else highlight((active + delta + count) % count);
  }

  function open() {
    if (!input.value.trim() || !popup.firstElementChild) return;
    popup.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    popup.hidden = true;
    input.setAttribute("aria-expanded", "false");
    highlight(-1);
  }

  function showForm(show) {
    // Phones: the search is a row of its own, opened by the magnifier in the top bar.
    form.classList.toggle("open", show);
    if (toggle) toggle.setAttribute("aria-expanded", show ? "true" : "false");
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== popup) return;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    var listbox = popup.querySelector("[role=listbox]");
    if (status) status.textContent = (listbox && listbox.dataset.status) || "";
    if (document.activeElement === input && input.value.trim()) open();
    else close();
  });

  input.addEventListener("input", function () {
    if (!input.value.trim()) close();
  });

  input.addEventListener("keydown", function (event) {
    var all = options();
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!all.length) return;
        event.preventDefault();
        if (popup.hidden) {
          open();
          highlight(event.key === "ArrowDown" ? 0 : all.length - 1);
        } else {
          move(event.key === "ArrowDown" ? 1 : -1, all.length);
        }
        break;
      case "Enter":
        if (!popup.hidden && active >= 0 && all[active]) {
          event.preventDefault();
          window.location.assign(all[active].href);
        }
        break;
      case "Escape":
        if (!popup.hidden) {
          event.preventDefault();  // the list closes; a second Escape clears the field
          close();
        } else if (toggle && form.classList.contains("open") && !input.value) {
          showForm(false);
          toggle.focus();
        }
        break;
    }
  });

  input.addEventListener("focus", open);

  // Leaving the search (a click elsewhere, Tab away) closes the list.
  form.addEventListener("focusout", function (event) {
    if (!form.contains(event.relatedTarget)) close();
  });
  document.addEventListener("click", function (event) {
    if (!form.contains(event.target) && event.target !== toggle) close();
  });
  popup.addEventListener("mousemove", function (event) {
    var option = event.target.closest && event.target.closest("[role=option]");
    if (option) highlight(options().indexOf(option));
  });

  if (toggle) {
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      var show = !form.classList.contains("open");
      showForm(show);
      if (show) input.focus();
    });
  }

  function typing(element) {
    if (!element || element === document.body) return false;
    var tag = element.tagName;
    return element.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(document.activeElement) || event.defaultPrevented) return;
    event.preventDefault();
    showForm(true);
    input.focus();
    input.select();
  });
})();
