// CSAT in the widget's chat (docs/widget-protocol.md §9): when the visitor's conversation is
// resolved, "How would you rate the support you received?" under the thread, good or bad with an
// optional comment. Loaded before widget_chat.js, which calls HelpdeskSurvey.create(env) once and
// drives it: check(conversation) after a join or a status change, requested() and answered() on
// the socket's survey_requested and survey_answered, clear() when the thread changes. The survey is
// read and answered over HTTP with the visitor token (Authorization: Bearer), never a cookie.
(function (w, d) {
  "use strict";

  function create(env) {
    var t = env.t;
    function $(selector) { return d.querySelector(selector); }
    var box = $("[data-survey]"), ask = $("[data-survey-ask]"), thanks = $("[data-survey-thanks]");
    var choices = box.querySelectorAll("[data-rating]"), comment = $("#survey-comment");
    var sendButton = $("[data-survey-send]"), error = $("[data-survey-error]");
    var current = null, rating = null, sending = false, conversationId = null;

    function call(path, options) {
      return env.token(false).then(function (token) {
        var init = { method: options.method || "GET", credentials: "omit", headers: { Authorization: "Bearer " + token } };
        if (options.body) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(options.body); }
        return w.fetch(path, init);
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok) return answer;
          var refused = new Error((answer.error && answer.error.message) || t.req_failed);
          refused.status = response.status;
          throw refused;
        });
      });
    }

    function paint() {
      box.hidden = !current;
      if (!current) return;
      ask.hidden = current.answered;
      thanks.hidden = !current.answered;
      if (current.answered) {
        thanks.textContent = current.rating === "good" ? t.survey_thanks_good : t.survey_thanks_bad;
        return;
      }
      choices.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-rating") === rating));
      });
      sendButton.disabled = !rating || sending;
    }

    function show(survey) {
      if (!survey || survey.kind !== "csat" || survey.conversation_id !== conversationId) return;
      if (current && current.id === survey.id && current.answered && !survey.answered) return;
      current = survey;
      paint();
      env.scrollDown();
    }

    function check(conversation) {
      conversationId = conversation ? conversation.id : null;
      if (!conversation || conversation.status !== "resolved") { if (current && !current.answered) clear(); return; }
      if (current && current.conversation_id === conversation.id) return;
      call("/api/v1/widget/surveys?conversation_id=" + encodeURIComponent(conversation.id), {})
        .then(function (answer) { (answer.surveys || []).forEach(show); })
        .catch(function () { /* no survey shown: nothing the visitor must do */ });
    }

    function clear() {
      current = null;
      rating = null;
      comment.value = "";
      error.textContent = "";
      paint();
    }

    function send() {
      if (!current || !rating || sending) return;
      sending = true;
      error.textContent = "";
      paint();
      var survey = current;
      call("/api/v1/widget/surveys/" + survey.id + "/answer",
           { method: "POST", body: { rating: rating, comment: comment.value.trim() || null } })
        .then(function (answered) { sending = false; if (current === survey) { current = answered; paint(); thanks.focus(); } })
        .catch(function (refused) {
          sending = false;
          error.textContent = refused.message;
          paint();
        });
    }

    choices.forEach(function (button) {
      button.addEventListener("click", function () { rating = button.getAttribute("data-rating"); paint(); });
    });
    sendButton.addEventListener("click", send);

    return {
      check: check,
      clear: function () { conversationId = null; clear(); },
      requested: function (survey) { show(survey); },
      answered: function (survey) { if (current && survey && survey.id === current.id) { current = survey; paint(); } }
    };
  }

  w.HelpdeskSurvey = { create: create };
})(window, document);
