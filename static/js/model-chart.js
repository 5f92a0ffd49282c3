// The direction model's card: its accuracy next to each naive baseline, as a small bar chart.
(function () {
  "use strict";
  let chart = null;
  function draw() {
    const node = document.getElementById("model-chart-data");
    const canvas = document.getElementById("model-chart");
    if (!node || !canvas || typeof Chart === "undefined") return;
    const data = JSON.parse(node.textContent);
    if (chart) chart.destroy();
    const text = getComputedStyle(document.body).color;
    chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map((l) => (l.length > 38 ? `${l.slice(0, 36)}…` : l)),
        datasets: [{ data: data.values, backgroundColor: data.values.map((_, i) => (i === 0 ? "#0d6efd" : "#adb5bd")) }],
      },
      options: {
        indexAxis: "y",
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${c.parsed.x.toFixed(1)}% right` } } },
        scales: {
          x: { min: 0, max: 100, ticks: { color: text, callback: (v) => `${v}%` } },
          y: { ticks: { color: text } },
        },
      },
    });
    canvas.dataset.drawn = "1";
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
  document.addEventListener("platform:theme", draw);
})();
