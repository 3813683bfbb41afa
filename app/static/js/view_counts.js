// The ticket list's view counts: fetched after the page is shown, so a page never waits for them.
(function () {
  "use strict";

  const nav = document.querySelector("[data-view-counts]");
  if (!nav) return;
  fetch(nav.getAttribute("data-view-counts"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : {}; })
    .then(function (counts) {
      document.querySelectorAll("[data-view-count]").forEach(function (span) {
        const key = span.getAttribute("data-view-count");
        if (key in counts) span.textContent = counts[key];
      });
    })
    .catch(function () { /* the tabs work without their counts */ });
})();
