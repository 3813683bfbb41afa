// The widget's article suggestions: while a visitor types the first message of a new chat (before
// any conversation exists), the help center's best articles for those words show above the
// composer, so the answer may come before the question is sent. Text is set with textContent only.
(function (w, d) {
  "use strict";
  w.HelpdeskArticles = {
    create: function (options) {
      var box = d.querySelector("[data-articles]");
      var list = box.querySelector("ul");
      var endpoint = box.getAttribute("data-endpoint");
      var timer = null, latest = 0;
      box.querySelector("[data-articles-heading]").textContent = options.t.kb_heading;

      function hide() { box.hidden = true; list.textContent = ""; }
      function render(results, text) {
        list.textContent = "";
        var who = options.visitor() || "";
        results.slice(0, 3).forEach(function (result) {
          var item = d.createElement("li");
          var link = d.createElement("a");
          // What was typed and by whom go with the link: the read is logged as this visitor's
          // search (the widget's typing is not), and a chat started later counts against it.
          link.href = result.url + (result.url.indexOf("?") < 0 ? "?" : "&") + "src=widget&wn=" + results.length +
            "&wq=" + encodeURIComponent(text.slice(0, 200)) + "&wv=" + encodeURIComponent(who);
          link.target = "_blank";
          link.rel = "noopener";
          link.textContent = result.title;
          var note = d.createElement("span");
          note.className = "visually-hidden";
          note.textContent = " " + options.t.req_new_tab;
          link.appendChild(note);
          item.appendChild(link);
          list.appendChild(item);
        });
        box.hidden = results.length === 0;
      }
      function lookUp(text) {
        var ticket = ++latest;
        var url = endpoint + "?lang=" + encodeURIComponent(options.lang) + "&q=" + encodeURIComponent(text);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (body) { if (ticket === latest && options.active()) render(body.results || [], text); })
          .catch(hide);
      }
      return {
        // Called on every keystroke in the composer; only a chat not started yet gets suggestions.
        typed: function (text) {
          clearTimeout(timer);
          if (!options.active() || text.trim().length < 4) { hide(); return; }
          timer = setTimeout(function () { lookUp(text); }, 250);
        },
        hide: hide
      };
    }
  };
})(window, document);
