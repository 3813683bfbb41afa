// Console live channel: connects to /console with the page's CSRF token and shows the state.
(function () {
  "use strict";

  const status = document.querySelector("[data-live-status]");
  const label = status && status.querySelector("[data-live-label]");

  function show(state, text) {
    if (!status) return;
    status.classList.remove("is-live", "is-offline");
    if (state) status.classList.add(state);
    label.textContent = text;
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        const input = document.querySelector(button.getAttribute("data-copy"));
        if (!input) return;
        input.select();
        const done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, done);
        else { document.execCommand("copy"); done(); }
      });
    });
  }

  // Settings › Store: an import under way is followed without a reload (the page asked again
  // every few seconds, its store's progress line taken from it) until it is done or stopped.
  function storeImports() {
    const selector = '[data-store-import="queued"], [data-store-import="running"]';
    if (!document.querySelector(selector)) return;
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (!html) return;
        const fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll(selector).forEach(function (line) {
          const card = line.closest("[data-store]");
          const match = card && fresh.querySelector('[data-store="' + CSS.escape(card.getAttribute("data-store")) +
                                                     '"] [data-store-import]');
          if (!match) return;
          line.innerHTML = match.innerHTML;
          line.setAttribute("data-store-import", match.getAttribute("data-store-import"));
        });
        storeImports();
      }).catch(function () { /* the next page load shows it */ });
    }, 3000);
  }

  function connect() {
    if (typeof window.io !== "function") { show("is-offline", "Live updates unavailable"); return; }
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const socket = window.io("/console", { auth: { csrf_token: csrf } });
    socket.on("connect", function () { show("is-live", "Live"); });
    // A page on its way out (this tab's own Sign out, whose request ends this socket) is left to go;
    // still here a few seconds later (a download), it was not leaving after all.
    let leaving = false;
    window.addEventListener("beforeunload", function () {
      leaving = true;
      window.setTimeout(function () { leaving = false; }, 5000);
    });
    socket.on("disconnect", function (reason) {
      // The server closed the socket: this sign-in was revoked (sign-out elsewhere, deactivation,
      // password change). Reload, and the server decides where the page goes.
      if (reason === "io server disconnect") { if (!leaving) window.location.reload(); return; }
      show("is-offline", "Reconnecting…");
    });
    socket.on("connect_error", function () { show("is-offline", "Offline"); });
    // Sessions revoked elsewhere (deactivation, password change): reload, and the server decides.
    socket.on("session_revoked", function () { window.location.reload(); });
    socket.on("error", function (payload) {
      if (payload && payload.code === "unauthorized") window.location.reload();
    });
    window.helpdeskConsole = { socket: socket, me: me, liveRegion: liveRegion };
    presenceSwitch(socket);
    unreadBadge(socket);
    notifications(socket);
    outreachAlerts(socket);
  }

  // An outreach rule's alert ("hot lead: cart of 240 EUR idle on checkout"): a card at the corner,
  // with a link to the customer, kept for a few minutes (at most a few at once). Text only.
  function outreachAlerts(socket) {
    const box = document.querySelector("[data-outreach-alerts]");
    if (!box) return;
    socket.on("outreach_alert", function (a) {
      if (!a || !a.customer_id) return;
      const card = document.createElement("div"), text = document.createElement("p"), rule = document.createElement("span"),
            link = document.createElement("a"), close = document.createElement("button");
      card.className = "outreach-alert";
      card.setAttribute("data-outreach-alert", String(a.decision_id));
      text.className = "outreach-alert__text";
      rule.className = "outreach-alert__rule";
      rule.textContent = a.rule || "Outreach";
      text.appendChild(rule);
      text.appendChild(document.createTextNode(String(a.body || "") + " "));
      link.href = "/console/customers/" + Number(a.customer_id);
      link.textContent = "Open " + String(a.customer_name || "the customer");
      text.appendChild(link);
      close.type = "button";
      close.className = "button button--ghost button--small";
      close.setAttribute("aria-label", "Dismiss alert");
      close.textContent = "×";
      close.addEventListener("click", function () { card.remove(); });
      card.appendChild(text);
      card.appendChild(close);
      box.appendChild(card);
      while (box.children.length > 3) box.firstElementChild.remove();
      window.setTimeout(function () { card.remove(); }, 5 * 60 * 1000);
    });
  }

  // A region of the page kept fresh by fetching the page again and swapping the element with this
  // id for the fresh one (the markup is Jinja's, escaped on the server). refresh() fetches now (once
  // more afterwards if asked while busy); soon() at most once per `wait` ms. onSwap runs after a
  // change was swapped in.
  function liveRegion(id, wait, onSwap) {
    let busy = false, again = false, timer = null;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (response.redirected || response.status === 401) { window.location.reload(); return null; }
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (!html) return;
          const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
          const current = document.getElementById(id);
          if (!fresh || !current || fresh.isEqualNode(current)) return;
          current.replaceWith(document.importNode(fresh, true));
          if (onSwap) onSwap();
        })
        .catch(function () { /* offline: the next fact or reconnect refreshes again */ })
        .finally(function () {
          busy = false;
          if (again) { again = false; refresh(); }
        });
    }
    function soon() {
      if (timer) return;
      timer = window.setTimeout(function () { timer = null; refresh(); }, wait);
    }
    return { refresh: refresh, soon: soon };
  }

  const shell = document.querySelector("[data-me]");
  const me = shell ? Number(shell.getAttribute("data-me")) : null;

  // The agent's chat status: online agents get new chats by round-robin.
  function presenceSwitch(socket) {
    const box = document.querySelector("[data-presence]");
    if (!box) return;
    const select = box.querySelector("select");
    const paint = function (value) {
      box.className = "presence presence--" + value;
      select.value = value;
    };
    select.addEventListener("change", function () {
      const wanted = select.value;
      socket.timeout(10000).emit("set_presence", { presence: wanted }, function (err, ack) {
        if (err || !ack || !ack.ok) { show("is-offline", "Status not saved"); return; }
        paint(ack.presence);
      });
    });
    socket.on("presence_changed", function (p) { if (p && p.agent_id === me) paint(p.presence); });
  }

  // "(3) Inbox · Helpdesk": open chats, mine or nobody's, with messages no agent has read.
  function unreadBadge(socket) {
    const base = document.title;
    let unread = {};
    const paint = function () {
      const n = Object.keys(unread).filter(function (id) { return unread[id] > 0; }).length;
      document.title = n ? "(" + n + ") " + base : base;
      document.querySelectorAll("[data-unread-total]").forEach(function (el) {
        el.textContent = n ? String(n) : "";
        el.hidden = !n;
      });
    };
    const load = function () {
      fetch("/console/inbox/unread", { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { unread = data.conversations; paint(); } })
        .catch(function () { /* kept as it was */ });
    };
    socket.on("connect", load);
    socket.on("conversation_activity", function (a) {
      if (!a || (a.assignee_id && a.assignee_id !== me)) { if (a) delete unread[a.conversation_id]; paint(); return; }
      unread[a.conversation_id] = a.unread_for_agents;
      paint();
    });
    socket.on("conversation_assigned", function (c) {
      if (c && c.assignee_id && c.assignee_id !== me) delete unread[c.id];
      else if (c && c.unread_for_agents) unread[c.id] = c.unread_for_agents;
      paint();
    });
    socket.on("conversation_updated", function (c) { if (c && c.status !== "open") { delete unread[c.id]; paint(); } });
    window.helpdeskConsole.unread = function () { return unread; };
  }

  // Desktop notifications, when the agent allowed them and is looking elsewhere.
  function notifications(socket) {
    const button = document.querySelector("[data-notify-toggle]");
    if (!("Notification" in window)) return;
    if (button && Notification.permission === "default") {
      button.hidden = false;
      button.addEventListener("click", function () {
        Notification.requestPermission().then(function () { button.hidden = true; });
      });
    }
    const notify = function (title, body, tag, url) {
      if (Notification.permission !== "granted" || (document.visibilityState === "visible" && document.hasFocus())) return;
      const note = new Notification(title, { body: body || "", tag: tag });
      note.onclick = function () { window.focus(); window.location.href = url; };
    };
    const chat = function (id) { return ["conversation-" + id, "/console/inbox/" + Number(id)]; };
    socket.on("conversation_activity", function (a) {
      if (a && a.author_type === "visitor" && (!a.assignee_id || a.assignee_id === me)) {
        notify("New chat message", a.excerpt, ...chat(a.conversation_id));
      }
    });
    socket.on("conversation_assigned", function (c) {
      if (c && c.assignee_id === me) notify("A chat was assigned to you", "", ...chat(c.id));
    });
    // An outreach rule's alert ("hot lead"): worth a look even from another tab.
    socket.on("outreach_alert", function (a) {
      if (!a || !a.customer_id) return;
      notify(String(a.rule || "Outreach"), String(a.body || "") + (a.customer_name ? " · " + a.customer_name : ""),
             "outreach-" + Number(a.decision_id), "/console/customers/" + Number(a.customer_id));
    });
  }

  // Fields that matter for one choice only (the password when "Set a password now" is chosen).
  function revealers() {
    document.querySelectorAll("[data-reveal-when]").forEach(function (block) {
      const parts = block.getAttribute("data-reveal-when").split("=");
      const form = block.closest("form");
      const update = function () {
        const checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
        block.hidden = !checked || checked.value !== parts[1];
      };
      form.querySelectorAll('input[name="' + parts[0] + '"]').forEach(function (input) {
        input.addEventListener("change", update);
      });
      update();
    });
  }

  copyButtons();
  storeImports();
  revealers();
  connect();
})();
