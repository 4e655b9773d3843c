// The lobby board: one panel at a time, in turn (without JavaScript all panels show at once).
(function () {
  "use strict";
  var board = document.querySelector("[data-rotate]");
  if (!board) return;
  var panels = board.querySelectorAll(".board__panel");
  if (panels.length < 2) return;
  var seconds = Math.max(3, parseInt(board.getAttribute("data-rotate"), 10) || 15);
  var shown = 0;
  board.classList.add("board--rotating");
  function show() {
    panels.forEach(function (panel, i) { panel.hidden = i !== shown; });
    shown = (shown + 1) % panels.length;
  }
  show();
  window.setInterval(show, seconds * 1000);
})();
