/*
 * Effective study time: while a lesson is on screen, report active time to
 * the server in heartbeats. The server decides what counts (it caps each beat
 * and never counts more than the time since the last one); this script only
 * reports honestly: time counts while the tab is visible and the member is
 * there (they touched, scrolled or typed in the last two minutes, or a video
 * is playing); nothing counts while the tab is hidden.
 */
(function () {
  "use strict";
  var lesson = document.querySelector("[data-study-lesson]");
  if (!lesson || !window.fetch) return;

  var interval = Math.max(1, parseInt(lesson.dataset.studyInterval, 10) || 15) * 1000;
  var activeMs = 0;
  var lastTick = Date.now();
  var stopped = false;
  var IDLE_MS = 120000;
  var lastInteraction = Date.now();
  ["pointermove", "pointerdown", "keydown", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { lastInteraction = Date.now(); }, { passive: true });
  });
  var status = lesson.querySelector("[data-testid=lesson-status]");
  var bar = lesson.querySelector(".djl-progress__bar");
  var progress = lesson.querySelector("[role=progressbar]");

  function visible() { return document.visibilityState === "visible"; }
  function videoPlaying() {
    return Array.prototype.some.call(lesson.querySelectorAll("video"), function (v) {
      return !v.paused && !v.ended;
    });
  }

  function active(now) {
    return visible() && (now - lastInteraction < IDLE_MS || videoPlaying());
  }

  function tick() {
    var now = Date.now();
    if (active(now)) activeMs += now - lastTick;
    lastTick = now;
  }

  function show(result) {
    var pct = result.required ? Math.min(100, Math.floor(100 * result.seconds / result.required)) : 100;
    if (bar) bar.style.width = pct + "%";
    if (progress) progress.setAttribute("aria-valuenow", pct);
    if (status) {
      if (result.studied) {
        status.textContent = "✓ " + lesson.dataset.textStudied;
        status.setAttribute("data-studied", "");
      } else {
        status.textContent = lesson.dataset.textProgress
          .replace("{seconds}", result.seconds).replace("{required}", result.required);
      }
    }
    if (result.module_completed) {
      var done = document.querySelector("[data-testid=module-complete]");
      if (done) done.hidden = false;
    }
    if (result.studied) stopped = true;
  }

  function beat(final) {
    if (stopped) return;
    tick();
    var seconds = Math.floor(activeMs / 1000);
    var body = JSON.stringify({
      module: parseInt(lesson.dataset.studyModule, 10),
      lesson: lesson.dataset.studyLesson,
      seconds: seconds,
      sent_at: new Date().toISOString(),
      // Seconds reported were counted while visible; an empty beat from a hidden tab counts nothing.
      visible: seconds > 0 || visible()
    });
    var request = fetch(lesson.dataset.studyUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!final,
      headers: { "Content-Type": "application/json", "X-CSRFToken": lesson.dataset.csrf },
      body: body
    });
    // The seconds are taken off only once the server has them; a failed beat sends them again.
    request.then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        if (!result) return;
        activeMs = Math.max(0, activeMs - seconds * 1000);
        if (!final) show(result);
      })
      .catch(function () { /* the next beat tries again */ });
  }

  document.addEventListener("visibilitychange", function () {
    if (visible()) {
      lastTick = Date.now();       // the time away is not study time
    } else {
      tick();
      beat(true);
    }
  });
  beat(false);                     // starts the server's clock for this lesson
  setInterval(function () { beat(false); }, interval);
})();
