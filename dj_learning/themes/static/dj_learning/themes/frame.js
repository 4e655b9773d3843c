/* Inside an embedded widget: report the content's height to the embedding page (only to
 * the origin the server checked against the region's list), and offer the Storage Access
 * API where the browser keeps the site's cookies from a third-party frame. */
(function () {
  "use strict";
  var body = document.body;
  var parentOrigin = body.getAttribute("data-parent-origin");
  var frameId = body.getAttribute("data-frame");
  if (parentOrigin && window.parent !== window) {
    var last = 0;
    var report = function () {
      var height = Math.ceil(body.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      window.parent.postMessage({ type: "djl-embed:height", frame: frameId, height: height }, parentOrigin);
    };
    if (window.ResizeObserver) new ResizeObserver(report).observe(body);
    window.addEventListener("load", report);
    report();
  }
  var ask = document.querySelector("[data-storage-access]");
  if (ask && document.requestStorageAccess && window.parent !== window) {
    document.hasStorageAccess().then(function (has) {
      if (has) return;
      ask.hidden = false;
      ask.addEventListener("click", function () {
        document.requestStorageAccess().then(
          function () { window.location.reload(); },
          function () { ask.hidden = true; }
        );
      });
    });
  }
})();
