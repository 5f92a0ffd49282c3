// Charts of the portfolio pages, drawn from the JSON the page embeds (CSP: no inline script).
(function () {
  "use strict";
  const palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#ffc107", "#6c757d", "#0dcaf0", "#dc3545"];
  const charts = {};

  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") return;
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ animation: false, maintainAspectRatio: false }, config.options || {});
    charts[id] = new Chart(canvas, config);
    canvas.dataset.drawn = "1";
  }

  function allocation(source) {
    const select = document.getElementById("allocation-group");
    const rows = source.allocation[select ? select.value : "asset"] || [];
    draw("allocation-chart", {
      type: "doughnut",
      data: {
        labels: rows.map((r) => r.name),
        datasets: [{ data: rows.map((r) => Number(r.value)), backgroundColor: palette }],
      },
      options: { plugins: { legend: { position: "bottom" } } },
    });
  }

  function performance(source) {
    const points = source.performance || [];
    const datasets = [
      { label: "Value", data: points.map((p) => p.value), yAxisID: "value", borderColor: palette[0], pointRadius: 0, borderWidth: 1.5 },
      { label: "TWR %", data: points.map((p) => (p.twr_index - 1) * 100), yAxisID: "pct", borderColor: palette[1], pointRadius: 0, borderWidth: 1.5 },
    ];
    if (source.benchmark) {
      datasets.push({
        label: source.benchmark + " %",
        data: points.map((p) => (p.benchmark_index == null ? null : (p.benchmark_index - 1) * 100)),
        yAxisID: "pct", borderColor: palette[2], pointRadius: 0, borderWidth: 1.5, borderDash: [4, 3],
      });
    }
    draw("performance-chart", {
      type: "line",
      data: { labels: points.map((p) => p.date), datasets: datasets },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 8 } },
          value: { position: "left", title: { display: true, text: "Value" } },
          pct: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Return %" } },
        },
      },
    });
  }

  function frontier(result) {
    draw("frontier-chart", {
      type: "scatter",
      data: {
        datasets: [
          { label: "Efficient frontier", data: result.frontier.map((p) => ({ x: p.volatility * 100, y: p.return * 100 })), showLine: true, borderColor: palette[0], pointRadius: 2 },
          { label: "Chosen", data: [{ x: result.volatility * 100, y: result.expected_return * 100 }], backgroundColor: palette[9], pointRadius: 7 },
          { label: "Instruments", data: result.assets.map((a) => ({ x: a.volatility * 100, y: a.expected_return * 100, label: a.symbol })), backgroundColor: palette[7], pointRadius: 4 },
        ],
      },
      options: {
        scales: { x: { title: { display: true, text: "Volatility % (annual)" } }, y: { title: { display: true, text: "Expected return % (annual)" } } },
        plugins: { tooltip: { callbacks: { label: (c) => (c.raw.label ? c.raw.label + ": " : "") + c.raw.y.toFixed(2) + "% at " + c.raw.x.toFixed(2) + "%" } } },
      },
    });
  }

  function equity(result) {
    const runs = [[result.strategy, result.result]];
    if (result.buy_and_hold) runs.push(["buy and hold", result.buy_and_hold]);
    draw("equity-chart", {
      type: "line",
      data: {
        labels: result.result.equity.map((p) => p.date),
        datasets: runs.map(([name, run], i) => ({ label: name, data: run.equity.map((p) => p.value), borderColor: palette[i], pointRadius: 0, borderWidth: 1.5 })),
      },
      options: { interaction: { mode: "index", intersect: false }, scales: { x: { ticks: { maxTicksLimit: 8 } } } },
    });
  }

  function render() {
    const portfolio = data("portfolio-data");
    if (portfolio) {
      allocation(portfolio);
      performance(portfolio);
    }
    const optimised = data("optimize-data");
    if (optimised) frontier(optimised);
    const tested = data("backtest-data");
    if (tested) equity(tested);
  }

  document.addEventListener("DOMContentLoaded", function () {
    render();
    const select = document.getElementById("allocation-group");
    if (select) select.addEventListener("change", () => allocation(data("portfolio-data")));
  });
  document.addEventListener("htmx:afterSettle", render);
})();
