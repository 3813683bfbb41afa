// The embeddable widget's loader. The live-chat and customer-context capabilities build on it:
// this version only publishes the Helpdesk global that shops call, so a script tag is safe to add now.
(function (w) {
  "use strict";
  if (w.Helpdesk && w.Helpdesk.loaded) return;
  const queued = (w.Helpdesk && w.Helpdesk.q) || [];
  w.Helpdesk = { loaded: true, version: "0.1.0", q: queued };
})(window);
