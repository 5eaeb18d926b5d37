/* Keyboard shortcuts. Any element with data-hotkey (a key or a sequence such as "g t")
   is clicked, or focused if it is a field, when its keys are typed outside a text field
   (@github/hotkey, vendored). "?" opens the list of shortcuts; Ctrl+Enter (⌘+Enter)
   submits the form being typed in. */
import { install } from "../vendor/@github/hotkey/index.js";

function installAll(root) {
  root.querySelectorAll("[data-hotkey]").forEach(function (el) {
    if (el.dataset.hotkey && !el.dataset.hotkeyInstalled) {
      install(el);
      el.dataset.hotkeyInstalled = "1";
    }
  });
}

installAll(document);
// Fragments swapped in by htmx may carry their own shortcuts.
document.body.addEventListener("htmx:load", function (event) { installAll(event.target); });

var help = document.getElementById("shortcuts-help");

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

document.addEventListener("keydown", function (event) {
  if (event.key === "?" && !typing(event.target) && help && !help.open) {
    event.preventDefault();
    help.showModal();
    return;
  }
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    var form = event.target.closest && event.target.closest("form");
    if (form && form.method !== "dialog") {
      event.preventDefault();
      form.requestSubmit();
    }
  }
});

document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
  button.addEventListener("click", function () { if (help) help.showModal(); });
});
