// A proposal's unified diff drawn with diff2html (admin change page and review page): side by
// side, except when every file is new (nothing to put on the left), then line by line.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll(".proposal-diff[data-diff]").forEach(function (target) {
    if (!target.dataset.diff || typeof window.Diff2HtmlUI === "undefined") return;
    var diff = target.dataset.diff;
    var files = (diff.match(/^diff --git /gm) || []).length;
    var added = (diff.match(/^new file mode /gm) || []).length;
    var format = files > 0 && files === added ? "line-by-line" : "side-by-side";
    new window.Diff2HtmlUI(target, diff, { drawFileList: false, outputFormat: format }).draw();
  });
});
