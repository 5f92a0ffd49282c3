// The proposal's unified diff, drawn side by side with diff2html on the admin change page.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll(".proposal-diff[data-diff]").forEach(function (target) {
    if (!target.dataset.diff || typeof window.Diff2HtmlUI === "undefined") return;
    new window.Diff2HtmlUI(target, target.dataset.diff, { drawFileList: false, outputFormat: "side-by-side" }).draw();
  });
});
