// The composer's knowledge-base lookup (console/kb/_composer_lookup.html), on the chat and ticket
// pages: the button opens a search popover over public and internal articles, searched as you type;
// arrows move, Enter chooses, Escape closes and gives focus back to the button. A public article goes
// into the reply box as "Title: URL" at the cursor (nothing is sent by itself); an internal one is
// for agents only, so it is opened in a new tab to read and nothing is inserted. Every label is
// textContent: no HTML from the server is ever parsed here. The list itself is
// js/shared/search_dropdown.js's.
(function () {
  "use strict";

  const root = document.querySelector("[data-kb-lookup]");
  const textarea = root && document.getElementById(root.getAttribute("data-kb-for"));
  if (!textarea) return;
  const url = root.getAttribute("data-kb-url");
  const toggle = root.querySelector("[data-kb-toggle]");
  const panel = root.querySelector("[data-kb-panel]");
  const search = root.querySelector("[data-kb-search]");
  const list = root.querySelector("[data-kb-list]");
  const status = root.querySelector("[data-kb-status]");
  const announce = root.querySelector("[data-kb-announce]");
  const shared = window.helpdeskShared.searchDropdown;

  let isOpen = false;

  const texts = {
    offline: "No connection: the knowledge base could not be searched. Try again.",
    failed: function (status, data) {
      const message = data.error && data.error.message;
      return message || "The knowledge base could not be searched (error " + status + ").";
    }
  };

  const dropdown = shared.create({
    list: list, status: status, option: option, found: show, delay: 150,
    owner: function () { return search; },
    blank: function () { show([], null); say("Type a question or a few words.", false); },
    isOpen: function () { return isOpen; },
    load: function (query) {
      return shared.getJSON(url + "?q=" + encodeURIComponent(query), texts).then(function (data) { return data.articles || []; });
    }
  });
  // `hint` is read out after the text but not shown (the panel's footer shows the keys).
  const say = dropdown.say;

  function open() {
    // One picker at a time: the canned responses' list (same bar on the chat page) closes first.
    const canned = document.querySelector('[data-canned-toggle][aria-expanded="true"]');
    if (canned) canned.click();
    isOpen = true;
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    search.setAttribute("aria-expanded", "true");
    announce.textContent = "";
    say("Type a question or a few words.", false);
    search.focus();
    if (search.value.trim()) dropdown.search(search.value);
  }

  function close(refocus) {
    if (!isOpen) return;
    isOpen = false;
    dropdown.cancel();
    show([], null);
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-expanded", "false");
    if (refocus) toggle.focus();
  }

  function option(item, index) {
    const li = document.createElement("li");
    li.id = "kb-lookup-option-" + index;
    li.className = "canned__option";
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    const head = document.createElement("span");
    head.className = "canned__head";
    const title = document.createElement("span");
    title.className = "canned__title";
    title.textContent = item.title;
    head.append(title);
    if (item.internal) {
      const badge = document.createElement("span");
      badge.className = "canned__scope canned__scope--own";
      badge.textContent = "Internal";
      head.append(" ", badge);
    }
    li.append(head);
    if (item.snippet) {
      const snippet = document.createElement("span");
      snippet.className = "canned__preview";
      snippet.textContent = item.snippet;
      li.append(snippet);
    }
    li.addEventListener("click", function () { choose(index); });
    return li;
  }

  function show(found, query) {
    dropdown.fill(found);
    if (query === null) return;
    if (found.length) {
      dropdown.move(0);
      say(found.length === 1 ? "1 article" : found.length + " articles", false,
          ": up and down arrows choose, Enter inserts a link, Escape closes.");
    } else {
      say("No article matches \u201c" + query + "\u201d.", false);
    }
  }

  function choose(index) {
    const item = dropdown.items()[index];
    if (!item) return;
    if (item.internal) { // agents only: never into a reply the customer could read
      window.open(item.url, "_blank", "noopener");
      say("\u201c" + item.title + "\u201d is internal: opened in a new tab to read, nothing inserted.", false);
      return;
    }
    close(false);
    shared.insertAtCursor(textarea, item.title + ": " + item.url);
    textarea.focus();
    announce.textContent = "Inserted a link to \u201c" + item.title + "\u201d: check your reply, then send.";
  }

  function onKey(event) {
    if (!isOpen || event.isComposing) return;
    if (event.key === "Escape") {
      close(true);
    } else if (event.target !== search) {
      return;
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      dropdown.step(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      choose(dropdown.active()); // never the form's submit (a reply, a ticket), even with no match
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  root.addEventListener("keydown", onKey);
  search.addEventListener("input", function () { dropdown.searchSoon(search.value); });
  toggle.addEventListener("click", function () {
    if (isOpen) close(true);
    else open();
  });
  toggle.hidden = false; // shown once it works: a click before this script ran would do nothing
  document.addEventListener("mousedown", function (event) {
    if (isOpen && !root.contains(event.target)) close(false);
  });
  // A null relatedTarget is focus leaving the window (an internal article opened in a new tab): stay open.
  root.addEventListener("focusout", function (event) {
    if (isOpen && event.relatedTarget && !root.contains(event.relatedTarget)) close(false);
  });
})();
