// Console live channel: connects to /console with the page's CSRF token and shows the state.
(function () {
  "use strict";

  const status = document.querySelector("[data-live-status]");
  const label = status && status.querySelector("[data-live-label]");

  function show(state, text) {
    if (!status) return;
    status.classList.remove("is-live", "is-offline");
    if (state) status.classList.add(state);
    label.textContent = text;
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        const input = document.querySelector(button.getAttribute("data-copy"));
        if (!input) return;
        input.select();
        const done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, done);
        else { document.execCommand("copy"); done(); }
      });
    });
  }

  function connect() {
    if (typeof window.io !== "function") { show("is-offline", "Live updates unavailable"); return; }
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const socket = window.io("/console", { auth: { csrf_token: csrf } });
    socket.on("connect", function () { show("is-live", "Live"); });
    socket.on("disconnect", function () { show("is-offline", "Reconnecting…"); });
    socket.on("connect_error", function () { show("is-offline", "Offline"); });
    // Sessions revoked elsewhere (deactivation, password change): reload, and the server decides.
    socket.on("session_revoked", function () { window.location.reload(); });
    socket.on("error", function (payload) {
      if (payload && payload.code === "unauthorized") window.location.reload();
    });
    window.helpdeskConsole = { socket: socket };
  }

  // Fields that matter for one choice only (the password when "Set a password now" is chosen).
  function revealers() {
    document.querySelectorAll("[data-reveal-when]").forEach(function (block) {
      const parts = block.getAttribute("data-reveal-when").split("=");
      const form = block.closest("form");
      const update = function () {
        const checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
        block.hidden = !checked || checked.value !== parts[1];
      };
      form.querySelectorAll('input[name="' + parts[0] + '"]').forEach(function (input) {
        input.addEventListener("change", update);
      });
      update();
    });
  }

  copyButtons();
  revealers();
  connect();
})();
