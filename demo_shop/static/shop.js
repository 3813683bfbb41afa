// The demo shop's only script: hands this page's Helpdesk calls (rendered by the server as JSON data
// in #helpdesk-calls) to the widget. The queue works whether /widget.js has loaded yet or not.
(function (w, d) {
  "use strict";
  w.Helpdesk = w.Helpdesk || { q: [] };
  var block = d.getElementById("helpdesk-calls");
  var calls = [];
  try {
    calls = JSON.parse(block ? block.textContent : "[]");
  } catch (broken) {
    return;
  }
  calls.forEach(function (call) { w.Helpdesk.q.push(call); });
})(window, document);
