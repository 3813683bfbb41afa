// The NPS card (docs/widget-protocol.md §9), in the small iframe that /widget.js shows over its
// launcher when the chat's socket hears survey_requested for NPS: "How likely are you to recommend
// us?", 0 to 10 as a radio group, an optional comment, Send, then thanks. The shop page says who
// the visitor is and which survey by postMessage ({type: "helpdesk:init", anonymous_id,
// customer_id?, user_hash?, survey_id}); only the parent frame on an allowed origin is listened to.
// The card gets its own visitor token (js/shared/visitor_token.js) and answers over HTTP
// (Authorization: Bearer, never a cookie). To the shop page it says only its height
// (helpdesk:nps_size) and that it is done (helpdesk:nps_close); the page tells it when another tab
// answered (helpdesk:nps_answered), and it then closes unless it is the one that answered.
(function (w, d) {
  "use strict";
  var TEXTS = {
    en: { question: "How likely are you to recommend us to a friend or colleague?",
          score_low: "0 — not at all likely", score_high: "10 — extremely likely",
          low: "Not at all likely", high: "Extremely likely", comment: "What is the main reason for your score? (optional)",
          send: "Send", close: "Close", choose: "Please choose a score from 0 to 10.",
          thanks: "Thank you for your answer!", already: "You answered this question already. Thank you!",
          failed: "We couldn't send your answer. Please try again." },
    pt: { question: "Qual é a probabilidade de nos recomendar a um amigo ou colega?",
          score_low: "0 — nada provável", score_high: "10 — extremamente provável",
          low: "Nada provável", high: "Extremamente provável", comment: "Qual o principal motivo da sua nota? (opcional)",
          send: "Enviar", close: "Fechar", choose: "Escolha uma nota de 0 a 10, por favor.",
          thanks: "Obrigado pela sua resposta!", already: "Já respondeu a esta pergunta. Obrigado!",
          failed: "Não foi possível enviar a sua resposta. Tente novamente." },
    nl: { question: "Hoe waarschijnlijk is het dat je ons aanbeveelt aan een vriend of collega?",
          score_low: "0 — helemaal niet waarschijnlijk", score_high: "10 — zeer waarschijnlijk",
          low: "Helemaal niet waarschijnlijk", high: "Zeer waarschijnlijk",
          comment: "Wat is de belangrijkste reden voor je score? (optioneel)",
          send: "Versturen", close: "Sluiten", choose: "Kies een score van 0 tot 10.",
          thanks: "Bedankt voor je antwoord!", already: "Je hebt deze vraag al beantwoord. Bedankt!",
          failed: "We konden je antwoord niet versturen. Probeer het opnieuw." }
  };
  var t = TEXTS[d.documentElement.lang] || TEXTS.en;
  var origins = JSON.parse(d.body.getAttribute("data-origins") || "[]");
  function $(selector) { return d.querySelector(selector); }
  var card = $("[data-nps]"), form = $("[data-nps-form]"), comment = $("#nps-comment"), error = $("[data-error]");
  var sendButton = $("[data-send]"), thanks = $("[data-thanks]");
  var parentOrigin = null, identity = null, surveyId = null;
  // Unproven customer (403): answers as the page's anonymous visitor (visitor_token.js's default).
  var tokens = w.helpdeskShared.visitorToken.create({ identity: function () { return identity; } });
  var state = "asking"; // then "sending", and "done" once answered

  d.querySelectorAll("[data-text]").forEach(function (el) { el.textContent = t[el.getAttribute("data-text")]; });
  d.querySelectorAll("[data-label]").forEach(function (el) { el.setAttribute("aria-label", t[el.getAttribute("data-label")]); });

  function tell(message) { if (parentOrigin) w.parent.postMessage(message, parentOrigin); }
  function size() { tell({ type: "helpdesk:nps_size", height: Math.ceil(card.getBoundingClientRect().height) }); }
  function close() { tell({ type: "helpdesk:nps_close" }); }

  function post(body, renewed) {
    return tokens.get(renewed).then(function (bearer) {
      return w.fetch("/api/v1/widget/surveys/" + surveyId + "/answer", {
        method: "POST", credentials: "omit", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + bearer }
      });
    }).then(function (response) {
      if (response.status === 401 && !renewed) return post(body, true); // the token expired since
      return response;
    });
  }

  function done(text) {
    state = "done";
    form.hidden = true;
    thanks.textContent = text;
    thanks.hidden = false;
    thanks.focus();
    size();
  }

  function failed(text) {
    state = "asking";
    sendButton.disabled = false;
    error.textContent = text;
    size();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = form.querySelector('input[name="score"]:checked');
    if (state !== "asking" || surveyId === null) return;
    if (!chosen) { error.textContent = t.choose; $("#nps-score-0").focus(); size(); return; }
    state = "sending";
    sendButton.disabled = true;
    error.textContent = "";
    post({ score: Number(chosen.value), comment: comment.value.trim() || null }, false).then(function (response) {
      if (response.ok) return done(t.thanks);
      if (response.status === 409) return done(t.already); // answered in another tab: the first counts
      return response.json().catch(function () { return {}; }).then(function (answer) {
        failed((answer.error && answer.error.message) || t.failed);
      });
    }).catch(function () { failed(t.failed); });
  });

  form.addEventListener("change", function () { if (error.textContent === t.choose) { error.textContent = ""; size(); } });
  $("[data-close]").addEventListener("click", close);
  d.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
  if (w.ResizeObserver) new w.ResizeObserver(size).observe(card);

  w.addEventListener("message", function (event) {
    if (event.source !== w.parent || w.parent === w || origins.indexOf(event.origin) < 0) return;
    var data = event.data || {};
    if (data.type === "helpdesk:init" && !parentOrigin && data.anonymous_id && typeof data.survey_id === "number") {
      parentOrigin = event.origin;
      surveyId = data.survey_id;
      identity = { anonymous_id: String(data.anonymous_id) };
      if (data.customer_id && data.user_hash) {
        identity.customer_id = String(data.customer_id);
        identity.user_hash = String(data.user_hash);
      }
      size();
    }
    // Answered in another tab: this one has nothing left to ask.
    if (data.type === "helpdesk:nps_answered" && data.survey_id === surveyId && state === "asking") close();
  });
})(window, document);
