// Inbox list: on conversation_created, _updated or _assigned, fetch this page again and swap the list
// region (#inbox-list) for the fresh one; on conversation_activity too, at most once a second while
// messages flow (console.js's liveRegion).
(function () {
  "use strict";

  const region = document.querySelector("[data-inbox-list]");
  const announcer = document.querySelector("[data-inbox-announcer]");

  function announce() {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = "Conversations updated"; }, 50);
  }

  function start() {
    const live = window.helpdeskConsole;
    if (!region || !live) return;
    const socket = live.socket, list = live.liveRegion("inbox-list", 1000, announce);
    socket.on("conversation_created", list.refresh);
    socket.on("conversation_updated", list.refresh);
    socket.on("conversation_assigned", list.refresh);
    socket.on("conversation_activity", list.soon);
    let connectedBefore = false;
    // After a reconnect, catch up on what arrived while offline.
    socket.on("connect", function () {
      if (connectedBefore) list.refresh();
      connectedBefore = true;
      document.body.setAttribute("data-inbox-live", "");
    });
    if (socket.connected) { connectedBefore = true; document.body.setAttribute("data-inbox-live", ""); }
  }

  start();
})();
