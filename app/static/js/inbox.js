// Conversation page: follow the conversation over /console (join_conversation on every connect,
// catching up from the last seq shown), append new messages once (by seq), and send from the composer.
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
  const LINK = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

  function lastSeq() {
    const last = list.lastElementChild;
    return last ? Number(last.getAttribute("data-seq")) || 0 : 0;
  }

  function has(seq) {
    return list.querySelector('[data-seq="' + Number(seq) + '"]') !== null;
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
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
    const kind = m.internal ? "note" : m.author_type;
    const li = document.createElement("li");
    li.className = "message message--" + kind;
    li.setAttribute("data-seq", String(m.seq));
    const meta = document.createElement("p");
    meta.className = "message__meta";
    const who = document.createElement("span");
    who.className = "message__author";
    who.textContent = (m.internal ? "Internal note · " : "") + author(m);
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

  // Insert in seq order, once: a message can come both in a join ack and as message_created.
  function add(m) {
    if (!m || m.conversation_id !== conversationId || typeof m.seq !== "number" || has(m.seq)) return;
    const node = render(m);
    const after = Array.from(list.children).find(function (li) { return Number(li.getAttribute("data-seq")) > m.seq; });
    list.insertBefore(node, after || null);
    if (empty) empty.hidden = true;
    node.scrollIntoView({ block: "nearest" });
  }

  function say(text, isError) {
    status.classList.toggle("is-error", Boolean(isError));
    status.textContent = text;
  }

  function join(socket) {
    socket.emit("join_conversation", { conversation_id: conversationId, since_seq: lastSeq() }, function (ack) {
      if (!ack || !ack.ok) { say((ack && ack.error && ack.error.message) || "Could not follow this conversation.", true); return; }
      root.setAttribute("data-joined", "");
      (ack.messages || []).forEach(add);
    });
  }

  function send(socket) {
    const body = input.value;
    if (!body.trim()) { say("Write a message first.", true); input.focus(); return; }
    if (!socket.connected) { say("Not connected: the message was not sent. Try again when Live.", true); return; }
    const payload = { conversation_id: conversationId, client_msg_id: uuid(), body: body, internal: internal.checked };
    say("Sending…", false);
    socket.timeout(10000).emit("send_message", payload, function (err, ack) {
      if (err) { say("No answer from the server: the message may not have been sent.", true); return; }
      if (!ack || !ack.ok) { say((ack && ack.error && ack.error.message) || "The message was not sent.", true); return; }
      add(ack.message);
      if (input.value === body) input.value = "";
      say(ack.message.internal ? "Note added." : "Sent.", false);
    });
  }

  function start() {
    const socket = window.helpdeskConsole && window.helpdeskConsole.socket;
    if (!socket) { say("Live updates are unavailable: reload the page.", true); return; }
    // Every (re)connect is a new server-side socket with no rooms: join again, from the last seq shown.
    socket.on("connect", function () { join(socket); });
    socket.on("disconnect", function () { root.removeAttribute("data-joined"); });
    socket.on("message_created", add);
    socket.on("conversation_updated", function (c) {
      if (c && c.id === conversationId) say("This conversation is now " + c.status + ": reload to see it.", false);
    });
    if (socket.connected) join(socket);
    form.addEventListener("submit", function (event) { event.preventDefault(); send(socket); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(socket); }
    });
  }

  start();
})();
