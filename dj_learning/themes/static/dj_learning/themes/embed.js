/* dj-learning widgets: <script src="https://SITE/embed/embed.js" data-widget="catalog" async></script>
 * inserts the widget's iframe after the script tag and sizes it to its content.
 * Options (data-*): widget (catalog, my-study, notices, leaderboard, ...), primary and
 * accent (#rrggbb, used only if readable), limit, title, height (first height in px).
 * Heights are accepted only from the widget's own frame and the site's origin. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var widget = script.getAttribute("data-widget") || "";
  if (!/^[a-z0-9-]+$/.test(widget)) return;
  var src = new URL(script.src, document.baseURI);
  var siteOrigin = src.origin;
  var base = src.href.replace(/embed\.js(\?.*)?$/, "");
  var frameId = "djl-" + widget + "-" + Math.random().toString(36).slice(2, 10);
  var params = new URLSearchParams({ parent: window.location.origin, frame: frameId });
  ["primary", "accent", "limit"].forEach(function (key) {
    var value = script.getAttribute("data-" + key);
    if (value) params.set(key, value);
  });
  var iframe = document.createElement("iframe");
  iframe.src = base + widget + "/?" + params.toString();
  iframe.title = script.getAttribute("data-title") || widget;
  iframe.setAttribute("data-djl-widget", widget);
  var first = parseInt(script.getAttribute("data-height") || "240", 10);
  iframe.style.cssText = "display:block;width:100%;border:0;height:" + first + "px";
  script.parentNode.insertBefore(iframe, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== siteOrigin || event.source !== iframe.contentWindow) return;
    var data = event.data || {};
    if (data.type !== "djl-embed:height" || data.frame !== frameId) return;
    var height = Number(data.height);
    if (height > 0 && height < 20000) iframe.style.height = Math.ceil(height) + "px";
  });
})();
