// The image page: drag-and-drop onto the file input, parameters per operation, before/after slider.
(function () {
  "use strict";

  function showParameters() {
    const select = document.getElementById("id_operation");
    if (!select) return;
    document.querySelectorAll("[data-for]").forEach((group) => {
      group.hidden = !group.dataset.for.split(" ").includes(select.value);
    });
  }

  function dropZone() {
    const zone = document.getElementById("drop-zone");
    const input = document.getElementById("id_image");
    const label = document.getElementById("drop-label");
    if (!zone || !input) return;
    const named = () => { if (input.files.length) label.textContent = input.files[0].name; };
    input.addEventListener("change", named);
    ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    }));
    ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("dragging")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        named();
      }
    });
  }

  function compare() {
    const range = document.getElementById("compare-range");
    const over = document.getElementById("compare-over");
    if (!range || !over || range.dataset.bound) return;
    range.dataset.bound = "1";
    const apply = () => { over.style.clipPath = "inset(0 0 0 " + range.value + "%)"; };
    range.addEventListener("input", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", () => {
    showParameters();
    const select = document.getElementById("id_operation");
    if (select) select.addEventListener("change", showParameters);
    dropZone();
    compare();
  });
  document.addEventListener("htmx:afterSettle", compare);
})();
