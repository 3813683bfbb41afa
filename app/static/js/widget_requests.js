// "Your requests" in the widget's chat (docs/widget-protocol.md §8): a verified customer's tickets
// on the home view, one request's public thread with a reply form, and the help center link.
// Loaded before widget_chat.js, which calls HelpdeskRequests.create(env) once and drives it:
// load() after each connect, updated() on the socket's request_updated, open() from the list.
// Everything goes over HTTP with the visitor token (Authorization: Bearer), never a cookie; the
// socket only says that something changed. Customer and agent text is set with textContent only.
(function (w, d) {
  "use strict";
  var DOWNLOAD_REVOKE_MS = 60000; // long enough for the browser to have read the blob

  function create(env) {
    var t = env.t, lang = env.lang;
    function $(selector) { return d.querySelector(selector); }
    var section = $("[data-requests]"), box = $("[data-requests-list]"), empty = $("[data-requests-empty]");
    var view = $("[data-request]"), subject = $("[data-request-subject]"), badge = $("[data-request-status]");
    var meta = $("[data-request-meta]"), log = $("[data-request-log]"), linkButton = $("[data-help-center]");
    var form = $("[data-reply-form]"), input = $("#reply-body"), sendButton = $("[data-reply-send]");
    var error = $("[data-reply-error]");
    var items = [], loaded = false, openId = null, lastId = null, shown = {}, replyKey = null, sending = false;
    var times = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    var relative = w.Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;

    // --- HTTP ------------------------------------------------------------------------------

    function send(path, options, renewed) {
      return env.token(renewed).then(function (token) {
        var init = { method: options.method || "GET", credentials: "omit", headers: { Authorization: "Bearer " + token } };
        if (options.body !== undefined) {
          init.headers["Content-Type"] = "application/json";
          init.body = JSON.stringify(options.body);
        }
        return w.fetch(path, init);
      }).then(function (response) {
        // An expired visitor token: get a new one, once.
        if (response.status === 401 && !renewed) return send(path, options, true);
        return response;
      });
    }

    // The answer's JSON, or a rejection whose message is the server's own (the JSON error body),
    // or our "could not reach us" text for a network failure.
    function call(path, options) {
      return send(path, options || {}).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok) return answer;
          var refused = new Error((answer.error && answer.error.message) || t.req_failed);
          refused.status = response.status;
          throw refused;
        });
      }, function () { throw new Error(t.req_failed); });
    }

    // --- Words and times -------------------------------------------------------------------

    function statusText(request) { return t["req_" + request.status] || request.status_label; }

    function ago(iso) {
      var seconds = (new Date(iso).getTime() - Date.now()) / 1000;
      var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
      if (!relative) return times.format(new Date(iso));
      for (var i = 0; i < units.length; i += 1) {
        if (Math.abs(seconds) >= units[i][1]) return relative.format(Math.round(seconds / units[i][1]), units[i][0]);
      }
      return t.req_just_now;
    }

    function fileSize(bytes) {
      if (bytes < 1024) return bytes + " B";
      if (bytes < 1048576) return Math.round(bytes / 1024) + " KB";
      return (bytes / 1048576).toFixed(1) + " MB";
    }

    // --- The list on the home view ---------------------------------------------------------

    function listItem(request) {
      var li = d.createElement("li"), button = d.createElement("button"), title = d.createElement("span"),
          line = d.createElement("span"), state = d.createElement("span"), when = d.createElement("span");
      button.type = "button";
      button.className = "chat__item";
      button.setAttribute("data-request-id", request.id);
      title.className = "chat__item-text chat__item-text--strong";
      title.textContent = request.subject;
      line.className = "chat__item-who";
      state.className = "chat__badge chat__badge--" + request.status;
      state.textContent = statusText(request);
      when.textContent = " · " + env.fill(t.req_updated, { when: ago(request.updated_at) });
      line.appendChild(state);
      line.appendChild(when);
      button.appendChild(title);
      button.appendChild(line);
      button.addEventListener("click", function () { open(request.id); });
      li.appendChild(button);
      return li;
    }

    function paintList() {
      section.hidden = !env.verified();
      box.textContent = "";
      items.forEach(function (request) { box.appendChild(listItem(request)); });
      empty.hidden = !loaded || items.length > 0;
    }

    // Called by widget_chat.js after every connect (before it picks a view) and on request_updated.
    // Anonymous visitors are never asked for: the API would answer 403.
    function load(done) {
      if (!env.verified()) { section.hidden = true; if (done) done(); return; }
      call("/api/v1/widget/requests").then(function (answer) {
        items = answer.requests;
        loaded = true;
      }, function () { /* the list keeps what it had; the next event or connect tries again */ })
        .then(function () { paintList(); if (done) done(); });
    }

    // --- One request -----------------------------------------------------------------------

    function download(file) {
      // Read as a blob and saved under its name: never navigated to, never shown inline.
      return send(file.url, {}).then(function (response) {
        if (!response.ok) throw new Error(t.req_failed);
        return response.blob();
      }).then(function (blob) {
        var url = URL.createObjectURL(blob), a = d.createElement("a");
        a.href = url;
        a.download = file.filename;
        a.hidden = true;
        d.body.appendChild(a);
        a.click();
        a.parentNode.removeChild(a);
        w.setTimeout(function () { URL.revokeObjectURL(url); }, DOWNLOAD_REVOKE_MS);
      }).catch(function (failed) { env.say(failed.message); });
    }

    function fileButton(file) {
      var li = d.createElement("li"), button = d.createElement("button"), verb = d.createElement("span"),
          arrow = d.createElement("span");
      button.type = "button";
      button.className = "msg__file";
      // Read as "Download label.pdf · 12 KB": the visible name stays part of the button's name.
      verb.className = "visually-hidden";
      verb.textContent = t.req_download + " ";
      arrow.className = "msg__file-icon";
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "\u2193";
      button.appendChild(verb);
      button.appendChild(arrow);
      button.appendChild(d.createTextNode(file.filename + " · " + fileSize(file.size)));
      button.addEventListener("click", function () { download(file); });
      li.appendChild(button);
      return li;
    }

    function messageBubble(m) {
      var li = env.bubble(m.from_customer, m.body), files = d.createElement("ul");
      li.firstChild.textContent = (m.from_customer ? t.you : m.author_name || t.team) + " · " + times.format(new Date(m.created_at));
      li.setAttribute("data-message-id", m.id);
      if (m.attachments.length) {
        files.className = "msg__files";
        m.attachments.forEach(function (file) { files.appendChild(fileButton(file)); });
        li.appendChild(files);
      }
      return li;
    }

    function paintHead(request) {
      subject.textContent = request.subject;
      badge.className = "chat__badge chat__badge--" + request.status;
      badge.textContent = statusText(request);
      meta.textContent = env.fill(t.req_number, { id: request.id }) + " · " + env.fill(t.req_updated, { when: ago(request.updated_at) });
    }

    // Appends only the messages not yet on screen, so the log's aria-live announces just the new ones.
    function paintThread(answer) {
      paintHead(answer.request);
      var added = 0;
      answer.messages.forEach(function (m) {
        if (shown[m.id]) return;
        shown[m.id] = true;
        log.appendChild(messageBubble(m));
        added += 1;
      });
      if (added) env.scrollDown();
    }

    function fetchThread() {
      var id = openId;
      return call("/api/v1/widget/requests/" + id).then(function (answer) {
        if (openId === id) paintThread(answer);
      }, function (failed) { if (openId === id) env.say(failed.message); });
    }

    function reset(id) {
      openId = id;
      lastId = id;
      shown = {};
      log.textContent = "";
      replyKey = null;
      error.textContent = "";
    }

    // Called by a list item: shows the request view at once (the subject from the list), then its thread.
    function open(id) {
      var known = items.filter(function (r) { return r.id === id; })[0];
      reset(id);
      input.value = "";
      if (known) paintHead(known);
      env.show("request");
      subject.focus();
      fetchThread();
    }

    // Called by widget_chat.js on the socket's request_updated {ticket_id, reason} (any reason:
    // the list is read again; the open request's thread too when it is that ticket), and with no
    // data after a reconnect, when anything may have changed.
    function updated(data, done) {
      load(done);
      var mine = !data || data.ticket_id === openId;
      if (openId !== null && mine && env.view() === "request") fetchThread();
    }

    // --- Replying --------------------------------------------------------------------------

    function setSending(on) {
      sending = on;
      sendButton.disabled = on;
      input.readOnly = on;
      sendButton.textContent = on ? t.sending : t.req_send;
    }

    function replied(answer) {
      replyKey = null;
      input.value = "";
      error.textContent = "";
      if (answer.follow_up) {
        // The request was closed: the reply started a follow-up, which is now the one on screen.
        reset(answer.request.id);
        env.say(t.req_follow_up);
      }
      fetchThread();
      load();
    }

    function submitReply(event) {
      event.preventDefault();
      if (sending) return;
      if (!input.value.trim()) { error.textContent = t.req_empty; input.focus(); return; }
      replyKey = replyKey || env.uuid(); // kept until the server has it: a retry is never stored twice
      setSending(true);
      call("/api/v1/widget/requests/" + openId + "/replies", { method: "POST", body: { body: input.value, client_key: replyKey } })
        .then(replied, function (failed) { error.textContent = failed.message; })
        .then(function () { setSending(false); });
    }

    // --- The help center -------------------------------------------------------------------

    // The link signs in once, so it is asked for on each click. The tab is opened at once, inside
    // the click (a tab opened after the fetch would be taken for a popup and blocked), and sent on.
    function openHelpCenter() {
      var tab = w.open("", "_blank");
      if (tab) tab.opener = null;
      call("/api/v1/widget/requests/help-center-link", { method: "POST", body: { ticket_id: openId } })
        .then(function (answer) {
          if (tab) tab.location.href = answer.url;
          else w.open(answer.url, "_blank", "noopener");
        }, function (failed) {
          if (tab) tab.close();
          env.say(failed.message);
        });
    }

    form.addEventListener("submit", submitReply);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
    });
    linkButton.addEventListener("click", openHelpCenter);

    return {
      load: load,
      open: open,
      updated: updated,
      refresh: function (done) { updated(null, done); },
      paint: paintList,
      has: function () { return env.verified() && items.length > 0; },
      focusTarget: function () { return subject; },
      listButton: function () { return lastId === null ? null : box.querySelector('[data-request-id="' + lastId + '"]'); },
      close: function () { openId = null; }
    };
  }

  w.HelpdeskRequests = { create: create };
})(window, document);
