// A proposal's unified diff drawn with diff2html (admin change page and review page). Nothing of a
// change may be hidden: side by side when both sides fit, otherwise (or when every file is new, so
// there is nothing to put on the left) line by line with long lines wrapped, intra-line highlights
// kept. The reader can switch; the chosen layout is on the element as data-format.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  function draw(target, diff, format) {
    target.classList.toggle("proposal-diff-wrap", format === "line-by-line");
    var ui = new window.Diff2HtmlUI(target.querySelector(".proposal-diff-body"), diff, {
      drawFileList: false,
      outputFormat: format,
      diffStyle: "word",
      matching: "lines",
    });
    ui.draw();
    target.dataset.format = format;
    target.querySelectorAll("[data-layout]").forEach(function (button) {
      button.classList.toggle("active", button.dataset.layout === format);
      button.setAttribute("aria-pressed", button.dataset.layout === format ? "true" : "false");
    });
  }

  function sideWouldScroll(target) {
    return Array.prototype.some.call(target.querySelectorAll(".d2h-file-side-diff"), function (side) {
      return side.scrollWidth > side.clientWidth + 1;
    });
  }

  document.querySelectorAll(".proposal-diff[data-diff]").forEach(function (target) {
    if (!target.dataset.diff || typeof window.Diff2HtmlUI === "undefined") return;
    var diff = target.dataset.diff;
    var files = (diff.match(/^diff --git /gm) || []).length;
    var added = (diff.match(/^new file mode /gm) || []).length;
    target.innerHTML =
      '<div class="btn-group btn-group-sm m-2" role="group" aria-label="Diff layout">' +
      '<button type="button" class="btn btn-outline-secondary" data-layout="side-by-side">Side by side</button>' +
      '<button type="button" class="btn btn-outline-secondary" data-layout="line-by-line">Unified</button>' +
      '</div><div class="proposal-diff-body"></div>';
    target.querySelectorAll("[data-layout]").forEach(function (button) {
      button.addEventListener("click", function () {
        draw(target, diff, button.dataset.layout);
      });
    });
    if (files > 0 && files === added) {
      draw(target, diff, "line-by-line");
      return;
    }
    draw(target, diff, "side-by-side");
    if (sideWouldScroll(target)) draw(target, diff, "line-by-line"); // a side would hide part of a line
  });
});
