// helpdeskShared.visitorToken: the visitor token that the widget's frames (the chat, the NPS card)
// get from POST /api/v1/widget/session for the identity the shop page handed them
// (docs/widget-protocol.md), and send as the /chat socket's auth or as "Authorization: Bearer"
// (never a cookie). Loaded with `defer` before widget_chat.js and widget_nps.js.
//
//   var tokens = helpdeskShared.visitorToken.create({
//     identity: function () { return {anonymous_id, customer_id?, user_hash?}; },
//     unverified: function (refused) { return {anonymous_id}; }   // optional, see below
//   });
//   tokens.get(renew) -> Promise of the token: the one held, or a new one (always when renew,
//                        e.g. after a 401: it expired since)
//   tokens.current()  -> the token held, or null
//   tokens.forget()   -> drop it: the next get() asks for a new one
(function (w) {
  "use strict";
  var shared = w.helpdeskShared = w.helpdeskShared || {};

  function create(options) {
    var token = null;
    // A 403 for a customer_id is the shop's user_hash not proving that customer: go on as the
    // anonymous visitor. options.unverified says which one (the chat keeps its own visitor id);
    // by default the page's.
    var unverified = options.unverified || function (refused) { return { anonymous_id: refused.anonymous_id }; };

    function request(body) {
      return w.fetch("/api/v1/widget/session", {
        method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      }).then(function (response) {
        if (response.status === 403 && body.customer_id) return request(unverified(body));
        if (!response.ok) throw new Error("session " + response.status);
        return response.json().then(function (answer) { return answer.token; });
      });
    }

    return {
      get: function (renew) {
        if (token && !renew) return Promise.resolve(token);
        return request(options.identity()).then(function (fresh) { token = fresh; return fresh; });
      },
      current: function () { return token; },
      forget: function () { token = null; }
    };
  }

  shared.visitorToken = { create: create };
})(window);
