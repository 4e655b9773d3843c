/*
 * Effective study time: while a lesson is on screen, report active time to
 * the server in heartbeats. The server decides what counts (it caps each beat
 * and never counts more than the time since the last one); this script only
 * reports honestly: time counts while the tab is visible and the member is
 * there (they touched, scrolled or typed in the last two minutes, or a video
 * is playing); nothing counts while the tab is hidden.
 *
 * Beats are batched: one every HEARTBEAT_INTERVAL seconds (60 by default) carries
 * the time gathered since the last one, while the progress bar moves every second
 * from the last count the server gave plus the time gathered here. When that
 * reaches what the lesson needs, a beat goes at once, so the lesson is marked
 * studied without waiting for the next one; leaving the page sends one too.
 */
(function () {
  "use strict";
  var lesson = document.querySelector("[data-study-lesson]");
  if (!lesson || !window.fetch) return;

  var interval = Math.max(1, parseInt(lesson.dataset.studyInterval, 10) || 60) * 1000;
  // The most the server counts in one beat: more waits for the next one, not lost.
  var maxSeconds = parseInt(lesson.dataset.studyMax, 10) || 90;
  var required = parseInt(lesson.dataset.studyRequired, 10) || 0;
  var counted = parseInt(lesson.dataset.studySeconds, 10) || 0;  // what the server counted
  var activeMs = 0;
  var lastTick = Date.now();
  var stopped = false;
  var sending = false;
  var inFlightMs = 0;              // gathered time a beat on its way carries
  var failedAt = -Infinity;        // a failed beat: no early one until the next interval
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

  function draw(seconds, studied) {
    var pct = required ? Math.min(100, Math.floor(100 * seconds / required)) : 100;
    if (bar) bar.style.width = pct + "%";
    if (progress) progress.setAttribute("aria-valuenow", pct);
    if (status) {
      if (studied) {
        status.textContent = "✓ " + lesson.dataset.textStudied;
        status.setAttribute("data-studied", "");
      } else {
        status.textContent = lesson.dataset.textProgress
          .replace("{seconds}", seconds).replace("{required}", required);
      }
    }
  }

  // Between beats: the server's count and the time gathered since, never past the need.
  function estimate() {
    tick();
    return Math.min(required, counted + Math.floor(activeMs / 1000));
  }

  function show(result) {
    counted = result.seconds;
    required = result.required;
    draw(result.studied ? result.seconds : estimate(), result.studied);
    if (result.module_completed) {
      var done = document.querySelector("[data-testid=module-complete]");
      if (done) done.hidden = false;
    }
    if (result.studied) stopped = true;
  }

  function beat(final) {
    if (stopped || (sending && !final)) return;
    tick();
    // Not what a beat on its way already carries (the leave-page beat may overlap one).
    var seconds = Math.max(0, Math.min(maxSeconds, Math.floor((activeMs - inFlightMs) / 1000)));
    var body = JSON.stringify({
      module: parseInt(lesson.dataset.studyModule, 10),
      lesson: lesson.dataset.studyLesson,
      seconds: seconds,
      sent_at: new Date().toISOString(),
      // Seconds reported were counted while visible; an empty beat from a hidden tab counts nothing.
      visible: seconds > 0 || visible()
    });
    sending = true;
    inFlightMs += seconds * 1000;
    // A beat that hangs is given up after half an interval; its seconds go with the next.
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort && setTimeout(function () { abort.abort(); }, Math.max(5000, interval / 2));
    var request = fetch(lesson.dataset.studyUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!final,
      signal: abort ? abort.signal : undefined,
      headers: { "Content-Type": "application/json", "X-CSRFToken": lesson.dataset.csrf },
      body: body
    });
    // The seconds are taken off only once the server has them; a failed beat sends them again.
    function done() {
      sending = false;
      inFlightMs = Math.max(0, inFlightMs - seconds * 1000);
      if (timer) clearTimeout(timer);
    }
    request.then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        done();
        if (!result) { failedAt = Date.now(); return; }
        activeMs = Math.max(0, activeMs - seconds * 1000);
        if (!final) show(result);
      })
      .catch(function () { done(); failedAt = Date.now(); /* the next beat tries again */ });
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
  setInterval(function () {
    tick();                        // every second, so time away from the page never piles up
    if (stopped || !active(Date.now())) return;
    var seconds = estimate();
    draw(seconds, false);
    // Studied: tell the server now (unless a beat just failed: the interval's beat retries).
    if (required && seconds >= required && Date.now() - failedAt >= interval) beat(false);
  }, 1000);
})();
