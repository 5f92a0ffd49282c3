// The instrument page: candlestick chart with overlays and indicator panes, and the live price.
(function () {
  "use strict";
  const el = document.getElementById("price-chart");
  if (!el || typeof LightweightCharts === "undefined") return;
  const LC = LightweightCharts;
  const status = document.getElementById("chart-status");
  const toTime = (iso) => Math.floor(Date.parse(iso) / 1000);
  const num = (v) => Number(v);

  const chart = LC.createChart(el, {
    height: 560,
    // The library's logo comes with an inline <style> our CSP refuses; the page credits TradingView
    // in text instead, as its licence asks.
    layout: { attributionLogo: false, background: { color: "#ffffff" }, textColor: "#212529", panes: { separatorColor: "#dee2e6" } },
    grid: { vertLines: { color: "#f1f3f5" }, horzLines: { color: "#f1f3f5" } },
    timeScale: { timeVisible: el.dataset.interval.endsWith("h") || el.dataset.interval.endsWith("m") },
  });
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: "#198754", downColor: "#dc3545", borderVisible: false, wickUpColor: "#198754", wickDownColor: "#dc3545",
  });
  const volume = chart.addSeries(LC.HistogramSeries, { priceFormat: { type: "volume" }, priceScaleId: "volume", color: "#adb5bd" });
  chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  const line = (color, pane, width = 1) =>
    chart.addSeries(LC.LineSeries, { color, lineWidth: width, priceLineVisible: false, lastValueVisible: false }, pane);
  const overlays = {
    sma_20: line("#0d6efd", 0), sma_50: line("#fd7e14", 0), sma_200: line("#6f42c1", 0),
    bb_upper: line("rgba(108,117,125,.6)", 0), bb_lower: line("rgba(108,117,125,.6)", 0),
    rsi_14: line("#20c997", 1, 2), macd: line("#0d6efd", 2, 2), macd_signal: line("#fd7e14", 2),
  };
  const macdHist = chart.addSeries(LC.HistogramSeries, { priceLineVisible: false, lastValueVisible: false }, 2);

  async function load(range) {
    status.textContent = "Loading…";
    const url = `${el.dataset.historyUrl}?range=${range}&indicators=true&max_points=2000`;
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) {
      status.textContent = "The chart could not be loaded.";
      return;
    }
    const data = await response.json();
    candles.setData(data.bars.map((b) => ({ time: toTime(b.time), open: num(b.open), high: num(b.high), low: num(b.low), close: num(b.close) })));
    volume.setData(data.bars.map((b) => ({ time: toTime(b.time), value: num(b.volume), color: num(b.close) >= num(b.open) ? "rgba(25,135,84,.35)" : "rgba(220,53,69,.35)" })));
    for (const [name, series] of Object.entries(overlays)) {
      series.setData((data.indicators[name] || []).map((p) => ({ time: toTime(p.time), value: p.value })));
    }
    macdHist.setData((data.indicators.macd_hist || []).map((p) => ({ time: toTime(p.time), value: p.value, color: p.value >= 0 ? "rgba(25,135,84,.5)" : "rgba(220,53,69,.5)" })));
    chart.timeScale().fitContent();
    el.dataset.points = String(data.bars.length);
    status.textContent = `${data.bars.length} ${data.interval} bars${data.downsampled ? " (merged to fit)" : ""}`;
  }

  document.querySelectorAll("#range-picker [data-range]").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll("#range-picker .active").forEach((b) => b.classList.remove("active"));
      button.classList.add("active");
      load(button.dataset.range);
    });
  });
  const active = document.querySelector("#range-picker .active");
  load(active ? active.dataset.range : "1y");

  // Live price over the WebSocket (the session cookie authenticates it).
  const price = document.getElementById("live-price");
  const change = document.getElementById("live-change");
  const source = document.getElementById("live-source");
  const format = (v) => Number(v).toLocaleString(undefined, { minimumFractionDigits: Math.abs(v) < 10 ? 5 : 2, maximumFractionDigits: Math.abs(v) < 10 ? 5 : 2 });
  function connect(delay) {
    const socket = new WebSocket(window.platform.websocketUrl("/ws/market/realtime/"));
    socket.addEventListener("open", () => socket.send(JSON.stringify({ action: "subscribe", symbols: [el.dataset.symbol] })));
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type !== "tick" || frame.symbol !== el.dataset.symbol) return;
      price.textContent = format(frame.price);
      price.dataset.updates = String(Number(price.dataset.updates || 0) + 1);
      if (frame.change_percent !== undefined) {
        change.textContent = `${frame.change_percent >= 0 ? "+" : ""}${frame.change_percent.toFixed(2)}%`;
        change.className = frame.change_percent >= 0 ? "text-success" : "text-danger";
      }
      source.textContent = frame.source;
      source.className = `badge text-bg-${frame.source === "simulated" ? "warning" : "secondary"}`;
    });
    socket.addEventListener("close", () => setTimeout(() => connect(Math.min(delay * 2, 30000)), delay));
  }
  connect(1000);
})();
