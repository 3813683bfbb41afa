// The ticket list's bulk bar, progressively: hidden until a row is selected (the form works
// without this file, with the bar always shown), a count of the selection announced politely, and
// "Select all on this page" kept in step with the rows (checked, unchecked or mixed).
(function () {
  "use strict";

  const form = document.querySelector("[data-bulk]");
  if (!form) return;
  const bar = form.querySelector("[data-bulk-bar]");
  const count = form.querySelector("[data-bulk-count]");
  const all = form.querySelector("[data-select-all]");
  const rows = Array.prototype.slice.call(form.querySelectorAll("[data-select-row]"));
  // After an error or a conflict the bar stays in view, with what it says.
  const keepShown = Boolean(form.querySelector("[data-bulk-error], [data-conflict]"));
  const announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  form.appendChild(announcer);

  function selected() {
    return rows.filter(function (box) { return box.checked; }).length;
  }

  function paint(announce) {
    const n = selected();
    const text = n === 1 ? "1 ticket selected" : n + " tickets selected";
    bar.hidden = n === 0 && !keepShown;
    count.textContent = n ? "(" + text + ")" : "";
    if (all) {
      all.checked = n > 0 && n === rows.length;
      all.indeterminate = n > 0 && n < rows.length;
    }
    if (announce) announcer.textContent = n ? text + ": the bulk update is above the list." : "No ticket selected.";
  }

  rows.forEach(function (box) {
    box.addEventListener("change", function () { paint(true); });
  });
  if (all) {
    all.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = all.checked; });
      paint(true);
    });
  }
  // A reload restores checkboxes from the browser's form cache: paint what is there.
  window.addEventListener("pageshow", function () { paint(false); });
  paint(false);
})();
