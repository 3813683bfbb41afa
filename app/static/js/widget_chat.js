// The widget's chat, inside the iframe that /widget.js opens on a shop's page (docs/widget-protocol.md).
// The shop page says who the visitor is by postMessage ({type: "helpdesk:init", anonymous_id,
// customer_id?, user_hash?}); only the parent frame on an allowed origin is listened to. Then: a
// visitor token (POST /api/v1/widget/session), the /chat socket, and the conversation's id and last
// seq in localStorage, so a reload resumes it. Visitor and agent text is only set with textContent.
(function (w, d) {
  "use strict";
  var TEXTS = {
    en: { title: "Chat with us", intro: "Write to us here and someone from the team will answer in this window.",
          label: "Your message", send: "Send", close: "Close chat", log: "Messages", you: "You", team: "Support",
          sending: "Sending…", failed: "Not sent", offline: "Connection lost. Reconnecting…",
          unavailable: "The chat could not start. Please try again later." },
    pt: { title: "Fale connosco", intro: "Escreva-nos aqui e alguém da equipa responde nesta janela.",
          label: "A sua mensagem", send: "Enviar", close: "Fechar conversa", log: "Mensagens", you: "Você",
          team: "Apoio", sending: "A enviar…", failed: "Não enviada", offline: "Ligação perdida. A religar…",
          unavailable: "Não foi possível iniciar a conversa. Tente mais tarde." },
    nl: { title: "Chat met ons", intro: "Schrijf ons hier en iemand van het team antwoordt in dit venster.",
          label: "Je bericht", send: "Versturen", close: "Chat sluiten", log: "Berichten", you: "Jij",
          team: "Support", sending: "Versturen…", failed: "Niet verstuurd",
          offline: "Verbinding verbroken. Opnieuw verbinden…",
          unavailable: "De chat kon niet starten. Probeer het later opnieuw." }
  };
  var ACK_MS = 10000;
  var RETRY_MS = 5000;
  var PAGE = 500; // join_conversation acks at most this many messages
  var t = TEXTS[d.documentElement.lang] || TEXTS.en;
  var root = d.body;
  var origins = JSON.parse(root.getAttribute("data-origins") || "[]");
  var list = d.querySelector("[data-log]");
  var scroller = d.querySelector("[data-scroll]");
  var status = d.querySelector("[data-status]");
  var form = d.querySelector("[data-composer]");
  var input = form.querySelector("textarea");
  var parentOrigin = null, identity = null, token = null, socket = null, storeKey = null;
  var conversation = null; // {id, seq}: seq is the highest one received, kept for the next visit
  var last = 0; // the highest seq on screen: what a (re)join asks to follow
  var shown = {}, pending = {}, bubbles = {}, inflight = {};
  var starting = false;

  d.querySelectorAll("[data-text]").forEach(function (el) { el.textContent = t[el.getAttribute("data-text")]; });
  d.querySelectorAll("[data-label]").forEach(function (el) { el.setAttribute("aria-label", t[el.getAttribute("data-label")]); });

  var store = (function () {
    try { w.localStorage.setItem("helpdesk_probe", "1"); w.localStorage.removeItem("helpdesk_probe"); return w.localStorage; }
    catch (blocked) { return null; } // partitioned or blocked third-party storage: memory only
  })();

  function save() {
    if (!store) return;
    if (conversation) store.setItem(storeKey, JSON.stringify(conversation));
    else store.removeItem(storeKey);
  }

  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function say(message) { status.textContent = message || ""; }

  // --- Messages on screen ------------------------------------------------------------------

  function bubble(mine, body) {
    var li = d.createElement("li"), who = d.createElement("p"), text = d.createElement("p");
    li.className = "msg " + (mine ? "msg--mine" : "msg--team");
    who.className = "msg__who";
    who.textContent = mine ? t.you : t.team;
    text.className = "msg__body";
    text.textContent = body;
    li.appendChild(who);
    li.appendChild(text);
    return li;
  }

  function scrollDown() { scroller.scrollTop = scroller.scrollHeight; }

  function render(m) {
    if (!conversation || m.conversation_id !== conversation.id || shown[m.seq]) return;
    shown[m.seq] = true;
    var mine = m.author_type === "visitor";
    var li = (mine && bubbles[m.client_msg_id]) || bubble(mine, m.body);
    delete bubbles[m.client_msg_id];
    delete pending[m.client_msg_id];
    li.removeAttribute("data-pending");
    li.firstChild.textContent = mine ? t.you : t.team;
    li.setAttribute("data-seq", m.seq);
    // In seq order, above the messages still being sent.
    var next = Array.prototype.find.call(list.children, function (c) {
      return c !== li && (c.hasAttribute("data-pending") || Number(c.getAttribute("data-seq")) > m.seq);
    });
    list.insertBefore(li, next || null);
    if (m.seq > last) last = m.seq;
    if (m.seq > conversation.seq) { conversation.seq = m.seq; save(); }
    scrollDown();
  }

  // --- Commands ----------------------------------------------------------------------------

  function command(name, payload, done) {
    socket.timeout(ACK_MS).emit(name, payload, function (err, ack) {
      // No ack (timeout, dropped connection): the next connect joins and resends.
      if (!err && ack) done(ack);
    });
  }

  function forget() {
    conversation = null;
    save();
  }

  function join() {
    command("join_conversation", { conversation_id: conversation.id, since_seq: last }, function (ack) {
      if (!ack.ok) {
        if (ack.error.code === "not_found") forget(); // not this visitor's (any more): start afresh
        return flush();
      }
      ack.messages.forEach(render);
      if (ack.messages.length === PAGE) join();
      else flush();
    });
  }

  function start() {
    if (starting) return;
    starting = true;
    socket.timeout(ACK_MS).emit("start_conversation", {}, function (err, ack) {
      starting = false;
      if (err || !ack || !ack.ok) return;
      conversation = { id: ack.conversation.id, seq: 0 };
      shown = {}; // seqs number each conversation's messages afresh
      last = 0;
      save();
      flush();
    });
  }

  function sendOne(id) {
    if (inflight[id]) return;
    inflight[id] = true;
    var payload = { conversation_id: conversation.id, client_msg_id: id, body: pending[id] };
    socket.timeout(ACK_MS).emit("send_message", payload, function (err, ack) {
      delete inflight[id];
      if (err || !ack) return; // kept pending: resent with the same client_msg_id after reconnecting
      if (ack.ok) return render(ack.message);
      var code = ack.error.code;
      if (code === "not_found") { forget(); flush(); }
      else if (code === "unauthorized") { token = null; socket.disconnect(); connect(); }
      else if (code !== "internal") refused(id);
      else w.setTimeout(flush, RETRY_MS);
    });
  }

  function refused(id) {
    var li = bubbles[id];
    delete pending[id];
    delete bubbles[id];
    li.removeAttribute("data-pending");
    li.classList.add("msg--failed");
    li.firstChild.textContent = t.you + " · " + t.failed;
  }

  function flush() {
    if (!socket || !socket.connected) return;
    var ids = Object.keys(pending);
    if (!ids.length) return;
    if (!conversation) return start(); // only once there is something to say
    ids.forEach(sendOne);
  }

  // --- Connection --------------------------------------------------------------------------

  function requestToken(body) {
    return w.fetch("/api/v1/widget/session", {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 403 && body.customer_id) {
        // The shop's user_hash does not prove the customer: chat on as the anonymous visitor.
        identity = { anonymous_id: body.anonymous_id };
        return requestToken(identity);
      }
      if (!response.ok) throw new Error("session " + response.status);
      return response.json().then(function (answer) { return answer.token; });
    });
  }

  function connect() {
    var ready = token ? Promise.resolve(token) : requestToken(identity);
    ready.then(function (fresh) { token = fresh; socket.connect(); })
      .catch(function () { say(t.unavailable); w.setTimeout(connect, RETRY_MS); });
  }

  function begin(data) {
    identity = { anonymous_id: String(data.anonymous_id) };
    if (data.customer_id && data.user_hash) {
      identity.customer_id = String(data.customer_id);
      identity.user_hash = String(data.user_hash);
    }
    storeKey = "helpdesk_chat:" + parentOrigin + ":" + (identity.customer_id ? "c:" + identity.customer_id : "a:" + identity.anonymous_id);
    try { conversation = store && JSON.parse(store.getItem(storeKey)); } catch (broken) { conversation = null; }
    socket = w.io("/chat", { autoConnect: false, auth: function (cb) { cb({ token: token }); } });
    socket.on("connect", function () {
      say("");
      inflight = {};
      if (conversation) join();
      else flush();
    });
    socket.on("disconnect", function () { say(t.offline); });
    socket.on("connect_error", function () {
      // A refusal (expired token) is not retried by the client itself; a network error is.
      if (!socket.active) { token = null; w.setTimeout(connect, RETRY_MS); }
    });
    socket.on("message_created", render);
    connect();
  }

  // --- The shop page -----------------------------------------------------------------------

  function closeChat() {
    if (parentOrigin) w.parent.postMessage({ type: "helpdesk:close" }, parentOrigin);
  }

  w.addEventListener("message", function (event) {
    if (event.source !== w.parent || w.parent === w || origins.indexOf(event.origin) < 0) return;
    var data = event.data || {};
    if (data.type === "helpdesk:init" && !parentOrigin && data.anonymous_id) {
      parentOrigin = event.origin;
      begin(data);
    }
    if (data.type === "helpdesk:init" || data.type === "helpdesk:open") input.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) return;
    var id = uuid();
    pending[id] = body;
    bubbles[id] = bubble(true, body);
    bubbles[id].setAttribute("data-pending", "");
    bubbles[id].firstChild.textContent = t.you + " · " + t.sending;
    list.appendChild(bubbles[id]);
    input.value = "";
    scrollDown();
    flush();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  d.querySelector("[data-close]").addEventListener("click", closeChat);
  d.addEventListener("keydown", function (event) { if (event.key === "Escape") closeChat(); });
  if (w.parent === w) say(t.unavailable); // opened on its own, not by /widget.js
})(window, document);
