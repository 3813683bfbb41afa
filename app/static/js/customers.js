// Customer page and panels: watch the customer over /console and, on `customer_updated`, fetch
// the server-rendered fragment and swap in the regions that changed. Times get relative labels.
(function () {
  "use strict";

  const roots = Array.from(document.querySelectorAll("[data-customer-live][data-customer-id]"));
  const relative = typeof Intl === "object" && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat("en", { numeric: "auto" }) : null;
  const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const state = new Map(); // root → {busy, again}

  // "3 minutes ago" from <time datetime data-relative>; the absolute time stays in its title.
  function relativeTimes(scope) {
    if (!relative) return;
    scope.querySelectorAll("time[data-relative][datetime]").forEach(function (el) {
      const seconds = (Date.parse(el.getAttribute("datetime")) - Date.now()) / 1000;
      if (Number.isNaN(seconds)) return;
      const unit = UNITS.find(function (u) { return Math.abs(seconds) >= u[1]; });
      el.textContent = unit ? relative.format(Math.round(seconds / unit[1]), unit[0]) : "just now";
    });
  }

  function announcer() {
    let el = document.querySelector("[data-customer-announcer]");
    if (!el) {
      el = document.createElement("p");
      el.className = "visually-hidden";
      el.setAttribute("role", "status");
      el.setAttribute("data-customer-announcer", "");
      document.body.appendChild(el);
    }
    return el;
  }

  function announce(text) {
    const el = announcer();
    el.textContent = "";
    // A fresh text node after a tick, so that a repeated message is announced again.
    window.setTimeout(function () { el.textContent = text; }, 50);
  }

  function notice(root, text) {
    const box = document.createElement("div");
    box.className = "alert alert--info";
    box.setAttribute("data-customer-gone", "");
    box.textContent = text;
    if (!root.previousElementSibling || !root.previousElementSibling.hasAttribute("data-customer-gone")) {
      root.before(box);
    }
    announce(text);
  }

  // Replace each [data-live-region] of root by its counterpart (same id) in the fetched HTML.
  // The HTML is ours, rendered and escaped by Jinja; nothing here builds markup from data.
  function swap(root, html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    let changed = 0;
    relativeTimes(root); // both sides labelled at the same moment, so only real changes differ
    root.querySelectorAll("[data-live-region][id]").forEach(function (old) {
      const fresh = doc.getElementById(old.id);
      if (!fresh) return;
      const node = document.importNode(fresh, true);
      relativeTimes(node);
      old.classList.remove("is-updated");
      if (node.isEqualNode(old)) return;
      const sameText = node.textContent === old.textContent;
      old.replaceWith(node);
      // Only a change a reader can see is flagged: the stage band's widths move with time alone.
      if (sameText) return;
      node.classList.add("is-updated");
      changed += 1;
    });
    if (changed) announce("Customer updated");
  }

  function refresh(root) {
    const s = state.get(root);
    if (s.busy) { s.again = true; return; }
    s.busy = true;
    fetch(root.getAttribute("data-customer-live"), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" },
    }).then(function (response) {
      if (response.status === 404) { notice(root, "This customer no longer exists: the profile was erased."); return; }
      // Signed out in the meantime: the login page came back. Reload and let the server decide.
      if (response.redirected || response.status === 401) { window.location.reload(); return; }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text().then(function (html) { swap(root, html); });
    }).catch(function () {
      // Offline or a server hiccup: the next update, or the next reconnect, refreshes again.
    }).finally(function () {
      s.busy = false;
      if (s.again) { s.again = false; refresh(root); }
    });
  }

  function watch(socket, root) {
    const id = Number(root.getAttribute("data-customer-id"));
    socket.emit("watch_customer", { customer_id: id }, function (ack) {
      if (!ack || !ack.ok) {
        if (ack && ack.error && ack.error.code === "not_found") notice(root, "This customer no longer exists.");
        return;
      }
      root.setAttribute("data-watching", "");
      // Catch up on anything that changed before this socket joined the room (or while offline).
      refresh(root);
    });
  }

  function start() {
    relativeTimes(document);
    window.setInterval(function () { relativeTimes(document); }, 30000);
    const socket = window.helpdeskConsole && window.helpdeskConsole.socket;
    if (!roots.length || !socket) return;
    roots.forEach(function (root) { state.set(root, { busy: false, again: false }); });
    // Every (re)connect is a new server-side socket with no rooms: watch again each time.
    socket.on("connect", function () { roots.forEach(function (root) { watch(socket, root); }); });
    socket.on("disconnect", function () {
      roots.forEach(function (root) { root.removeAttribute("data-watching"); });
    });
    socket.on("customer_updated", function (payload) {
      roots.forEach(function (root) {
        if (payload && Number(root.getAttribute("data-customer-id")) === payload.customer_id) refresh(root);
      });
    });
    if (socket.connected) roots.forEach(function (root) { watch(socket, root); });
  }

  start();
})();
