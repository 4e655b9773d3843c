// The check-in screen: asks for the current code, QR and count every few seconds.
(function () {
  "use strict";
  var screen = document.querySelector("[data-state-url]");
  if (!screen) return;
  var url = screen.getAttribute("data-state-url");
  var poll = Math.max(1, parseInt(screen.getAttribute("data-poll"), 10) || 3) * 1000;
  var code = document.getElementById("code");
  var count = document.getElementById("count");
  var qr = document.getElementById("qr");
  var closed = document.getElementById("closed");

  function update() {
    // The QR code comes only when the code changed since the one shown.
    fetch(url + "?have=" + encodeURIComponent(code.textContent), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        if (state.qr) {
          qr.src = state.qr;
          qr.setAttribute("data-url", state.url);
        }
        code.textContent = state.code;
        count.textContent = state.count;
        closed.hidden = state.open;
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(update, poll); });
  }
  window.setTimeout(update, poll);
})();
