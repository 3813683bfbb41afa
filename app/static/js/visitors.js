// Visitors on the site: watch `visitors` (visitors_changed refetches this page and swaps the list,
// at most every 2 s), and "Start chat" sends reach_out, then opens the new conversation.
(function () {
  "use strict";

  const dialog = document.querySelector("[data-reach-out-dialog]");
  const form = dialog && dialog.querySelector("[data-reach-out-form]");
  const status = form && form.querySelector("[data-reach-out-status]");
  let customerId = null, opener = null, busy = false, again = false, timer = null;

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("visitors-list");
        const current = document.getElementById("visitors-list");
        if (fresh && current && !fresh.isEqualNode(current)) current.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () { /* the next change or reconnect refreshes again */ })
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  function soon() {
    if (timer) return;
    timer = window.setTimeout(function () { timer = null; refresh(); }, 2000);
  }

  function open(button) {
    customerId = Number(button.getAttribute("data-reach-out"));
    opener = button;
    dialog.querySelector("[data-reach-out-name]").textContent = button.getAttribute("data-visitor-name");
    status.textContent = "";
    dialog.showModal();
    form.querySelector("textarea").focus();
  }

  function send(socket) {
    const body = form.querySelector("textarea").value;
    if (!body.trim()) { status.textContent = "Write a message first."; return; }
    status.textContent = "Sending…";
    socket.timeout(10000).emit("reach_out", { customer_id: customerId, client_key: uuid(), body: body }, function (err, ack) {
      if (err || !ack) { status.textContent = "No answer from the server: try again."; return; }
      if (!ack.ok) { status.textContent = ack.error.message; return; }
      window.location.href = "/console/inbox/" + ack.conversation.id;
    });
  }

  function start() {
    const socket = window.helpdeskConsole && window.helpdeskConsole.socket;
    if (!socket || !dialog) return;
    const watch = function () { socket.emit("watch_visitors", {}, function () { document.body.setAttribute("data-visitors-live", ""); }); };
    socket.on("connect", function () { watch(); refresh(); });
    socket.on("visitors_changed", soon);
    if (socket.connected) watch();
    document.addEventListener("click", function (event) {
      const button = event.target.closest("[data-reach-out]");
      if (button) open(button);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); send(socket); });
    dialog.querySelector("[data-reach-out-cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { if (opener) opener.focus(); });
  }

  start();
})();
