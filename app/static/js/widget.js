// Helpdesk for shops: <script src="https://HELPDESK/widget.js" async></script> on every page.
//
// It keeps an anonymous visitor id on the shop's origin (localStorage, else a first-party cookie,
// else memory), reports each page view by itself, and offers:
//   Helpdesk.identify({customer_id, user_hash, email, name, phone, traits})  user_hash from your server
//   Helpdesk.track(type, properties)                                         e.g. "cart_updated"
//   Helpdesk.page()   another page view (single-page apps)    Helpdesk.reset()   after sign-out
// Calls made before the script has loaded are queued, and the same code keeps working after:
//   window.Helpdesk = window.Helpdesk || {q: []};
//   Helpdesk.q.push(["identify", {customer_id: "42", user_hash: "…"}]);
//   Helpdesk.q.push(["track", "product_viewed", {sku: "TEA-01"}]);
// Events are batched for a moment and sent with fetch (keepalive, so a navigation does not lose
// them). It also adds a chat button (bottom right) that opens the helpdesk's chat in an iframe.
// Nothing here throws into the shop's page: problems are reported with console.warn.
(function (w, d) {
  "use strict";
  var existing = w.Helpdesk;
  if (existing && existing.loaded) return;

  var VERSION = "1.0.0";
  var ANONYMOUS_KEY = "helpdesk_anonymous_id";
  var IDENTITY_KEY = "helpdesk_identity";
  var BATCH_DELAY_MS = 300;
  var RETRY_DELAY_MS = 2000;
  var MAX_EVENTS = 50; // per request, as the server accepts
  var KEEPALIVE_MAX_CHARS = 60000; // browsers cap keepalive bodies at 64 KB
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var memory = {};
  var queue = [];
  var timer = null;
  var endpoint = null;

  function warn(message, detail) {
    try {
      if (w.console && w.console.warn) w.console.warn("[Helpdesk] " + message, detail === undefined ? "" : detail);
    } catch (ignored) { /* a console that throws is not our concern */ }
  }

  function helpdeskOrigin() {
    var script = d.currentScript;
    if (!script) {
      var scripts = d.querySelectorAll('script[src*="/widget.js"]');
      script = scripts[scripts.length - 1];
    }
    return new URL(script.src, w.location.href).origin;
  }

  // A copy of js/shared/uuid.js, on purpose: this is the one file a shop's page loads (one script
  // tag, no extra request, nothing else of ours on their page), so it cannot load the shared one.
  // Keep the two the same.
  function uuid() {
    var c = w.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID(); // secure contexts only
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // --- First-party storage -----------------------------------------------------------------

  function usable(kind) {
    try {
      var store = w[kind];
      store.setItem("helpdesk_probe", "1");
      store.removeItem("helpdesk_probe");
      return store;
    } catch (blocked) { return null; } // disabled storage, private modes, sandboxed frames
  }
  var local = usable("localStorage");
  var session = usable("sessionStorage");

  function readCookie(name) {
    try {
      var match = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
      return match ? decodeURIComponent(match[1]) : null;
    } catch (blocked) { return null; }
  }

  function writeCookie(name, value, maxAge) {
    try {
      var secure = w.location.protocol === "https:" ? "; Secure" : "";
      d.cookie = name + "=" + encodeURIComponent(value) + "; path=/; max-age=" + maxAge + "; SameSite=Lax" + secure;
    } catch (blocked) { /* memory still holds it */ }
  }

  function anonymousId() {
    var id = (local && local.getItem(ANONYMOUS_KEY)) || readCookie(ANONYMOUS_KEY) || memory.anonymousId;
    if (!id || id.length > 128) {
      id = uuid();
      if (local) local.setItem(ANONYMOUS_KEY, id);
      else writeCookie(ANONYMOUS_KEY, id, 31536000);
    }
    memory.anonymousId = id;
    return id;
  }

  function loadIdentity() {
    try {
      var raw = session ? session.getItem(IDENTITY_KEY) : memory.identity;
      return raw ? JSON.parse(raw) : null;
    } catch (broken) { return null; }
  }

  function saveIdentity(identity) {
    var raw = identity ? JSON.stringify(identity) : null;
    if (!session) { memory.identity = raw; return; }
    if (raw) session.setItem(IDENTITY_KEY, raw);
    else session.removeItem(IDENTITY_KEY);
  }

  // --- Sending -----------------------------------------------------------------------------

  function enqueue(type, properties) {
    queue.push({ id: uuid(), type: type, timestamp: new Date().toISOString(), properties: properties || {} });
    if (!timer) timer = w.setTimeout(flush, BATCH_DELAY_MS);
  }

  function flush() {
    if (timer) { w.clearTimeout(timer); timer = null; }
    while (queue.length) send(queue.splice(0, MAX_EVENTS), 0);
  }

  function send(events, attempt) {
    if (typeof w.fetch !== "function") return;
    var identity = loadIdentity();
    var body = { anonymous_id: anonymousId(), events: events };
    if (identity) { body.customer_id = identity.customer_id; body.user_hash = identity.user_hash; }
    var json = JSON.stringify(body);
    w.fetch(endpoint, {
      method: "POST", mode: "cors", credentials: "omit", keepalive: json.length < KEEPALIVE_MAX_CHARS,
      headers: { "Content-Type": "application/json" }, body: json
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        answered(response.status, answer, events, attempt);
      });
    }).catch(function () { retry(events, attempt, "network error"); });
  }

  function answered(status, answer, events, attempt) {
    var error = (answer && answer.error) || {};
    if (status === 202) {
      if (answer && answer.rejected && answer.rejected.length) warn("some events were rejected", answer.rejected);
    } else if (status === 403 && error.code === "identity_not_verified") {
      // The shop's user_hash is wrong: the visitor stays anonymous, and the rest is still worth keeping.
      warn("identify refused: " + error.message);
      saveIdentity(null);
      var rest = events.filter(function (e) { return e.type !== "identify" && e.type !== "order_placed"; });
      if (rest.length) send(rest, attempt);
    } else if (status === 429 || status >= 500) {
      retry(events, attempt, "status " + status);
    } else {
      warn("events not accepted (" + status + "): " + (error.message || ""), error.fields || "");
    }
  }

  function retry(events, attempt, why) {
    // Event ids make a repeat harmless, so one more try is safe.
    if (attempt >= 1) { warn("events could not be sent (" + why + ")"); return; }
    w.setTimeout(function () { send(events, attempt + 1); }, RETRY_DELAY_MS);
  }

  // --- Chat launcher -----------------------------------------------------------------------
  // A button that opens the chat, served by the helpdesk in an iframe so its styles and the shop's
  // never mix. The frame is loaded (hidden) once the page has loaded, not only when the chat is
  // opened: its socket is what makes the visitor "on the site" for agents, and how an agent's
  // proactive message or reply reaches a closed chat (a popup and a badge on the launcher). Styles
  // go through element.style (CSSOM), which a shop's CSP with style-src 'self' allows, unlike a
  // style attribute or a <style> element. Who the visitor is goes to the frame by postMessage,
  // addressed to the helpdesk's origin only; the frame answers only close, unread, proactive and
  // the NPS question (nps, nps_answered).

  var LABELS = { en: ["Open chat", "Close chat", "Chat", "unread", "Dismiss", "Feedback",
                      "A question for you, above the chat button: how likely are you to recommend us?"],
                 pt: ["Abrir conversa", "Fechar conversa", "Conversa", "por ler", "Dispensar", "Opinião",
                      "Uma pergunta para si, acima do botão da conversa: qual a probabilidade de nos recomendar?"],
                 nl: ["Chat openen", "Chat sluiten", "Chat", "ongelezen", "Sluiten", "Feedback",
                      "Een vraag voor je, boven de chatknop: hoe waarschijnlijk is het dat je ons aanbeveelt?"] };
  var ACCENT = "#0f766e"; // app.css --accent
  var chat = { origin: null, button: null, frame: null, open: false, badge: null, popup: null, unread: 0, card: null };
  var CLOSED_CARDS_KEY = "helpdesk_nps_closed"; // surveys whose card the visitor closed, for this session

  function style(el, rules) { for (var k in rules) el.style[k] = rules[k]; }

  function chatLanguage() {
    var lang = (d.documentElement.lang || "en").slice(0, 2).toLowerCase();
    return LABELS[lang] ? lang : "en";
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg", svg = d.createElementNS(ns, "svg"), path = d.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  function placeFrame() {
    if (!chat.frame) return;
    var phone = w.matchMedia && w.matchMedia("(max-width: 480px)").matches;
    style(chat.frame, phone
      ? { right: "0", bottom: "0", width: "100%", height: "100%", borderRadius: "0" }
      : { right: "20px", bottom: "88px", width: "min(380px, calc(100vw - 40px))",
          height: "min(560px, calc(100vh - 108px))", borderRadius: "12px" });
  }

  // Only once the frame shows the helpdesk's page: before that it is about:blank, which belongs to
  // the shop's origin, and a message addressed to the helpdesk's would be refused (the init
  // message on load says whether the chat is open).
  function post(message) {
    if (chat.frame && chat.loaded) chat.frame.contentWindow.postMessage(message, chat.origin);
  }

  function makeFrame() {
    var frame = d.createElement("iframe");
    chat.lang = chatLanguage();
    frame.title = LABELS[chat.lang][2];
    frame.src = chat.origin + "/widget/chat?lang=" + chat.lang;
    style(frame, { position: "fixed", zIndex: "2147483001", border: "0", background: "#fff", display: "none",
                   boxShadow: "0 8px 28px rgba(16,24,40,.22)" });
    chat.loaded = false;
    frame.addEventListener("load", function () {
      chat.loaded = true;
      var identity = loadIdentity() || {};
      post({ type: "helpdesk:init", anonymous_id: anonymousId(), customer_id: identity.customer_id,
             user_hash: identity.user_hash, page_url: w.location.href.slice(0, 2048),
             page_title: (d.title || "").slice(0, 255), open: chat.open });
    });
    d.body.appendChild(frame);
    chat.frame = frame;
    placeFrame();
  }

  function paintLauncher() {
    var labels = LABELS[chatLanguage()];
    var label = labels[chat.open ? 1 : 0] + (chat.unread && !chat.open ? " (" + chat.unread + " " + labels[3] + ")" : "");
    chat.button.setAttribute("aria-expanded", String(chat.open));
    chat.button.setAttribute("aria-label", label);
    chat.badge.textContent = chat.unread ? String(chat.unread) : "";
    chat.badge.style.display = chat.unread && !chat.open ? "flex" : "none";
  }

  function setChatOpen(open) {
    if (open && chat.frame && chat.lang !== chatLanguage()) {
      // The page changed its language since the frame was loaded (a single-page shop): reload it.
      chat.frame.parentNode.removeChild(chat.frame);
      chat.frame = null;
    }
    if (!chat.frame) makeFrame();
    if (open) dropPopup();
    chat.open = open;
    placeFrame();
    chat.frame.style.display = open ? "block" : "none";
    paintCard();
    post({ type: open ? "helpdesk:open" : "helpdesk:hidden" });
    paintLauncher();
    if (!open) chat.button.focus();
  }

  function dropPopup() {
    if (chat.popup && chat.popup.parentNode) chat.popup.parentNode.removeChild(chat.popup);
    chat.popup = null;
    paintCard();
  }

  // An agent reached out: a small card above the launcher with their words; it opens the chat.
  function showPopup(agent, text) {
    if (chat.open) return;
    dropPopup();
    var card = d.createElement("div"), open = d.createElement("button"), who = d.createElement("strong"),
        body = d.createElement("span"), dismiss = d.createElement("button");
    card.setAttribute("role", "status");
    style(card, { position: "fixed", right: "20px", bottom: "88px", zIndex: "2147483000", maxWidth: "300px",
                  display: "flex", alignItems: "flex-start", gap: "4px", background: "#fff", color: "#1b2430",
                  borderRadius: "12px", boxShadow: "0 8px 28px rgba(16,24,40,.22)", padding: "4px",
                  font: "15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" });
    open.type = "button";
    style(open, { flex: "1", textAlign: "left", background: "transparent", border: "0", padding: "10px 8px 10px 12px",
                  color: "inherit", font: "inherit", cursor: "pointer" });
    who.textContent = agent;
    style(who, { display: "block", fontSize: "13px", color: "#566272", marginBottom: "2px" });
    body.textContent = text.length > 160 ? text.slice(0, 159) + "…" : text;
    open.appendChild(who);
    open.appendChild(body);
    open.addEventListener("click", safe(function () { setChatOpen(true); }));
    dismiss.type = "button";
    dismiss.textContent = "×";
    dismiss.setAttribute("aria-label", LABELS[chatLanguage()][4]);
    style(dismiss, { background: "transparent", border: "0", fontSize: "20px", lineHeight: "1", width: "32px",
                     height: "32px", cursor: "pointer", color: "#566272", borderRadius: "6px" });
    dismiss.addEventListener("click", safe(dropPopup));
    card.appendChild(open);
    card.appendChild(dismiss);
    d.body.appendChild(card);
    chat.popup = card;
    paintCard();
  }

  // --- NPS card ----------------------------------------------------------------------------
  // "How likely are you to recommend us?" in a small frame of the helpdesk's (/widget/nps) over the
  // launcher, where the proactive popup goes, because a radio group needs the :checked and
  // :focus-visible styles that element.style cannot give. It hides while the chat or a popup is
  // open. A card the visitor closed is not shown again in this session; the server asks again in
  // the next period only.

  function closedCards() {
    try { return JSON.parse((session ? session.getItem(CLOSED_CARDS_KEY) : memory.closedCards) || "[]"); }
    catch (broken) { return []; }
  }

  function showCard(surveyId) {
    if (typeof surveyId !== "number" || chat.card || closedCards().indexOf(surveyId) >= 0) return;
    var frame = d.createElement("iframe"), note = d.createElement("span"), lang = chatLanguage();
    frame.title = LABELS[lang][5];
    frame.src = chat.origin + "/widget/nps?lang=" + lang;
    style(frame, { position: "fixed", right: "20px", bottom: "88px", zIndex: "2147483000", border: "0",
                   width: "min(360px, calc(100vw - 40px))", height: "260px", borderRadius: "12px",
                   background: "#fff", boxShadow: "0 8px 28px rgba(16,24,40,.22)" });
    frame.addEventListener("load", function () {
      var identity = loadIdentity() || {};
      frame.contentWindow.postMessage({ type: "helpdesk:init", anonymous_id: anonymousId(), survey_id: surveyId,
                                        customer_id: identity.customer_id, user_hash: identity.user_hash }, chat.origin);
    });
    // The frame does not announce itself: a status message in the page does, once.
    note.setAttribute("role", "status");
    style(note, { position: "absolute", width: "1px", height: "1px", overflow: "hidden", clip: "rect(0 0 0 0)",
                  whiteSpace: "nowrap" });
    d.body.appendChild(note);
    d.body.appendChild(frame);
    chat.card = { id: surveyId, frame: frame, note: note };
    paintCard();
    w.setTimeout(function () { note.textContent = LABELS[lang][6]; }, 100);
  }

  function dropCard(closed) {
    var card = chat.card;
    if (!card) return;
    chat.card = null;
    if (closed) {
      var ids = closedCards().concat([card.id]).slice(-20), raw = JSON.stringify(ids);
      if (session) session.setItem(CLOSED_CARDS_KEY, raw);
      else memory.closedCards = raw;
    }
    var hadFocus = d.activeElement === card.frame;
    [card.frame, card.note].forEach(function (el) { if (el.parentNode) el.parentNode.removeChild(el); });
    if (hadFocus && chat.button) chat.button.focus(); // a keyboard user closed it: back to the launcher
  }

  function paintCard() {
    if (chat.card) chat.card.frame.style.display = chat.open || chat.popup ? "none" : "block";
  }

  function fromCard(data) {
    if (data.type === "helpdesk:nps_close") dropCard(true);
    if (data.type === "helpdesk:nps_size" && chat.card && typeof data.height === "number" && data.height > 0) {
      chat.card.frame.style.height = Math.min(Math.ceil(data.height), Math.max(w.innerHeight - 108, 160)) + "px";
    }
  }

  function fromFrame(event) {
    if (event.origin !== chat.origin) return;
    if (chat.card && event.source === chat.card.frame.contentWindow) return fromCard(event.data || {});
    if (!chat.frame || event.source !== chat.frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "helpdesk:close") setChatOpen(false);
    if (data.type === "helpdesk:nps") showCard(data.survey_id);
    if (data.type === "helpdesk:nps_answered" && chat.card && chat.card.id === data.survey_id) {
      chat.card.frame.contentWindow.postMessage({ type: "helpdesk:nps_answered", survey_id: data.survey_id }, chat.origin);
    }
    if (data.type === "helpdesk:unread" && typeof data.count === "number") { chat.unread = data.count; paintLauncher(); }
    if (data.type === "helpdesk:proactive" && typeof data.text === "string") showPopup(String(data.agent || ""), data.text);
  }

  function dropChat(reopen) {
    // After sign-out the next visitor must not see the customer's conversation: a new frame, later,
    // for the new anonymous visitor (reset() changes the id right after this). After sign-in, a chat
    // the visitor had open opens again, as the customer's: the page may identify them only after
    // they opened it (a single-page shop, or a shop's script that runs after ours).
    if (!chat.frame) return;
    chat.frame.parentNode.removeChild(chat.frame);
    chat.frame = null;
    dropPopup();
    dropCard(false);
    chat.unread = 0;
    chat.open = false;
    paintLauncher();
    w.setTimeout(safe(function () {
      if (chat.frame) return;
      if (reopen) setChatOpen(true);
      else makeFrame();
    }), 0);
  }

  function addLauncher() {
    var button = d.createElement("button"), badge = d.createElement("span");
    button.type = "button";
    style(button, { position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000", width: "56px",
                    height: "56px", padding: "0", border: "0", borderRadius: "50%", background: ACCENT, color: "#fff",
                    cursor: "pointer", display: "flex", alignItems: "center", justifyContent: "center",
                    boxShadow: "0 4px 12px rgba(16,24,40,.25)", outlineOffset: "3px" });
    style(badge, { position: "absolute", top: "-4px", right: "-4px", minWidth: "22px", height: "22px",
                   padding: "0 6px", borderRadius: "11px", background: "#b42318", color: "#fff", fontSize: "12px",
                   fontWeight: "700", display: "none", alignItems: "center", justifyContent: "center",
                   font: "700 12px/1 system-ui, sans-serif" });
    badge.setAttribute("aria-hidden", "true");
    button.appendChild(chatIcon());
    button.appendChild(badge);
    button.addEventListener("click", safe(function () { setChatOpen(!chat.open); }));
    chat.button = button;
    chat.badge = badge;
    paintLauncher();
    d.body.appendChild(button);
    var narrow = w.matchMedia && w.matchMedia("(max-width: 480px)");
    if (narrow && narrow.addEventListener) narrow.addEventListener("change", safe(placeFrame)); // a phone turned
    w.addEventListener("message", safe(fromFrame));
    // Once the shop's own page has loaded, so the frame never competes with it.
    var preload = safe(function () { if (!chat.frame) makeFrame(); });
    if (d.readyState === "complete") w.setTimeout(preload, 0);
    else w.addEventListener("load", function () { w.setTimeout(preload, 0); });
  }

  // --- Public API --------------------------------------------------------------------------

  function pageProperties() {
    var props = { url: w.location.href.slice(0, 2048), title: (d.title || "").slice(0, 255) };
    if (d.referrer) props.referrer = d.referrer.slice(0, 2048);
    var params = new URLSearchParams(w.location.search);
    UTM.forEach(function (key) { if (params.get(key)) props[key] = params.get(key).slice(0, 255); });
    return props;
  }

  function identify(person) {
    if (!person || typeof person !== "object" || !person.customer_id) {
      warn("identify needs {customer_id, user_hash}");
      return;
    }
    var props = {};
    ["email", "name", "phone"].forEach(function (key) {
      if (person[key] !== undefined && person[key] !== null && person[key] !== "") props[key] = String(person[key]);
    });
    if (person.traits && typeof person.traits === "object") props.traits = person.traits;
    var identity = { customer_id: String(person.customer_id), user_hash: person.user_hash ? String(person.user_hash) : "" };
    var fingerprint = JSON.stringify([identity, props]);
    var before = loadIdentity();
    saveIdentity({ customer_id: identity.customer_id, user_hash: identity.user_hash, fingerprint: fingerprint });
    // Shops call identify on every page; only a change is worth an event.
    if (!before || before.fingerprint !== fingerprint) enqueue("identify", props);
    // Signed in without a page load (a single-page shop): the open chat frame still speaks for the
    // anonymous visitor, whose id now belongs to the customer. A new frame speaks for the customer.
    if (chat.frame && (!before || before.customer_id !== identity.customer_id)) dropChat(chat.open);
  }

  function track(type, properties) {
    if (typeof type !== "string" || !type) { warn("track needs an event type"); return; }
    if (properties !== undefined && (properties === null || typeof properties !== "object")) {
      warn("track properties must be an object", type);
      return;
    }
    enqueue(type, properties);
  }

  function reset() {
    // Events still waiting in the batch go out as the new visitor's: a shop calls this on the first
    // page after sign-out, whose page view may already be queued. Call flush() first to send
    // earlier events as the customer's.
    saveIdentity(null);
    dropChat();
    memory.anonymousId = null;
    if (local) local.removeItem(ANONYMOUS_KEY);
    writeCookie(ANONYMOUS_KEY, "", 0);
  }

  var methods = { identify: identify, track: track, page: function () { track("page_viewed", pageProperties()); },
                  reset: reset, flush: flush };

  function run(call) {
    try {
      var args = Array.prototype.slice.call(call || []);
      var method = methods[args[0]];
      if (method) method.apply(null, args.slice(1));
      else warn("unknown call", args[0]);
    } catch (error) { warn("call failed", error); }
    return 0;
  }

  function safe(fn) {
    return function () {
      try { return fn.apply(null, arguments); } catch (error) { warn("call failed", error); }
    };
  }

  try {
    chat.origin = helpdeskOrigin();
    endpoint = chat.origin + "/api/v1/widget/events";
    var queued = (existing && existing.q) || [];
    w.Helpdesk = {
      loaded: true, version: VERSION, q: { push: run },
      identify: safe(identify), track: safe(track), page: safe(methods.page), reset: safe(reset), flush: safe(flush)
    };
    Array.prototype.forEach.call(queued, run); // identify first, so this page's view is already theirs
    methods.page();
    w.addEventListener("pagehide", safe(flush));
    d.addEventListener("visibilitychange", safe(function () { if (d.visibilityState === "hidden") flush(); }));
    if (d.body) addLauncher();
    else d.addEventListener("DOMContentLoaded", safe(addLauncher));
  } catch (error) {
    warn("could not start", error);
  }
})(window, document);
