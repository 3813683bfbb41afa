// Help center: search-as-you-type under the search box (an ARIA combobox), "Was this helpful?"
// without a page load, and article suggestions while a request's subject is typed.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function fetchSuggestions(endpoint, lang, text) {
    var url = endpoint + "?lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(text);
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) { return body.results || []; })
      .catch(function () { return []; });
  }

  function setUpCombobox(form) {
    var input = form.querySelector("input[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var active = -1;
    var latest = 0;

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function highlight(index) {
      var items = options();
      items.forEach(function (item, i) { item.setAttribute("aria-selected", String(i === index)); });
      active = index;
      if (items[index]) { input.setAttribute("aria-activedescendant", items[index].id); }
    }
    function render(results) {
      list.textContent = "";
      results.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var link = document.createElement("a");
        link.href = result.url + (result.url.indexOf("?") < 0 ? "?" : "&") + "src=help_center";
        link.textContent = result.title;
        link.tabIndex = -1;
        item.appendChild(link);
        item.addEventListener("mousedown", function (event) { event.preventDefault(); window.location = link.href; });
        list.appendChild(item);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", String(results.length > 0));
      active = -1;
    }
    var lookUp = debounce(function () {
      var text = input.value;
      if (text.trim().length < 2) { close(); return; }
      var ticket = ++latest;
      fetchSuggestions(form.dataset.kbSuggest, form.dataset.lang, text).then(function (results) {
        if (ticket === latest) { render(results); }
      });
    }, 120);

    input.addEventListener("input", lookUp);
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (event) {
      var items = options();
      if (event.key === "ArrowDown" && items.length) { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp" && items.length) { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0 && items[active]) {
        event.preventDefault();
        window.location = items[active].querySelector("a").href;
      }
    });
  }

  function setUpVote(form) {
    var thanks = form.parentNode.querySelector(".kb-vote__thanks");
    var token = form.querySelector("input[name=csrf_token]").value;
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch) { return; }
      event.preventDefault();
      var data = new FormData(form);
      data.set("helpful", button.value);
      fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json", "X-CSRFToken": token } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (body) {
          form.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
          thanks.textContent = body.message;
          thanks.hidden = false;
        })
        .catch(function () { form.submit(); });
    });
  }

  function setUpSubjectSuggestions(input) {
    var box = document.getElementById(input.dataset.kbSuggestTarget);
    var list = box.querySelector("ul");
    var latest = 0;
    input.addEventListener("input", debounce(function () {
      var text = input.value;
      if (text.trim().length < 3) { box.hidden = true; return; }
      var ticket = ++latest;
      fetchSuggestions(input.dataset.kbSuggest, input.dataset.lang, text).then(function (results) {
        if (ticket !== latest) { return; }
        list.textContent = "";
        results.slice(0, 3).forEach(function (result) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = result.url + (result.url.indexOf("?") < 0 ? "?" : "&") + "src=request_form";
          link.target = "_blank";
          link.rel = "noopener";
          link.textContent = result.title;
          item.appendChild(link);
          list.appendChild(item);
        });
        box.hidden = results.length === 0;
      });
    }, 250));
  }

  document.querySelectorAll("form[data-kb-suggest]").forEach(setUpCombobox);
  document.querySelectorAll("form[data-kb-vote]").forEach(setUpVote);
  document.querySelectorAll("input[data-kb-suggest]").forEach(setUpSubjectSuggestions);
})();
