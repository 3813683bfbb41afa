// The ticket page's live signals (collision detection): who else has this ticket open, who is
// writing a reply or a note, and a notice when the ticket changed since the page was loaded.
(function () {
  "use strict";

  const root = document.querySelector("[data-ticket]");
  if (!root) return;
  const ticketId = Number(root.getAttribute("data-ticket"));
  const version = Number(root.getAttribute("data-version"));
  const collision = root.querySelector("[data-collision]");
  const changed = root.querySelector("[data-ticket-changed]");
  const composer = root.querySelector("form.composer");
  const body = composer && composer.querySelector("textarea");
  const internal = composer && composer.querySelector('input[type="checkbox"]');
  const TYPING_SENT_MS = 3000, TYPING_IDLE_MS = 4000, TYPING_SHOWN_MS = 6000;
  let viewers = [], writers = {}, sentAt = 0, idle = null, me = null;

  function paint() {
    const others = viewers.filter(function (v) { return v.id !== me; }).map(function (v) { return v.display_name; });
    const typing = Object.keys(writers).map(function (id) { return writers[id]; });
    if (typing.length) {
      collision.textContent = typing.map(function (w) {
        return w.name + " is writing " + (w.internal ? "a note" : "a reply");
      }).join(", ");
    } else {
      collision.textContent = others.length ? "Also viewing: " + others.join(", ") : "";
    }
    collision.classList.toggle("is-warning", typing.length > 0);
  }

  function onTyping(t) {
    if (!t || t.ticket_id !== ticketId || t.agent_id === me) return;
    window.clearTimeout((writers[t.agent_id] || {}).timer);
    if (t.typing) {
      const entry = { name: t.agent_name, internal: t.internal };
      entry.timer = window.setTimeout(function () { delete writers[t.agent_id]; paint(); }, TYPING_SHOWN_MS);
      writers[t.agent_id] = entry;
    } else {
      delete writers[t.agent_id];
    }
    paint();
  }

  function typing(socket, on) {
    if (!socket.connected) return;
    const now = Date.now();
    window.clearTimeout(idle);
    if (on) {
      idle = window.setTimeout(function () { typing(socket, false); }, TYPING_IDLE_MS);
      if (now - sentAt < TYPING_SENT_MS) return;
      sentAt = now;
    } else {
      if (!sentAt) return;
      sentAt = 0;
    }
    socket.emit("ticket_typing", { ticket_id: ticketId, typing: on, internal: Boolean(internal && internal.checked) });
  }

  function start() {
    const live = window.helpdeskConsole;
    if (!live || !live.socket) return;
    const socket = live.socket;
    me = live.me;
    function open() {
      socket.emit("open_ticket", { ticket_id: ticketId }, function (ack) {
        if (ack && ack.ok) { viewers = ack.viewers || []; paint(); }
      });
    }
    if (socket.connected) open();
    socket.on("connect", open);
    socket.on("ticket_viewers_changed", function (v) {
      if (v && v.ticket_id === ticketId) { viewers = v.viewers || []; paint(); }
    });
    socket.on("ticket_typing", onTyping);
    socket.on("ticket_updated", function (t) {
      if (t && t.id === ticketId && t.version > version && !submitting) changed.hidden = false;
    });
    if (body) body.addEventListener("input", function () { typing(socket, body.value.length > 0); });
    window.addEventListener("pagehide", function () { typing(socket, false); });
  }

  // This page's own save reloads it: its ticket_updated is not news.
  let submitting = false;
  root.closest("main").querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () { submitting = true; });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
