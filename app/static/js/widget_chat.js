// The widget's chat, inside the iframe that /widget.js opens on a shop's page (docs/widget-protocol.md).
// The shop page says who the visitor is by postMessage ({type: "helpdesk:init", anonymous_id,
// customer_id?, user_hash?, page_url, page_title}); only the parent frame on an allowed origin is
// listened to. Then: a visitor token (js/shared/visitor_token.js), the /chat socket (also while the
// chat is closed: the visitor counts as on the site, and an agent can reach out), and the current
// conversation's id and last seq in localStorage, so a reload resumes it. Views: home (earlier
// conversations, and a verified customer's "Your requests"), chat (one conversation, or a new one),
// request (one of their tickets, run by widget_requests.js) and offline (leave a message). Visitor
// and agent text is only ever set with textContent.
(function (w, d) {
  "use strict";
  var ACK_MS = 10000, RETRY_MS = 5000, TYPING_MS = 3000, TYPING_SHOWN_MS = 6000;
  var PAGE = 500; // join_conversation acks at most this many messages
  var TEXTS = w.HelpdeskTexts;
  var lang = TEXTS[d.documentElement.lang] ? d.documentElement.lang : "en", t = TEXTS[lang];
  var root = d.body;
  var origins = JSON.parse(root.getAttribute("data-origins") || "[]");
  function $(selector) { return d.querySelector(selector); }
  var list = $("[data-log]"), scroller = $("[data-scroll]"), status = $("[data-status]"), form = $("[data-composer]");
  var input = form.querySelector("textarea"), typingLine = $("[data-typing]"), subtitle = $("[data-subtitle]");
  var prechat = $("[data-prechat]"), prechatFields = $("[data-prechat-fields]");
  var uuid = w.helpdeskShared.uuid;
  var parentOrigin = null, placed = null, identity = null, socket = null, storeKey = null, page = {};
  var conversation = null; // {id, seq}: seq is the highest one received, kept for the next visit
  var last = 0; // the highest seq on screen: what a (re)join asks to follow
  var shown = {}, pending = {}, bubbles = {}, inflight = {};
  var starting = false, startKey = null, isOpen = false, unread = 0, readSent = 0, typingSentAt = 0;
  var agentReadSeq = 0, typingTimer = null, config = null, earlier = [], view = "chat";
  var offer = null; // an outreach rule's message, shown until the visitor answers it: {decision_id, body, author}
  // The visitor token: the socket's auth, and widget_requests.js's and widget_survey.js's HTTP calls.
  var tokens = w.helpdeskShared.visitorToken.create({
    identity: function () { return identity; },
    // The shop's user_hash does not prove the customer: chat on as the anonymous visitor, under
    // this frame's own visitor id for that page id if it has one (newVisitor), and from now on.
    unverified: function (refused) {
      useIdentity({ anonymous_id: ownVisitor(refused.anonymous_id) || refused.anonymous_id });
      return identity;
    }
  });

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  d.querySelectorAll("[data-text]").forEach(function (el) { el.textContent = t[el.getAttribute("data-text")]; });
  d.querySelectorAll("[data-label]").forEach(function (el) { el.setAttribute("aria-label", t[el.getAttribute("data-label")]); });
  var survey = w.HelpdeskSurvey.create({ t: t, token: tokens.get, scrollDown: function () { scrollDown(); } });
  var replyForm = $("[data-reply-form]");
  var requests = w.HelpdeskRequests.create({
    t: t, lang: lang, fill: fill, uuid: uuid, say: say, bubble: bubble, scrollDown: scrollDown, show: show,
    token: tokens.get,
    view: function () { return view; },
    // identity loses customer_id when the shop's user_hash did not prove it (requestToken)
    verified: function () { return Boolean(identity && identity.customer_id); }
  });

  var store = (function () {
    try { w.localStorage.setItem("helpdesk_probe", "1"); w.localStorage.removeItem("helpdesk_probe"); return w.localStorage; }
    catch (blocked) { return null; } // partitioned or blocked third-party storage: memory only
  })();

  function save() {
    if (!store) return;
    if (conversation) store.setItem(storeKey, JSON.stringify(conversation));
    else store.removeItem(storeKey);
  }

  function say(message) { status.textContent = message || ""; }
  function tell(message) { if (parentOrigin) w.parent.postMessage(message, parentOrigin); }

  // --- Views -------------------------------------------------------------------------------

  function show(name) {
    view = name;
    root.setAttribute("data-view", name);
    $("[data-home]").hidden = name !== "home";
    $("[data-thread]").hidden = name !== "chat";
    $("[data-offline]").hidden = name !== "offline";
    $("[data-request]").hidden = name !== "request";
    form.hidden = name !== "chat";
    replyForm.hidden = name !== "request";
    $("[data-intro]").hidden = Boolean(conversation) || list.children.length > 0;
    paintBack();
    paintPrechat();
    if (name === "home") paintHome();
    if (name !== "request") requests.close();
  }

  // The home view has something to show: earlier conversations, or a verified customer's requests.
  function hasHome() { return earlier.length > 0 || requests.has(); }

  // Called by show() and after the lists load: the back button leads home when home has something.
  function paintBack() {
    var back = $("[data-back]");
    back.hidden = view === "home" || !hasHome();
    back.setAttribute("aria-label", view === "request" ? t.req_back : t.back);
  }

  // Whether the view on screen only stands in for the right one (home and offline, whose content
  // may have changed, or an empty new chat), so opening or reconnecting may pick another. An open
  // conversation or request stays.
  function needsRoute() {
    return view === "home" || view === "offline" || (view === "chat" && !conversation && !list.children.length);
  }

  // Which view opening the chat shows: the current conversation, the list of earlier ones, a new
  // conversation, or, with nobody online, the form that leaves a message.
  function route() {
    if (conversation || offer || Object.keys(pending).length) return show("chat");
    if (hasHome()) return show("home");
    if (config && !config.agents_online && config.offline_messages) return show("offline");
    show("chat");
  }

  // The view may change under a visitor who is already typing: a question begun in an empty chat
  // moves into the leave-a-message form with them, and focus stays in a field they chose or typed in.
  function rerouted() {
    var before = view, typed = input.value, active = d.activeElement;
    route();
    if (view === "offline" && before !== "offline" && typed.trim() && !$("#offline-body").value) {
      $("#offline-body").value = typed;
      input.value = "";
      $("#offline-body").focus();
      articles.typed(typed);
      return;
    }
    var field = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA");
    var chosen = field && (active !== placed || active.value) && active.offsetParent !== null;
    if (!chosen) focusView();
  }

  function paintHome() {
    var box = $("[data-list]");
    $("[data-home-intro]").textContent = config && !config.agents_online ? t.away : t.online;
    $("[data-yours]").hidden = !earlier.length;
    box.textContent = "";
    earlier.forEach(function (c) {
      var li = d.createElement("li"), button = d.createElement("button"), who = d.createElement("span"),
          text = d.createElement("span");
      button.type = "button";
      button.className = "chat__item";
      who.className = "chat__item-who";
      who.textContent = (c.agent_name || t.team) + " · " + (c.status === "resolved" ? t.closed : t.open);
      text.className = "chat__item-text";
      text.textContent = c.last_message ? c.last_message.body : "…";
      button.appendChild(who);
      button.appendChild(text);
      button.addEventListener("click", function () { openConversation(c.id); });
      li.appendChild(button);
      box.appendChild(li);
    });
  }

  function paintPrechat() {
    var fields = config && config.prechat && config.prechat.enabled && !conversation ? config.prechat.fields : [];
    prechat.hidden = !fields.length || view !== "chat";
    var signature = JSON.stringify(fields);
    if (prechatFields.getAttribute("data-built") === signature) return;
    prechatFields.setAttribute("data-built", signature);
    prechatFields.textContent = "";
    fields.forEach(function (f) {
      var id = "prechat-" + f.key, label = d.createElement("label"), field = d.createElement("input");
      label.setAttribute("for", id);
      label.textContent = (f.label || (f.key === "email" ? t.email_label : t.name_label)) + (f.required ? "" : " " + t.optional);
      field.id = id;
      field.name = f.key;
      field.className = "chat__field";
      field.type = f.type === "email" ? "email" : "text";
      field.maxLength = 500;
      if (f.key === "email") field.autocomplete = "email";
      if (f.key === "name") field.autocomplete = "name";
      field.required = Boolean(f.required);
      prechatFields.appendChild(label);
      prechatFields.appendChild(field);
    });
  }

  function answers() {
    var out = {};
    prechatFields.querySelectorAll("input").forEach(function (field) { if (field.value.trim()) out[field.name] = field.value.trim(); });
    return out;
  }

  function paintAgent(c) {
    if (!c) { subtitle.textContent = ""; return; }
    var state = c.status === "resolved" ? t.resolved : c.status === "pending" ? t.pending : "";
    subtitle.textContent = [c.agent_name, state].filter(Boolean).join(" · ");
  }

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

  function paintSeen() {
    var mine = Array.prototype.filter.call(list.querySelectorAll(".msg--mine[data-seq]"), function (li) {
      li.removeAttribute("data-seen");
      return Number(li.getAttribute("data-seq")) <= agentReadSeq;
    });
    var lastSeen = mine[mine.length - 1];
    if (lastSeen) lastSeen.setAttribute("data-seen", t.seen);
  }

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
    if (!mine) { typingLine.textContent = ""; if (!isOpen || d.visibilityState !== "visible") { unread += 1; tell({ type: "helpdesk:unread", count: unread }); } }
    $("[data-intro]").hidden = true;
    paintSeen();
    scrollDown();
    markRead();
  }

  function clearThread() {
    list.textContent = "";
    shown = {};
    last = 0;
    agentReadSeq = 0;
    readSent = 0;
    typingLine.textContent = "";
    paintAgent(null);
    survey.clear();
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

  function joined(ack) {
    agentReadSeq = ack.conversation.agent_read_seq || 0;
    paintAgent(ack.conversation);
    survey.check(ack.conversation);
    ack.messages.forEach(render);
    if (ack.messages.length === PAGE) return join();
    paintSeen();
    flush();
  }

  function join() {
    command("join_conversation", { conversation_id: conversation.id, since_seq: last }, function (ack) {
      if (!ack.ok) {
        if (ack.error.code === "not_found") forget(); // not this visitor's (any more): start afresh
        return flush();
      }
      joined(ack);
    });
  }

  function adopt(c) {
    if (conversation && conversation.id === c.id) return;
    clearThread();
    conversation = { id: c.id, seq: 0 };
    if (articles) articles.hide(); // the chat has started: suggestions were for before it
    save();
    paintAgent(c);
  }

  function openConversation(id) {
    adopt({ id: id });
    show("chat");
    if (socket && socket.connected) join();
  }

  function start() {
    if (starting) return;
    starting = true;
    startKey = startKey || uuid();
    var payload = { client_key: startKey, answers: answers() };
    if (page.url) payload.page_url = page.url;
    if (offer) payload.outreach_decision_id = offer.decision_id; // the answer to a proactive message
    socket.timeout(ACK_MS).emit("start_conversation", payload, function (err, ack) {
      starting = false;
      if (err || !ack) return; // retried with the same client_key after reconnecting: never two
      if (!ack.ok && ack.error.code === "identity_required") return newVisitor(start);
      if (!ack.ok) return refusedStart(ack.error);
      startKey = null;
      var answered = Boolean(offer);
      offer = null; // the conversation now holds the rule's message as its first: join fetches it
      adopt(ack.conversation);
      show("chat");
      if (answered) join();
      else flush();
    });
  }

  function refusedStart(error) {
    Object.keys(pending).forEach(refused);
    say(error.code === "rate_limited" ? fill(t.limited, { s: error.retry_after }) : error.message);
    var field = error.field && prechatFields.querySelector('[name="' + error.field + '"]');
    if (field) field.focus();
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
      else if (code === "unauthorized") { tokens.forget(); socket.disconnect(); connect(); }
      else if (code === "rate_limited") { say(fill(t.limited, { s: ack.error.retry_after })); w.setTimeout(flush, ack.error.retry_after * 1000); }
      else if (code !== "internal") refused(id);
      else w.setTimeout(flush, RETRY_MS);
    });
  }

  function refused(id) {
    var li = bubbles[id];
    delete pending[id];
    delete bubbles[id];
    if (!li) return;
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

  function markRead() {
    if (!socket || !socket.connected || !conversation || !isOpen || d.visibilityState !== "visible") return;
    if (unread) { unread = 0; tell({ type: "helpdesk:unread", count: 0 }); }
    if (last <= readSent) return;
    readSent = last;
    socket.emit("mark_read", { conversation_id: conversation.id, seq: last });
  }

  function typing() {
    if (!socket || !socket.connected || !conversation || Date.now() - typingSentAt < TYPING_MS) return;
    typingSentAt = Date.now();
    socket.emit("typing", { conversation_id: conversation.id, typing: true });
  }

  // --- Facts from the server ---------------------------------------------------------------

  function onStarted(data) {
    var c = data.conversation;
    if (!conversation || data.proactive) {
      adopt(c);
      if (socket.connected) join();
      if (isOpen) show("chat");
    }
    if (data.proactive && data.message && !isOpen) {
      tell({ type: "helpdesk:proactive", text: data.message.body, agent: c.agent_name || t.team });
    }
    refreshList();
  }

  // An outreach rule reached out: its message opens a new chat (a popup over the launcher while
  // the chat is closed), and answering it starts the conversation with the rule named in it.
  function onProactive(data) {
    if (conversation || offer || Object.keys(pending).length || !data || !data.decision_id) return;
    offer = { decision_id: data.decision_id, body: String(data.body || ""), author: String(data.author || t.team) };
    clearThread();
    var li = bubble(false, offer.body);
    li.firstChild.textContent = offer.author;
    li.setAttribute("data-offer", "");
    list.appendChild(li);
    $("[data-intro]").hidden = true;
    if (isOpen) { show("chat"); offerOpened(); }
    else tell({ type: "helpdesk:proactive", text: offer.body, agent: offer.author });
  }

  function offerOpened() {
    if (!offer || offer.opened || !socket || !socket.connected) return;
    offer.opened = true;
    socket.emit("open_outreach", { decision_id: offer.decision_id });
  }

  function onUpdated(c) {
    if (conversation && c.id === conversation.id) {
      paintAgent(c);
      agentReadSeq = c.agent_read_seq || agentReadSeq;
      paintSeen();
      survey.check(c);
    }
  }

  function onTyping(data) {
    if (!conversation || data.conversation_id !== conversation.id || data.author_type !== "agent") return;
    w.clearTimeout(typingTimer);
    typingLine.textContent = data.typing ? fill(t.typing, { name: data.agent_name || t.team }) : "";
    if (data.typing) typingTimer = w.setTimeout(function () { typingLine.textContent = ""; }, TYPING_SHOWN_MS);
  }

  function onRead(data) {
    if (conversation && data.conversation_id === conversation.id && data.reader === "agent") {
      agentReadSeq = data.seq;
      paintSeen();
    }
  }

  function refreshList(done) {
    command("list_conversations", {}, function (ack) {
      if (ack.ok) earlier = ack.conversations;
      if (view === "home") paintHome();
      paintBack();
      if (done) done();
    });
  }

  // --- Connection --------------------------------------------------------------------------

  function connect() {
    tokens.get(false).then(function () { socket.connect(); })
      .catch(function () { say(t.unavailable); w.setTimeout(connect, RETRY_MS); });
  }

  function loadStatus(done) {
    command("get_status", {}, function (ack) {
      if (!ack.ok) return;
      config = ack;
      paintPrechat();
      if (done) done();
    });
  }

  function connected() {
    say("");
    inflight = {};
    loadStatus(function () {
      refreshList(function () {
        // Also what changed on an open request while the connection was down.
        requests.refresh(function () {
          paintBack();
          // Opened before the status came: now the right view (a list, or the form with nobody online).
          // A visitor already typing keeps their words and their place (rerouted).
          if (isOpen && needsRoute()) rerouted();
          root.setAttribute("data-ready", "");
        });
      });
    });
    if (conversation) join();
    else flush();
  }

  // A page's visitor id that has been tied to a customer acts for them only with the shop's proof
  // (user_hash). Without it (signed out without Helpdesk.reset(), or a user_hash that no longer
  // verifies) the server refuses to start a chat on it (identity_required): the frame then chats
  // as a new visitor, under an id of its own, kept per page id so the next page finds that chat.
  function ownVisitorKey(pageId) { return "helpdesk_visitor:" + parentOrigin + ":" + pageId; }

  function ownVisitor(pageId) {
    try { return store && store.getItem(ownVisitorKey(pageId)); } catch (blocked) { return null; }
  }

  function useIdentity(next) {
    identity = next;
    storeKey = "helpdesk_chat:" + parentOrigin + ":" + (identity.customer_id ? "c:" + identity.customer_id : "a:" + identity.anonymous_id);
    try { conversation = store && JSON.parse(store.getItem(storeKey)); } catch (broken) { conversation = null; }
  }

  function newVisitor(then) {
    var pageId = identity.anonymous_id, id = uuid();
    try { if (store) store.setItem(ownVisitorKey(pageId), id); } catch (blocked) { /* this page only */ }
    useIdentity({ anonymous_id: id });
    tokens.forget();
    socket.once("connect", then);
    socket.disconnect();
    connect();
  }

  function begin(data) {
    var pageId = String(data.anonymous_id);
    if (data.customer_id && data.user_hash) {
      useIdentity({ anonymous_id: pageId, customer_id: String(data.customer_id), user_hash: String(data.user_hash) });
    } else {
      useIdentity({ anonymous_id: ownVisitor(pageId) || pageId });
    }
    page = { url: typeof data.page_url === "string" ? data.page_url.slice(0, 2048) : undefined,
             title: typeof data.page_title === "string" ? data.page_title.slice(0, 255) : undefined };
    socket = w.io("/chat", { autoConnect: false, auth: function (cb) { cb({ token: tokens.current(), page_url: page.url, page_title: page.title }); } });
    socket.on("connect", connected);
    socket.on("disconnect", function () { say(t.offline); });
    socket.on("connect_error", function () {
      // A refusal (expired token) is not retried by the client itself; a network error is.
      if (!socket.active) { tokens.forget(); w.setTimeout(connect, RETRY_MS); }
    });
    socket.on("error", function (data) { if (data && data.code === "unauthorized") tokens.forget(); });
    socket.on("message_created", render);
    socket.on("conversation_started", onStarted);
    socket.on("proactive_message", onProactive);
    socket.on("conversation_updated", onUpdated);
    socket.on("typing", onTyping);
    // NPS is asked of the visitor, not about a chat: the shop page shows it as a card over the launcher.
    socket.on("survey_requested", function (s) {
      if (s && s.kind === "nps") tell({ type: "helpdesk:nps", survey_id: s.id });
      else survey.requested(s);
    });
    socket.on("survey_answered", function (s) {
      if (s && s.kind === "nps") tell({ type: "helpdesk:nps_answered", survey_id: s.id });
      else survey.answered(s);
    });
    socket.on("read", onRead);
    socket.on("request_updated", function (data) { requests.updated(data, paintBack); });
    connect();
  }

  // --- The shop page -----------------------------------------------------------------------

  function closeChat() { tell({ type: "helpdesk:close" }); }

  function focusView() {
    var target = view === "chat" ? (prechat.hidden ? input : prechatFields.querySelector("input") || input)
      : view === "offline" ? $("#offline-email") : view === "request" ? requests.focusTarget() : $("[data-new]");
    target.focus();
    placed = target;
  }

  function opened() {
    isOpen = true;
    if (needsRoute()) route();
    offerOpened();
    markRead();
    focusView();
  }

  w.addEventListener("message", function (event) {
    if (event.source !== w.parent || w.parent === w || origins.indexOf(event.origin) < 0) return;
    var data = event.data || {};
    if (data.type === "helpdesk:init" && !parentOrigin && data.anonymous_id) {
      parentOrigin = event.origin;
      begin(data);
    }
    if ((data.type === "helpdesk:init" && data.open) || data.type === "helpdesk:open") opened();
    if (data.type === "helpdesk:hidden") isOpen = false;
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) return;
    var missing = prechatFields.querySelector("input:invalid");
    if (!prechat.hidden && missing) { say(missing.type === "email" && missing.value ? t.email_bad : t.answer); missing.focus(); return; }
    var id = uuid();
    pending[id] = body;
    bubbles[id] = bubble(true, body);
    bubbles[id].setAttribute("data-pending", "");
    bubbles[id].firstChild.textContent = t.you + " · " + t.sending;
    list.appendChild(bubbles[id]);
    $("[data-intro]").hidden = true;
    input.value = "";
    say("");
    scrollDown();
    flush();
  });

  $("[data-offline-form]").addEventListener("submit", function leaveMessage(event) {
    event.preventDefault();
    var email = $("#offline-email"), body = $("#offline-body"), error = $("[data-offline-error]");
    if (!email.checkValidity() || !email.value) { error.textContent = t.email_bad; email.focus(); return; }
    if (!body.value.trim()) { error.textContent = t.answer; body.focus(); return; }
    if (!socket || !socket.connected) { error.textContent = t.offline; return; }
    startKey = startKey || uuid();
    command("leave_message", { client_key: startKey, email: email.value, body: body.value, page_url: page.url }, function (ack) {
      if (!ack.ok && ack.error.code === "identity_required") return newVisitor(function () { leaveMessage(event); });
      if (!ack.ok) { error.textContent = ack.error.code === "rate_limited" ? fill(t.limited, { s: ack.error.retry_after }) : ack.error.message; return; }
      startKey = null;
      error.textContent = "";
      adopt(ack.conversation);
      show("chat");
      join();
      say(fill(t.left, { email: email.value }));
    });
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", typing);
  var articles = w.HelpdeskArticles.create({
    t: t, lang: lang,
    visitor: function () { return identity && identity.anonymous_id; },
    // before a chat starts, or while leaving a message when nobody is online
    active: function () { return !conversation; }
  });
  input.addEventListener("input", function () { articles.typed(input.value); });
  $("#offline-body").addEventListener("input", function (event) { articles.typed(event.target.value); });
  $("[data-new]").addEventListener("click", function () {
    forget();
    offer = null;
    clearThread();
    show(config && !config.agents_online && config.offline_messages ? "offline" : "chat");
    focusView();
    // What the pre-chat form asks may have changed (the profile has the email now).
    if (socket && socket.connected) loadStatus(function () { if (view === "chat") show("chat"); });
  });
  $("[data-back]").addEventListener("click", function () {
    var item = view === "request" && requests.listButton(); // back to the request just read
    refreshList();
    show("home");
    (item || $("[data-new]")).focus();
  });
  $("[data-close]").addEventListener("click", closeChat);
  d.addEventListener("keydown", function (event) { if (event.key === "Escape") closeChat(); });
  d.addEventListener("visibilitychange", markRead);
  if (w.parent === w) say(t.unavailable); // opened on its own, not by /widget.js
})(window, document);
