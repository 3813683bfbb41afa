// Inbox list: on conversation_created, _updated, _assigned or _activity, fetch this page again and
// swap the list region (#inbox-list) for the fresh one, at most once a second while messages flow.
// The markup is Jinja's, escaped on the server.
(function () {
  "use strict";

  const region = document.querySelector("[data-inbox-list]");
  const announcer = document.querySelector("[data-inbox-announcer]");
  let busy = false;
  let again = false;
  let timer = null;

  function soon() {
    if (timer) return;
    timer = window.setTimeout(function () { timer = null; refresh(); }, 1000);
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.redirected || response.status === 401) { window.location.reload(); return; }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text().then(function (html) {
          const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("inbox-list");
          const current = document.getElementById("inbox-list");
          if (!fresh || !current || fresh.isEqualNode(current)) return;
          current.replaceWith(document.importNode(fresh, true));
          if (announcer) {
            announcer.textContent = "";
            window.setTimeout(function () { announcer.textContent = "Conversations updated"; }, 50);
          }
        });
      })
      .catch(function () { /* offline: the next fact or reconnect refreshes again */ })
      .finally(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  function start() {
    const socket = window.helpdeskConsole && window.helpdeskConsole.socket;
    if (!region || !socket) return;
    socket.on("conversation_created", refresh);
    socket.on("conversation_updated", refresh);
    socket.on("conversation_assigned", refresh);
    socket.on("conversation_activity", soon);
    let connectedBefore = false;
    // After a reconnect, catch up on what arrived while offline.
    socket.on("connect", function () {
      if (connectedBefore) refresh();
      connectedBefore = true;
      document.body.setAttribute("data-inbox-live", "");
    });
    if (socket.connected) { connectedBefore = true; document.body.setAttribute("data-inbox-live", ""); }
  }

  start();
})();
