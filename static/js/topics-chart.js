// Draw one horizontal bar chart per topic from the JSON the page embeds (#topics-data).
(function () {
  "use strict";
  function draw() {
    const source = document.getElementById("topics-data");
    if (!source || typeof Chart === "undefined") return;
    const topics = JSON.parse(source.textContent);
    document.querySelectorAll("canvas.topic-chart").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      const topic = topics[Number(canvas.dataset.topic)];
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: topic.terms.map((t) => t.term),
          datasets: [{ label: "weight", data: topic.terms.map((t) => t.weight), backgroundColor: "rgba(13, 110, 253, 0.6)" }],
        },
        options: { indexAxis: "y", animation: false, plugins: { legend: { display: false } }, maintainAspectRatio: false },
      });
      canvas.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
