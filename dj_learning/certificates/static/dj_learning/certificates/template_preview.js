// The certificate template form's live preview: the form as it stands (saved or not) is
// posted to the preview URL named by data-djl-certificate-preview, a moment after each
// edit, and the PDF answered is shown in the frame; an error answer is shown as text.
// Only the latest request's answer is shown, so a slow early one cannot overwrite it.
(function () {
  "use strict";
  var box = document.querySelector("[data-djl-certificate-preview]");
  var form = document.getElementById("w-editor-form");
  if (!box || !form) return;
  var frame = box.querySelector("[data-certificate-preview-frame]");
  var error = box.querySelector("[data-certificate-preview-error]");
  var pk = box.getAttribute("data-pk");
  var timer = null;
  var latest = 0;
  function show(blob) {
    if (frame.src) URL.revokeObjectURL(frame.src);
    frame.src = URL.createObjectURL(blob);
    error.hidden = true;
  }
  function refresh() {
    var data = new FormData(form);
    if (pk) data.append("pk", pk);
    var ticket = ++latest;
    box.setAttribute("aria-busy", "true");
    fetch(box.getAttribute("data-djl-certificate-preview"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
    })
      .then(function (response) {
        return (response.ok ? response.blob() : response.text()).then(function (body) {
          if (ticket !== latest) return;
          box.removeAttribute("aria-busy");
          if (response.ok) {
            show(body);
          } else {
            error.textContent = body;
            error.hidden = false;
          }
        });
      })
      .catch(function () {
        if (ticket === latest) box.removeAttribute("aria-busy");
      });
  }
  function later(delay) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay);
  }
  form.addEventListener("input", function () { later(800); });
  form.addEventListener("change", function () { later(300); });
  box.querySelector("[data-certificate-preview]").addEventListener("click", refresh);
  refresh();
})();
