// An award's page updates its progress while the job runs: it asks the small JSON
// endpoint named by data-djl-progress every second, and reloads once the job finished
// (to list the recipients). Without JavaScript the page offers a reload link.
(function () {
  "use strict";
  var box = document.querySelector("[data-djl-progress]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-testid=award-progress]");
  function poll() {
    fetch(box.getAttribute("data-djl-progress"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return setTimeout(poll, 3000);
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        text.textContent =
          data.done + " / " + data.total + " (" + data.percent + "%) · " + data.status_label +
          (data.error ? " · " + data.error : "");
        if (data.finished) {
          window.location.reload();
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        setTimeout(poll, 3000);
      });
  }
  setTimeout(poll, 1000);
})();
