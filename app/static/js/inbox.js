// Conversation page: follow the conversation over /console (join_conversation on every connect,
// catching up from the last seq shown), append new messages once (by seq), send from the composer,
// and the signals around it: typing both ways, "Seen" receipts, who else is here, assignment and
// status changes made elsewhere.
(function () {
  "use strict";

  const root = document.querySelector("[data-conversation]");
  if (!root) return;
  const conversationId = Number(root.getAttribute("data-conversation"));
  const me = Number(root.getAttribute("data-me"));
  const customerName = root.getAttribute("data-customer-name") || "Visitor";
  const list = root.querySelector("[data-messages]");
  const empty = root.querySelector("[data-messages-empty]");
  const form = root.querySelector("[data-composer]");
  const input = form.querySelector("textarea");
  const internal = form.querySelector("[data-composer-internal]");
  const status = form.querySelector("[data-composer-status]");
  const typingLine = root.querySelector("[data-typing]");
  const collision = root.querySelector("[data-collision]");
  const assignee = root.querySelector("[data-assignee]");
  const claim = root.querySelector("[data-claim]");
  const badge = root.querySelector("[data-status-badge]");
  const LINK = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  const TYPING_SENT_MS = 3000, TYPING_IDLE_MS = 4000, TYPING_SHOWN_MS = 6000;
  let visitorReadSeq = Number(root.getAttribute("data-visitor-read-seq")) || 0;
  let viewers = [], agentsTyping = {}, visitorTypingTimer = null;
  let typingSentAt = 0, typingIdle = null, readSent = 0;

  function lastSeq() {
    const last = list.lastElementChild;
    return last ? Number(last.getAttribute("data-seq")) || 0 : 0;
  }

  function has(seq) {
    return list.querySelector('[data-seq="' + Number(seq) + '"]') !== null;
  }

  // Text with http(s) addresses as links: text nodes and <a> elements only, never parsed HTML.
  function fillBody(el, text) {
    let last = 0;
    String(text).replace(LINK, function (url, offset) {
      el.appendChild(document.createTextNode(text.slice(last, offset)));
      const a = document.createElement("a");
      a.href = url;
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      a.textContent = url;
      el.appendChild(a);
      last = offset + url.length;
      return url;
    });
    el.appendChild(document.createTextNode(String(text).slice(last)));
  }

  function author(m) {
    if (m.author_type === "visitor") return customerName;
    if (m.author_type === "agent") return m.author_agent_id === me ? "You" : "Agent";
    return "System";
  }

  function render(m) {
    const kind = m.internal ? (m.author_type === "system" ? "system" : "note") : m.author_type;
    const li = document.createElement("li");
    li.className = "message message--" + kind;
    li.setAttribute("data-seq", String(m.seq));
    if (m.author_type === "agent" && !m.internal) li.setAttribute("data-public-agent", "");
    const meta = document.createElement("p");
    meta.className = "message__meta";
    const who = document.createElement("span");
    who.className = "message__author";
    who.textContent = (m.internal && m.author_type !== "system" ? "Internal note · " : "") + author(m);
    const time = document.createElement("time");
    const at = new Date(m.created_at);
    if (!Number.isNaN(at.getTime())) {
      time.setAttribute("datetime", at.toISOString());
      time.textContent = at.toISOString().slice(11, 16);
      time.title = at.toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
    meta.append(who, document.createTextNode(" "), time);
    const body = document.createElement("p");
    body.className = "message__body";
    fillBody(body, m.body || "");
    li.append(meta, body);
    return li;
  }

  // "Seen" under the newest public reply the visitor has read.
  function paintSeen() {
    list.querySelectorAll(".message__seen").forEach(function (el) { el.remove(); });
    const read = Array.from(list.querySelectorAll("[data-public-agent]")).filter(function (li) {
      return Number(li.getAttribute("data-seq")) <= visitorReadSeq;
    });
    const last = read[read.length - 1];
    if (!last) return;
    const seen = document.createElement("span");
    seen.className = "message__seen";
    seen.textContent = "Seen";
    last.querySelector(".message__meta").appendChild(seen);
  }

  // Insert in seq order, once: a message can come both in a join ack and as message_created.
  function add(m) {
    if (!m || m.conversation_id !== conversationId || typeof m.seq !== "number" || has(m.seq)) return;
    const node = render(m);
    const after = Array.from(list.children).find(function (li) { return Number(li.getAttribute("data-seq")) > m.seq; });
    list.insertBefore(node, after || null);
    if (empty) empty.hidden = true;
    node.scrollIntoView({ block: "nearest" });
    if (m.author_type === "visitor") showVisitorTyping(false);
    paintSeen();
  }

  function say(text, isError) {
    status.classList.toggle("is-error", Boolean(isError));
    status.textContent = text;
  }

  // --- Who else is here, who is typing ---------------------------------------------------------

  function paintCollision() {
    const others = viewers.filter(function (v) { return v.id !== me; }).map(function (v) { return v.display_name; });
    const typers = Object.keys(agentsTyping).map(function (id) { return agentsTyping[id]; });
    const parts = [];
    if (typers.length) parts.push(typers.map(function (t) { return t.name + " is writing " + (t.internal ? "a note" : "a reply"); }).join(", "));
    else if (others.length) parts.push("Also here: " + others.join(", "));
    collision.textContent = parts.join(" · ");
    collision.classList.toggle("is-warning", typers.length > 0);
  }

  function showVisitorTyping(on) {
    window.clearTimeout(visitorTypingTimer);
    typingLine.textContent = on ? customerName + " is typing…" : "";
    if (on) visitorTypingTimer = window.setTimeout(function () { showVisitorTyping(false); }, TYPING_SHOWN_MS);
  }

  function onTyping(t) {
    if (!t || t.conversation_id !== conversationId) return;
    if (t.author_type === "visitor") { showVisitorTyping(t.typing); return; }
    if (t.agent_id === me) return;
    if (t.typing) {
      const entry = { name: t.agent_name, internal: t.internal };
      window.clearTimeout((agentsTyping[t.agent_id] || {}).timer);
      entry.timer = window.setTimeout(function () { delete agentsTyping[t.agent_id]; paintCollision(); }, TYPING_SHOWN_MS);
      agentsTyping[t.agent_id] = entry;
    } else {
      window.clearTimeout((agentsTyping[t.agent_id] || {}).timer);
      delete agentsTyping[t.agent_id];
    }
    paintCollision();
  }

  function typing(socket, on) {
    if (!socket.connected) return;
    const now = Date.now();
    window.clearTimeout(typingIdle);
    if (on) {
      typingIdle = window.setTimeout(function () { typing(socket, false); }, TYPING_IDLE_MS);
      if (now - typingSentAt < TYPING_SENT_MS) return;
      typingSentAt = now;
    } else {
      if (!typingSentAt) return;
      typingSentAt = 0;
    }
    socket.emit("typing", { conversation_id: conversationId, typing: on, internal: internal.checked });
  }

  // --- Reading, joining, sending ---------------------------------------------------------------

  function markRead(socket) {
    const seq = lastSeq();
    if (!socket.connected || seq <= readSent || document.visibilityState !== "visible") return;
    readSent = seq;
    socket.emit("mark_read", { conversation_id: conversationId, seq: seq });
  }

  function join(socket) {
    socket.emit("join_conversation", { conversation_id: conversationId, since_seq: lastSeq() }, function (ack) {
      if (!ack || !ack.ok) { say((ack && ack.error && ack.error.message) || "Could not follow this conversation.", true); return; }
      root.setAttribute("data-joined", "");
      (ack.messages || []).forEach(add);
      viewers = ack.viewers || [];
      paintCollision();
      markRead(socket);
    });
  }

  function send(socket) {
    const body = input.value;
    if (!body.trim()) { say("Write a message first.", true); input.focus(); return; }
    if (!socket.connected) { say("Not connected: the message was not sent. Try again when Live.", true); return; }
    const payload = { conversation_id: conversationId, client_msg_id: window.helpdeskShared.uuid(), body: body,
                      internal: internal.checked };
    say("Sending…", false);
    typing(socket, false);
    socket.timeout(10000).emit("send_message", payload, function (err, ack) {
      if (err) { say("No answer from the server: the message may not have been sent.", true); return; }
      if (!ack || !ack.ok) { say((ack && ack.error && ack.error.message) || "The message was not sent.", true); return; }
      add(ack.message);
      if (input.value === body) input.value = "";
      say(ack.message.internal ? "Note added." : "Sent.", false);
    });
  }

  // --- Assignment and status -------------------------------------------------------------------

  function assign(socket, agentId) {
    socket.timeout(10000).emit("assign", { conversation_id: conversationId, agent_id: agentId }, function (err, ack) {
      if (err || !ack || !ack.ok) { say((ack && ack.error && ack.error.message) || "The assignment was not saved.", true); return; }
      updated(ack.conversation);
      say(agentId === null ? "Unassigned." : agentId === me ? "It is yours now." : "Transferred.", false);
    });
  }

  function updated(c) {
    if (!c || c.id !== conversationId) return;
    assignee.value = c.assignee_id ? String(c.assignee_id) : "";
    claim.hidden = c.assignee_id === me;
    if (c.status !== root.getAttribute("data-status")) {
      // The status buttons are a server-rendered form: show the new state and offer a reload.
      badge.textContent = c.status.charAt(0).toUpperCase() + c.status.slice(1);
      badge.className = "badge badge--status-" + c.status;
      root.setAttribute("data-status", c.status);
      say("This conversation is now " + c.status + " (changed elsewhere); reload for its buttons.", false);
    }
  }

  // The customer rated the chat while the page is open: the rating (and comment) under the header.
  function surveyAnswered(survey) {
    if (!survey || survey.conversation_id !== conversationId || !survey.answered) return;
    const line = document.querySelector("[data-survey-live]");
    line.textContent = "The customer rated this chat: " + (survey.rating === "good" ? "Good" : "Bad") +
      (survey.comment ? " — “" + survey.comment + "”" : "");
    line.hidden = false;
    const stale = document.querySelector("[data-survey-answer]");
    if (stale) stale.hidden = true;
  }

  function start() {
    const socket = window.helpdeskConsole && window.helpdeskConsole.socket;
    if (!socket) { say("Live updates are unavailable: reload the page.", true); return; }
    // Every (re)connect is a new server-side socket with no rooms: join again, from the last seq shown.
    socket.on("connect", function () { readSent = 0; join(socket); });
    socket.on("disconnect", function () { root.removeAttribute("data-joined"); });
    socket.on("message_created", function (m) { add(m); if (m && m.author_type === "visitor") markRead(socket); });
    socket.on("conversation_updated", updated);
    socket.on("typing", onTyping);
    socket.on("read", function (r) {
      if (r && r.conversation_id === conversationId && r.reader === "visitor") { visitorReadSeq = r.seq; paintSeen(); }
    });
    socket.on("viewers_changed", function (v) {
      if (v && v.conversation_id === conversationId) { viewers = v.viewers; paintCollision(); }
    });
    socket.on("survey_answered", surveyAnswered);
    if (socket.connected) join(socket);
    paintSeen();
    document.addEventListener("visibilitychange", function () { markRead(socket); });
    form.addEventListener("submit", function (event) { event.preventDefault(); send(socket); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(socket); }
    });
    input.addEventListener("input", function () { typing(socket, input.value.length > 0); });
    assignee.addEventListener("change", function () { assign(socket, assignee.value ? Number(assignee.value) : null); });
    claim.addEventListener("click", function () { assign(socket, me); });
    window.addEventListener("pagehide", function () { socket.emit("leave_conversation", { conversation_id: conversationId }); });
  }

  start();
})();
