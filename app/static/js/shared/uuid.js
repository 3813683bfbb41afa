// helpdeskShared.uuid(): a random id for a command a page may retry (client_msg_id, client_key,
// a new visitor id), so the server can tell a retry from a second command. Loaded with `defer`
// before the console's and the widget frame's scripts. /widget.js keeps its own copy of this
// function: it is the shop's one-file embed and may make no extra request.
(function (w) {
  "use strict";
  var shared = w.helpdeskShared = w.helpdeskShared || {};

  // crypto.randomUUID exists in secure contexts only (a helpdesk served over plain http is not
  // one): there, a version-4 UUID from getRandomValues, which every context has.
  shared.uuid = function uuid() {
    var c = w.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  };
})(window);
