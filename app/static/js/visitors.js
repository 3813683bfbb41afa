// Visitors on the site: watch `visitors` (visitors_changed refetches this page and swaps the list,
// at most every 2 s, with console.js's liveRegion), and "Start chat" sends reach_out, then opens
// the new conversation.
(function () {
  "use strict";

  const dialog = document.querySelector("[data-reach-out-dialog]");
  const form = dialog && dialog.querySelector("[data-reach-out-form]");
  const status = form && form.querySelector("[data-reach-out-status]");
  let customerId = null, opener = null, key = null;

  function open(button) {
    customerId = Number(button.getAttribute("data-reach-out"));
    opener = button;
    key = window.helpdeskShared.uuid(); // a retry from this dialog (no answer) starts no second chat
    dialog.querySelector("[data-reach-out-name]").textContent = button.getAttribute("data-visitor-name");
    status.textContent = "";
    dialog.showModal();
    form.querySelector("textarea").focus();
  }

  function send(socket) {
    const body = form.querySelector("textarea").value;
    if (!body.trim()) { status.textContent = "Write a message first."; return; }
    status.textContent = "Sending…";
    socket.timeout(10000).emit("reach_out", { customer_id: customerId, client_key: key, body: body }, function (err, ack) {
      if (err || !ack) { status.textContent = "No answer from the server: try again."; return; }
      if (!ack.ok) { status.textContent = ack.error.message; return; }
      window.location.href = "/console/inbox/" + ack.conversation.id;
    });
  }

  function start() {
    const socket = window.helpdeskConsole && window.helpdeskConsole.socket;
    if (!socket || !dialog) return;
    const list = window.helpdeskConsole.liveRegion("visitors-list", 2000);
    const watch = function () { socket.emit("watch_visitors", {}, function () { document.body.setAttribute("data-visitors-live", ""); }); };
    socket.on("connect", function () { watch(); list.refresh(); });
    socket.on("visitors_changed", list.soon);
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
