// helpdeskShared.searchDropdown: the composer's search-as-you-type listbox, shared by the canned
// responses (canned.js) and the knowledge-base lookup (kb_lookup.js). It holds the list's state
// (the items shown, the active option, which answer is the newest) and does what both do alike;
// each feature keeps its own markup, texts, keys, and what choosing an item does. Loaded with
// `defer` before canned.js and kb_lookup.js. Every label is textContent: no HTML is parsed here.
//
//   const dropdown = helpdeskShared.searchDropdown.create({
//     list,                  // the <ul role="listbox">
//     status,                // the live status line
//     owner(),               // the element that carries aria-activedescendant now (the search box,
//                            // or canned.js's reply box while "/" is typed)
//     option(item, index),   // -> the <li role="option"> (with an id) for one item
//     load(query),           // -> Promise of the items for a query
//     found(items, query),   // the newest answer arrived while open: show it (fill, move, say)
//     isOpen(),              // answers that arrive once closed are dropped
//     delay,                 // ms that searchSoon() waits for more typing
//     blank()                // optional: what a blank query shows instead of loading (kb_lookup.js:
//                            // a prompt); without it a blank query is loaded like any other
//   });
//   dropdown.search(query) / searchSoon(query)  load now / after `delay`; older answers are dropped
//   dropdown.cancel()             drop the pending search and any answer still on its way
//   dropdown.fill(items)          show these options (none active; the list hides when empty)
//   dropdown.move(index)          make an option active (aria-selected, scrolled into view)
//   dropdown.step(+1 | -1)        arrow keys: the next or previous option, round the ends; -> its index, or -1
//   dropdown.active(), items()    the active index (-1 for none) and the items shown
//   dropdown.say(text, isError, hint)   the status line; `hint` is read out but not shown
//
//   helpdeskShared.searchDropdown.getJSON(url, { offline, failed(status, data) })
//   helpdeskShared.searchDropdown.insertAtCursor(textarea, text)
(function (w) {
  "use strict";
  const shared = w.helpdeskShared = w.helpdeskShared || {};

  // A console page's JSON, with the error as a sentence for the status line: `failed` words a
  // refusal (given the status and the error body, if any), `offline` a network failure.
  function getJSON(address, texts) {
    const options = { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    return w.fetch(address, options).then(function (response) {
      if (response.redirected || response.status === 401) {
        throw new Error("You are signed out. Sign in again in another tab, then try again: your reply stays here.");
      }
      if (response.ok) return response.json();
      return response.json().catch(function () { return {}; }).then(function (data) {
        throw new Error(texts.failed(response.status, data));
      });
    }, function () {
      throw new Error(texts.offline);
    });
  }

  // The chosen text goes in at the cursor (replacing a selection), with a space before it when it
  // would touch the word before ("waiting.Let"); nothing is sent by itself.
  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart;
    const glue = start > 0 && !/\s/.test(textarea.value.charAt(start - 1)) ? " " : "";
    textarea.setRangeText(glue + text, start, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function create(options) {
    const list = options.list, status = options.status;
    let items = [];
    let active = -1;
    let latest = 0; // number of the newest request: older answers are dropped
    let timer = null;

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

    function fill(found) {
      items = found;
      active = -1;
      list.replaceChildren.apply(list, found.map(options.option));
      list.hidden = found.length === 0;
      options.owner().removeAttribute("aria-activedescendant");
    }

    function move(index) {
      const all = list.children;
      if (all[active]) {
        all[active].setAttribute("aria-selected", "false");
        all[active].classList.remove("is-active");
      }
      active = index;
      if (index < 0 || !all[index]) { options.owner().removeAttribute("aria-activedescendant"); return; }
      all[index].setAttribute("aria-selected", "true");
      all[index].classList.add("is-active");
      options.owner().setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    }

    function step(delta) {
      if (!items.length) return -1;
      move((active + delta + items.length) % items.length);
      return active;
    }

    function search(query) {
      const mine = ++latest; // a blank query too drops the answers still on their way
      if (options.blank && !query.trim()) { options.blank(); return; }
      options.load(query).then(function (found) {
        if (mine === latest && options.isOpen()) options.found(found, query);
      }).catch(function (error) {
        if (mine === latest) say(error.message, true);
      });
    }

    function searchSoon(query) {
      clearTimeout(timer);
      timer = setTimeout(function () { search(query); }, options.delay);
    }

    function cancel() {
      latest += 1;
      clearTimeout(timer);
    }

    list.addEventListener("mousedown", function (event) { event.preventDefault(); }); // focus stays where it is

    return {
      say: say, fill: fill, move: move, step: step, search: search, searchSoon: searchSoon, cancel: cancel,
      active: function () { return active; },
      items: function () { return items; }
    };
  }

  shared.searchDropdown = { create: create, getJSON: getJSON, insertAtCursor: insertAtCursor };
})(window);
