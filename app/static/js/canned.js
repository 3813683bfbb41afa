// Canned responses in the composer (inbox/_canned.html): the button, or "/" typed in an empty reply,
// opens one list fetched from the console and filtered as you type; arrows move, Enter inserts,
// Escape closes. The chosen response's text, filled on the server for this conversation's customer
// and the signed-in agent, goes into the reply box with .value / setRangeText: nothing is sent by
// itself, and no HTML is ever parsed here (every label is textContent). The list itself is
// js/shared/search_dropdown.js's.
(function () {
  "use strict";

  const root = document.querySelector("[data-canned]");
  const textarea = root && document.getElementById(root.getAttribute("data-canned-for"));
  if (!textarea || !textarea.form) return;
  const form = textarea.form;
  const url = root.getAttribute("data-canned-url");
  const toggle = root.querySelector("[data-canned-toggle]");
  const panel = root.querySelector("[data-canned-panel]");
  const searchRow = root.querySelector("[data-canned-search-row]");
  const search = root.querySelector("[data-canned-search]");
  const list = root.querySelector("[data-canned-list]");
  const status = root.querySelector("[data-canned-status]");
  const SLASH = /^\/(\S*)$/; // the whole reply is "/" and a shortcut being typed
  const shared = window.helpdeskShared.searchDropdown;

  let mode = null; // null (closed), "button" (search box) or "slash" (typed in the reply)
  let dismissed = false; // Escape closed the "/" list: it stays closed until the reply changes
  let choosing = false; // a chosen response is being fetched: a second Enter must not insert it twice

  function owner() {
    return mode === "slash" ? textarea : search;
  }

  const texts = {
    offline: "No connection: canned responses could not be loaded. Try again.",
    failed: function (status) {
      if (status === 404) return "That canned response or this conversation no longer exists.";
      return "Canned responses could not be loaded (error " + status + "). Try again.";
    }
  };

  function getJSON(address) {
    return shared.getJSON(address, texts);
  }

  const dropdown = shared.create({
    list: list, status: status, owner: owner, option: option, found: show, delay: 120,
    isOpen: function () { return Boolean(mode); },
    load: function (query) {
      return getJSON(url + "?q=" + encodeURIComponent(query)).then(function (data) { return data.responses || []; });
    }
  });
  // The status line is a live region: `hint` is read out after the text but not shown (the panel's
  // footer shows the keys).
  const say = dropdown.say;

  function open(newMode) {
    mode = newMode;
    panel.hidden = false;
    searchRow.hidden = newMode === "slash";
    toggle.setAttribute("aria-expanded", "true");
    if (newMode === "button") {
      search.value = "";
      search.setAttribute("aria-expanded", "true");
      search.focus();
      dropdown.search("");
    } else {
      textarea.setAttribute("aria-controls", list.id);
      textarea.setAttribute("aria-autocomplete", "list");
    }
  }

  function close(refocus) {
    if (!mode) return;
    const was = mode;
    mode = null;
    dropdown.cancel();
    dropdown.fill([]);
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-expanded", "false");
    [search, textarea].forEach(function (el) { el.removeAttribute("aria-activedescendant"); });
    textarea.removeAttribute("aria-controls");
    textarea.removeAttribute("aria-autocomplete");
    if (refocus) (was === "button" ? toggle : textarea).focus();
  }

  function option(item, index) {
    const li = document.createElement("li");
    li.id = "canned-option-" + item.id;
    li.className = "canned__option";
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    const head = document.createElement("span");
    head.className = "canned__head";
    const title = document.createElement("span");
    title.className = "canned__title";
    title.textContent = item.title;
    const shortcut = document.createElement("code");
    shortcut.textContent = "/" + item.shortcut;
    const scope = document.createElement("span");
    scope.className = "canned__scope canned__scope--" + (item.scope === "team" ? "team" : "own");
    scope.textContent = item.scope === "team" ? "Team" : "Mine";
    head.append(title, " ", shortcut, " ", scope);
    const preview = document.createElement("span");
    preview.className = "canned__preview";
    preview.textContent = item.preview;
    li.append(head, preview);
    li.addEventListener("click", function () { choose(index); });
    return li;
  }

  function show(found, query) {
    dropdown.fill(found);
    if (!found.length) {
      const none = query ? "No canned response matches \u201c" + query + "\u201d." : "No canned responses yet.";
      say(mode === "slash" ? none + " Press Escape to write a reply that starts with /." : none, false);
    } else {
      dropdown.move(0);
      const count = found.length === 1 ? "1 canned response" : found.length + " canned responses";
      say(count, false, ": up and down arrows choose, Enter inserts, Escape closes.");
    }
  }

  // Arrow keys: the next or previous response.
  function step(delta) {
    const index = dropdown.step(delta), items = dropdown.items();
    // A reply box is no combobox: screen readers may not follow aria-activedescendant there, so say it.
    if (index >= 0 && mode === "slash") say(items[index].title + ", " + (index + 1) + " of " + items.length, false);
  }

  function insert(text, replaceAll) {
    if (!replaceAll) { shared.insertAtCursor(textarea, text); return; }
    textarea.value = text;
    textarea.setSelectionRange(text.length, text.length);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function choose(index) {
    const item = dropdown.items()[index];
    if (!item || choosing) return;
    choosing = true;
    const fromSlash = mode === "slash";
    say("Inserting \u201c" + item.title + "\u201d\u2026", false);
    getJSON(url + "/" + encodeURIComponent(item.id)).then(function (data) {
      close(false);
      insert(data.text, fromSlash && SLASH.test(textarea.value));
      textarea.focus();
      const gaps = (data.missing || []).map(function (name) { return "{{" + name + "}}"; });
      say("Inserted \u201c" + data.title + "\u201d: check it, then send." +
          (gaps.length ? " No value for " + gaps.join(", ") + ", so it was left out." : ""), false);
    }).catch(function (error) {
      say(error.message, true);
    }).finally(function () {
      choosing = false;
    });
  }

  function onKey(event) {
    if (!mode || event.isComposing || event.target !== owner()) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      step(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && !event.shiftKey) {
      choose(dropdown.active()); // never the composer's Enter-sends, even with no match
    } else if (event.key === "Escape") {
      dismissed = mode === "slash";
      close(true);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  function onReplyInput() {
    const match = SLASH.exec(textarea.value);
    if (!match) {
      dismissed = false;
      if (mode === "slash") close(false);
      return;
    }
    if (dismissed || mode === "button") return;
    if (mode !== "slash") open("slash");
    dropdown.searchSoon(match[1]);
  }

  // Capture on the form: these keys are handled before inbox.js's Enter-sends on the reply box.
  form.addEventListener("keydown", onKey, true);
  // Sending (inbox.js: Enter in the reply box, or Send) makes the note about the inserted text old news.
  form.addEventListener("keydown", function (event) {
    if (!mode && event.target === textarea && event.key === "Enter" && !event.shiftKey) say("", false);
  });
  form.addEventListener("submit", function () { if (!mode) say("", false); });
  textarea.addEventListener("input", onReplyInput);
  search.addEventListener("input", function () { dropdown.searchSoon(search.value); });
  toggle.addEventListener("click", function () {
    if (mode === "button") { close(true); return; }
    close(false);
    open("button");
  });
  toggle.hidden = false; // shown once it works: a click before this script ran would do nothing
  root.addEventListener("focusout", function (event) {
    if (mode === "button" && !root.contains(event.relatedTarget)) close(false);
  });
  textarea.addEventListener("blur", function (event) {
    if (mode === "slash" && !root.contains(event.relatedTarget)) close(false);
  });
})();
