// Case page: every 5 s ask whether the conversation or the status changed, and reload
// then, unless the advisor is typing (a half-written answer is never thrown away).
// Polling stops after 15 minutes without a key press or click, so an unattended page
// does not keep the login alive past the session timeout.
(function () {
  "use strict";
  var link = document.getElementById("refresh");
  if (!link || !window.fetch) { return; }
  function typing() {
    var fields = document.querySelectorAll("textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value.trim() !== "" || document.activeElement === fields[i]) { return true; }
    }
    return false;
  }
  var IDLE_MS = 15 * 60 * 1000;
  var lastActive = Date.now();
  ["keydown", "mousedown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { lastActive = Date.now(); }, { passive: true });
  });
  function check() {
    if (Date.now() - lastActive > IDLE_MS) { return; }
    fetch(link.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var changed = String(data.lines) !== link.dataset.lines || data.status !== link.dataset.status;
        if (changed && !typing()) { window.location.reload(); }
      })
      .catch(function () {});
  }
  window.setInterval(check, 5000);
})();
