/*
 * Quiz attempts: save answers as the member gives them, and show the time left.
 * The form works without this script (its Save and Submit buttons post it);
 * the server decides what counts, including the time limit.
 */
(function () {
  "use strict";
  var form = document.querySelector("[data-save-url]");
  if (!form || !window.fetch || !window.FormData) return;
  var status = form.querySelector("[data-quiz-saved]");
  var timer = null;
  var submitting = false;

  function save() {
    timer = null;
    var data = new FormData(form);
    return fetch(form.dataset.saveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (status) status.textContent = body.saved ? form.dataset.textSaved : body.message;
        if (response.status === 409 && !submitting) window.location.reload();
      });
    }).catch(function () {
      if (status) status.textContent = form.dataset.textFailed;
    });
  }

  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 800);
  }
  form.addEventListener("change", later);
  form.addEventListener("input", later);
  form.addEventListener("submit", function () { submitting = true; if (timer) clearTimeout(timer); });

  var clock = document.querySelector("[data-seconds-left]");
  if (!clock) return;
  var end = Date.now() + parseInt(clock.dataset.secondsLeft, 10) * 1000;
  var shown = clock.querySelector("[data-quiz-clock]");
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    shown.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    if (left <= 0) {
      if (!submitting) { submitting = true; form.submit(); }
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
