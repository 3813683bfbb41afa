// Canned responses in the composer (inbox/_canned.html): the button, or "/" typed in an empty reply,
// opens one list fetched from the console and filtered as you type; arrows move, Enter inserts,
// Escape closes. The chosen response's text, filled on the server for this conversation's customer
// and the signed-in agent, goes into the reply box with .value / setRangeText: nothing is sent by
// itself, and no HTML is ever parsed here (every label is textContent).
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
  const DELAY_MS = 120;

  let mode = null; // null (closed), "button" (search box) or "slash" (typed in the reply)
  let items = [];
  let active = -1;
  let latest = 0; // number of the newest list request: older answers are dropped
  let timer = null;
  let dismissed = false; // Escape closed the "/" list: it stays closed until the reply changes
  let choosing = false; // a chosen response is being fetched: a second Enter must not insert it twice

  // The status line is a live region: `hint` is read out after the text but not shown (the panel's
  // footer shows the keys).
  function say(text, isError, hint) {
    status.classList.toggle("is-error", Boolean(isError));
    status.textContent = text;
    if (hint) {
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = hint;
      status.appendChild(hidden);
    }
  }

  function owner() {
    return mode === "slash" ? textarea : search;
  }

  function getJSON(address) {
    const options = { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    return fetch(address, options).then(function (response) {
      if (response.redirected || response.status === 401) {
        throw new Error("You are signed out. Sign in again in another tab, then try again: your reply stays here.");
      }
      if (response.status === 404) throw new Error("That canned response or this conversation no longer exists.");
      if (!response.ok) throw new Error("Canned responses could not be loaded (error " + response.status + "). Try again.");
      return response.json();
    }, function () {
      throw new Error("No connection: canned responses could not be loaded. Try again.");
    });
  }

  function open(newMode) {
    mode = newMode;
    panel.hidden = false;
    searchRow.hidden = newMode === "slash";
    toggle.setAttribute("aria-expanded", "true");
    if (newMode === "button") {
      search.value = "";
      search.setAttribute("aria-expanded", "true");
      search.focus();
      fetchList("");
    } else {
      textarea.setAttribute("aria-controls", list.id);
      textarea.setAttribute("aria-autocomplete", "list");
    }
  }

  function close(refocus) {
    if (!mode) return;
    const was = mode;
    mode = null;
    items = [];
    active = -1;
    latest += 1;
    clearTimeout(timer);
    panel.hidden = true;
    list.hidden = true;
    list.replaceChildren();
    toggle.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-expanded", "false");
    [search, textarea].forEach(function (el) { el.removeAttribute("aria-activedescendant"); });
    textarea.removeAttribute("aria-controls");
    textarea.removeAttribute("aria-autocomplete");
    if (refocus) (was === "button" ? toggle : textarea).focus();
  }

  function load(query) {
    clearTimeout(timer);
    timer = setTimeout(function () { fetchList(query); }, DELAY_MS);
  }

  function fetchList(query) {
    const mine = ++latest;
    getJSON(url + "?q=" + encodeURIComponent(query)).then(function (data) {
      if (mine === latest && mode) show(data.responses || [], query);
    }).catch(function (error) {
      if (mine === latest) say(error.message, true);
    });
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
    items = found;
    active = -1;
    list.replaceChildren.apply(list, found.map(option));
    list.hidden = found.length === 0;
    move(found.length ? 0 : -1, false);
    if (!found.length) {
      const none = query ? "No canned response matches \u201c" + query + "\u201d." : "No canned responses yet.";
      say(mode === "slash" ? none + " Press Escape to write a reply that starts with /." : none, false);
    } else {
      const count = found.length === 1 ? "1 canned response" : found.length + " canned responses";
      say(count, false, ": up and down arrows choose, Enter inserts, Escape closes.");
    }
  }

  function move(index, announce) {
    const options = list.children;
    if (options[active]) {
      options[active].setAttribute("aria-selected", "false");
      options[active].classList.remove("is-active");
    }
    active = index;
    if (index < 0 || !options[index]) { owner().removeAttribute("aria-activedescendant"); return; }
    options[index].setAttribute("aria-selected", "true");
    options[index].classList.add("is-active");
    owner().setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
    // A reply box is no combobox: screen readers may not follow aria-activedescendant there, so say it.
    if (announce && mode === "slash") say(items[index].title + ", " + (index + 1) + " of " + items.length, false);
  }

  function insert(text, replaceAll) {
    if (replaceAll) {
      textarea.value = text;
      textarea.setSelectionRange(text.length, text.length);
    } else {
      const start = textarea.selectionStart;
      const glue = start > 0 && !/\s/.test(textarea.value.charAt(start - 1)) ? " " : ""; // not "waiting.Let"
      textarea.setRangeText(glue + text, start, textarea.selectionEnd, "end");
    }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function choose(index) {
    const item = items[index];
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
      if (items.length) move((active + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length, true);
    } else if (event.key === "Enter" && !event.shiftKey) {
      choose(active); // never the composer's Enter-sends, even with no match
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
    load(match[1]);
  }

  // Capture on the form: these keys are handled before inbox.js's Enter-sends on the reply box.
  form.addEventListener("keydown", onKey, true);
  // Sending (inbox.js: Enter in the reply box, or Send) makes the note about the inserted text old news.
  form.addEventListener("keydown", function (event) {
    if (!mode && event.target === textarea && event.key === "Enter" && !event.shiftKey) say("", false);
  });
  form.addEventListener("submit", function () { if (!mode) say("", false); });
  textarea.addEventListener("input", onReplyInput);
  list.addEventListener("mousedown", function (event) { event.preventDefault(); }); // focus stays where it is
  search.addEventListener("input", function () { load(search.value); });
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
